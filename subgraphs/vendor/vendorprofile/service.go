package vendorprofile

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/batch"
	"github.com/platterhq/platter/internal/events"
)

// Source is the events' source: this subgraph.
const Source = "vendor"

// Lister is the source of listings: a store, or a cache in front of one.
type Lister interface {
	// Public returns every APPROVED vendor.
	Public(ctx context.Context) ([]Vendor, error)
}

// Service runs the vendor use cases over a Store.
type Service struct {
	store    Store
	lister   Lister
	sessions *auth.Sessions
	throttle *auth.Throttle
	log      *slog.Logger
	now      func() time.Time
}

// NewService returns the use cases. Listings read lister; sign-in failures
// are throttled per account and per client address.
func NewService(store Store, lister Lister, sessions *auth.Sessions, log *slog.Logger) *Service {
	return &Service{store: store, lister: lister, sessions: sessions, throttle: auth.NewThrottle(10, 15*time.Minute), log: log, now: time.Now}
}

var errBadCredentials = apperr.E(apperr.Unauthenticated, "wrong email or password")

// Apply creates a PENDING vendor account and starts its first session: a
// pending vendor may sign in and fill in its profile, but is not listed
// until an admin approves it.
func (s *Service) Apply(ctx context.Context, a Application) (Vendor, auth.Tokens, error) {
	id, err := NewID()
	if err != nil {
		return Vendor{}, auth.Tokens{}, err
	}
	v, err := s.create(ctx, id, a)
	if err != nil {
		return Vendor{}, auth.Tokens{}, err
	}
	s.log.InfoContext(ctx, "vendor applied", "vendor_id", v.ID)
	tokens, err := s.sessions.Start(ctx, v.ID, []auth.Role{auth.RoleVendor})
	return v, tokens, err
}

func (s *Service) create(ctx context.Context, id string, a Application) (Vendor, error) {
	v, geocode, err := newVendor(id, a, s.now())
	if err != nil {
		return Vendor{}, err
	}
	if err := s.emailFree(ctx, v.Email, v.ID); err != nil {
		return Vendor{}, err
	}
	evs, err := s.eventsFor(ctx, events.VendorRegistered, v, geocode)
	if err != nil {
		return Vendor{}, err
	}
	if err := s.store.Create(ctx, v, evs...); err != nil {
		return Vendor{}, err
	}
	return v, nil
}

// emailFree returns CONFLICT on email when another vendor has it. The
// unique index settles a race on insert; on update the embedded server
// reports the violation less clearly, so the check comes first.
func (s *Service) emailFree(ctx context.Context, email, self string) error {
	other, err := s.store.ByEmail(ctx, email)
	switch {
	case apperr.CodeOf(err) == apperr.NotFound:
		return nil
	case err != nil:
		return err
	case other.ID != self:
		return &apperr.Error{Code: apperr.Conflict, Field: "email", Message: "is already registered"}
	}
	return nil
}

// SignIn checks the password and starts a session. A wrong password and an
// unknown email give the same answer after the same work; only once the
// password is right does a suspended vendor learn why it cannot sign in.
func (s *Service) SignIn(ctx context.Context, email, password, clientAddr string) (Vendor, auth.Tokens, error) {
	email = NormaliseEmail(email)
	keys := []string{"email:" + email}
	if clientAddr != "" {
		keys = append(keys, "addr:"+clientAddr)
	}
	if err := s.throttle.Allow(keys...); err != nil {
		return Vendor{}, auth.Tokens{}, err
	}
	v, err := s.store.ByEmail(ctx, email)
	if err != nil && apperr.CodeOf(err) != apperr.NotFound {
		return Vendor{}, auth.Tokens{}, err
	}
	if !auth.CheckPasswordOrDummy(v.PasswordHash, password) {
		s.throttle.Fail(keys...)
		return Vendor{}, auth.Tokens{}, errBadCredentials
	}
	s.throttle.Reset(keys...)
	if v.Status == StatusSuspended {
		return Vendor{}, auth.Tokens{}, errSuspended
	}
	tokens, err := s.sessions.Start(ctx, v.ID, []auth.Role{auth.RoleVendor})
	return v, tokens, err
}

var errSuspended = apperr.E(apperr.Forbidden, "this vendor account is suspended; contact the platform")

// Refresh rotates a refresh token; a suspended vendor's refresh is refused.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (Vendor, auth.Tokens, error) {
	var v Vendor
	tokens, err := s.sessions.Refresh(ctx, refreshToken, func(ctx context.Context, subject string) ([]auth.Role, error) {
		var err error
		v, err = s.store.ByID(ctx, subject)
		if apperr.CodeOf(err) == apperr.NotFound {
			return nil, apperr.E(apperr.Unauthenticated, "the account no longer exists")
		}
		if err == nil && v.Status == StatusSuspended {
			return nil, errSuspended
		}
		return []auth.Role{auth.RoleVendor}, err
	})
	return v, tokens, err
}

// SignOut revokes the caller's session family.
func (s *Service) SignOut(ctx context.Context, caller auth.Identity) error {
	return s.sessions.End(ctx, caller)
}

// Get returns the vendor as the caller may see it: NOT_FOUND when it does
// not exist or is hidden from the caller, so hidden vendors cannot be told
// from missing ones.
func (s *Service) Get(ctx context.Context, id string) (Vendor, error) {
	if err := ValidateID(id); err != nil {
		return Vendor{}, err
	}
	v, err := s.store.ByID(ctx, id)
	if err != nil {
		return Vendor{}, err
	}
	caller, signedIn := auth.FromContext(ctx)
	if !CanSee(caller, signedIn, v) {
		return Vendor{}, apperr.E(apperr.NotFound, "vendor not found")
	}
	return v, nil
}

// Mine returns the caller's own vendor, whatever its status.
func (s *Service) Mine(ctx context.Context, caller auth.Identity) (Vendor, error) {
	return s.store.ByID(ctx, caller.Subject)
}

// GetMany returns the vendors with the given ids in the ids' order, with the
// zero Vendor where an id is malformed, unknown or hidden from the caller.
func (s *Service) GetMany(ctx context.Context, ids []string) ([]Vendor, error) {
	valid := make([]string, 0, len(ids))
	for _, id := range ids {
		if ValidateID(id) == nil && !slices.Contains(valid, id) {
			valid = append(valid, id)
		}
	}
	found, err := s.store.ByIDs(ctx, valid)
	if err != nil {
		return nil, err
	}
	caller, signedIn := auth.FromContext(ctx)
	visible := slices.DeleteFunc(found, func(v Vendor) bool { return !CanSee(caller, signedIn, v) })
	return batch.InOrder(ids, visible, func(v Vendor) string { return v.ID }), nil
}

// List returns a page of the vendors the caller may see: the approved
// ones, and for admins every vendor.
func (s *Service) List(ctx context.Context, f Filter, first int, after string) (Page, error) {
	if err := ValidateListing(f, first); err != nil {
		return Page{}, err
	}
	var all []Vendor
	var err error
	if caller, ok := auth.FromContext(ctx); ok && caller.Has(auth.RoleAdmin) {
		all, err = s.store.List(ctx, StatusPending, StatusApproved, StatusSuspended)
	} else {
		all, err = s.lister.Public(ctx)
	}
	if err != nil {
		return Page{}, err
	}
	return List(all, f, first, after, s.now())
}

// Ensure creates a vendor with the given id unless one with this id or
// email exists, for demo data and imports; it reports whether it created
// one. It goes through the same rules and events as an application.
func (s *Service) Ensure(ctx context.Context, id string, a Application) (Vendor, bool, error) {
	if existing, err := s.store.ByID(ctx, id); err == nil {
		return existing, false, nil
	} else if apperr.CodeOf(err) != apperr.NotFound {
		return Vendor{}, false, err
	}
	v, err := s.create(ctx, id, a)
	if apperr.CodeOf(err) == apperr.Conflict {
		existing, getErr := s.store.ByID(ctx, id)
		return existing, false, getErr
	}
	if err != nil {
		return Vendor{}, false, err
	}
	return v, true, nil
}

// Approve lets the vendor trade (ADMIN).
func (s *Service) Approve(ctx context.Context, id string) (Vendor, error) {
	if err := ValidateID(id); err != nil {
		return Vendor{}, err
	}
	return s.update(ctx, id, func(v *Vendor) (bool, error) {
		if v.Status == StatusApproved {
			return false, ErrUnchanged
		}
		v.Approve()
		return false, nil
	})
}

// Suspend stops the vendor trading and ends its sessions (ADMIN). Access
// tokens already issued live out their short lifetime, but every owner
// change refuses a suspended vendor.
func (s *Service) Suspend(ctx context.Context, id string) (Vendor, error) {
	if err := ValidateID(id); err != nil {
		return Vendor{}, err
	}
	v, err := s.update(ctx, id, func(v *Vendor) (bool, error) {
		if v.Status == StatusSuspended {
			return false, ErrUnchanged
		}
		v.Suspend()
		return false, nil
	})
	if err != nil {
		return Vendor{}, err
	}
	if err := s.sessions.EndOthers(ctx, auth.Identity{Subject: id}, false); err != nil {
		return Vendor{}, err
	}
	s.log.InfoContext(ctx, "vendor suspended", "vendor_id", id)
	return v, nil
}

// UpdateProfile changes the caller's own profile.
func (s *Service) UpdateProfile(ctx context.Context, caller auth.Identity, c ProfileChange) (Vendor, error) {
	if c.Email != nil {
		email := NormaliseEmail(*c.Email)
		if err := validateEmail(email); err != nil {
			return Vendor{}, err
		}
		if err := s.emailFree(ctx, email, caller.Subject); err != nil {
			return Vendor{}, err
		}
	}
	return s.own(ctx, caller, func(v *Vendor) (bool, error) { return v.ApplyProfile(c) })
}

// SetOpeningHours replaces the caller's opening hours.
func (s *Service) SetOpeningHours(ctx context.Context, caller auth.Identity, days []DayHours) (Vendor, error) {
	h, err := NewHours(days)
	if err != nil {
		return Vendor{}, err
	}
	return s.own(ctx, caller, func(v *Vendor) (bool, error) {
		if v.Hours.Equal(h) {
			return false, ErrUnchanged
		}
		v.Hours = h
		return false, nil
	})
}

// AddTeamMember adds a member to the caller's team.
func (s *Service) AddTeamMember(ctx context.Context, caller auth.Identity, in TeamMemberInput) (Vendor, error) {
	return s.own(ctx, caller, func(v *Vendor) (bool, error) { _, err := v.AddTeamMember(in); return false, err })
}

// RemoveTeamMember removes a member of the caller's team.
func (s *Service) RemoveTeamMember(ctx context.Context, caller auth.Identity, id string) (Vendor, error) {
	return s.own(ctx, caller, func(v *Vendor) (bool, error) { return false, v.RemoveTeamMember(id) })
}

// AddGalleryImage adds an image to the caller's gallery.
func (s *Service) AddGalleryImage(ctx context.Context, caller auth.Identity, assetID string) (Vendor, error) {
	return s.own(ctx, caller, func(v *Vendor) (bool, error) { return false, v.AddGalleryImage(assetID) })
}

// RemoveGalleryImage removes an image from the caller's gallery.
func (s *Service) RemoveGalleryImage(ctx context.Context, caller auth.Identity, assetID string) (Vendor, error) {
	return s.own(ctx, caller, func(v *Vendor) (bool, error) { return false, v.RemoveGalleryImage(assetID) })
}

// AddSocialLink adds a link to the caller's profile.
func (s *Service) AddSocialLink(ctx context.Context, caller auth.Identity, url string) (Vendor, error) {
	return s.own(ctx, caller, func(v *Vendor) (bool, error) { _, err := v.AddSocialLink(url); return false, err })
}

// RemoveSocialLink removes a link from the caller's profile.
func (s *Service) RemoveSocialLink(ctx context.Context, caller auth.Identity, url string) (Vendor, error) {
	return s.own(ctx, caller, func(v *Vendor) (bool, error) { return false, v.RemoveSocialLink(url) })
}

// SetOpen turns the caller's open/closed switch.
func (s *Service) SetOpen(ctx context.Context, caller auth.Identity, open bool) (Vendor, error) {
	return s.own(ctx, caller, func(v *Vendor) (bool, error) {
		if v.IsOpen == open {
			return false, ErrUnchanged
		}
		return false, v.SetOpen(open)
	})
}

// SetLocationFromGeocoding applies a geocoding answer on behalf of the
// event eventID; see Vendor.SetLocationFromGeocoding for when it applies.
func (s *Service) SetLocationFromGeocoding(ctx context.Context, eventID, vendorID, address string, p GeoPoint) (bool, error) {
	return s.apply(ctx, eventID, vendorID, func(v *Vendor) error { return v.SetLocationFromGeocoding(address, p) })
}

// DetachAsset drops a deleted image from the vendor, on behalf of the
// event eventID.
func (s *Service) DetachAsset(ctx context.Context, eventID, vendorID, assetID string) (bool, error) {
	return s.apply(ctx, eventID, vendorID, func(v *Vendor) error { return v.DetachAsset(assetID) })
}

// apply runs an event's change; an unknown or malformed vendor id means
// the event is not about a vendor, which is no error.
func (s *Service) apply(ctx context.Context, eventID, vendorID string, change func(*Vendor) error) (bool, error) {
	if ValidateID(vendorID) != nil {
		return false, nil
	}
	_, applied, err := s.store.Apply(ctx, vendorID, eventID, s.changeWithEvents(ctx, func(v *Vendor) (bool, error) { return false, change(v) }))
	if apperr.CodeOf(err) == apperr.NotFound {
		return false, nil
	}
	return applied, err
}

// own applies an owner's change: only the vendor itself, never a
// suspended one.
func (s *Service) own(ctx context.Context, caller auth.Identity, edit func(*Vendor) (bool, error)) (Vendor, error) {
	if !caller.Has(auth.RoleVendor) {
		return Vendor{}, apperr.E(apperr.Forbidden, "only the vendor itself may change its profile")
	}
	return s.update(ctx, caller.Subject, func(v *Vendor) (bool, error) {
		if v.Status == StatusSuspended {
			return false, errSuspended
		}
		return edit(v)
	})
}

// update runs edit in the store's read-change-write and records a
// VendorUpdated event (and a geocoding request when edit says so) in the
// same write. An edit that changes nothing saves nothing.
func (s *Service) update(ctx context.Context, id string, edit func(*Vendor) (bool, error)) (Vendor, error) {
	v, err := s.store.Update(ctx, id, s.changeWithEvents(ctx, edit))
	if errors.Is(err, ErrUnchanged) {
		return s.store.ByID(ctx, id)
	}
	return v, err
}

func (s *Service) changeWithEvents(ctx context.Context, edit func(*Vendor) (bool, error)) Change {
	return func(v *Vendor) ([]events.Envelope, error) {
		geocode, err := edit(v)
		if err != nil {
			return nil, err
		}
		v.UpdatedAt = s.now().UTC()
		next := *v
		next.Version++ // the version the store saves
		return s.eventsFor(ctx, events.VendorUpdated, next, geocode)
	}
}

// eventsFor returns the event saying what v now is, and a geocoding
// request when its address needs coordinates.
func (s *Service) eventsFor(ctx context.Context, typ string, v Vendor, geocode bool) ([]events.Envelope, error) {
	e, err := events.New(ctx, Source, typ, v.ID, Data(v))
	if err != nil {
		return nil, err
	}
	out := []events.Envelope{e}
	if geocode {
		g, err := events.New(ctx, Source, events.VendorAddressGeocodingRequested, v.ID, events.GeocodingRequestedData{SubjectID: v.ID, Address: v.Address})
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}

// Data is the vendor as events describe it.
func Data(v Vendor) events.VendorData {
	d := events.VendorData{
		VendorID: v.ID, Name: v.Name, Status: string(v.Status), Open: v.IsOpen, Address: v.Address,
		TimeZone: v.TimeZone, Version: v.Version, UpdatedAt: v.UpdatedAt.UTC(),
	}
	if v.Location != nil {
		d.Location = &events.GeoPoint{Lat: v.Location.Lat, Lng: v.Location.Lng}
	}
	return d
}
