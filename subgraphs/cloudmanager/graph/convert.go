package graph

import (
	"context"
	"sort"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
	"github.com/platterhq/platter/subgraphs/cloudmanager/graph/model"
)

// caller is the verified caller as the asset rules see it.
func caller(ctx context.Context) (asset.Caller, error) {
	id, err := auth.Require(ctx)
	if err != nil {
		return asset.Caller{}, err
	}
	return asset.Caller{
		ID:      id.Subject,
		Vendor:  id.Has(auth.RoleVendor),
		Courier: id.Has(auth.RoleCourier),
		Admin:   id.Has(auth.RoleAdmin),
	}, nil
}

// toAsset maps an asset's public metadata; the record rides along for the
// url resolver.
func toAsset(a asset.Asset) *model.Asset {
	return &model.Asset{
		ID: a.ID, Purpose: model.AssetPurpose(a.Purpose), OwnerID: a.OwnerID, ContentType: a.ContentType,
		Bytes: int(a.Bytes), Width: a.Width, Height: a.Height, CreatedAt: a.CreatedAt,
		Source: a,
	}
}

func toImageUpload(u asset.Upload, maxBytes int64) *model.ImageUpload {
	headers := make([]model.HTTPHeader, 0, len(u.Headers))
	for name, value := range u.Headers {
		headers = append(headers, model.HTTPHeader{Name: name, Value: value})
	}
	sort.Slice(headers, func(i, j int) bool { return headers[i].Name < headers[j].Name })
	return &model.ImageUpload{
		AssetID: u.Pending.ID, URL: u.URL, Method: u.Method, Headers: headers,
		ExpiresAt: u.Pending.ExpiresAt, MaxBytes: int(maxBytes),
	}
}

func toGeoPoint(r geocode.Result) *model.GeoPoint {
	if !r.Found {
		return nil
	}
	return &model.GeoPoint{Lat: r.Point.Lat, Lng: r.Point.Lng}
}
