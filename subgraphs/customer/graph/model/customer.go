package model

import (
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/subgraphs/customer/account"
)

// Customer is written by hand (gqlgen.yml binds it) so that it can carry the
// account for the cart and wishlist resolvers, which look products up only
// when a query asks for them.
type Customer struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Visible to the customer and to admins only; null for anyone else.
	Email          *string     `json:"email,omitempty"`
	Roles          []auth.Role `json:"roles"`
	Phone          *string     `json:"phone,omitempty"`
	Avatar         *Asset      `json:"avatar,omitempty"`
	Addresses      []Address   `json:"addresses,omitempty"`
	DefaultAddress *Address    `json:"defaultAddress,omitempty"`
	CreatedAt      time.Time   `json:"createdAt"`

	// Private is the account when the caller may see its private fields.
	Private *account.Customer `json:"-"`
}

func (Customer) IsEntity() {}
