package graph

import (
	"context"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
	"github.com/platterhq/platter/subgraphs/vendorsvc/graph/model"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// toVendor maps a vendor the caller may see; email and openNow resolve
// from Source.
func toVendor(v vendorprofile.Vendor) *model.Vendor {
	out := &model.Vendor{
		ID: v.ID, Name: v.Name, About: v.About, Phone: optional(v.Phone), Address: optional(v.Address),
		TimeZone: v.TimeZone, IsOpen: v.IsOpen, Status: model.VendorStatus(v.Status), CreatedAt: v.CreatedAt,
		Gallery: []model.Asset{}, Team: []model.TeamMember{}, SocialLinks: []model.SocialLink{}, OpeningHours: []model.OpeningDay{},
		Source: v,
	}
	if v.Location != nil {
		out.Location = &model.GeoPoint{Lat: v.Location.Lat, Lng: v.Location.Lng}
	}
	if v.LogoAssetID != "" {
		out.Logo = &model.Asset{ID: v.LogoAssetID}
	}
	for _, a := range v.GalleryAssets {
		out.Gallery = append(out.Gallery, model.Asset{ID: a})
	}
	for _, m := range v.Team {
		tm := model.TeamMember{ID: m.ID, Name: m.Name, Role: m.Role}
		if m.PhotoAssetID != "" {
			tm.Photo = &model.Asset{ID: m.PhotoAssetID}
		}
		out.Team = append(out.Team, tm)
	}
	for _, l := range v.SocialLinks {
		out.SocialLinks = append(out.SocialLinks, model.SocialLink{Title: l.Title, URL: l.URL})
	}
	for _, d := range v.Hours.Days() {
		day := model.OpeningDay{Day: weekdays[d.Day], Ranges: []model.TimeRange{}}
		for _, r := range d.Ranges {
			day.Ranges = append(day.Ranges, model.TimeRange{Opens: r.Opens, Closes: r.Closes})
		}
		out.OpeningHours = append(out.OpeningHours, day)
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

var weekdays = map[time.Weekday]model.Weekday{
	time.Monday: model.WeekdayMonday, time.Tuesday: model.WeekdayTuesday, time.Wednesday: model.WeekdayWednesday,
	time.Thursday: model.WeekdayThursday, time.Friday: model.WeekdayFriday, time.Saturday: model.WeekdaySaturday,
	time.Sunday: model.WeekdaySunday,
}

func fromWeekday(w model.Weekday) time.Weekday {
	for d, m := range weekdays {
		if m == w {
			return d
		}
	}
	return -1 // refused by the domain as not a weekday
}

func fromDays(days []model.OpeningDayInput) []vendorprofile.DayHours {
	out := make([]vendorprofile.DayHours, len(days))
	for i, d := range days {
		out[i] = vendorprofile.DayHours{Day: fromWeekday(d.Day)}
		for _, r := range d.Ranges {
			out[i].Ranges = append(out[i].Ranges, vendorprofile.RangeText{Opens: r.Opens, Closes: r.Closes})
		}
	}
	return out
}

func fromPoint(p *model.GeoPointInput) *vendorprofile.GeoPoint {
	if p == nil {
		return nil
	}
	return &vendorprofile.GeoPoint{Lat: p.Lat, Lng: p.Lng}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func fromFilter(f *model.VendorFilter) vendorprofile.Filter {
	var out vendorprofile.Filter
	if f == nil {
		return out
	}
	if f.Near != nil {
		near := &vendorprofile.Near{RadiusKm: f.Near.RadiusKm}
		if f.Near.Point != nil {
			near.Point = *fromPoint(f.Near.Point)
		}
		out.Near = near
	}
	out.OpenNow = f.OpenNow != nil && *f.OpenNow
	out.Search = deref(f.Search)
	return out
}

func toConnection(p vendorprofile.Page) *model.VendorConnection {
	out := &model.VendorConnection{Edges: []model.VendorEdge{}, PageInfo: &model.PageInfo{HasNextPage: p.HasNextPage}}
	for _, it := range p.Items {
		out.Edges = append(out.Edges, model.VendorEdge{Cursor: it.Cursor, Node: toVendor(it.Vendor), DistanceKm: it.DistanceKm})
	}
	if n := len(out.Edges); n > 0 {
		end := out.Edges[n-1].Cursor
		out.PageInfo.EndCursor = &end
	}
	return out
}

func toSession(v vendorprofile.Vendor, t auth.Tokens) *model.VendorSession {
	return &model.VendorSession{
		AccessToken: t.AccessToken, AccessTokenExpiresAt: t.AccessTokenExpiresAt,
		RefreshToken: t.RefreshToken, RefreshTokenExpiresAt: t.RefreshTokenExpiresAt,
		Vendor: own(toVendor(v)),
	}
}

func vendorOrErr(v vendorprofile.Vendor, err error) (*model.Vendor, error) {
	if err != nil {
		return nil, err
	}
	return toVendor(v), nil
}

// asOwner runs an owner's change as the signed-in caller.
func (r *mutationResolver) asOwner(ctx context.Context, do func(auth.Identity) (vendorprofile.Vendor, error)) (*model.Vendor, error) {
	caller, err := auth.RequireRole(ctx, auth.RoleVendor)
	if err != nil {
		return nil, err
	}
	return vendorOrErr(do(caller))
}

func own(v *model.Vendor) *model.Vendor {
	v.Own = true
	return v
}

// vendorZone is the vendor's time zone; an empty or unknown name is UTC.
func vendorZone(v vendorprofile.Vendor) *time.Location {
	if v.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(v.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

func toDashboardBuckets(bs []dashboard.Bucket) []model.DashboardBucket {
	out := make([]model.DashboardBucket, len(bs))
	for i, b := range bs {
		out[i] = model.DashboardBucket{Start: b.Start.UTC(), End: b.End.UTC(), Count: b.Count, Lost: b.Lost, AverageRating: b.AverageRating}
		if b.Amount != nil {
			out[i].Amount = toMoney(*b.Amount)
		}
	}
	return out
}

func toTopCustomers(stats []dashboard.CustomerStat) []model.TopCustomer {
	out := make([]model.TopCustomer, len(stats))
	for i, s := range stats {
		out[i] = model.TopCustomer{Customer: &model.Customer{ID: s.CustomerID}, Orders: s.Orders, Spent: toMoney(s.Spent)}
	}
	return out
}

func toMoney(m events.Money) *model.Money {
	return &model.Money{Amount: int(m.Amount), Currency: m.Currency}
}
