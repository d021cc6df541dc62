package vendorprofile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/platterhq/platter/internal/apperr"
)

// Range is an opening period within one day, in minutes after midnight of
// the vendor's time zone: Opens < Closes <= 24*60. A period past midnight
// is two ranges, one on each day.
type Range struct {
	Opens, Closes int
}

// Hours are the opening hours of each weekday (indexed by time.Weekday,
// Sunday first), each day's ranges ordered and apart.
type Hours [7][]Range

// DayHours are the ranges of one weekday as the owner gives them.
type DayHours struct {
	Day    time.Weekday
	Ranges []RangeText
}

// RangeText is a range as text: "HH:MM", Closes up to "24:00".
type RangeText struct {
	Opens, Closes string
}

const maxRangesPerDay = 6

// NewHours validates the given days; a day not given is closed. Problems
// name the field as days[i].ranges[j].opens and so on.
func NewHours(days []DayHours) (Hours, error) {
	var h Hours
	var seen [7]bool
	for i, d := range days {
		field := fmt.Sprintf("days[%d]", i)
		if d.Day < time.Sunday || d.Day > time.Saturday {
			return Hours{}, apperr.Invalid(field+".day", "is not a weekday")
		}
		if seen[d.Day] {
			return Hours{}, apperr.Invalid(field+".day", "%s is given twice", d.Day)
		}
		seen[d.Day] = true
		if len(d.Ranges) > maxRangesPerDay {
			return Hours{}, apperr.Invalid(field+".ranges", "at most %d ranges a day", maxRangesPerDay)
		}
		ranges := make([]Range, 0, len(d.Ranges))
		for j, rt := range d.Ranges {
			rf := fmt.Sprintf("%s.ranges[%d]", field, j)
			opens, err := parseClock(rf+".opens", rt.Opens, false)
			if err != nil {
				return Hours{}, err
			}
			closes, err := parseClock(rf+".closes", rt.Closes, true)
			if err != nil {
				return Hours{}, err
			}
			if closes <= opens {
				return Hours{}, apperr.Invalid(rf+".closes", "must be after opens")
			}
			if n := len(ranges); n > 0 && opens < ranges[n-1].Closes {
				return Hours{}, apperr.Invalid(rf+".opens", "must not be before the previous range closes (ranges are ordered and apart)")
			}
			ranges = append(ranges, Range{Opens: opens, Closes: closes})
		}
		if len(ranges) > 0 {
			h[d.Day] = ranges
		}
	}
	return h, nil
}

// ParseRange reads "HH:MM-HH:MM", the form demo data uses.
func ParseRange(s string) (RangeText, error) {
	opens, closes, ok := strings.Cut(s, "-")
	if !ok {
		return RangeText{}, fmt.Errorf("range %q is not HH:MM-HH:MM", s)
	}
	return RangeText{Opens: strings.TrimSpace(opens), Closes: strings.TrimSpace(closes)}, nil
}

// parseClock reads "HH:MM" into minutes; "24:00" only when it is a closing
// time.
func parseClock(field, s string, closing bool) (int, error) {
	bad := apperr.Invalid(field, "must be a time HH:MM from 00:00 to 24:00")
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	h, errH := strconv.Atoi(s[:2])
	m, errM := strconv.Atoi(s[3:])
	if errH != nil || errM != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, bad
	}
	minutes := h*60 + m
	if minutes == 24*60 && !closing {
		return 0, apperr.Invalid(field, "24:00 may only close a range")
	}
	return minutes, nil
}

// FormatClock writes minutes after midnight as "HH:MM".
func FormatClock(minutes int) string {
	return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60)
}

// Days returns the hours as the owner would give them, Monday first, open
// days only.
func (h Hours) Days() []DayHours {
	var out []DayHours
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if len(h[d]) == 0 {
			continue
		}
		day := DayHours{Day: d}
		for _, r := range h[d] {
			day.Ranges = append(day.Ranges, RangeText{Opens: FormatClock(r.Opens), Closes: FormatClock(r.Closes)})
		}
		out = append(out, day)
	}
	return out
}

// Equal reports whether two sets of hours are the same.
func (h Hours) Equal(o Hours) bool {
	for d := range h {
		if !slices.Equal(h[d], o[d]) {
			return false
		}
	}
	return true
}

// OpenAt reports whether at falls within the hours, read in loc.
func (h Hours) OpenAt(at time.Time, loc *time.Location) bool {
	local := at.In(loc)
	minute := local.Hour()*60 + local.Minute()
	for _, r := range h[local.Weekday()] {
		if minute >= r.Opens && minute < r.Closes {
			return true
		}
	}
	return false
}

// OpenNow reports whether customers can order now: the vendor is approved,
// its switch is on and now is within its opening hours in its time zone.
func (v Vendor) OpenNow(now time.Time) bool {
	if v.Status != StatusApproved || !v.IsOpen {
		return false
	}
	loc, err := time.LoadLocation(v.TimeZone)
	if err != nil {
		loc = time.UTC // stored zones were validated; this only guards old data
	}
	return v.Hours.OpenAt(now, loc)
}
