package account

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
)

// ProductState is what the customer subgraph knows of a product, kept from
// the product subgraph's events.
type ProductState struct {
	ID        string
	VendorID  string
	Available bool
	Deleted   bool
	Version   int64
}

// Products looks products up in the local replica.
type Products interface {
	// ProductStates returns the known products among ids, by id.
	ProductStates(ctx context.Context, ids []string) (map[string]ProductState, error)
}

// CartItem is a product and a quantity in the cart.
type CartItem struct {
	ProductID string
	Quantity  int
	AddedAt   time.Time
}

// WishlistItem is a product the customer keeps for later.
type WishlistItem struct {
	ProductID string
	AddedAt   time.Time
}

const (
	// MaxQuantity bounds one cart line; larger orders are a conversation
	// with the vendor, not a cart.
	MaxQuantity = 50
	// MaxCartItems and MaxWishlistItems bound the document's size.
	MaxCartItems     = 50
	MaxWishlistItems = 200
)

// ItemStatus says whether a cart or wishlist product can still be ordered.
type ItemStatus string

const (
	ItemAvailable   ItemStatus = "AVAILABLE"
	ItemUnavailable ItemStatus = "UNAVAILABLE"
	ItemDeleted     ItemStatus = "DELETED"
)

// StatusOf flags a product by the replica: unknown and deleted products are
// DELETED, unavailable ones UNAVAILABLE.
func StatusOf(known map[string]ProductState, id string) ItemStatus {
	p, ok := known[id]
	switch {
	case !ok || p.Deleted:
		return ItemDeleted
	case !p.Available:
		return ItemUnavailable
	}
	return ItemAvailable
}

// orderable returns NOT_FOUND for a product the replica does not know or
// knows as deleted.
func (s *Service) orderable(ctx context.Context, productID string) (ProductState, error) {
	productID = strings.TrimSpace(productID)
	known, err := s.products.ProductStates(ctx, []string{productID})
	if err != nil {
		return ProductState{}, err
	}
	p, ok := known[productID]
	if !ok || p.Deleted {
		return ProductState{}, apperr.E(apperr.NotFound, "product not found")
	}
	return p, nil
}

// SetCartItem sets the quantity of a product in the caller's cart; 0 removes
// it. Products of several vendors may share the cart.
func (s *Service) SetCartItem(ctx context.Context, caller auth.Identity, productID string, quantity int) (Customer, error) {
	if quantity < 0 || quantity > MaxQuantity {
		return Customer{}, apperr.Invalid("quantity", "must be between 0 and %d", MaxQuantity)
	}
	if quantity > 0 {
		p, err := s.orderable(ctx, productID)
		if err != nil {
			return Customer{}, err
		}
		if !p.Available {
			return Customer{}, apperr.Invalid("productId", "is not available right now")
		}
	}
	now := s.now().UTC()
	return s.update(ctx, caller.Subject, func(c *Customer) error {
		i := slices.IndexFunc(c.Cart, func(it CartItem) bool { return it.ProductID == productID })
		switch {
		case quantity == 0 && i >= 0:
			c.Cart = slices.Delete(c.Cart, i, i+1)
		case quantity == 0:
		case i >= 0:
			c.Cart[i].Quantity = quantity
		case len(c.Cart) >= MaxCartItems:
			return apperr.Invalid("productId", "the cart holds at most %d products", MaxCartItems)
		default:
			c.Cart = append(c.Cart, CartItem{ProductID: productID, Quantity: quantity, AddedAt: now})
		}
		return nil
	})
}

// ClearCart empties the caller's cart.
func (s *Service) ClearCart(ctx context.Context, caller auth.Identity) (Customer, error) {
	return s.update(ctx, caller.Subject, func(c *Customer) error {
		c.Cart = nil
		return nil
	})
}

// AddToWishlist adds a product once; adding it again changes nothing.
func (s *Service) AddToWishlist(ctx context.Context, caller auth.Identity, productID string) (Customer, error) {
	if _, err := s.orderable(ctx, productID); err != nil {
		return Customer{}, err
	}
	now := s.now().UTC()
	return s.update(ctx, caller.Subject, func(c *Customer) error {
		if slices.ContainsFunc(c.Wishlist, func(w WishlistItem) bool { return w.ProductID == productID }) {
			return nil
		}
		if len(c.Wishlist) >= MaxWishlistItems {
			return apperr.Invalid("productId", "the wishlist holds at most %d products", MaxWishlistItems)
		}
		c.Wishlist = append(c.Wishlist, WishlistItem{ProductID: productID, AddedAt: now})
		return nil
	})
}

// RemoveFromWishlist removes a product; removing one that is not there
// changes nothing.
func (s *Service) RemoveFromWishlist(ctx context.Context, caller auth.Identity, productID string) (Customer, error) {
	return s.update(ctx, caller.Subject, func(c *Customer) error {
		c.Wishlist = slices.DeleteFunc(c.Wishlist, func(w WishlistItem) bool { return w.ProductID == productID })
		return nil
	})
}

// ProductStates exposes the replica to the GraphQL layer for flagging.
func (s *Service) ProductStates(ctx context.Context, ids []string) (map[string]ProductState, error) {
	return s.products.ProductStates(ctx, ids)
}
