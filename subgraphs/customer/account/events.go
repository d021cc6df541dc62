package account

import (
	"context"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
)

// Source is the customer subgraph as the source of its events, and as the
// requester that geocoding answers name.
const Source = "customer"

// publish adds an event about the customer to the change being saved.
func (c *Customer) publish(ctx context.Context, typ string, data any) error {
	e, err := events.New(ctx, Source, typ, c.ID, data)
	if err != nil {
		return err
	}
	c.Events = append(c.Events, e)
	return nil
}

func (c *Customer) publishRegistered(ctx context.Context) error {
	return c.publish(ctx, events.CustomerRegistered, events.CustomerRegisteredData{CustomerID: c.ID, Email: c.Email, Name: c.Name})
}

func (c *Customer) publishUpdated(ctx context.Context) error {
	return c.publish(ctx, events.CustomerUpdated, events.CustomerUpdatedData{CustomerID: c.ID, Email: c.Email, Name: c.Name})
}

// geocodeIfNeeded asks for the location of an address saved without one.
func (c *Customer) geocodeIfNeeded(ctx context.Context, a Address) error {
	if a.Location != nil {
		return nil
	}
	return c.publish(ctx, events.CustomerAddressGeocodingRequested, events.GeocodingRequestedData{
		SubjectID: c.ID, AddressID: a.ID, Address: a.Text(),
	})
}

// RemoveOrdered takes what an order holds out of its customer's cart: each
// ordered quantity is subtracted from the line of that product, and a line
// that reaches zero goes. Orders of one checkout come one per vendor, each
// taking its own items. The order event's id is recorded with the change,
// so a copy of the event takes nothing more. An unknown customer is not an
// error: there is no cart to empty.
func (s *Service) RemoveOrdered(ctx context.Context, eventID, customerID string, ordered []CartItem) error {
	_, err := s.store.ApplyEvent(ctx, customerID, eventID, func(c *Customer) error {
		c.Cart = withoutOrdered(c.Cart, ordered)
		c.UpdatedAt = s.now().UTC()
		return nil
	})
	if apperr.CodeOf(err) == apperr.NotFound {
		s.log.WarnContext(ctx, "order of an unknown customer: no cart to empty", "customer_id", customerID, "event_id", eventID)
		return nil
	}
	return err
}

// withoutOrdered returns cart less the ordered quantities. A product
// ordered in several lines counts them all; one not in the cart (removed
// meanwhile) takes nothing.
func withoutOrdered(cart, ordered []CartItem) []CartItem {
	take := map[string]int{}
	for _, it := range ordered {
		take[it.ProductID] += it.Quantity
	}
	out := cart[:0:0]
	for _, it := range cart {
		it.Quantity -= take[it.ProductID]
		if it.Quantity > 0 {
			out = append(out, it)
		}
	}
	return out
}

// SetGeocodedLocation applies a geocoding answer: the address gets the
// location if it still reads as the text that was geocoded and has no
// location yet. An answer about text the customer has changed since, or
// arriving after a location was set, changes nothing (reported false), as
// does one about an unknown customer or address.
func (s *Service) SetGeocodedLocation(ctx context.Context, customerID, addressID, text string, at GeoPoint) (bool, error) {
	if err := validLocation(at); err != nil {
		return false, err
	}
	applied := false
	_, err := s.store.Update(ctx, customerID, func(c *Customer) error {
		i, err := c.addressIndex(addressID)
		if err != nil || c.Deleted || c.Addresses[i].Location != nil || c.Addresses[i].Text() != text {
			return ErrNoChange
		}
		p := at
		c.Addresses[i].Location = &p
		c.UpdatedAt = s.now().UTC()
		applied = true
		return nil
	})
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	return applied, err
}

// DetachAvatar clears the avatar of every customer showing the asset, which
// no longer exists; it returns how many changed. Clearing an avatar is a
// profile change, so each publishes CustomerUpdated.
func (s *Service) DetachAvatar(ctx context.Context, assetID string) (int, error) {
	if assetID == "" {
		return 0, nil
	}
	showing, err := s.store.ByAvatar(ctx, assetID)
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, c := range showing {
		detached := false
		_, err := s.store.Update(ctx, c.ID, func(c *Customer) error {
			if c.AvatarAssetID != assetID {
				return ErrNoChange // changed meanwhile
			}
			c.AvatarAssetID = ""
			c.UpdatedAt = s.now().UTC()
			detached = true
			return c.publishUpdated(ctx)
		})
		if err != nil && apperr.CodeOf(err) != apperr.NotFound {
			return changed, err
		}
		if detached {
			changed++
		}
	}
	return changed, nil
}

// profile is what CustomerUpdated reports a change of.
type profile struct{ name, phone, avatar string }

func (c *Customer) profile() profile { return profile{c.Name, c.Phone, c.AvatarAssetID} }
