package dev_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/gqltest"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/stack/dev"
	"github.com/platterhq/platter/subgraphs/cloudmanager/mediatest"
)

// eventually polls cond every 20 ms until it holds, failing after 15 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 15s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type vendorSession struct {
	AccessToken string
	Vendor      struct{ ID string }
}

// applyVendor applies as a vendor through the router and returns the
// session.
func applyVendor(t *testing.T, url, name, email string) vendorSession {
	t.Helper()
	var out struct{ ApplyAsVendor vendorSession }
	gqltest.Client{URL: url}.MustData(t, `mutation($in: ApplyAsVendorInput!) { applyAsVendor(input: $in) { accessToken vendor { id } } }`,
		map[string]any{"in": map[string]any{
			"name": name, "about": "Vietnamese soups and rolls.", "email": email, "password": "long enough",
			"address": "Via Dante 1, 20121 Milano, Italy", "location": map[string]any{"lat": 45.4660, "lng": 9.1860}, "timeZone": "Europe/Rome",
		}}, &out)
	return out.ApplyAsVendor
}

// The vendor journey through the router: an applicant is hidden until an
// admin approves it, builds a menu with an image, and a customer finds it
// near a point with its menu and image URLs in one query. A rename is read
// back at once (the cache is invalidated) and reaches the product
// subgraph's search by event; a suspension makes its products unavailable.
func TestVendorJourneyThroughTheRouter(t *testing.T) {
	s, _ := startStack(t, t.TempDir())
	url := s.RouterURL + "/graphql"
	anon := gqltest.Client{URL: url}
	admin := gqltest.Client{URL: url, Token: signIn(t, url, dev.AdminEmail, dev.DemoPassword)}

	applied := applyVendor(t, url, "Pho Saigon", "pho@example.com")
	id := applied.Vendor.ID
	owner := gqltest.Client{URL: url, Token: applied.AccessToken}
	var found struct{ Vendor *struct{ Name string } }
	anon.MustData(t, `query($id: ID!) { vendor(id: $id) { name } }`, map[string]any{"id": id}, &found)
	if found.Vendor != nil {
		t.Fatalf("a pending vendor is visible: %+v", found.Vendor)
	}
	owner.Do(t, `mutation($id: ID!) { approveVendor(id: $id) { id } }`, map[string]any{"id": id}).ExpectCode(t, "FORBIDDEN", "")
	admin.MustData(t, `mutation($id: ID!) { approveVendor(id: $id) { status } }`, map[string]any{"id": id}, nil)

	var section struct {
		CreateMenuSection struct{ Section struct{ ID string } }
	}
	owner.MustData(t, `mutation { createMenuSection(input: {name: "Soups"}) { section { id } } }`, nil, &section)
	image := mediatest.MustUploadImage(t, url, applied.AccessToken, "PRODUCT_IMAGE", "pho.png", mediatest.PNG(t, 64, 48))
	var created struct {
		CreateProduct struct{ Product struct{ ID string } }
	}
	owner.MustData(t, `mutation($in: CreateProductInput!) { createProduct(input: $in) { product { id } } }`, map[string]any{"in": map[string]any{
		"title": "Pho Bo", "description": "Beef noodle soup.", "price": map[string]any{"amount": 1200, "currency": "EUR"},
		"discountPercent": 10, "sectionId": section.CreateMenuSection.Section.ID, "imageId": image.ID,
	}}, &created)
	productID := created.CreateProduct.Product.ID
	anon.Do(t, `mutation { createProduct(input: {title: "x", price: {amount: 100, currency: "EUR"}}) { product { id } } }`, nil).ExpectCode(t, "UNAUTHENTICATED", "")
	other := applyVendor(t, url, "Other", "other@example.com")
	gqltest.Client{URL: url, Token: other.AccessToken}.Do(t, `mutation($id: ID!) { setProductAvailability(id: $id, available: false) { product { id } } }`,
		map[string]any{"id": productID}).ExpectCode(t, "FORBIDDEN", "")

	// The approval reaches the product subgraph by event.
	available := func() bool {
		var p struct{ Product struct{ Available bool } }
		anon.MustData(t, `query($id: ID!) { product(id: $id) { available } }`, map[string]any{"id": productID}, &p)
		return p.Product.Available
	}
	eventually(t, "the approval to reach the product subgraph", available)

	type menu []struct {
		Name     string
		Products []struct {
			Title      string
			FinalPrice struct{ Amount int }
			Image      *struct{ URL string }
		}
	}
	var near struct {
		Vendors struct {
			Edges []struct {
				DistanceKm float64
				Node       struct {
					ID, Name string
					Menu     menu
				}
			}
		}
	}
	anon.MustData(t, `{ vendors(filter: {near: {point: {lat: 45.4641, lng: 9.1919}, radiusKm: 1}}) { edges { distanceKm node { id name
		menu { name products { title finalPrice { amount } image { url } } } } } } }`, nil, &near)
	edges := near.Vendors.Edges
	if len(edges) < 2 || edges[0].Node.Name != "Trattoria Platter" || edges[0].DistanceKm > 0.01 {
		t.Fatalf("vendors near the Duomo: %+v", edges)
	}
	var pho *menu
	for i, e := range edges {
		if i > 0 && e.DistanceKm < edges[i-1].DistanceKm {
			t.Fatalf("not nearest first: %+v", edges)
		}
		if e.Node.ID == id {
			pho = &edges[i].Node.Menu
		}
		if e.DistanceKm > 1 {
			t.Fatalf("%s is %.2f km away, outside the radius", e.Node.Name, e.DistanceKm)
		}
	}
	if pho == nil || len(*pho) != 1 || (*pho)[0].Name != "Soups" || len((*pho)[0].Products) != 1 {
		t.Fatalf("the new vendor's menu near the Duomo: %+v", pho)
	}
	dish := (*pho)[0].Products[0]
	if dish.Title != "Pho Bo" || dish.FinalPrice.Amount != 1080 || dish.Image == nil {
		t.Fatalf("dish %+v, want Pho Bo at 1080 with an image", dish)
	}
	if status, body := mediatest.Fetch(t, dish.Image.URL); status != http.StatusOK || len(body) == 0 {
		t.Fatalf("the dish image URL answers %d", status)
	}

	// Read after write: the cached vendor never comes back stale.
	owner.MustData(t, `mutation { updateVendorProfile(input: {name: "Pho Saigon Navigli"}) { id } }`, nil, nil)
	anon.MustData(t, `query($id: ID!) { vendor(id: $id) { name } }`, map[string]any{"id": id}, &found)
	if found.Vendor == nil || found.Vendor.Name != "Pho Saigon Navigli" {
		t.Fatalf("read after rename: %+v", found.Vendor)
	}
	eventually(t, "the rename to reach the product subgraph's search", func() bool {
		var out struct {
			Products struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		anon.MustData(t, `{ products(filter: {search: "saigon navigli"}) { edges { node { id } } } }`, nil, &out)
		return len(out.Products.Edges) == 1 && out.Products.Edges[0].Node.ID == productID
	})

	admin.MustData(t, `mutation($id: ID!) { suspendVendor(id: $id) { status } }`, map[string]any{"id": id}, nil)
	eventually(t, "the suspension to make the products unavailable", func() bool { return !available() })
}

// Fifty products with images: the router asks cloudmanager for all their
// URLs in one entity request.
func TestProductImagesResolveInOneCloudmanagerRequest(t *testing.T) {
	var counting atomic.Bool
	var cloudmanagerRequests atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	s, err := dev.Start(ctx, dev.Options{
		DataDir: t.TempDir(), RouterAddr: "127.0.0.1:0", FreePorts: true, Log: logging.Discard(), Out: &bytes.Buffer{},
		WrapSubgraph: func(name string, h http.Handler) http.Handler {
			if name != "cloudmanager" {
				return h
			}
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if counting.Load() && r.Method == http.MethodPost {
					cloudmanagerRequests.Add(1)
				}
				h.ServeHTTP(w, r)
			})
		},
	})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() { _ = s.Serve(ctx) })
	t.Cleanup(func() { cancel(); wg.Wait() })
	url := s.RouterURL + "/graphql"

	applied := applyVendor(t, url, "Fifty Dishes", "fifty@example.com")
	gqltest.Client{URL: url, Token: signIn(t, url, dev.AdminEmail, dev.DemoPassword)}.
		MustData(t, `mutation($id: ID!) { approveVendor(id: $id) { status } }`, map[string]any{"id": applied.Vendor.ID}, nil)
	owner := gqltest.Client{URL: url, Token: applied.AccessToken}
	for i := range 50 {
		img := mediatest.MustUploadImage(t, url, applied.AccessToken, "PRODUCT_IMAGE", fmt.Sprintf("dish-%d.png", i), mediatest.NoisyPNG(t, 16, uint64(i)))
		owner.MustData(t, `mutation($in: CreateProductInput!) { createProduct(input: $in) { product { id } } }`, map[string]any{"in": map[string]any{
			"title": fmt.Sprintf("Dish %02d", i), "price": map[string]any{"amount": 500 + i, "currency": "EUR"}, "imageId": img.ID,
		}}, nil)
	}

	counting.Store(true)
	var out struct {
		Products struct {
			Edges []struct {
				Node struct {
					Title string
					Image *struct{ ID, URL string }
				}
			}
		}
	}
	gqltest.Client{URL: url}.MustData(t, `query($v: ID!) { products(filter: {vendorId: $v}, first: 50) { edges { node { title image { id url } } } } }`,
		map[string]any{"v": applied.Vendor.ID}, &out)
	counting.Store(false)
	if len(out.Products.Edges) != 50 {
		t.Fatalf("%d products, want 50", len(out.Products.Edges))
	}
	seen := map[string]bool{}
	for _, e := range out.Products.Edges {
		if e.Node.Image == nil || !strings.HasPrefix(e.Node.Image.URL, "http") || seen[e.Node.Image.ID] {
			t.Fatalf("product %s image %+v", e.Node.Title, e.Node.Image)
		}
		seen[e.Node.Image.ID] = true
	}
	if n := cloudmanagerRequests.Load(); n != 1 {
		t.Fatalf("the router made %d requests to cloudmanager for 50 image URLs, want 1", n)
	}
}
