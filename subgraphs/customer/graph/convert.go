package graph

import (
	"context"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/subgraphs/customer/account"
	"github.com/platterhq/platter/subgraphs/customer/graph/model"
)

// toCustomer maps an account for the caller in ctx: private fields only for
// the customer and admins.
func toCustomer(ctx context.Context, c account.Customer) *model.Customer {
	out := publicCustomer(c)
	caller, ok := auth.FromContext(ctx)
	if account.CanSeePrivate(caller, ok, c) {
		addPrivate(out, c)
	}
	return out
}

// publicCustomer maps the fields anyone may see.
func publicCustomer(c account.Customer) *model.Customer {
	return &model.Customer{ID: c.ID, Name: c.Name, Roles: c.Roles, CreatedAt: c.CreatedAt}
}

// addPrivate fills the fields only the customer and admins see.
func addPrivate(out *model.Customer, c account.Customer) {
	out.Private = &c
	email := c.Email
	out.Email = &email
	if c.Phone != "" {
		phone := c.Phone
		out.Phone = &phone
	}
	if c.AvatarAssetID != "" {
		out.Avatar = &model.Asset{ID: c.AvatarAssetID}
	}
	out.Addresses = make([]model.Address, len(c.Addresses))
	for i, a := range c.Addresses {
		out.Addresses[i] = *toAddress(a)
		if a.ID == c.DefaultAddressID {
			out.DefaultAddress = toAddress(a)
		}
	}
}

func toAddress(a account.Address) *model.Address {
	out := &model.Address{ID: a.ID, Street: a.Street, City: a.City, PostalCode: a.PostalCode, Country: a.Country}
	if a.Label != "" {
		label := a.Label
		out.Label = &label
	}
	if a.Location != nil {
		out.Location = &model.GeoPoint{Lat: a.Location.Lat, Lng: a.Location.Lng}
	}
	return out
}

func fromAddressInput(in model.AddressInput) account.AddressInput {
	out := account.AddressInput{Street: in.Street, City: in.City, PostalCode: in.PostalCode, Country: in.Country}
	if in.Label != nil {
		out.Label = *in.Label
	}
	if in.Location != nil {
		out.Location = &account.GeoPoint{Lat: in.Location.Lat, Lng: in.Location.Lng}
	}
	return out
}

// toSession maps a freshly issued token pair. The caller is the account
// itself, whatever token the request carried.
func toSession(c account.Customer, t auth.Tokens) *model.CustomerSession {
	customer := publicCustomer(c)
	addPrivate(customer, c)
	return &model.CustomerSession{
		AccessToken:           t.AccessToken,
		AccessTokenExpiresAt:  t.AccessTokenExpiresAt,
		RefreshToken:          t.RefreshToken,
		RefreshTokenExpiresAt: t.RefreshTokenExpiresAt,
		Customer:              customer,
	}
}

// toCart maps a cart, flagging items by what the replica knows now.
func toCart(items []account.CartItem, known map[string]account.ProductState) *model.Cart {
	out := &model.Cart{Items: make([]model.CartItem, len(items))}
	for i, it := range items {
		status := account.StatusOf(known, it.ProductID)
		item := model.CartItem{ProductID: it.ProductID, Quantity: it.Quantity, Status: model.CartItemStatus(status), AddedAt: it.AddedAt}
		if status != account.ItemDeleted {
			item.Product = &model.Product{ID: it.ProductID}
		}
		out.Items[i] = item
		out.ItemCount += it.Quantity
	}
	return out
}

// toWishlist maps the wishlist, leaving out products that no longer exist.
func toWishlist(items []account.WishlistItem, known map[string]account.ProductState) []model.Product {
	out := []model.Product{}
	for _, w := range items {
		if account.StatusOf(known, w.ProductID) != account.ItemDeleted {
			out = append(out, model.Product{ID: w.ProductID})
		}
	}
	return out
}
