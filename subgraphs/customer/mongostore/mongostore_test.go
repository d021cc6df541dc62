package mongostore_test

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/customer/account"
	"github.com/platterhq/platter/subgraphs/customer/mongostore"
)

// The store runs against the embedded server, or a real MongoDB when
// MONGO_URI is set: the same suite proves both behave alike.
func newStore(t *testing.T) *mongostore.Store {
	t.Helper()
	s, _ := newStores(t)
	return s
}

// newStores returns two stores on one database, as two replicas of the
// subgraph would have.
func newStores(t *testing.T) (*mongostore.Store, *mongostore.Store) {
	t.Helper()
	ctx := context.Background()
	uri, dbName := testenv.Mongo(t)
	client, err := mongodb.Connect(ctx, uri)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Disconnect(context.Background()) })
	db := client.Database(dbName)
	if err := mongostore.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := mongostore.Migrate(ctx, db); err != nil {
		t.Fatalf("migrate twice: %v", err)
	}
	return mongostore.New(db), mongostore.New(db)
}

func customer(id, email string) account.Customer {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return account.Customer{ID: id, Name: "N " + id, Email: email, PasswordHash: "h", Roles: []auth.Role{auth.RoleCustomer}, Version: 1, CreatedAt: now, UpdatedAt: now}
}

func TestCreateAndFind(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	want := customer("c1", "a@example.com")
	if err := s.Create(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, err := s.ByID(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != want.Email || got.Name != want.Name || !got.CreatedAt.Equal(want.CreatedAt) || len(got.Roles) != 1 || got.Roles[0] != auth.RoleCustomer {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	byEmail, err := s.ByEmail(ctx, "a@example.com")
	if err != nil || byEmail.ID != "c1" {
		t.Fatalf("by email: %v %+v", err, byEmail)
	}
	if _, err := s.ByID(ctx, "nope"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := s.ByEmail(ctx, "nope@example.com"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown email: %v", err)
	}
}

func TestDuplicateEmailIsConflict(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Create(ctx, customer("c1", "a@example.com")); err != nil {
		t.Fatal(err)
	}
	err := s.Create(ctx, customer("c2", "a@example.com"))
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Conflict || e.Field != "email" {
		t.Fatalf("got %v, want CONFLICT on email", err)
	}
	if _, err := s.ByID(ctx, "c2"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("the refused account was stored: %v", err)
	}
}

func TestByIDs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, id := range []string{"c1", "c2", "c3"} {
		if err := s.Create(ctx, customer(id, id+"@example.com")); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ByIDs(ctx, []string{"c3", "missing", "c1"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	sort.Strings(ids)
	if len(ids) != 2 || ids[0] != "c1" || ids[1] != "c3" {
		t.Fatalf("got %v", ids)
	}
}

func TestUpdateRoundTripsAndGuardsVersions(t *testing.T) {
	ctx := context.Background()
	s, replica := newStores(t)
	if err := s.Create(ctx, customer("c1", "a@example.com")); err != nil {
		t.Fatal(err)
	}
	updated, err := s.Update(ctx, "c1", func(c *account.Customer) error {
		c.Phone = "+44 20 7946 0000"
		c.Addresses = []account.Address{
			{ID: "a1", Street: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US", Location: &account.GeoPoint{Lat: 1.5, Lng: -2.25}},
			{ID: "a2", Street: "2 Side St", City: "Shelbyville", PostalCode: "54321", Country: "US"},
		}
		c.DefaultAddressID = "a2"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if updated.Version != 2 {
		t.Fatalf("version %d, want 2", updated.Version)
	}
	got, err := s.ByID(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Phone != "+44 20 7946 0000" || len(got.Addresses) != 2 || got.DefaultAddressID != "a2" ||
		got.Addresses[0].Location == nil || got.Addresses[0].Location.Lng != -2.25 || got.Addresses[1].Location != nil {
		t.Fatalf("read back %+v", got)
	}

	// A change that fails saves nothing.
	if _, err := s.Update(ctx, "c1", func(c *account.Customer) error { c.Phone = "x"; return apperr.Invalid("phone", "bad") }); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("aborted change: %v", err)
	}
	if again, _ := s.ByID(ctx, "c1"); again.Phone != "+44 20 7946 0000" || again.Version != 2 {
		t.Fatalf("aborted change was saved: %+v", again)
	}

	// A writer that read an old version loses to another replica's write and
	// retries on the new one.
	calls := 0
	_, err = s.Update(ctx, "c1", func(c *account.Customer) error {
		calls++
		if calls == 1 {
			if _, err := replica.Update(ctx, "c1", func(c *account.Customer) error { c.Name = "Raced"; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		c.Phone = "+1 555 0100"
		return nil
	})
	if err != nil || calls != 2 {
		t.Fatalf("racing update: err %v after %d calls", err, calls)
	}
	final, _ := s.ByID(ctx, "c1")
	if final.Name != "Raced" || final.Phone != "+1 555 0100" || final.Version != 4 {
		t.Fatalf("lost an update: %+v", final)
	}
	if _, err := s.Update(ctx, "missing", func(*account.Customer) error { return nil }); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown id: %v", err)
	}
}

// Concurrent changes to one customer within a process all land.
func TestConcurrentUpdatesLoseNothing(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Create(ctx, customer("c1", "a@example.com")); err != nil {
		t.Fatal(err)
	}
	const writers, each = 4, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				_, err := s.Update(ctx, "c1", func(c *account.Customer) error {
					c.Addresses = append(c.Addresses, account.Address{ID: fmt.Sprintf("a%d-%d", w, i), Street: "s", City: "c", PostalCode: "12345", Country: "US"})
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	got, err := s.ByID(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Addresses) != writers*each || got.Version != writers*each+1 {
		t.Fatalf("%d addresses at version %d, want %d at %d", len(got.Addresses), got.Version, writers*each, writers*each+1)
	}
}

func event(t *testing.T, subject string, n int) events.Envelope {
	t.Helper()
	e, err := events.New(t.Context(), "customer", events.CustomerUpdated, subject, events.CustomerUpdatedData{CustomerID: subject, Name: fmt.Sprint(n)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Events written with a change are published by the store's relay, each
// customer's in the order written, none lost to concurrent changes; a
// change that changes nothing writes nothing.
func TestEventsRideWithTheChange(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	bus := events.NewMemoryBus(logging.Discard())
	t.Cleanup(func() { bus.Close() })
	var mu sync.Mutex
	seen := map[string]bool{}
	type published struct {
		subject string
		n       int
	}
	var order []published // the first copies, as numbered by event()
	err := bus.Subscribe(ctx, "observer", func(_ context.Context, e events.Envelope) error {
		mu.Lock()
		defer mu.Unlock()
		if !seen[e.ID] {
			seen[e.ID] = true
			d, _ := events.Decode[events.CustomerUpdatedData](e)
			n, _ := strconv.Atoi(d.Name)
			order = append(order, published{e.Subject, n})
		}
		return nil
	}, "customer.#")
	if err != nil {
		t.Fatal(err)
	}

	c := customer("c1", "a@example.com")
	c.Events = []events.Envelope{event(t, "c1", 0)}
	if err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, customer("c2", "b@example.com")); err != nil {
		t.Fatal(err)
	}
	read, err := s.Update(ctx, "c1", func(*account.Customer) error { return account.ErrNoChange })
	if err != nil || read.Version != 1 {
		t.Fatalf("unchanged update: version %d, %v", read.Version, err)
	}

	runCtx, stop := context.WithCancel(ctx)
	relayDone := make(chan struct{})
	go func() { defer close(relayDone); _ = s.NewRelay(bus, logging.Discard()).Run(runCtx) }()
	t.Cleanup(func() { stop(); <-relayDone })

	const each = 10
	var wg sync.WaitGroup
	for _, id := range []string{"c1", "c2"} {
		wg.Go(func() {
			for i := 1; i <= each; i++ {
				_, err := s.Update(ctx, id, func(c *account.Customer) error {
					c.Events = append(c.Events, event(t, id, i))
					return nil
				})
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()

	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n == 2*each+1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events published, want %d", n, 2*each+1)
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	next := map[string]int{"c1": 0, "c2": 1}
	for _, p := range order {
		if p.n != next[p.subject] {
			t.Fatalf("published %+v: %+v out of order", order, p)
		}
		next[p.subject]++
	}
}

// An event takes effect on a customer once, however often and however
// concurrently it is applied.
func TestApplyEventOnce(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	if err := s.Create(ctx, customer("c1", "a@example.com")); err != nil {
		t.Fatal(err)
	}
	addOne := func(c *account.Customer) error {
		c.Cart = append(c.Cart, account.CartItem{ProductID: fmt.Sprint("p", len(c.Cart)), Quantity: 1})
		return nil
	}
	var applied atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			ok, err := s.ApplyEvent(ctx, "c1", "event-1", addOne)
			if err != nil {
				t.Error(err)
			}
			if ok {
				applied.Add(1)
			}
		})
	}
	wg.Wait()
	if ok, err := s.ApplyEvent(ctx, "c1", "event-2", addOne); !ok || err != nil {
		t.Fatalf("another event: %v %v", ok, err)
	}
	// An event that changes nothing is still remembered.
	if ok, err := s.ApplyEvent(ctx, "c1", "event-3", func(*account.Customer) error { return account.ErrNoChange }); !ok || err != nil {
		t.Fatalf("unchanging event: %v %v", ok, err)
	}
	if ok, err := s.ApplyEvent(ctx, "c1", "event-3", addOne); ok || err != nil {
		t.Fatalf("unchanging event again: %v %v", ok, err)
	}
	got, err := s.ByID(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if applied.Load() != 1 || len(got.Cart) != 2 {
		t.Fatalf("applied %d times, cart %+v", applied.Load(), got.Cart)
	}
	if _, err := s.ApplyEvent(ctx, "missing", "event-1", addOne); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown customer: %v", err)
	}
}

func TestByAvatar(t *testing.T) {
	ctx := t.Context()
	s := newStore(t)
	for id, avatar := range map[string]string{"c1": "as1", "c2": "as1", "c3": "as2", "c4": ""} {
		c := customer(id, id+"@example.com")
		c.AvatarAssetID = avatar
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ByAvatar(ctx, "as1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	sort.Strings(ids)
	if len(ids) != 2 || ids[0] != "c1" || ids[1] != "c2" {
		t.Fatalf("showing as1: %v", ids)
	}
	if none, err := s.ByAvatar(ctx, "as9"); err != nil || len(none) != 0 {
		t.Fatalf("showing as9: %v %v", none, err)
	}
}
