package graph

import (
	"github.com/platterhq/platter/subgraphs/deliveryman/courier"
	"github.com/platterhq/platter/subgraphs/deliveryman/graph/model"
)

// toCourier maps the fields every caller that reaches a courier may see;
// private ones (location, phone) will carry their own checks.
func toCourier(c courier.Courier) *model.Courier {
	return &model.Courier{
		ID: c.ID, Name: c.Name, Availability: model.CourierAvailability(c.Availability), CreatedAt: c.CreatedAt,
	}
}
