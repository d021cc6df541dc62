package service_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode/geocodetest"
	"github.com/platterhq/platter/subgraphs/cloudmanager/mediatest"
)

// refusingBus is a memory bus whose Publish refuses the first `refuse`
// calls, as a broker that is down would.
type refusingBus struct {
	*events.MemoryBus
	refuse atomic.Int32
}

func (b *refusingBus) Publish(ctx context.Context, envs ...events.Envelope) error {
	if b.refuse.Add(-1) >= 0 {
		return errors.New("broker unreachable")
	}
	return b.MemoryBus.Publish(ctx, envs...)
}

// inbox collects what a subscriber receives.
type inbox struct {
	mu  sync.Mutex
	got []events.Envelope
}

func (in *inbox) handle(_ context.Context, e events.Envelope) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.got = append(in.got, e)
	return nil
}

// wait returns the first n events received, failing after 10 seconds.
func (in *inbox) wait(t *testing.T, n int) []events.Envelope {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		in.mu.Lock()
		got := append([]events.Envelope(nil), in.got...)
		in.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("received %d events, want %d: %+v", len(got), n, got)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newBus(t *testing.T) *events.MemoryBus {
	t.Helper()
	bus := events.NewMemoryBus(logging.Discard(), events.WithRetry(events.Retry{MaxAttempts: 50, InitialBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond}))
	t.Cleanup(func() { _ = bus.Close() })
	return bus
}

// start runs the service's relay and consumers on bus until the test ends,
// and subscribes an inbox, as subscriber, to cloudmanager's events.
func start(t *testing.T, e env, bus events.Bus, subscriber string) *inbox {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	in := &inbox{}
	if err := bus.Subscribe(ctx, subscriber, in.handle, "cloudmanager.#"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Start(ctx, bus); err != nil {
		t.Fatal(err)
	}
	return in
}

func wantAssetEvent(t *testing.T, e events.Envelope, typ, id, owner, purpose string) {
	t.Helper()
	d, err := events.Decode[events.AssetData](e)
	if err != nil || e.Type != typ || e.Source != "cloudmanager" || e.Subject != id ||
		d != (events.AssetData{AssetID: id, OwnerID: owner, Purpose: purpose}) {
		t.Fatalf("got %s %+v %+v (%v), want %s of %s", e.Type, e, d, err, typ, id)
	}
}

func TestAssetEventsGoOut(t *testing.T) {
	e := open(t)
	in := start(t, e, newBus(t), "vendor")
	owner := e.token("cust-1", auth.RoleCustomer)
	a := mediatest.MustUploadImage(t, e.endpoint(), owner, "AVATAR", "me.png", mediatest.PNG(t, 8, 8))
	got := in.wait(t, 1)
	wantAssetEvent(t, got[0], events.AssetUploaded, a.ID, "cust-1", "AVATAR")

	e.client(owner).MustData(t, `mutation($id: ID!) { deleteAsset(id: $id) }`, map[string]any{"id": a.ID}, nil)
	got = in.wait(t, 2)
	wantAssetEvent(t, got[1], events.AssetDeleted, a.ID, "cust-1", "AVATAR")
	// The relay removes a record once the publish is confirmed, which may
	// be just after the subscriber has the event.
	waitOutboxEmpty(t, e, 5*time.Second)
	if len(in.wait(t, 2)) != 2 {
		t.Fatal("more events than changes")
	}
}

// While the bus refuses, the events wait in the outbox; the relay retries
// until they are taken, and none is lost.
func TestAssetEventsSurviveARefusingBus(t *testing.T) {
	e := open(t)
	bus := &refusingBus{MemoryBus: newBus(t)}
	bus.refuse.Store(3)
	in := start(t, e, bus, "vendor")
	owner := e.token("vendor-1", auth.RoleVendor)
	var ids []string
	for range 3 {
		ids = append(ids, mediatest.MustUploadImage(t, e.endpoint(), owner, "GALLERY", "g.png", mediatest.PNG(t, 4, 4)).ID)
	}
	got := in.wait(t, 3)
	seen := map[string]bool{}
	for _, ev := range got {
		seen[ev.Subject] = true
	}
	for _, id := range ids {
		if !seen[id] {
			t.Fatalf("the uploaded event of %s was lost: %+v", id, got)
		}
	}
	if bus.refuse.Load() >= 0 {
		t.Fatal("the bus never refused")
	}
	waitOutboxEmpty(t, e, 10*time.Second)
}

// waitOutboxEmpty waits until the relay has removed every outbox record.
func waitOutboxEmpty(t *testing.T, e env, timeout time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(5 * time.Millisecond) {
		n, err := e.svc.OutboxPending(context.Background())
		if err == nil && n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events still in the outbox (%v)", n, err)
		}
	}
}

func geocodingRequest(t *testing.T, source, typ, subject, addressID, address string) events.Envelope {
	t.Helper()
	env, err := events.New(context.Background(), source, typ, subject, events.GeocodingRequestedData{SubjectID: subject, AddressID: addressID, Address: address})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func geocoded(t *testing.T, e events.Envelope) events.AddressGeocodedData {
	t.Helper()
	if e.Type != events.AddressGeocoded || e.Source != "cloudmanager" {
		t.Fatalf("got %s from %s", e.Type, e.Source)
	}
	d, err := events.Decode[events.AddressGeocodedData](e)
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != d.SubjectID {
		t.Fatalf("subject %s, data %+v", e.Subject, d)
	}
	return d
}

// Customer and vendor requests are answered to their requester, from the
// cache the second time; an unknown place is answered not found; a failing
// geocoder leaves the request to the bus's retries.
func TestGeocodingRequestsAreAnswered(t *testing.T) {
	addr := "Via Torino 20, Milano " + testenv.Name("flat") // the Redis cache outlives runs
	srv := geocodetest.New(t, "maps-key", map[string]geocodetest.Place{addr: {Lat: 45.4619, Lng: 9.1851}})
	e := open(t, func(c *config.Cloudmanager) {
		c.GoogleMapsAPIKey, c.GoogleMapsBaseURL = "maps-key", srv.URL
		c.RedisURL = testenv.Redis(t)
		c.GeocodeQuota = 1 // requests take no caller quota
	})
	bus := newBus(t)
	in := start(t, e, bus, "customer")
	ctx := context.Background()

	req := geocodingRequest(t, "customer", events.CustomerAddressGeocodingRequested, "cust-1", "addr-1", addr)
	if err := bus.Publish(ctx, req); err != nil {
		t.Fatal(err)
	}
	first := in.wait(t, 1)[0]
	d := geocoded(t, first)
	if d.Requester != "customer" || d.SubjectID != "cust-1" || d.AddressID != "addr-1" || d.Address != addr ||
		!d.Found || d.Location == nil || *d.Location != (events.GeoPoint{Lat: 45.4619, Lng: 9.1851}) || d.Reason != "" {
		t.Fatalf("answer %+v", d)
	}
	if first.CorrelationID != req.CorrelationID {
		t.Fatalf("answer correlation %s, request %s", first.CorrelationID, req.CorrelationID)
	}

	// A vendor asks for the same place, in other spacing: from the cache.
	if err := bus.Publish(ctx, geocodingRequest(t, "vendor", events.VendorAddressGeocodingRequested, "vendor-1", "", "  "+strings.ToUpper(addr))); err != nil {
		t.Fatal(err)
	}
	d = geocoded(t, in.wait(t, 2)[1])
	if d.Requester != "vendor" || d.SubjectID != "vendor-1" || !d.Found || srv.Calls() != 1 {
		t.Fatalf("answer %+v after %d geocoder calls, want 1", d, srv.Calls())
	}

	nowhere := "Nowhere " + testenv.Name("street")
	if err := bus.Publish(ctx, geocodingRequest(t, "customer", events.CustomerAddressGeocodingRequested, "cust-1", "addr-2", nowhere)); err != nil {
		t.Fatal(err)
	}
	d = geocoded(t, in.wait(t, 3)[2])
	if d.Found || d.Location != nil || d.Reason == "" || d.AddressID != "addr-2" {
		t.Fatalf("not found answer %+v", d)
	}

	// The geocoder fails: no answer until it recovers, then one.
	srv.FailWithHTTP500()
	later := "Corso Como 1, Milano " + testenv.Name("flat")
	retried := geocodingRequest(t, "customer", events.CustomerAddressGeocodingRequested, "cust-2", "addr-9", later)
	if err := bus.Publish(ctx, retried); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); srv.Calls() < 4; { // two failed attempts at least
		if time.Now().After(deadline) {
			t.Fatalf("the geocoder was called %d times", srv.Calls())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := in.wait(t, 3); len(got) != 3 {
		t.Fatalf("answered while the geocoder fails: %+v", got[3:])
	}
	srv.FailWithStatus("")
	d = geocoded(t, in.wait(t, 4)[3])
	if d.SubjectID != "cust-2" || d.Found || !strings.Contains(d.Reason, "no place") {
		t.Fatalf("answer after recovery %+v", d)
	}

	// A request delivered twice is answered twice with one id, so the
	// requester's inbox takes it once.
	if err := bus.Publish(ctx, req); err != nil {
		t.Fatal(err)
	}
	if again := in.wait(t, 5)[4]; again.ID != first.ID {
		t.Fatalf("a redelivered request was answered with id %s, then %s", first.ID, again.ID)
	}
	if n := len(bus.DeadLetters("cloudmanager")); n != 0 {
		t.Fatalf("%d requests dead-lettered", n)
	}
}

// Without a key a request is answered, not retried: not found, saying why.
func TestGeocodingRequestWithoutAKey(t *testing.T) {
	e := open(t)
	bus := newBus(t)
	in := start(t, e, bus, "vendor")
	if err := bus.Publish(context.Background(), geocodingRequest(t, "vendor", events.VendorAddressGeocodingRequested, "vendor-1", "", "Via Roma 1, Milano")); err != nil {
		t.Fatal(err)
	}
	d := geocoded(t, in.wait(t, 1)[0])
	if d.Requester != "vendor" || d.Found || d.Reason != "geocoding is not configured: set GOOGLE_MAPS_API_KEY" {
		t.Fatalf("answer %+v", d)
	}
}
