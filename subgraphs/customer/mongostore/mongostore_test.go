package mongostore_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/customer/account"
	"github.com/platterhq/platter/subgraphs/customer/mongostore"
)

// The store runs against the embedded server, or a real MongoDB when
// MONGO_URI is set: the same suite proves both behave alike.
func newStore(t *testing.T) *mongostore.Store {
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
	return mongostore.New(db)
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
