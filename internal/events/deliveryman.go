package events

// Events produced by the deliveryman subgraph.
const (
	// CourierRegistered: a courier account was created. Subject: the courier
	// id.
	CourierRegistered = "deliveryman.courier.registered.v1"
	// CourierUpdated: a courier's profile or vehicle changed; the event
	// carries the courier as it is now. Subject: the courier id.
	CourierUpdated = "deliveryman.courier.updated.v1"
	// CourierAvailabilityChanged: a courier went available or unavailable
	// for offers; the event says which, it never toggles. Subject: the
	// courier id.
	CourierAvailabilityChanged = "deliveryman.courier.availability_changed.v1"
	// CourierLocationUpdated: a courier reported a new position; it feeds
	// the live geo index and order tracking. Subject: the courier id.
	CourierLocationUpdated = "deliveryman.courier.location_updated.v1"
	// DeliveryOfferAccepted: a courier accepted the offer to deliver an
	// order and is now assigned to it. Subject: the delivery id.
	DeliveryOfferAccepted = "deliveryman.delivery.offer_accepted.v1"
	// DeliveryOfferDeclined: a courier declined an offer (or let it expire);
	// dispatch moves to the next candidate. Subject: the delivery id.
	DeliveryOfferDeclined = "deliveryman.delivery.offer_declined.v1"
	// DeliveryPickedUp: the assigned courier collected the order from the
	// vendor. Subject: the delivery id.
	DeliveryPickedUp = "deliveryman.delivery.picked_up.v1"
	// DeliveryDelivered: the assigned courier handed the order to the
	// customer. Subject: the delivery id.
	DeliveryDelivered = "deliveryman.delivery.delivered.v1"
)
