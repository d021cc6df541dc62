package account

import (
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
)

func TestNewCustomerValidation(t *testing.T) {
	good := SignUp{Name: "Ada", Email: "ada@example.com", Password: "long enough"}
	cases := []struct {
		name  string
		edit  func(*SignUp)
		field string
	}{
		{"empty name", func(s *SignUp) { s.Name = "  " }, "name"},
		{"long name", func(s *SignUp) { s.Name = strings.Repeat("a", 101) }, "name"},
		{"empty email", func(s *SignUp) { s.Email = "" }, "email"},
		{"malformed email", func(s *SignUp) { s.Email = "not-an-email" }, "email"},
		{"display-name email", func(s *SignUp) { s.Email = "Ada <ada@example.com>" }, "email"},
		{"no domain dot", func(s *SignUp) { s.Email = "ada@localhost" }, "email"},
		{"short password", func(s *SignUp) { s.Password = "1234567" }, "password"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := good
			c.edit(&in)
			_, err := newCustomer(in, []auth.Role{auth.RoleCustomer}, time.Now())
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.InvalidInput || e.Field != c.field {
				t.Fatalf("got %v, want INVALID_INPUT on %s", err, c.field)
			}
		})
	}
	c, err := newCustomer(SignUp{Name: " Ada ", Email: " Ada@Example.COM ", Password: "long enough"}, []auth.Role{auth.RoleCustomer}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Ada" || c.Email != "ada@example.com" || c.ID == "" || c.PasswordHash == "" || c.PasswordHash == "long enough" {
		t.Fatalf("customer %+v", c)
	}
}

func TestCanSeePrivate(t *testing.T) {
	c := Customer{ID: "c1"}
	if !CanSeePrivate(auth.Identity{Subject: "c1"}, true, c) {
		t.Fatal("owner cannot see own email")
	}
	if !CanSeePrivate(auth.Identity{Subject: "a", Roles: []auth.Role{auth.RoleAdmin}}, true, c) {
		t.Fatal("admin cannot see email")
	}
	if CanSeePrivate(auth.Identity{Subject: "c2", Roles: []auth.Role{auth.RoleCustomer}}, true, c) || CanSeePrivate(auth.Identity{}, false, c) {
		t.Fatal("stranger can see email")
	}
}
