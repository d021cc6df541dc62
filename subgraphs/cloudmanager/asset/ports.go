package asset

import (
	"context"
	"io"
	"time"
)

// Store keeps asset metadata: confirmed assets, and pending uploads
// awaiting their bytes.
type Store interface {
	// Create saves a; an id already taken is CONFLICT.
	Create(ctx context.Context, a Asset) error
	// ByID returns NOT_FOUND for an unknown id.
	ByID(ctx context.Context, id string) (Asset, error)
	// ByIDs returns the assets found, in any order.
	ByIDs(ctx context.Context, ids []string) ([]Asset, error)
	// Delete removes an asset's metadata; an unknown id is not an error.
	Delete(ctx context.Context, id string) error

	// CreatePending saves p; an id already taken is CONFLICT.
	CreatePending(ctx context.Context, p Pending) error
	// PendingByID returns NOT_FOUND for an unknown id.
	PendingByID(ctx context.Context, id string) (Pending, error)
	// DeletePending removes p; an unknown id is not an error.
	DeletePending(ctx context.Context, id string) error
	// Pendings lists every pending upload.
	Pendings(ctx context.Context) ([]Pending, error)
}

// Objects keeps images' bytes.
type Objects interface {
	// Put stores data under name unless an object has that name already
	// (CONFLICT).
	Put(ctx context.Context, name, contentType string, data []byte) error
	// Open reads an object and tells its size; NOT_FOUND when missing.
	Open(ctx context.Context, name string) (io.ReadCloser, int64, error)
	// Delete removes an object; a missing one is not an error.
	Delete(ctx context.Context, name string) error
	// List names the objects under prefix created before before.
	List(ctx context.Context, prefix string, before time.Time) ([]string, error)
}

// Signer makes signed URLs locally: it needs no request to storage.
type Signer interface {
	// SignedURL lets its holder use method on object until expires; a
	// non-empty contentType must be sent as the request's Content-Type.
	SignedURL(object, method, contentType string, expires time.Time) (string, error)
}

// Outbox holds the events that tell the other subgraphs what happened to
// assets until they are published. Storage gives no transaction over two
// writes, so an event is recorded before the change it tells of and goes
// out once the change is visible: an event whose change never happened is
// never published, and one whose change did is never lost.
type Outbox interface {
	// RecordUploaded records cloudmanager.asset.uploaded for a, before a's
	// metadata is created.
	RecordUploaded(ctx context.Context, a Asset) error
	// RecordDeleted records cloudmanager.asset.deleted for a, before a is
	// deleted. While one is pending, recording it again keeps the first, so
	// a retried delete tells of one deletion.
	RecordDeleted(ctx context.Context, a Asset) error
	// Notify says a recorded change was made, so its event goes out now
	// rather than at the relay's next look. It never blocks.
	Notify()
}
