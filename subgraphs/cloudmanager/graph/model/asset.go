package model

import (
	"time"

	"github.com/platterhq/platter/subgraphs/cloudmanager/asset"
)

// Asset is an asset's public metadata. Source is the record its url is
// signed for; it is not part of the schema.
type Asset struct {
	ID          string       `json:"id"`
	Purpose     AssetPurpose `json:"purpose"`
	OwnerID     string       `json:"ownerId"`
	ContentType string       `json:"contentType"`
	Bytes       int          `json:"bytes"`
	Width       int          `json:"width"`
	Height      int          `json:"height"`
	CreatedAt   time.Time    `json:"createdAt"`

	Source asset.Asset `json:"-"`
}

// IsEntity marks Asset as a federation entity.
func (Asset) IsEntity() {}
