package account

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/platterhq/platter/internal/apperr"
)

// ProfileChange is what updateProfile may change; nil leaves a field as it
// is. Nothing privileged (roles, email, id) is changeable this way.
type ProfileChange struct {
	Name          *string
	Phone         *string // "" clears it
	AvatarAssetID *string // "" clears it
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()\-]{4,22}[0-9]$`)

// applyProfile validates and applies a change; every problem names its
// field.
func (c *Customer) applyProfile(p ProfileChange) error {
	if p.Name != nil {
		name, err := validName(*p.Name)
		if err != nil {
			return err
		}
		c.Name = name
	}
	if p.Phone != nil {
		phone := strings.TrimSpace(*p.Phone)
		if phone != "" && !phonePattern.MatchString(phone) {
			return apperr.Invalid("phone", "is not a phone number (digits, spaces, dashes, parentheses, an optional leading +)")
		}
		c.Phone = phone
	}
	if p.AvatarAssetID != nil {
		id := strings.TrimSpace(*p.AvatarAssetID)
		if id != "" {
			if _, err := uuid.Parse(id); err != nil {
				return apperr.Invalid("avatarAssetId", "is not an asset id")
			}
		}
		c.AvatarAssetID = id
	}
	return nil
}

func validName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", apperr.Invalid("name", "must not be empty")
	case utf8.RuneCountInString(name) > maxNameLength:
		return "", apperr.Invalid("name", "must be at most %d characters", maxNameLength)
	}
	return name, nil
}

// GeoPoint is a WGS 84 position.
type GeoPoint struct {
	Lat float64
	Lng float64
}

// Address is one of a customer's delivery addresses.
type Address struct {
	ID         string
	Label      string
	Street     string
	City       string
	PostalCode string
	Country    string // ISO 3166-1 alpha-2, upper case
	// Location is the client's, or nil until geocoding answers.
	Location *GeoPoint
}

// AddressInput is what a client sends for an address.
type AddressInput struct {
	Label      string
	Street     string
	City       string
	PostalCode string
	Country    string
	Location   *GeoPoint
}

// MaxAddresses bounds a customer's address book.
const MaxAddresses = 10

var (
	countryPattern    = regexp.MustCompile(`^[A-Z]{2}$`)
	postalCodePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 \-]{1,10}[A-Za-z0-9]$`)
)

// validAddress checks an address input; every problem names its field.
func validAddress(in AddressInput) (Address, error) {
	text := func(field, v string, max int) (string, error) {
		v = strings.TrimSpace(v)
		if v == "" {
			return "", apperr.Invalid(field, "must not be empty")
		}
		if utf8.RuneCountInString(v) > max {
			return "", apperr.Invalid(field, "must be at most %d characters", max)
		}
		return v, nil
	}
	var a Address
	var err error
	if a.Street, err = text("street", in.Street, 200); err != nil {
		return Address{}, err
	}
	if a.City, err = text("city", in.City, 100); err != nil {
		return Address{}, err
	}
	a.PostalCode = strings.TrimSpace(in.PostalCode)
	if !postalCodePattern.MatchString(a.PostalCode) {
		return Address{}, apperr.Invalid("postalCode", "must be 3 to 12 letters, digits, spaces or dashes")
	}
	a.Country = strings.ToUpper(strings.TrimSpace(in.Country))
	if !countryPattern.MatchString(a.Country) {
		return Address{}, apperr.Invalid("country", "must be a two-letter ISO 3166-1 code")
	}
	a.Label = strings.TrimSpace(in.Label)
	if utf8.RuneCountInString(a.Label) > 40 {
		return Address{}, apperr.Invalid("label", "must be at most 40 characters")
	}
	if l := in.Location; l != nil {
		if err := validLocation(*l); err != nil {
			return Address{}, err
		}
		p := *l
		a.Location = &p
	}
	return a, nil
}

func validLocation(l GeoPoint) error {
	if l.Lat < -90 || l.Lat > 90 {
		return apperr.Invalid("location.lat", "must be between -90 and 90")
	}
	if l.Lng < -180 || l.Lng > 180 {
		return apperr.Invalid("location.lng", "must be between -180 and 180")
	}
	return nil
}

// Text is the address as one line, the form geocoding reads and answers
// about: "Via Torino 20, 20123 Milano, Italy".
func (a Address) Text() string {
	country := a.Country
	if r, err := language.ParseRegion(a.Country); err == nil && r.IsCountry() {
		if name := display.English.Regions().Name(r); name != "" {
			country = name
		}
	}
	return a.Street + ", " + a.PostalCode + " " + a.City + ", " + country
}

// addAddress appends a validated address; the first one becomes the default.
func (c *Customer) addAddress(in AddressInput, makeDefault bool) (Address, error) {
	if len(c.Addresses) >= MaxAddresses {
		return Address{}, apperr.Invalid("addresses", "at most %d addresses are kept", MaxAddresses)
	}
	a, err := validAddress(in)
	if err != nil {
		return Address{}, err
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Address{}, err
	}
	a.ID = id.String()
	c.Addresses = append(c.Addresses, a)
	if makeDefault || c.DefaultAddressID == "" {
		c.DefaultAddressID = a.ID
	}
	return a, nil
}

// addressIndex finds an address of this customer. Another customer's
// address id is simply not found: nothing reveals that it exists.
func (c *Customer) addressIndex(id string) (int, error) {
	for i, a := range c.Addresses {
		if a.ID == id {
			return i, nil
		}
	}
	return -1, apperr.E(apperr.NotFound, "address not found")
}

func (c *Customer) updateAddress(id string, in AddressInput) (Address, error) {
	i, err := c.addressIndex(id)
	if err != nil {
		return Address{}, err
	}
	a, err := validAddress(in)
	if err != nil {
		return Address{}, err
	}
	a.ID = id
	if old := c.Addresses[i]; a.Location == nil && old.Location != nil && a.Text() == old.Text() {
		// The same place as before (only the label changed, say): there is
		// nothing to look up again.
		a.Location = old.Location
	}
	c.Addresses[i] = a
	return a, nil
}

func (c *Customer) removeAddress(id string) error {
	i, err := c.addressIndex(id)
	if err != nil {
		return err
	}
	c.Addresses = append(c.Addresses[:i], c.Addresses[i+1:]...)
	if c.DefaultAddressID == id {
		c.DefaultAddressID = ""
		if len(c.Addresses) > 0 {
			c.DefaultAddressID = c.Addresses[0].ID
		}
	}
	return nil
}

func (c *Customer) setDefaultAddress(id string) (Address, error) {
	i, err := c.addressIndex(id)
	if err != nil {
		return Address{}, err
	}
	c.DefaultAddressID = id
	return c.Addresses[i], nil
}
