package vendorprofile

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/platterhq/platter/internal/apperr"
)

// Page sizes of a listing.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
	maxRadiusKm     = 100
	maxSearchLength = 100
)

// Near asks for the vendors within RadiusKm of Point, nearest first.
type Near struct {
	Point    GeoPoint
	RadiusKm float64
}

// Filter narrows a listing; zero fields do not filter.
type Filter struct {
	Near *Near
	// OpenNow keeps the vendors customers can order from right now.
	OpenNow bool
	// Search matches words in the name, about and address, ignoring case.
	Search string
}

// Listed is one vendor of a page; DistanceKm is set when the filter is
// Near.
type Listed struct {
	Vendor     Vendor
	DistanceKm *float64
	Cursor     string
}

// Page is one page of a listing.
type Page struct {
	Items       []Listed
	HasNextPage bool
}

// cursor is where a page ended: the sort key of its last vendor. Vendors
// sort by distance (near) or by name, then id, so a page boundary stays put
// when vendors are added or removed elsewhere in the list.
type cursor struct {
	Distance float64 `json:"d,omitempty"`
	Name     string  `json:"n,omitempty"`
	ID       string  `json:"i"`
}

func (c cursor) encode() string {
	raw, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeCursor(s string) (cursor, error) {
	bad := apperr.Invalid("after", "is not a cursor of this listing")
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, bad
	}
	var c cursor
	if json.Unmarshal(raw, &c) != nil || ValidateID(c.ID) != nil {
		return cursor{}, bad
	}
	return c, nil
}

// ValidateListing checks a filter and page request before any store is read.
func ValidateListing(f Filter, first int) error {
	if first < 1 || first > MaxPageSize {
		return apperr.Invalid("first", "must be 1 to %d", MaxPageSize)
	}
	if f.Near != nil {
		if err := ValidatePoint("filter.near.point", f.Near.Point); err != nil {
			return err
		}
		if !(f.Near.RadiusKm > 0 && f.Near.RadiusKm <= maxRadiusKm) {
			return apperr.Invalid("filter.near.radiusKm", "must be more than 0 and at most %d", maxRadiusKm)
		}
	}
	if utf8.RuneCountInString(f.Search) > maxSearchLength {
		return apperr.Invalid("filter.search", "must be at most %d characters", maxSearchLength)
	}
	return nil
}

// List filters, sorts and pages vendors in memory. The embedded Mongo
// server has neither geo indexes nor text search (design/STORES.md), and a
// marketplace's vendors fit in memory, so this is the one implementation
// for every store.
func List(all []Vendor, f Filter, first int, after string, now time.Time) (Page, error) {
	if err := ValidateListing(f, first); err != nil {
		return Page{}, err
	}
	var from *cursor
	if after != "" {
		c, err := decodeCursor(after)
		if err != nil {
			return Page{}, err
		}
		from = &c
	}
	terms := strings.Fields(strings.ToLower(f.Search))
	type row struct {
		v    Vendor
		dist float64
		name string
	}
	rows := make([]row, 0, len(all))
	for _, v := range all {
		if f.OpenNow && !v.OpenNow(now) {
			continue
		}
		if !matches(v, terms) {
			continue
		}
		r := row{v: v, name: strings.ToLower(v.Name)}
		if f.Near != nil {
			if v.Location == nil {
				continue
			}
			r.dist = DistanceKm(f.Near.Point, *v.Location)
			if r.dist > f.Near.RadiusKm {
				continue
			}
		}
		rows = append(rows, r)
	}
	less := func(a, b row) int {
		if f.Near != nil {
			if c := cmp.Compare(a.dist, b.dist); c != 0 {
				return c
			}
			return cmp.Compare(a.v.ID, b.v.ID)
		}
		if c := cmp.Compare(a.name, b.name); c != 0 {
			return c
		}
		return cmp.Compare(a.v.ID, b.v.ID)
	}
	slices.SortFunc(rows, less)
	start := 0
	if from != nil {
		at := row{v: Vendor{ID: from.ID}, dist: from.Distance, name: from.Name}
		start, _ = slices.BinarySearchFunc(rows, at, func(r, target row) int {
			if less(r, target) <= 0 {
				return -1
			}
			return 1
		})
	}
	end := min(start+first, len(rows))
	page := Page{HasNextPage: end < len(rows)}
	for _, r := range rows[start:end] {
		item := Listed{Vendor: r.v}
		c := cursor{ID: r.v.ID}
		if f.Near != nil {
			d := math.Round(r.dist*1000) / 1000
			item.DistanceKm = &d
			c.Distance = r.dist
		} else {
			c.Name = r.name
		}
		item.Cursor = c.encode()
		page.Items = append(page.Items, item)
	}
	return page, nil
}

func matches(v Vendor, terms []string) bool {
	if len(terms) == 0 {
		return true
	}
	text := strings.ToLower(v.Name + " " + v.About + " " + v.Address)
	for _, t := range terms {
		if !strings.Contains(text, t) {
			return false
		}
	}
	return true
}

// DistanceKm is the great-circle distance between two points.
func DistanceKm(a, b GeoPoint) float64 {
	const earthRadiusKm = 6371.0088
	rad := func(d float64) float64 { return d * math.Pi / 180 }
	dLat, dLng := rad(b.Lat-a.Lat), rad(b.Lng-a.Lng)
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(rad(a.Lat))*math.Cos(rad(b.Lat))*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusKm * math.Asin(math.Min(1, math.Sqrt(h)))
}
