package review

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/logging"
)

func goodDraft() Draft {
	return Draft{AuthorID: "c1", OrderID: "o1", TargetType: TargetVendor, TargetID: "v1", Rating: 4, Comment: "Tasty and hot."}
}

func TestNewValidation(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Draft)
		field string
	}{
		{"no author", func(d *Draft) { d.AuthorID = "" }, "authorId"},
		{"no order", func(d *Draft) { d.OrderID = " " }, "orderId"},
		{"oversized order id", func(d *Draft) { d.OrderID = strings.Repeat("o", 37) }, "orderId"},
		{"no target", func(d *Draft) { d.TargetID = "" }, "targetId"},
		{"unknown target type", func(d *Draft) { d.TargetType = "CUSTOMER" }, "targetType"},
		{"empty target type", func(d *Draft) { d.TargetType = "" }, "targetType"},
		{"rating 0", func(d *Draft) { d.Rating = 0 }, "rating"},
		{"rating 6", func(d *Draft) { d.Rating = 6 }, "rating"},
		{"negative rating", func(d *Draft) { d.Rating = -1 }, "rating"},
		{"short comment", func(d *Draft) { d.Comment = "ok" }, "comment"},
		{"comment short once trimmed", func(d *Draft) { d.Comment = "   ok   " }, "comment"},
		{"long comment", func(d *Draft) { d.Comment = strings.Repeat("a", 501) }, "comment"},
		{"long comment in runes", func(d *Draft) { d.Comment = strings.Repeat("é", 501) }, "comment"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := goodDraft()
			c.edit(&d)
			_, err := New(d, time.Now())
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.InvalidInput || e.Field != c.field {
				t.Fatalf("got %v, want INVALID_INPUT on %s", err, c.field)
			}
		})
	}
}

func TestNewAcceptsTheBounds(t *testing.T) {
	for _, d := range []Draft{
		{AuthorID: "c1", OrderID: "o1", TargetType: TargetProduct, TargetID: "p1", Rating: 1, Comment: "meh"},
		{AuthorID: "c1", OrderID: "o1", TargetType: TargetCourier, TargetID: "k1", Rating: 5, Comment: strings.Repeat("é", 500)},
	} {
		if _, err := New(d, time.Now()); err != nil {
			t.Errorf("%+v: %v", d.TargetType, err)
		}
	}
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	d := goodDraft()
	d.Comment = "  Tasty and hot.\n"
	r, err := New(d, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == "" || r.Comment != "Tasty and hot." || r.CreatedAt.Location() != time.UTC || !r.CreatedAt.Equal(now) {
		t.Fatalf("review %+v", r)
	}
}

// memStore is the in-memory Store the service tests use.
type memStore map[string]Review

func (m memStore) Create(_ context.Context, r Review) error {
	for _, x := range m {
		if x.ID == r.ID || (x.OrderID == r.OrderID && x.TargetType == r.TargetType && x.TargetID == r.TargetID) {
			return apperr.E(apperr.Conflict, "already reviewed")
		}
	}
	m[r.ID] = r
	return nil
}

func (m memStore) ByID(_ context.Context, id string) (Review, error) {
	r, ok := m[id]
	if !ok {
		return Review{}, apperr.E(apperr.NotFound, "review not found")
	}
	return r, nil
}

func (m memStore) ByIDs(_ context.Context, ids []string) ([]Review, error) {
	var out []Review
	for _, id := range ids {
		if r, ok := m[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m memStore) ByOrderTarget(_ context.Context, orderID string, tt TargetType, targetID string) (Review, error) {
	for _, r := range m {
		if r.OrderID == orderID && r.TargetType == tt && r.TargetID == targetID {
			return r, nil
		}
	}
	return Review{}, apperr.E(apperr.NotFound, "review not found")
}

func TestServiceEnsureAndGet(t *testing.T) {
	ctx := context.Background()
	svc := NewService(memStore{}, logging.Discard())
	first, created, err := svc.EnsureReview(ctx, goodDraft())
	if err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	again := goodDraft()
	again.Rating = 1
	got, created, err := svc.EnsureReview(ctx, again)
	if err != nil || created || got.ID != first.ID || got.Rating != 4 {
		t.Fatalf("same target again: %v %v %+v", created, err, got)
	}
	other := goodDraft()
	other.TargetType, other.TargetID = TargetCourier, "k1"
	if _, created, err := svc.EnsureReview(ctx, other); err != nil || !created {
		t.Fatalf("another target of the order: %v %v", created, err)
	}
	bad := goodDraft()
	bad.Rating = 9
	if _, _, err := svc.EnsureReview(ctx, bad); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("invalid draft: %v", err)
	}

	if r, err := svc.Get(ctx, first.ID); err != nil || r.ID != first.ID {
		t.Fatalf("get: %v %+v", err, r)
	}
	if _, err := svc.Get(ctx, "missing"); apperr.CodeOf(err) != apperr.NotFound {
		t.Fatalf("unknown id: %v", err)
	}
	if _, err := svc.Get(ctx, ""); apperr.CodeOf(err) != apperr.InvalidInput {
		t.Fatalf("empty id: %v", err)
	}
	many, err := svc.GetMany(ctx, []string{"missing", first.ID, "", first.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(many) != 4 || many[0].ID != "" || many[1].ID != first.ID || many[2].ID != "" || many[3].ID != first.ID {
		t.Fatalf("get many: %+v", many)
	}
}
