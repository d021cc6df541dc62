package asset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/platterhq/platter/internal/apperr"
)

// An upload by signed URL goes in three steps:
//
//  1. CreateUpload records a Pending upload and signs a PUT URL for the
//     staging object uploads/<id>, valid for Limits.UploadURLTTL and bound
//     to the declared content type.
//  2. The client PUTs the bytes to that URL, straight to storage.
//  3. ConfirmUpload reads what arrived. If it is an image of the declared
//     type and size, it is written without its metadata (see
//     StripMetadata) to the asset's object, the asset becomes visible and
//     the pending record and staging object are removed. Otherwise both are removed and the caller must start again.
//
// Confirmation happens once. The PUT URL names only the staging object, so
// using it again after confirmation cannot touch the confirmed image: the
// new bytes land in staging, a second confirm answers CONFLICT and removes
// them, and the sweeper removes any left unconfirmed. After its expiry
// storage itself refuses the URL; an upload confirmed after
// ExpiresAt+ConfirmGrace is refused and cleaned up.

// ConfirmGrace is how long after its PUT URL expires an upload may still
// be confirmed: a PUT started just before the expiry may take a while.
const ConfirmGrace = 5 * time.Minute

// Pending is an upload by signed URL awaiting its bytes.
type Pending struct {
	ID          string
	OwnerID     string
	Purpose     Purpose
	ContentType string // declared, and signed into the PUT URL
	Bytes       int64  // declared
	CreatedAt   time.Time
	ExpiresAt   time.Time // when the PUT URL stops working
}

// Object is where the confirmed image will be stored.
func (p Pending) Object() string { return ObjectName(p.Purpose, p.OwnerID, p.ID) }

// Upload is what a client needs to send an image by signed URL.
type Upload struct {
	Pending Pending
	URL     string
	Method  string
	// Headers must be sent with the PUT exactly as given.
	Headers map[string]string
}

// CreateUpload starts an upload by signed URL of an image of contentType
// and size bytes.
func (s *Service) CreateUpload(ctx context.Context, c Caller, purpose Purpose, contentType string, size int64) (Upload, error) {
	if err := checkPurpose(purpose, c); err != nil {
		return Upload{}, err
	}
	switch {
	case !contentTypes[contentType]:
		return Upload{}, apperr.Invalid("contentType", "must be image/jpeg, image/png or image/webp")
	case size < 1:
		return Upload{}, apperr.Invalid("bytes", "must be at least 1")
	case size > s.limits.MaxBytes:
		return Upload{}, s.tooLarge("bytes", size)
	}
	id, err := NewID()
	if err != nil {
		return Upload{}, err
	}
	now := s.now().UTC()
	p := Pending{
		ID: id, OwnerID: c.ID, Purpose: purpose, ContentType: contentType, Bytes: size,
		CreatedAt: now, ExpiresAt: now.Add(s.limits.UploadURLTTL),
	}
	u, err := s.signer.SignedURL(StagingName(id), http.MethodPut, contentType, p.ExpiresAt)
	if err != nil {
		return Upload{}, fmt.Errorf("sign upload url: %w", err)
	}
	if err := s.store.CreatePending(ctx, p); err != nil {
		return Upload{}, err
	}
	return Upload{Pending: p, URL: u, Method: http.MethodPut, Headers: map[string]string{"Content-Type": contentType}}, nil
}

// ConfirmUpload checks what was PUT for the pending upload id and, if it is
// the declared image, makes it a READY asset. Only the uploader may
// confirm. A mismatch is INVALID_INPUT and removes the upload.
func (s *Service) ConfirmUpload(ctx context.Context, c Caller, id string) (Asset, error) {
	if err := ValidateID(id); err != nil {
		return Asset{}, err
	}
	p, err := s.store.PendingByID(ctx, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return Asset{}, s.notPending(ctx, c, id)
	}
	if err != nil {
		return Asset{}, err
	}
	if p.OwnerID != c.ID {
		return Asset{}, apperr.E(apperr.Forbidden, "only the account that created the upload may confirm it")
	}
	if s.now().After(p.ExpiresAt.Add(ConfirmGrace)) {
		s.discard(ctx, p)
		return Asset{}, apperr.Invalid("id", "the upload expired at %s; create a new upload", p.ExpiresAt.Format(time.RFC3339))
	}

	r, size, err := s.objects.Open(ctx, StagingName(id))
	if apperr.CodeOf(err) == apperr.NotFound {
		// Not an error to clean up after: the client may PUT and confirm
		// again until the URL expires.
		return Asset{}, apperr.Invalid("id", "nothing has been uploaded yet: PUT the image to the upload URL, then confirm")
	}
	if err != nil {
		return Asset{}, err
	}
	kind, data, inspectErr := s.inspectUploaded(r, size, p)
	r.Close()
	if inspectErr != nil {
		if _, ok := apperr.As(inspectErr); ok {
			s.discard(ctx, p)
		}
		return Asset{}, inspectErr
	}
	a, err := New(id, p.OwnerID, Image{Purpose: p.Purpose, ContentType: kind.ContentType, Bytes: int64(len(data)), Width: kind.Width, Height: kind.Height}, s.now())
	if err != nil {
		s.discard(ctx, p)
		return Asset{}, err
	}
	// Any failure from here leaves the pending upload as it was, so
	// confirming again retries. The object is written anew rather than
	// copied, without the image's metadata; one already there can only be
	// an earlier try's, with the same bytes.
	if err := s.objects.Put(ctx, a.Object(), a.ContentType, data); err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return Asset{}, fmt.Errorf("store upload %s: %w", id, err)
	}
	if err := s.create(ctx, a); err != nil {
		if apperr.CodeOf(err) == apperr.Conflict {
			return Asset{}, alreadyConfirmed()
		}
		return Asset{}, err
	}
	// Best effort: the sweeper removes what is left if these fail.
	_ = s.store.DeletePending(ctx, id)
	_ = s.objects.Delete(ctx, StagingName(id))
	return a, nil
}

// inspectUploaded checks the staging object against what p declared and
// returns the image without its metadata.
func (s *Service) inspectUploaded(r io.Reader, size int64, p Pending) (Kind, []byte, error) {
	if size != p.Bytes {
		return Kind{}, nil, apperr.Invalid("bytes", "%d bytes were uploaded, not the %d declared", size, p.Bytes)
	}
	raw, err := io.ReadAll(io.LimitReader(r, size))
	if err != nil {
		return Kind{}, nil, fmt.Errorf("read upload %s: %w", p.ID, err)
	}
	kind, data, err := inspectAndStrip(raw, "contentType")
	if err != nil {
		if e, ok := apperr.As(err); ok {
			return Kind{}, nil, apperr.Invalid("contentType", "the uploaded file %s", e.Message)
		}
		return Kind{}, nil, err
	}
	if kind.ContentType != p.ContentType {
		return Kind{}, nil, apperr.Invalid("contentType", "the uploaded bytes are %s, not the declared %s", kind.ContentType, p.ContentType)
	}
	return kind, data, nil
}

// notPending explains a confirmation of an id with no pending upload.
func (s *Service) notPending(ctx context.Context, c Caller, id string) error {
	a, err := s.store.ByID(ctx, id)
	if apperr.CodeOf(err) == apperr.NotFound {
		return apperr.E(apperr.NotFound, "no upload is waiting with this id: it was never created, or it failed or expired and was removed")
	}
	if err != nil {
		return err
	}
	if a.OwnerID != c.ID {
		return apperr.E(apperr.Forbidden, "only the account that created the upload may confirm it")
	}
	// Bytes PUT again with the used URL are not the asset's: drop them.
	_ = s.objects.Delete(ctx, StagingName(id))
	return alreadyConfirmed()
}

func alreadyConfirmed() error {
	return &apperr.Error{Code: apperr.Conflict, Field: "id", Message: "this upload was already confirmed; an upload URL is good for one image, so create a new upload"}
}

// discard removes a failed or expired upload: its staging object, any
// object a confirmation stopped half way left behind, and its record.
func (s *Service) discard(ctx context.Context, p Pending) {
	ctx = context.WithoutCancel(ctx)
	_ = s.objects.Delete(ctx, StagingName(p.ID))
	if _, err := s.store.ByID(ctx, p.ID); apperr.CodeOf(err) == apperr.NotFound {
		_ = s.objects.Delete(ctx, p.Object())
	}
	_ = s.store.DeletePending(ctx, p.ID)
}

// SweepUploads removes uploads that can no longer be confirmed, and bytes
// PUT to staging that no upload waits for (a used URL used again). It
// returns how many of each it removed.
func (s *Service) SweepUploads(ctx context.Context) (pending, staged int, err error) {
	now := s.now()
	list, err := s.store.Pendings(ctx)
	if err != nil {
		return 0, 0, err
	}
	waiting := map[string]bool{}
	for _, p := range list {
		if now.After(p.ExpiresAt.Add(ConfirmGrace)) {
			s.discard(ctx, p)
			pending++
			continue
		}
		waiting[p.ID] = true
	}
	// A staging object younger than a URL's lifetime may belong to an
	// upload created since the list above was read.
	names, err := s.objects.List(ctx, StagingPrefix, now.Add(-s.limits.UploadURLTTL-ConfirmGrace))
	if err != nil {
		return pending, 0, err
	}
	var errs []error
	for _, name := range names {
		id := name[len(StagingPrefix):]
		if waiting[id] {
			continue
		}
		if err := s.objects.Delete(ctx, name); err != nil {
			errs = append(errs, err)
			continue
		}
		staged++
	}
	return pending, staged, errors.Join(errs...)
}
