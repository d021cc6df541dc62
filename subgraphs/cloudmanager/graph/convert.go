package graph

import (
	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
	"github.com/platterhq/platter/subgraphs/cloudmanager/graph/model"
)

// toAsset maps an asset's public metadata (its owner stays internal).
func toAsset(a asset.Asset) *model.Asset {
	return &model.Asset{
		ID: a.ID, Purpose: model.AssetPurpose(a.Purpose), ContentType: a.ContentType,
		Bytes: int(a.Bytes), Width: a.Width, Height: a.Height, CreatedAt: a.CreatedAt,
	}
}
