package graph

import (
	"github.com/platterhq/platter/subgraphs/vendorsvc/graph/model"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// toVendor maps a vendor the caller may see.
func toVendor(v vendorprofile.Vendor) *model.Vendor {
	return &model.Vendor{
		ID: v.ID, Name: v.Name, About: v.About, Status: model.VendorStatus(v.Status),
		IsOpen: v.IsOpen, CreatedAt: v.CreatedAt,
	}
}
