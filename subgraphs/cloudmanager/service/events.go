package service

import (
	"context"
	"log/slog"

	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
)

// logEvents stands in for the event bus until cloudmanager publishes to
// it: it logs each event it would send, with the type it will have in the
// events catalogue. Nothing consumes these yet, so nothing is lost but the
// other subgraphs' reactions (dropping a deleted image, storing an
// address's coordinates).
type logEvents struct{ log *slog.Logger }

var (
	_ asset.Publisher   = logEvents{}
	_ geocode.Publisher = logEvents{}
)

func (e logEvents) AssetUploaded(ctx context.Context, a asset.Asset) error {
	e.log.InfoContext(ctx, "event", "type", "cloudmanager.asset.uploaded.v1", "subject", a.ID,
		"owner_id", a.OwnerID, "purpose", string(a.Purpose))
	return nil
}

func (e logEvents) AssetDeleted(ctx context.Context, d asset.Deleted) error {
	e.log.InfoContext(ctx, "event", "type", "cloudmanager.asset.deleted.v1", "subject", d.ID,
		"owner_id", d.OwnerID, "purpose", string(d.Purpose), "deleted_by", d.DeletedBy)
	return nil
}

func (e logEvents) AddressGeocoded(ctx context.Context, a geocode.Answer) error {
	e.log.InfoContext(ctx, "event", "type", "cloudmanager.address.geocoded.v1", "subject", a.SubjectID,
		"found", a.Found, "reason", a.Reason)
	return nil
}
