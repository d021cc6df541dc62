package dev

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/events"
	cloudmanager "github.com/platterhq/platter/subgraphs/cloudmanager/service"
	customer "github.com/platterhq/platter/subgraphs/customer/service"
	deliveryman "github.com/platterhq/platter/subgraphs/deliveryman/service"
	feedback "github.com/platterhq/platter/subgraphs/feedback/service"
	product "github.com/platterhq/platter/subgraphs/product/service"
	shopping "github.com/platterhq/platter/subgraphs/shopping/service"
	vendor "github.com/platterhq/platter/subgraphs/vendorsvc/service"
)

// stores are the embedded stores every subgraph is opened on.
type stores struct {
	mongoURI   string
	redisURL   string
	blobs      *blob.Emulator
	blobBucket string
	dataDir    string
	keys       devKeys
	mapsKey    string // a real Google Maps key, when the developer has one
	bus        events.Bus
}

// sqlite names a subgraph's own SQLite file, so each keeps its own
// migration history.
func (st stores) sqlite(name string) config.SQL {
	return config.SQL{URL: "sqlite:" + filepath.Join(st.dataDir, name+".db")}
}

// subgraph is one opened subgraph and the port it takes in supergraph.yaml.
type subgraph struct {
	name    string
	port    int
	handler http.Handler
}

// openSubgraphs opens every subgraph on the embedded stores, seeds its demo
// data through its own domain code, and registers its close function.
// Relays and event handlers run on bgCtx, which lives until the stack closes.
func (s *Stack) openSubgraphs(ctx, bgCtx context.Context, st stores, log *slog.Logger, out io.Writer) ([]subgraph, error) {
	var opened []subgraph
	add := func(name string, port int, h http.Handler, closeFn func()) {
		s.closers = append(s.closers, closeFn)
		opened = append(opened, subgraph{name, port, h})
	}
	logFor := func(name string) *slog.Logger { return log.With("service", name) }

	cust, err := customer.Open(ctx, config.Customer{
		Auth:  st.keys.issuer,
		Mongo: config.Mongo{URI: st.mongoURI, Database: "customer"},
	}, logFor("customer"))
	if err != nil {
		return nil, fmt.Errorf("customer: %w", err)
	}
	add("customer", 4001, cust.Handler, cust.Close)
	if err := cust.Start(bgCtx, st.bus); err != nil {
		return nil, fmt.Errorf("customer events: %w", err)
	}
	if err := seedAccounts(ctx, cust, out); err != nil {
		return nil, err
	}

	prod, err := product.Open(ctx, config.Product{Auth: st.keys.verifier, SQL: st.sqlite("product")}, logFor("product"))
	if err != nil {
		return nil, fmt.Errorf("product: %w", err)
	}
	add("product", 4002, prod.Handler, prod.Close)
	if err := product.Seed(ctx, prod, logFor("product")); err != nil {
		return nil, fmt.Errorf("product seed: %w", err)
	}
	if err := prod.Start(bgCtx, st.bus); err != nil {
		return nil, fmt.Errorf("product events: %w", err)
	}
	// The demo cart holds dishes the customer subgraph knows from product
	// events, so it is filled once those flow.
	if err := customer.SeedDemoCustomer(ctx, cust, logFor("customer")); err != nil {
		return nil, fmt.Errorf("customer seed: %w", err)
	}

	courier, err := deliveryman.Open(ctx, config.Deliveryman{Auth: st.keys.issuer, SQL: st.sqlite("deliveryman")}, logFor("deliveryman"))
	if err != nil {
		return nil, fmt.Errorf("deliveryman: %w", err)
	}
	add("deliveryman", 4005, courier.Handler, courier.Close)
	if err := deliveryman.Seed(ctx, courier, logFor("deliveryman")); err != nil {
		return nil, fmt.Errorf("deliveryman seed: %w", err)
	}

	vend, err := vendor.Open(ctx, config.Vendor{
		Auth: st.keys.issuer, Mongo: config.Mongo{URI: st.mongoURI, Database: "vendor"},
		RedisURL: st.redisURL, CacheTTL: 5 * time.Minute,
	}, logFor("vendor"))
	if err != nil {
		return nil, fmt.Errorf("vendor: %w", err)
	}
	add("vendor", 4004, vend.Handler, vend.Close)
	if err := vendor.Seed(ctx, vend, logFor("vendor")); err != nil {
		return nil, fmt.Errorf("vendor seed: %w", err)
	}
	if err := vend.Start(bgCtx, st.bus); err != nil {
		return nil, fmt.Errorf("vendor events: %w", err)
	}
	printVendorSignIns(out)

	// Image URLs are signed with a key kept in the data directory, like the
	// token key; the demo addresses geocode without a Google key.
	urlSigner, err := blob.LoadOrCreateSigner(filepath.Join(st.dataDir, "gcs-signing-key.pem"), blob.DevAccessID)
	if err != nil {
		return nil, fmt.Errorf("cloudmanager signing key: %w", err)
	}
	media, err := cloudmanager.Open(ctx, config.Cloudmanager{
		Auth: st.keys.verifier, RedisURL: st.redisURL, GCSBucket: st.blobBucket, GCSEndpoint: st.blobs.URL(),
		GCSSignerEmail: urlSigner.AccessID(), GCSSigningKeyPEM: string(urlSigner.PrivateKeyPEM()),
		AssetURLTTL: 30 * time.Minute, AssetUploadURLTTL: 10 * time.Minute, AssetMaxBytes: 5 << 20,
		GeocodeCacheTTL: 24 * time.Hour, GeocodeQuota: 60, DemoGeocoder: true, GoogleMapsAPIKey: st.mapsKey,
	}, logFor("cloudmanager"))
	if err != nil {
		return nil, fmt.Errorf("cloudmanager: %w", err)
	}
	add("cloudmanager", 4007, media.Handler, media.Close)
	// Check signed URLs as Cloud Storage would, so a URL that works in dev
	// works against the real bucket.
	st.blobs.RequireSignatures(media.SigningKeys())
	if err := cloudmanager.Seed(ctx, media, logFor("cloudmanager")); err != nil {
		return nil, fmt.Errorf("cloudmanager seed: %w", err)
	}
	if err := media.Start(bgCtx, st.bus); err != nil {
		return nil, fmt.Errorf("cloudmanager events: %w", err)
	}

	shop, err := shopping.Open(ctx, config.Shopping{Auth: st.keys.verifier, SQL: st.sqlite("shopping")}, logFor("shopping"))
	if err != nil {
		return nil, fmt.Errorf("shopping: %w", err)
	}
	add("shopping", 4003, shop.Handler, shop.Close)
	if err := shopping.Seed(ctx, shop, logFor("shopping")); err != nil {
		return nil, fmt.Errorf("shopping seed: %w", err)
	}

	fb, err := feedback.Open(ctx, config.Feedback{Auth: st.keys.verifier, SQL: st.sqlite("feedback")}, logFor("feedback"))
	if err != nil {
		return nil, fmt.Errorf("feedback: %w", err)
	}
	add("feedback", 4006, fb.Handler, fb.Close)
	if err := feedback.Seed(ctx, fb, logFor("feedback")); err != nil {
		return nil, fmt.Errorf("feedback seed: %w", err)
	}

	return opened, nil
}
