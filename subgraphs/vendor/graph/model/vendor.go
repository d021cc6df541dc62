package model

import (
	"time"

	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// Vendor is the GraphQL vendor; Source keeps the domain vendor for the
// fields resolved per caller (email) and per moment (openNow).
type Vendor struct {
	ID           string               `json:"id"`
	Name         string               `json:"name"`
	About        string               `json:"about"`
	Phone        *string              `json:"phone,omitempty"`
	Address      *string              `json:"address,omitempty"`
	Location     *GeoPoint            `json:"location,omitempty"`
	TimeZone     string               `json:"timeZone"`
	Logo         *Asset               `json:"logo,omitempty"`
	Gallery      []Asset              `json:"gallery"`
	Team         []TeamMember         `json:"team"`
	SocialLinks  []SocialLink         `json:"socialLinks"`
	OpeningHours []OpeningDay         `json:"openingHours"`
	IsOpen       bool                 `json:"isOpen"`
	Status       VendorStatus         `json:"status"`
	CreatedAt    time.Time            `json:"createdAt"`
	Source       vendorprofile.Vendor `json:"-"`
	// Own is set when the vendor is the one a session was just issued for,
	// before any token is in the request.
	Own bool `json:"-"`
}

// IsEntity marks Vendor as a federation entity.
func (Vendor) IsEntity() {}
