package dashboard

import (
	"time"
)

// Window is the span of a dashboard series and the size of its buckets.
type Window string

const (
	// WindowHour is the last 24 hours, by hour. Hours start on the hour of
	// the vendor's clock and last 60 minutes each: on the night clocks go
	// back, the repeated hour is two buckets; the hour skipped when they go
	// forward has none.
	WindowHour Window = "HOUR"
	// WindowDay is the last 30 calendar days of the vendor's clock, by day,
	// today included. A day lasts from local midnight to local midnight, so
	// 23 or 25 hours on the days clocks change.
	WindowDay Window = "DAY"
	// WindowWeek is the last 12 weeks, Monday to Sunday local, this week
	// included.
	WindowWeek Window = "WEEK"
	// WindowMonth is the last 12 calendar months local, this month
	// included.
	WindowMonth Window = "MONTH"
)

// Valid reports whether w is a known window.
func (w Window) Valid() bool {
	switch w {
	case WindowHour, WindowDay, WindowWeek, WindowMonth:
		return true
	}
	return false
}

// Buckets returns w's buckets in loc, oldest first, the last one holding
// now: consecutive, each ending where the next starts, with nothing
// counted. w must be valid. Times are in loc.
func Buckets(w Window, loc *time.Location, now time.Time) []Bucket {
	bounds := boundaries(w, loc, now)
	out := make([]Bucket, len(bounds)-1)
	for i := range out {
		out[i] = Bucket{Start: bounds[i], End: bounds[i+1]}
	}
	return out
}

// boundaries returns the n+1 instants that delimit w's n buckets.
func boundaries(w Window, loc *time.Location, now time.Time) []time.Time {
	local := now.In(loc)
	y, m, d := local.Date()
	var bounds []time.Time
	switch w {
	case WindowHour:
		// Whole hours back from the start of the local hour holding now:
		// counting on the absolute clock keeps every bucket one hour long
		// across a clock change.
		hour := local.Add(-time.Duration(local.Minute())*time.Minute -
			time.Duration(local.Second())*time.Second -
			time.Duration(local.Nanosecond()))
		for k := -23; k <= 1; k++ {
			bounds = append(bounds, hour.Add(time.Duration(k)*time.Hour))
		}
	case WindowDay:
		for k := -29; k <= 1; k++ {
			bounds = append(bounds, startOfDay(y, m, d+k, loc))
		}
	case WindowWeek:
		monday := d - (int(local.Weekday())+6)%7
		for k := -11; k <= 1; k++ {
			bounds = append(bounds, startOfDay(y, m, monday+7*k, loc))
		}
	case WindowMonth:
		for k := -11; k <= 1; k++ {
			bounds = append(bounds, startOfDay(y, m+time.Month(k), 1, loc))
		}
	}
	return bounds
}

// startOfDay returns the first instant of the calendar day y-m-d in loc;
// out-of-range months and days normalise as in time.Date.
//
// It is local midnight on almost every day. Where a zone changes its
// clocks at midnight, midnight does not exist (the day starts at 01:00) or
// exists twice (the day starts at the first), and time.Date does not say
// which instant it picks; the day's start is then searched for, to the
// second, near its guess.
func startOfDay(y int, m time.Month, d int, loc *time.Location) time.Time {
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // the civil date, normalised
	guess := time.Date(y, m, d, 0, 0, 0, 0, loc)
	if g := guess.In(loc); g.Hour() == 0 && g.Minute() == 0 && g.Second() == 0 &&
		localDate(guess.Add(-time.Second), loc).Before(day) {
		return guess
	}
	// The first second whose local date is day or later. Clock changes are
	// a few hours at most, so the start lies well within a day of guess.
	lo, hi := guess.Add(-30*time.Hour).Unix(), guess.Add(30*time.Hour).Unix()
	for lo < hi {
		mid := lo + (hi-lo)/2
		if localDate(time.Unix(mid, 0), loc).Before(day) {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return time.Unix(lo, 0).In(loc)
}

// localDate returns t's calendar date in loc as a UTC midnight, to compare.
func localDate(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// span is the whole range of w's buckets.
func span(w Window, loc *time.Location, now time.Time) Range {
	b := boundaries(w, loc, now)
	return Range{From: b[0], To: b[len(b)-1]}
}

// bucketOf returns the index of the bucket of buckets holding t, or -1.
func bucketOf(buckets []Bucket, t time.Time) int {
	lo, hi := 0, len(buckets)
	for lo < hi {
		mid := (lo + hi) / 2
		switch {
		case t.Before(buckets[mid].Start):
			hi = mid
		case !t.Before(buckets[mid].End):
			lo = mid + 1
		default:
			return mid
		}
	}
	return -1
}
