package service_test

import (
	"testing"
	"time"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/gqltest"
)

// withProducts returns a function that publishes a product's state and
// waits until the subgraph applied it.
func withProducts(t *testing.T, h harness) func(d events.ProductData) {
	t.Helper()
	ctx, bus := t.Context(), h.bus
	return func(d events.ProductData) {
		t.Helper()
		typ := events.ProductUpdated
		if d.Deleted {
			typ = events.ProductDeleted
		}
		e, err := events.New(ctx, "product", typ, d.ProductID, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := bus.Publish(ctx, e); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			known, err := h.svc.Accounts.ProductStates(ctx, []string{d.ProductID})
			if err != nil {
				t.Fatal(err)
			}
			if known[d.ProductID].Version >= d.Version {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("product %s version %d never applied", d.ProductID, d.Version)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

type cartOut struct {
	ItemCount int
	Items     []struct {
		ProductID string
		Product   *struct{ ID string }
		Quantity  int
		Status    string
	}
}

const cartFields = `itemCount items { productId product { id } quantity status }`

func TestCartAcrossVendorsWithFlags(t *testing.T) {
	h := newHarness(t, "", "")
	publish := withProducts(t, h)
	publish(events.ProductData{ProductID: "p-pizza", VendorID: "v1", Available: true, Version: 1})
	publish(events.ProductData{ProductID: "p-curry", VendorID: "v2", Available: true, Version: 1})
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	c := gqltest.Client{URL: h.url, Token: ada.AccessToken}

	const set = `mutation($p: ID!, $q: Int!) { setCartItem(productId: $p, quantity: $q) { ` + cartFields + ` } }`
	c.Do(t, set, map[string]any{"p": "p-unknown", "q": 1}).ExpectCode(t, "NOT_FOUND", "")
	c.Do(t, set, map[string]any{"p": "p-pizza", "q": 51}).ExpectCode(t, "INVALID_INPUT", "quantity")
	c.Do(t, set, map[string]any{"p": "p-pizza", "q": -1}).ExpectCode(t, "INVALID_INPUT", "quantity")

	var out struct{ SetCartItem cartOut }
	c.MustData(t, set, map[string]any{"p": "p-pizza", "q": 2}, &out)
	c.MustData(t, set, map[string]any{"p": "p-curry", "q": 1}, &out)
	c.MustData(t, set, map[string]any{"p": "p-pizza", "q": 3}, &out)
	if out.SetCartItem.ItemCount != 4 || len(out.SetCartItem.Items) != 2 || out.SetCartItem.Items[0].Quantity != 3 {
		t.Fatalf("cart: %+v", out.SetCartItem)
	}

	// The vendor pulls the curry, then deletes the pizza: both stay in the
	// cart, flagged.
	publish(events.ProductData{ProductID: "p-curry", VendorID: "v2", Available: false, Version: 2})
	publish(events.ProductData{ProductID: "p-pizza", VendorID: "v1", Deleted: true, Version: 2})
	var me struct{ Me struct{ Cart cartOut } }
	c.MustData(t, `{ me { cart { `+cartFields+` } } }`, nil, &me)
	items := me.Me.Cart.Items
	if len(items) != 2 || items[0].Status != "DELETED" || items[0].Product != nil || items[1].Status != "UNAVAILABLE" || items[1].Product == nil {
		t.Fatalf("flags: %+v", me.Me.Cart)
	}
	c.Do(t, set, map[string]any{"p": "p-curry", "q": 2}).ExpectCode(t, "INVALID_INPUT", "productId")

	c.MustData(t, set, map[string]any{"p": "p-pizza", "q": 0}, &out)
	if len(out.SetCartItem.Items) != 1 || out.SetCartItem.Items[0].ProductID != "p-curry" {
		t.Fatalf("after removing: %+v", out.SetCartItem)
	}
	var cleared struct{ ClearCart cartOut }
	c.MustData(t, `mutation { clearCart { `+cartFields+` } }`, nil, &cleared)
	if cleared.ClearCart.ItemCount != 0 || len(cleared.ClearCart.Items) != 0 {
		t.Fatalf("after clearing: %+v", cleared.ClearCart)
	}
}

func TestWishlistIsExplicitAndIdempotent(t *testing.T) {
	h := newHarness(t, "", "")
	publish := withProducts(t, h)
	publish(events.ProductData{ProductID: "p1", VendorID: "v1", Available: true, Version: 1})
	publish(events.ProductData{ProductID: "p2", VendorID: "v1", Available: false, Version: 1})
	ada := h.signUp(t, "Ada", "ada@example.com", "password1")
	bob := h.signUp(t, "Bob", "bob@example.com", "password1")
	c := gqltest.Client{URL: h.url, Token: ada.AccessToken}

	const add = `mutation($p: ID!) { addToWishlist(productId: $p) { id } }`
	const remove = `mutation($p: ID!) { removeFromWishlist(productId: $p) { id } }`
	var list struct{ AddToWishlist []struct{ ID string } }
	c.MustData(t, add, map[string]any{"p": "p1"}, &list)
	c.MustData(t, add, map[string]any{"p": "p1"}, &list)
	c.MustData(t, add, map[string]any{"p": "p2"}, &list)
	if len(list.AddToWishlist) != 2 || list.AddToWishlist[0].ID != "p1" {
		t.Fatalf("wishlist: %+v", list.AddToWishlist)
	}
	c.Do(t, add, map[string]any{"p": "p-unknown"}).ExpectCode(t, "NOT_FOUND", "")

	var removed struct{ RemoveFromWishlist []struct{ ID string } }
	c.MustData(t, remove, map[string]any{"p": "p1"}, &removed)
	c.MustData(t, remove, map[string]any{"p": "p1"}, &removed)
	if len(removed.RemoveFromWishlist) != 1 || removed.RemoveFromWishlist[0].ID != "p2" {
		t.Fatalf("after removing twice: %+v", removed.RemoveFromWishlist)
	}
	publish(events.ProductData{ProductID: "p2", VendorID: "v1", Deleted: true, Version: 2})
	var me struct {
		Me struct{ Wishlist []struct{ ID string } }
	}
	c.MustData(t, `{ me { wishlist { id } } }`, nil, &me)
	if me.Me.Wishlist == nil || len(me.Me.Wishlist) != 0 {
		t.Fatalf("a deleted product stayed in the wishlist: %+v", me.Me.Wishlist)
	}

	// Nobody else sees the cart or the wishlist.
	var ent struct {
		Entities []struct {
			Cart     *cartOut
			Wishlist []struct{ ID string }
		} `json:"_entities"`
	}
	gqltest.Client{URL: h.url, Token: bob.AccessToken}.MustData(t, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { cart { itemCount } wishlist { id } } } }`,
		map[string]any{"r": []map[string]any{{"__typename": "Customer", "id": ada.Customer.ID}}}, &ent)
	if ent.Entities[0].Cart != nil || ent.Entities[0].Wishlist != nil {
		t.Fatalf("another customer read the cart or wishlist: %+v", ent.Entities[0])
	}
}
