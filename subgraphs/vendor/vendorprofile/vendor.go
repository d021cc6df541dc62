// Package vendorprofile holds the rules of a vendor: its account, what a
// valid profile is, how its status moves, who may see and edit it, and
// when it is open. It knows nothing of GraphQL, MongoDB or Redis.
package vendorprofile

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"
	_ "time/tzdata" // time zones validate the same on hosts without a zoneinfo database
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/events"
)

// Status says whether a vendor may trade.
type Status string

const (
	// StatusPending is a vendor that applied and waits for an admin.
	StatusPending Status = "PENDING"
	// StatusApproved is a vendor that customers can see and order from.
	StatusApproved Status = "APPROVED"
	// StatusSuspended is a vendor an admin stopped; it is hidden again and
	// cannot sign in.
	StatusSuspended Status = "SUSPENDED"
)

// GeoPoint is a position in WGS 84 degrees.
type GeoPoint struct {
	Lat, Lng float64
}

// TeamMember is a person shown on the vendor's page.
type TeamMember struct {
	ID           string
	Name         string
	Role         string
	PhotoAssetID string
}

// SocialLink is a link to the vendor elsewhere; Title is derived from the
// URL's host.
type SocialLink struct {
	Title string
	URL   string
}

// Vendor is a restaurant or shop: its account and its public profile.
type Vendor struct {
	ID    string
	Name  string
	About string
	// Email is normalised (trimmed, lower case) and unique; the vendor signs
	// in with it.
	Email string
	// PasswordHash is only filled by reads that need it (Store.ByEmail and
	// the store's own read-change-write); cached reads leave it empty.
	PasswordHash string
	Phone        string
	Address      string
	// Location is nil until the owner gives it or geocoding answers.
	Location      *GeoPoint
	TimeZone      string
	LogoAssetID   string
	GalleryAssets []string
	Team          []TeamMember
	SocialLinks   []SocialLink
	Hours         Hours
	Status        Status
	IsOpen        bool
	Version       int64 // bumped by every saved change; stores save on it
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Change edits a vendor loaded by a store and returns the events to record
// in the same write; ErrUnchanged means there is nothing to save.
type Change func(v *Vendor) ([]events.Envelope, error)

// ErrUnchanged is returned by a Change that found nothing to do: the store
// saves nothing and returns the vendor as it was.
var ErrUnchanged = errors.New("vendor unchanged")

// Store keeps vendors.
type Store interface {
	// Create inserts v with the events to publish about it, in one write;
	// a taken id or email is CONFLICT.
	Create(ctx context.Context, v Vendor, publish ...events.Envelope) error
	// ByID returns NOT_FOUND for an unknown id. PasswordHash may be empty.
	ByID(ctx context.Context, id string) (Vendor, error)
	// ByIDs returns the vendors found, in any order. PasswordHash may be
	// empty.
	ByIDs(ctx context.Context, ids []string) ([]Vendor, error)
	// ByEmail returns NOT_FOUND for an unknown (normalised) email; it
	// always carries the PasswordHash.
	ByEmail(ctx context.Context, email string) (Vendor, error)
	// List returns the vendors with one of the given statuses, in any
	// order. PasswordHash may be empty.
	List(ctx context.Context, statuses ...Status) ([]Vendor, error)
	// Update loads the vendor, lets change edit it and saves it with
	// Version+1 together with the change's events, only if nobody saved it
	// in between (else CONFLICT); change's error aborts.
	Update(ctx context.Context, id string, change Change) (Vendor, error)
	// Apply is Update on behalf of the event with this id: a vendor that
	// already absorbed it is returned unchanged (applied false), and the
	// save records the id, so a redelivered event has no second effect.
	Apply(ctx context.Context, id, eventID string, change Change) (v Vendor, applied bool, err error)
}

const (
	maxNameLength    = 100
	minAboutLength   = 3
	maxAboutLength   = 150
	maxEmailLength   = 254
	maxPhoneLength   = 32
	maxAddressLength = 300
	// MaxGallery, MaxTeam and MaxSocialLinks bound the lists a vendor
	// document carries, so it stays small and quick to cache.
	MaxGallery     = 20
	MaxTeam        = 30
	MaxSocialLinks = 10
)

// Application is what a vendor gives when it applies.
type Application struct {
	Name     string
	About    string
	Email    string
	Password string
	Phone    string
	Address  string
	Location *GeoPoint
	TimeZone string // IANA; empty means UTC
}

// NormaliseEmail trims and lower-cases an email so that lookups and the
// unique index agree.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// newVendor validates a and returns a PENDING, closed vendor with the
// password hashed, and whether its address needs geocoding. Every problem
// is INVALID_INPUT naming its field.
func newVendor(id string, a Application, now time.Time) (Vendor, bool, error) {
	if err := ValidateID(id); err != nil {
		return Vendor{}, false, err
	}
	if err := auth.CheckPasswordPolicy("password", a.Password); err != nil {
		return Vendor{}, false, err
	}
	now = now.UTC()
	v := Vendor{ID: id, Status: StatusPending, TimeZone: "UTC", Version: 1, CreatedAt: now, UpdatedAt: now}
	tz := a.TimeZone
	if strings.TrimSpace(tz) == "" {
		tz = "UTC"
	}
	geocode, err := v.ApplyProfile(ProfileChange{
		Name: &a.Name, About: &a.About, Email: &a.Email, Phone: &a.Phone, Address: &a.Address, Location: a.Location, TimeZone: &tz,
	})
	if err != nil {
		return Vendor{}, false, err
	}
	hash, err := auth.HashPassword(a.Password)
	if err != nil {
		return Vendor{}, false, err
	}
	v.PasswordHash = hash
	return v, geocode, nil
}

// ProfileChange is an edit of the profile: nil fields stay as they are.
// An empty phone, address or logoAssetId clears it.
type ProfileChange struct {
	Name, About, Email, Phone, Address *string
	// Location goes with Address: an address given without a location is
	// geocoded.
	Location    *GeoPoint
	TimeZone    *string
	LogoAssetID *string
}

// ApplyProfile validates and applies c, all or nothing. It reports whether
// the address changed without a location, so that geocoding is asked for.
func (v *Vendor) ApplyProfile(c ProfileChange) (geocode bool, err error) {
	next := *v
	if c.Name != nil {
		if next.Name, err = validName(*c.Name); err != nil {
			return false, err
		}
	}
	if c.About != nil {
		if next.About, err = validAbout(*c.About); err != nil {
			return false, err
		}
	}
	if c.Email != nil {
		next.Email = NormaliseEmail(*c.Email)
		if err := validateEmail(next.Email); err != nil {
			return false, err
		}
	}
	if c.Phone != nil {
		if next.Phone, err = validPhone(*c.Phone); err != nil {
			return false, err
		}
	}
	if c.TimeZone != nil {
		if next.TimeZone, err = ValidTimeZone(*c.TimeZone); err != nil {
			return false, err
		}
	}
	if c.LogoAssetID != nil {
		next.LogoAssetID = strings.TrimSpace(*c.LogoAssetID)
		if next.LogoAssetID != "" {
			if err := validAssetID("logoAssetId", next.LogoAssetID); err != nil {
				return false, err
			}
		}
	}
	if c.Location != nil && c.Address == nil {
		return false, apperr.Invalid("location", "goes with an address: give both")
	}
	if c.Address != nil {
		addr := strings.Join(strings.Fields(*c.Address), " ")
		if utf8.RuneCountInString(addr) > maxAddressLength {
			return false, apperr.Invalid("address", "must be at most %d characters", maxAddressLength)
		}
		var loc *GeoPoint
		if c.Location != nil {
			if err := ValidatePoint("location", *c.Location); err != nil {
				return false, err
			}
			p := *c.Location
			loc = &p
		}
		switch {
		case addr == "" && loc != nil:
			return false, apperr.Invalid("address", "must not be empty when a location is given")
		case addr == "":
			next.Address, next.Location = "", nil
		case loc != nil:
			next.Address, next.Location = addr, loc
		case addr != v.Address || v.Location == nil:
			next.Address, next.Location = addr, nil
			geocode = true
		}
	}
	*v = next
	return geocode, nil
}

func validName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", apperr.Invalid("name", "must not be empty")
	case n > maxNameLength:
		return "", apperr.Invalid("name", "must be at most %d characters", maxNameLength)
	}
	return name, nil
}

func validAbout(about string) (string, error) {
	about = strings.TrimSpace(about)
	if n := utf8.RuneCountInString(about); n < minAboutLength || n > maxAboutLength {
		return "", apperr.Invalid("about", "must be %d to %d characters", minAboutLength, maxAboutLength)
	}
	return about, nil
}

func validPhone(phone string) (string, error) {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return "", nil
	}
	if len(phone) > maxPhoneLength {
		return "", apperr.Invalid("phone", "must be at most %d characters", maxPhoneLength)
	}
	digits := 0
	for i, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '(', r == ')', r == '.':
		default:
			return "", apperr.Invalid("phone", "may hold digits, spaces, ( ) - . and a leading +")
		}
	}
	if digits < 5 {
		return "", apperr.Invalid("phone", "must have at least 5 digits")
	}
	return phone, nil
}

func validateEmail(email string) error {
	if email == "" {
		return apperr.Invalid("email", "must not be empty")
	}
	if len(email) > maxEmailLength {
		return apperr.Invalid("email", "must be at most %d characters", maxEmailLength)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.LastIndex(email, "@"):], ".") {
		return apperr.Invalid("email", "is not a valid email address")
	}
	return nil
}

// ValidTimeZone returns the IANA zone name if the zone exists. "Local" is
// refused: it means whatever the server runs in.
func ValidTimeZone(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || name == "Local" {
		return "", apperr.Invalid("timeZone", "must be an IANA time zone such as Europe/Rome")
	}
	if _, err := time.LoadLocation(name); err != nil {
		return "", apperr.Invalid("timeZone", "%q is not an IANA time zone", name)
	}
	return name, nil
}

// ValidatePoint checks a position is on the globe.
func ValidatePoint(field string, p GeoPoint) error {
	if !(p.Lat >= -90 && p.Lat <= 90) {
		return apperr.Invalid(field+".lat", "must be between -90 and 90")
	}
	if !(p.Lng >= -180 && p.Lng <= 180) {
		return apperr.Invalid(field+".lng", "must be between -180 and 180")
	}
	return nil
}

func validAssetID(field, id string) error {
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		return apperr.Invalid(field, "is not an asset id")
	}
	return nil
}

// NewID returns a fresh vendor id.
func NewID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

// ValidateID accepts the ids Platter issues (UUIDs in canonical form), so
// that nothing else reaches a store or a cache key.
func ValidateID(id string) error {
	if u, err := uuid.Parse(id); err != nil || u.String() != id {
		return apperr.Invalid("id", "is not a vendor id")
	}
	return nil
}

// Approve lets the vendor trade. Approving an approved vendor changes
// nothing.
func (v *Vendor) Approve() {
	v.Status = StatusApproved
}

// Suspend stops the vendor trading; a suspended vendor is also closed.
func (v *Vendor) Suspend() {
	v.Status = StatusSuspended
	v.IsOpen = false
}

// SetOpen opens or closes the vendor for orders. Only an approved vendor
// may open; closing is always allowed.
func (v *Vendor) SetOpen(open bool) error {
	if open && v.Status != StatusApproved {
		return apperr.E(apperr.Conflict, "only an approved vendor can open (status is %s)", v.Status)
	}
	v.IsOpen = open
	return nil
}

// AddGalleryImage appends an image; adding one already there changes
// nothing.
func (v *Vendor) AddGalleryImage(assetID string) error {
	if err := validAssetID("assetId", assetID); err != nil {
		return err
	}
	for _, a := range v.GalleryAssets {
		if a == assetID {
			return ErrUnchanged
		}
	}
	if len(v.GalleryAssets) >= MaxGallery {
		return apperr.Invalid("assetId", "the gallery holds at most %d images", MaxGallery)
	}
	v.GalleryAssets = append(v.GalleryAssets, assetID)
	return nil
}

// RemoveGalleryImage removes an image; NOT_FOUND when it is not there.
func (v *Vendor) RemoveGalleryImage(assetID string) error {
	for i, a := range v.GalleryAssets {
		if a == assetID {
			v.GalleryAssets = append(v.GalleryAssets[:i:i], v.GalleryAssets[i+1:]...)
			return nil
		}
	}
	return apperr.E(apperr.NotFound, "the gallery has no image %s", assetID)
}

// TeamMemberInput is a new team member.
type TeamMemberInput struct {
	Name, Role, PhotoAssetID string
}

// AddTeamMember validates and appends a member with a fresh id.
func (v *Vendor) AddTeamMember(in TeamMemberInput) (TeamMember, error) {
	name := strings.TrimSpace(in.Name)
	if n := utf8.RuneCountInString(name); n == 0 || n > maxNameLength {
		return TeamMember{}, apperr.Invalid("name", "must be 1 to %d characters", maxNameLength)
	}
	role := strings.TrimSpace(in.Role)
	if n := utf8.RuneCountInString(role); n == 0 || n > maxNameLength {
		return TeamMember{}, apperr.Invalid("role", "must be 1 to %d characters", maxNameLength)
	}
	photo := strings.TrimSpace(in.PhotoAssetID)
	if photo != "" {
		if err := validAssetID("photoAssetId", photo); err != nil {
			return TeamMember{}, err
		}
	}
	if len(v.Team) >= MaxTeam {
		return TeamMember{}, apperr.Invalid("name", "a team has at most %d members", MaxTeam)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return TeamMember{}, err
	}
	m := TeamMember{ID: id.String(), Name: name, Role: role, PhotoAssetID: photo}
	v.Team = append(v.Team, m)
	return m, nil
}

// RemoveTeamMember removes a member; NOT_FOUND when there is none with id.
func (v *Vendor) RemoveTeamMember(id string) error {
	for i, m := range v.Team {
		if m.ID == id {
			v.Team = append(v.Team[:i:i], v.Team[i+1:]...)
			return nil
		}
	}
	return apperr.E(apperr.NotFound, "no team member %s", id)
}

// DetachAsset drops every reference to an image that no longer exists (the
// logo, a gallery image, a team photo); ErrUnchanged when there was none.
func (v *Vendor) DetachAsset(assetID string) error {
	changed := false
	if v.LogoAssetID == assetID {
		v.LogoAssetID, changed = "", true
	}
	if err := v.RemoveGalleryImage(assetID); err == nil {
		changed = true
	}
	for i := range v.Team {
		if v.Team[i].PhotoAssetID == assetID {
			v.Team[i].PhotoAssetID, changed = "", true
		}
	}
	if !changed {
		return ErrUnchanged
	}
	return nil
}

// SetLocationFromGeocoding takes a geocoding answer for the address text
// it was asked about. It applies only while the vendor still has that
// address and no location: an answer for an older address, or one coming
// after the owner gave a location (or after an earlier answer), is stale.
func (v *Vendor) SetLocationFromGeocoding(address string, p GeoPoint) error {
	if v.Location != nil || v.Address == "" || v.Address != address {
		return ErrUnchanged
	}
	if ValidatePoint("location", p) != nil {
		return ErrUnchanged
	}
	v.Location = &p
	return nil
}

// CanSee reports whether the caller may see the vendor: approved vendors are
// public; the others only to admins and to the vendor itself.
func CanSee(caller auth.Identity, signedIn bool, v Vendor) bool {
	return v.Status == StatusApproved || (signedIn && (caller.Has(auth.RoleAdmin) || IsOwner(caller, v.ID)))
}

// CanSeePrivate reports whether the caller may read the vendor's private
// fields (email): the vendor itself and admins.
func CanSeePrivate(caller auth.Identity, signedIn bool, v Vendor) bool {
	return signedIn && (caller.Has(auth.RoleAdmin) || IsOwner(caller, v.ID))
}

// IsOwner reports whether the caller is the vendor with this id.
func IsOwner(caller auth.Identity, vendorID string) bool {
	return caller.Subject == vendorID && caller.Has(auth.RoleVendor)
}
