package dashboard_test

import (
	"testing"
	"time"
	_ "time/tzdata" // the same zone rules on every machine

	"github.com/platterhq/platter/subgraphs/vendorsvc/dashboard"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// checkSeries checks what every window promises: n consecutive buckets,
// the last one holding now.
func checkSeries(t *testing.T, bs []dashboard.Bucket, n int, now time.Time) {
	t.Helper()
	if len(bs) != n {
		t.Fatalf("%d buckets, want %d", len(bs), n)
	}
	for i := 1; i < len(bs); i++ {
		if !bs[i].Start.Equal(bs[i-1].End) {
			t.Fatalf("bucket %d starts at %v, the previous ends at %v", i, bs[i].Start, bs[i-1].End)
		}
	}
	for i, b := range bs {
		if !b.Start.Before(b.End) {
			t.Fatalf("bucket %d is empty: %v", i, b)
		}
	}
	last := bs[len(bs)-1]
	if now.Before(last.Start) || !now.Before(last.End) {
		t.Fatalf("the last bucket [%v, %v) does not hold now %v", last.Start, last.End, now)
	}
}

func at(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

func TestDayBuckets(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	saoPaulo := zone(t, "America/Sao_Paulo")
	tests := []struct {
		name      string
		loc       *time.Location
		now       time.Time
		firstDay  time.Time // start of the oldest bucket
		odd       time.Time // start of a day whose length is oddLength
		oddLength time.Duration
	}{
		{
			name:     "UTC",
			loc:      time.UTC,
			now:      at(time.UTC, 2025, 3, 10, 23, 59),
			firstDay: at(time.UTC, 2025, 2, 9, 0, 0),
			odd:      at(time.UTC, 2025, 3, 1, 0, 0), oddLength: 24 * time.Hour,
		},
		{
			name:     "Paris, a day of 23 hours as clocks go forward",
			loc:      paris,
			now:      at(paris, 2025, 4, 2, 0, 30),
			firstDay: at(paris, 2025, 3, 4, 0, 0),
			odd:      at(paris, 2025, 3, 30, 0, 0), oddLength: 23 * time.Hour,
		},
		{
			name:     "Paris, a day of 25 hours as clocks go back",
			loc:      paris,
			now:      at(paris, 2025, 11, 1, 9, 0),
			firstDay: at(paris, 2025, 10, 3, 0, 0),
			odd:      at(paris, 2025, 10, 26, 0, 0), oddLength: 25 * time.Hour,
		},
		{
			// Clocks went from 00:00 to 01:00: that day began at 01:00.
			name:     "São Paulo, midnight that did not exist",
			loc:      saoPaulo,
			now:      at(saoPaulo, 2018, 11, 10, 12, 0),
			firstDay: at(saoPaulo, 2018, 10, 12, 0, 0),
			odd:      time.Date(2018, 11, 4, 3, 0, 0, 0, time.UTC), oddLength: 23 * time.Hour,
		},
		{
			// Clocks went from 00:00 back to 23:00 the day before, which
			// thus lasted 25 hours.
			name:     "São Paulo, an hour before midnight lived twice",
			loc:      saoPaulo,
			now:      at(saoPaulo, 2018, 2, 20, 12, 0),
			firstDay: at(saoPaulo, 2018, 1, 22, 0, 0),
			odd:      time.Date(2018, 2, 17, 2, 0, 0, 0, time.UTC), oddLength: 25 * time.Hour,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs := dashboard.Buckets(dashboard.WindowDay, tt.loc, tt.now)
			checkSeries(t, bs, 30, tt.now)
			if !bs[0].Start.Equal(tt.firstDay) {
				t.Errorf("first day starts %v, want %v", bs[0].Start, tt.firstDay)
			}
			found := false
			for i, b := range bs {
				local := b.Start.In(tt.loc)
				if i > 0 && local.Day() == bs[i-1].Start.In(tt.loc).Day() {
					t.Errorf("two buckets on day %v", local)
				}
				if b.Start.Equal(tt.odd) {
					found = true
					if got := b.End.Sub(b.Start); got != tt.oddLength {
						t.Errorf("day %v lasts %v, want %v", local, got, tt.oddLength)
					}
				}
			}
			if !found {
				t.Errorf("no bucket starts at %v", tt.odd)
			}
		})
	}
}

func TestDayBucketsKeepSunday(t *testing.T) {
	now := at(time.UTC, 2025, 3, 9, 18, 0) // a Sunday
	bs := dashboard.Buckets(dashboard.WindowDay, time.UTC, now)
	sundays := 0
	for _, b := range bs {
		if b.Start.Weekday() == time.Sunday {
			sundays++
		}
	}
	if sundays != 5 || bs[29].Start.Weekday() != time.Sunday {
		t.Fatalf("%d Sundays among the last 30 days ending on a Sunday, want 5 and today", sundays)
	}
}

func TestHourBuckets(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	kolkata := zone(t, "Asia/Kolkata")

	t.Run("clocks go back: the repeated hour is two buckets", func(t *testing.T) {
		now := at(paris, 2025, 10, 26, 12, 34)
		bs := dashboard.Buckets(dashboard.WindowHour, paris, now)
		checkSeries(t, bs, 24, now)
		twos := 0
		for _, b := range bs {
			if b.End.Sub(b.Start) != time.Hour {
				t.Fatalf("bucket %v lasts %v", b.Start, b.End.Sub(b.Start))
			}
			if b.Start.In(paris).Hour() == 2 {
				twos++
			}
		}
		if twos != 2 {
			t.Fatalf("02:00 appears %d times, want 2", twos)
		}
		if !bs[23].Start.Equal(at(paris, 2025, 10, 26, 12, 0)) {
			t.Fatalf("last hour starts %v", bs[23].Start)
		}
	})
	t.Run("half-hour zone: buckets start on the local hour", func(t *testing.T) {
		now := time.Date(2025, 3, 10, 10, 15, 0, 0, time.UTC) // 15:45 in Kolkata
		bs := dashboard.Buckets(dashboard.WindowHour, kolkata, now)
		checkSeries(t, bs, 24, now)
		for _, b := range bs {
			if l := b.Start.In(kolkata); l.Minute() != 0 || l.Second() != 0 {
				t.Fatalf("bucket starts at %v local", l)
			}
		}
		if !bs[23].Start.Equal(at(kolkata, 2025, 3, 10, 15, 0)) {
			t.Fatalf("last hour starts %v", bs[23].Start.In(kolkata))
		}
	})
	t.Run("on the hour", func(t *testing.T) {
		now := at(time.UTC, 2025, 3, 10, 15, 0)
		bs := dashboard.Buckets(dashboard.WindowHour, time.UTC, now)
		checkSeries(t, bs, 24, now)
		if !bs[23].Start.Equal(now) || !bs[0].Start.Equal(now.Add(-23*time.Hour)) {
			t.Fatalf("buckets from %v to %v", bs[0].Start, bs[23].Start)
		}
	})
}

func TestWeekBuckets(t *testing.T) {
	paris := zone(t, "Europe/Paris")
	for _, now := range []time.Time{
		at(paris, 2025, 4, 6, 23, 30), // a Sunday night: still the week of Monday 31 March
		at(paris, 2025, 3, 31, 0, 0),  // the very start of a Monday
	} {
		bs := dashboard.Buckets(dashboard.WindowWeek, paris, now)
		checkSeries(t, bs, 12, now)
		if want := at(paris, 2025, 3, 31, 0, 0); !bs[11].Start.Equal(want) {
			t.Errorf("now %v: last week starts %v, want %v", now, bs[11].Start, want)
		}
		for _, b := range bs {
			if l := b.Start.In(paris); l.Weekday() != time.Monday || l.Hour() != 0 || l.Minute() != 0 {
				t.Errorf("week starts %v", l)
			}
		}
		// The week of 24 March holds the night clocks went forward.
		if got := bs[10].End.Sub(bs[10].Start); got != 7*24*time.Hour-time.Hour {
			t.Errorf("week of the clock change lasts %v", got)
		}
	}
}

func TestMonthBuckets(t *testing.T) {
	tokyo := zone(t, "Asia/Tokyo")
	now := at(tokyo, 2025, 2, 28, 23, 59)
	bs := dashboard.Buckets(dashboard.WindowMonth, tokyo, now)
	checkSeries(t, bs, 12, now)
	if want := at(tokyo, 2024, 3, 1, 0, 0); !bs[0].Start.Equal(want) {
		t.Fatalf("first month starts %v, want %v", bs[0].Start, want)
	}
	if got := bs[11].End.Sub(bs[11].Start); got != 28*24*time.Hour {
		t.Fatalf("February 2025 lasts %v", got)
	}
	for i, b := range bs {
		if l := b.Start.In(tokyo); l.Day() != 1 || l.Hour() != 0 || l.Month() != time.Month((2+i)%12+1) {
			t.Fatalf("bucket %d starts %v", i, l)
		}
	}
	// One instant later, it is March in Tokyo while still February in UTC.
	next := dashboard.Buckets(dashboard.WindowMonth, tokyo, now.Add(time.Minute))
	if want := at(tokyo, 2025, 3, 1, 0, 0); !next[11].Start.Equal(want) {
		t.Fatalf("after midnight, last month starts %v", next[11].Start)
	}
}
