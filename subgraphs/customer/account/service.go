package account

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/batch"
	"github.com/platterhq/platter/internal/events"
)

// Service runs the account use cases.
type Service struct {
	store    Store
	products Products
	sessions *auth.Sessions
	throttle *auth.Throttle
	log      *slog.Logger
	now      func() time.Time
}

// NewService returns a Service. Sign-in failures are throttled per account
// and per client address.
func NewService(store Store, products Products, sessions *auth.Sessions, log *slog.Logger) *Service {
	return &Service{store: store, products: products, sessions: sessions, throttle: auth.NewThrottle(10, 15*time.Minute), log: log, now: time.Now}
}

var errBadCredentials = apperr.E(apperr.Unauthenticated, "wrong email or password")

// SignUp creates a CUSTOMER account and starts its first session. Nothing
// the caller sends can grant a role.
func (s *Service) SignUp(ctx context.Context, in SignUp) (Customer, auth.Tokens, error) {
	c, err := newCustomer(in, []auth.Role{auth.RoleCustomer}, s.now().UTC())
	if err != nil {
		return Customer{}, auth.Tokens{}, err
	}
	if err := c.publishRegistered(ctx); err != nil {
		return Customer{}, auth.Tokens{}, err
	}
	if err := s.store.Create(ctx, c); err != nil {
		return Customer{}, auth.Tokens{}, err
	}
	s.log.InfoContext(ctx, "customer signed up", "customer_id", c.ID)
	tokens, err := s.sessions.Start(ctx, c.ID, c.Roles)
	return c, tokens, err
}

// SignIn checks the password and starts a session. A wrong password and an
// unknown email give the same answer after the same work.
func (s *Service) SignIn(ctx context.Context, email, password, clientAddr string) (Customer, auth.Tokens, error) {
	email = NormaliseEmail(email)
	keys := []string{"email:" + email}
	if clientAddr != "" {
		keys = append(keys, "addr:"+clientAddr)
	}
	if err := s.throttle.Allow(keys...); err != nil {
		return Customer{}, auth.Tokens{}, err
	}
	c, err := s.store.ByEmail(ctx, email)
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return Customer{}, auth.Tokens{}, err
	}
	if !auth.CheckPasswordOrDummy(c.PasswordHash, password) {
		s.throttle.Fail(keys...)
		return Customer{}, auth.Tokens{}, errBadCredentials
	}
	s.throttle.Reset(keys...)
	tokens, err := s.sessions.Start(ctx, c.ID, c.Roles)
	return c, tokens, err
}

// Refresh rotates a refresh token, taking the account's current roles.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Customer, auth.Tokens, error) {
	var c Customer
	tokens, err := s.sessions.Refresh(ctx, refreshToken, func(ctx context.Context, subject string) ([]auth.Role, error) {
		var err error
		c, err = live(s.store.ByID(ctx, subject))
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.E(apperr.Unauthenticated, "the account no longer exists")
		}
		return c.Roles, err
	})
	return c, tokens, err
}

// SignOut revokes the caller's session family.
func (s *Service) SignOut(ctx context.Context, caller auth.Identity) error {
	return s.sessions.End(ctx, caller)
}

// Get returns a customer by id.
func (s *Service) Get(ctx context.Context, id string) (Customer, error) {
	return live(s.store.ByID(ctx, id))
}

// GetMany returns the customers with the given ids, in the ids' order, with
// the zero Customer where an id is unknown.
func (s *Service) GetMany(ctx context.Context, ids []string) ([]Customer, error) {
	found, err := s.store.ByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	return batch.InOrder(ids, found, func(c Customer) string { return c.ID }), nil
}

// EnsureAdmin creates an ADMIN account (also a CUSTOMER) unless the email
// is already registered; it reports whether it created one. Operators call
// it through configuration or the admin command, never through the API.
func (s *Service) EnsureAdmin(ctx context.Context, in SignUp) (Customer, bool, error) {
	return s.ensure(ctx, in, []auth.Role{auth.RoleCustomer, auth.RoleAdmin}, "")
}

// EnsureCustomer creates a plain customer with the given id unless the email
// is taken (for demo data, whose ids other subgraphs' demo data refer to);
// it reports whether it created one.
func (s *Service) EnsureCustomer(ctx context.Context, id string, in SignUp) (Customer, bool, error) {
	return s.ensure(ctx, in, []auth.Role{auth.RoleCustomer}, id)
}

// ensure returns the account with in's email, or stores a new one with the
// given roles (id "" means a fresh id). The lookup first spares a password
// hash on every start; the unique index settles a race.
func (s *Service) ensure(ctx context.Context, in SignUp, roles []auth.Role, id string) (Customer, bool, error) {
	if existing, err := s.store.ByEmail(ctx, NormaliseEmail(in.Email)); err == nil {
		return existing, false, nil
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return Customer{}, false, err
	}
	c, err := newCustomer(in, roles, s.now().UTC())
	if err != nil {
		return Customer{}, false, err
	}
	if id != "" {
		c.ID = id
	}
	if err := c.publishRegistered(ctx); err != nil {
		return Customer{}, false, err
	}
	if err := s.store.Create(ctx, c); err != nil {
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Code == apperr.Conflict {
			existing, getErr := s.store.ByEmail(ctx, c.Email)
			return existing, false, getErr
		}
		return Customer{}, false, err
	}
	return c, true, nil
}

// live returns the customer unless the account was deleted, which callers
// see as not found.
func live(c Customer, err error) (Customer, error) {
	if err == nil && c.Deleted {
		return Customer{}, apperr.E(apperr.NotFound, "customer not found")
	}
	return c, err
}

// UpdateProfile changes the caller's own name, phone or avatar; a change
// publishes CustomerUpdated.
func (s *Service) UpdateProfile(ctx context.Context, caller auth.Identity, p ProfileChange) (Customer, error) {
	return s.update(ctx, caller.Subject, func(c *Customer) error {
		before := c.profile()
		if err := c.applyProfile(p); err != nil {
			return err
		}
		if c.profile() == before {
			return ErrNoChange
		}
		return c.publishUpdated(ctx)
	})
}

// update applies change to a live account and stamps it.
func (s *Service) update(ctx context.Context, id string, change func(*Customer) error) (Customer, error) {
	return s.store.Update(ctx, id, func(c *Customer) error {
		if c.Deleted {
			return apperr.E(apperr.NotFound, "customer not found")
		}
		if err := change(c); err != nil {
			return err
		}
		c.UpdatedAt = s.now().UTC()
		return nil
	})
}

// ChangePassword needs the current password; it ends every other session of
// the account, so a stolen session dies with the old password.
func (s *Service) ChangePassword(ctx context.Context, caller auth.Identity, current, next string) error {
	if err := auth.CheckPasswordPolicy("newPassword", next); err != nil {
		return err
	}
	hash, err := auth.HashPassword(next)
	if err != nil {
		return err
	}
	if _, err := s.update(ctx, caller.Subject, func(c *Customer) error {
		if !auth.CheckPassword(c.PasswordHash, current) {
			return apperr.Invalid("currentPassword", "is wrong")
		}
		c.PasswordHash = hash
		return nil
	}); err != nil {
		return err
	}
	return s.sessions.EndOthers(ctx, caller, true)
}

// DeleteAccount needs the password. The account is anonymised rather than
// removed (orders and reviews elsewhere keep a valid reference), its email
// is freed, every session ends and CustomerDeleted tells the others.
func (s *Service) DeleteAccount(ctx context.Context, caller auth.Identity, password string) error {
	if _, err := s.update(ctx, caller.Subject, func(c *Customer) error {
		if !auth.CheckPassword(c.PasswordHash, password) {
			return apperr.Invalid("password", "is wrong")
		}
		*c = Customer{
			ID: c.ID, Name: "Deleted customer", Email: "deleted+" + c.ID + "@invalid",
			Roles: c.Roles, Deleted: true, Version: c.Version, CreatedAt: c.CreatedAt,
		}
		return c.publish(ctx, events.CustomerDeleted, events.CustomerDeletedData{CustomerID: c.ID})
	}); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "customer deleted their account", "customer_id", caller.Subject)
	return s.sessions.EndOthers(ctx, caller, false)
}

// AddAddress adds an address to the caller's book. Without a location the
// address is geocoded: the request goes out with the address, and the
// location stays unknown until the answer comes (SetGeocodedLocation).
func (s *Service) AddAddress(ctx context.Context, caller auth.Identity, in AddressInput, makeDefault bool) (Address, Customer, error) {
	var a Address
	c, err := s.update(ctx, caller.Subject, func(c *Customer) (err error) {
		if a, err = c.addAddress(in, makeDefault); err != nil {
			return err
		}
		return c.geocodeIfNeeded(ctx, a)
	})
	return a, c, err
}

// UpdateAddress replaces one of the caller's addresses, geocoded as in
// AddAddress unless the text and so the place stayed the same.
func (s *Service) UpdateAddress(ctx context.Context, caller auth.Identity, id string, in AddressInput) (Address, Customer, error) {
	var a Address
	c, err := s.update(ctx, caller.Subject, func(c *Customer) (err error) {
		if a, err = c.updateAddress(id, in); err != nil {
			return err
		}
		return c.geocodeIfNeeded(ctx, a)
	})
	return a, c, err
}

// RemoveAddress removes one of the caller's addresses.
func (s *Service) RemoveAddress(ctx context.Context, caller auth.Identity, id string) (Customer, error) {
	return s.update(ctx, caller.Subject, func(c *Customer) error { return c.removeAddress(id) })
}

// SetDefaultAddress makes one of the caller's addresses the default.
func (s *Service) SetDefaultAddress(ctx context.Context, caller auth.Identity, id string) (Address, Customer, error) {
	var a Address
	c, err := s.update(ctx, caller.Subject, func(c *Customer) (err error) {
		a, err = c.setDefaultAddress(id)
		return err
	})
	return a, c, err
}
