package graph

import (
	"github.com/platterhq/platter/subgraphs/shopping/graph/model"
	"github.com/platterhq/platter/subgraphs/shopping/order"
)

// toOrder maps an order the caller may read (the service already checked).
func toOrder(o order.Order) *model.Order {
	return &model.Order{
		ID:       o.ID,
		Number:   o.Number,
		Status:   model.OrderStatus(o.Status),
		PlacedAt: o.PlacedAt,
		Customer: &model.Customer{ID: o.CustomerID},
		Vendor:   &model.Vendor{ID: o.VendorID},
	}
}
