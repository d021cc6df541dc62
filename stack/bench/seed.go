package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/platterhq/platter/internal/auth"
)

// Sizes is how much data the seed makes.
type Sizes struct {
	Vendors   int
	Products  int // over all vendors, each with its own image
	Customers int
	CartItems int // per customer
	Workers   int // requests in flight while seeding
}

// city is where the seeded vendors are and where browsing clients stand:
// Milan's centre, vendors within cityRadiusKm of it.
var city = struct{ lat, lng float64 }{45.4642, 9.1900}

const cityRadiusKm = 8.0

// data is what the seed made and the load needs.
type data struct {
	vendors   []seededVendor
	products  []string // ids
	customers []seededCustomer
}

type seededVendor struct {
	id       string
	products []string
}

type seededCustomer struct {
	id       string
	identity auth.Identity // from its sign-up token, to sign fresh tokens
}

const benchPassword = "platter-bench-password"

// seed fills the subgraphs through their own GraphQL APIs, called
// directly (not through a gateway): vendors apply, an admin approves
// them, they upload a logo and product images and build menus; customers
// sign up and fill carts once the products have reached the customer
// subgraph by events.
func seed(ctx context.Context, urls map[string]string, adminEmail, adminPassword string, sz Sizes, keys *auth.KeySet, log *slog.Logger) (*data, error) {
	c := newClient(sz.Workers)
	var admin struct {
		SignInCustomer struct{ AccessToken string } `json:"signInCustomer"`
	}
	if err := c.do(ctx, urls["customer"], "", `mutation($e: String!, $p: String!) { signInCustomer(email: $e, password: $p) { accessToken } }`,
		map[string]any{"e": adminEmail, "p": adminPassword}, &admin); err != nil {
		return nil, fmt.Errorf("admin sign-in: %w", err)
	}
	adminToken := admin.SignInCustomer.AccessToken

	d := &data{vendors: make([]seededVendor, sz.Vendors), customers: make([]seededCustomer, sz.Customers)}
	start := time.Now()
	perVendor := spread(sz.Products, sz.Vendors)
	var made atomic.Int64
	err := parallel(ctx, sz.Vendors, sz.Workers, func(ctx context.Context, i int) error {
		v, err := seedVendor(ctx, c, urls, adminToken, i, perVendor[i])
		if err != nil {
			return fmt.Errorf("vendor %d: %w", i, err)
		}
		d.vendors[i] = v
		if n := made.Add(1); n%50 == 0 {
			log.Info("seed: vendors", "done", n, "of", sz.Vendors, "elapsed", time.Since(start).Round(time.Second))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, v := range d.vendors {
		d.products = append(d.products, v.products...)
	}
	log.Info("seed: vendors, menus and product images", "vendors", len(d.vendors), "products", len(d.products), "took", time.Since(start).Round(time.Second))

	start = time.Now()
	err = parallel(ctx, sz.Customers, sz.Workers, func(ctx context.Context, i int) error {
		cust, err := seedCustomer(ctx, c, urls["customer"], keys, i)
		if err != nil {
			return fmt.Errorf("customer %d: %w", i, err)
		}
		d.customers[i] = cust
		return nil
	})
	if err != nil {
		return nil, err
	}
	log.Info("seed: customers", "customers", len(d.customers), "took", time.Since(start).Round(time.Second))

	// Carts take products the customer subgraph knows from product events:
	// an item is refused until its product has arrived, so each is retried
	// until then.
	start = time.Now()
	rng := rand.New(rand.NewPCG(7, 11))
	picks := make([][]string, len(d.customers))
	for i := range picks {
		for range sz.CartItems {
			picks[i] = append(picks[i], d.products[rng.IntN(len(d.products))])
		}
	}
	var filled atomic.Int64
	err = parallel(ctx, len(d.customers), sz.Workers, func(ctx context.Context, i int) error {
		token, err := sign(keys, d.customers[i].identity)
		if err != nil {
			return err
		}
		for _, p := range picks[i] {
			err := poll(ctx, 3*time.Minute, func() (bool, error) {
				err := c.do(ctx, urls["customer"], token, `mutation($p: ID!) { setCartItem(productId: $p, quantity: 2) { itemCount } }`, map[string]any{"p": p}, nil)
				var ge *errorsError
				if errors.As(err, &ge) && (ge.code() == "INVALID_INPUT" || ge.code() == "NOT_FOUND") {
					return false, nil // the product has not reached the customer subgraph yet
				}
				return err == nil, err
			})
			if err != nil {
				return fmt.Errorf("cart of customer %d: %w", i, err)
			}
		}
		if n := filled.Add(1); n%100 == 0 {
			log.Info("seed: carts", "done", n, "of", len(d.customers), "elapsed", time.Since(start).Round(time.Second))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	log.Info("seed: carts", "items", len(d.customers)*sz.CartItems, "took", time.Since(start).Round(time.Second))
	return d, nil
}

var sectionNames = []string{"Starters", "Mains", "Desserts", "Drinks"}

func seedVendor(ctx context.Context, c *client, urls map[string]string, adminToken string, i, products int) (seededVendor, error) {
	rng := rand.New(rand.NewPCG(uint64(i), 42))
	lat, lng := around(rng, city.lat, city.lng, cityRadiusKm)
	var applied struct {
		ApplyAsVendor struct {
			AccessToken string
			Vendor      struct{ ID string }
		} `json:"applyAsVendor"`
	}
	err := c.do(ctx, urls["vendor"], "", `mutation($in: ApplyAsVendorInput!) { applyAsVendor(input: $in) { accessToken vendor { id } } }`,
		map[string]any{"in": map[string]any{
			"name":     fmt.Sprintf("Bench Kitchen %03d", i),
			"about":    "A neighbourhood kitchen seeded for the gateway benchmark.",
			"email":    fmt.Sprintf("vendor%03d@bench.platter.example", i),
			"password": benchPassword,
			"address":  fmt.Sprintf("Via del Banco %d, 20100 Milano", i+1),
			"location": map[string]any{"lat": lat, "lng": lng},
			"timeZone": "Europe/Rome",
		}}, &applied)
	if err != nil {
		return seededVendor{}, fmt.Errorf("applyAsVendor: %w", err)
	}
	v := seededVendor{id: applied.ApplyAsVendor.Vendor.ID}
	token := applied.ApplyAsVendor.AccessToken

	if err := c.do(ctx, urls["vendor"], adminToken, `mutation($id: ID!) { approveVendor(id: $id) { id } }`, map[string]any{"id": v.id}, nil); err != nil {
		return v, fmt.Errorf("approveVendor: %w", err)
	}
	logo, err := c.upload(ctx, urls["cloudmanager"], token, "VENDOR_LOGO", "logo.png", pngImage(i, 64))
	if err != nil {
		return v, fmt.Errorf("logo upload: %w", err)
	}
	if err := c.do(ctx, urls["vendor"], token, `mutation($in: UpdateVendorProfileInput!) { updateVendorProfile(input: $in) { id } }`,
		map[string]any{"in": map[string]any{"logoAssetId": logo}}, nil); err != nil {
		return v, fmt.Errorf("updateVendorProfile: %w", err)
	}
	if err := c.do(ctx, urls["vendor"], token, `mutation { setVendorOpen(open: true) { id } }`, nil, nil); err != nil {
		return v, fmt.Errorf("setVendorOpen: %w", err)
	}

	var sections []string
	for pos, name := range sectionNames {
		var out struct {
			CreateMenuSection struct{ Section struct{ ID string } } `json:"createMenuSection"`
		}
		if err := c.do(ctx, urls["product"], token, `mutation($in: CreateMenuSectionInput!) { createMenuSection(input: $in) { section { id } } }`,
			map[string]any{"in": map[string]any{"name": name, "position": pos}}, &out); err != nil {
			return v, fmt.Errorf("createMenuSection: %w", err)
		}
		sections = append(sections, out.CreateMenuSection.Section.ID)
	}

	for p := range products {
		img, err := c.upload(ctx, urls["cloudmanager"], token, "PRODUCT_IMAGE", "dish.png", pngImage(i*1000+p, 96))
		if err != nil {
			return v, fmt.Errorf("product image upload: %w", err)
		}
		var out struct {
			CreateProduct struct{ Product struct{ ID string } } `json:"createProduct"`
		}
		if err := c.do(ctx, urls["product"], token, `mutation($in: CreateProductInput!) { createProduct(input: $in) { product { id } } }`,
			map[string]any{"in": map[string]any{
				"title":           fmt.Sprintf("Dish %02d of kitchen %03d", p+1, i),
				"description":     "Seasonal ingredients, cooked to order.",
				"price":           map[string]any{"amount": 600 + rng.IntN(2400), "currency": "EUR"},
				"discountPercent": []int{0, 0, 0, 10, 20}[rng.IntN(5)],
				"imageId":         img,
				"sectionId":       sections[p%len(sections)],
			}}, &out); err != nil {
			return v, fmt.Errorf("createProduct: %w", err)
		}
		id := out.CreateProduct.Product.ID
		v.products = append(v.products, id)
		if p == 0 {
			// The approval reaches the product subgraph by event. Waiting
			// for it here, once per vendor, keeps the rest of the menu from
			// being created unavailable and then republished.
			err := poll(ctx, 2*time.Minute, func() (bool, error) {
				var got struct{ Product struct{ Available bool } }
				err := c.do(ctx, urls["product"], "", `query($id: ID!) { product(id: $id) { available } }`, map[string]any{"id": id}, &got)
				return err == nil && got.Product.Available, err
			})
			if err != nil {
				return v, fmt.Errorf("vendor approval did not reach the product subgraph: %w", err)
			}
		}
	}
	return v, nil
}

func seedCustomer(ctx context.Context, c *client, url string, keys *auth.KeySet, i int) (seededCustomer, error) {
	var out struct {
		SignUpCustomer struct {
			AccessToken string
			Customer    struct{ ID string }
		} `json:"signUpCustomer"`
	}
	err := c.do(ctx, url, "", `mutation($in: SignUpCustomerInput!) { signUpCustomer(input: $in) { accessToken customer { id } } }`,
		map[string]any{"in": map[string]any{"name": fmt.Sprintf("Bench Customer %04d", i), "email": fmt.Sprintf("customer%04d@bench.platter.example", i), "password": benchPassword}}, &out)
	if err != nil {
		return seededCustomer{}, fmt.Errorf("signUpCustomer: %w", err)
	}
	id, err := keys.Verify(out.SignUpCustomer.AccessToken, time.Now())
	if err != nil {
		return seededCustomer{}, fmt.Errorf("sign-up token: %w", err)
	}
	return seededCustomer{id: out.SignUpCustomer.Customer.ID, identity: id}, nil
}

// sign returns a fresh access token for a customer's session: the one its
// sign-up started, signed with the issuers' key, as refreshing it would
// give. Access tokens live 15 minutes at most, less than a full bench, so
// each round signs its own.
func sign(keys *auth.KeySet, id auth.Identity) (string, error) {
	t, _, err := keys.Sign(id, time.Now(), auth.MaxAccessTTL)
	return t, err
}

// around returns a uniformly random point within radiusKm of (lat, lng).
func around(rng *rand.Rand, lat, lng, radiusKm float64) (float64, float64) {
	r := radiusKm * math.Sqrt(rng.Float64())
	theta := 2 * math.Pi * rng.Float64()
	dLat := r * math.Cos(theta) / 111.32
	dLng := r * math.Sin(theta) / (111.32 * math.Cos(lat*math.Pi/180))
	return lat + dLat, lng + dLng
}

// spread divides total into n near-equal parts.
func spread(total, n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = total / n
		if i < total%n {
			out[i]++
		}
	}
	return out
}

// pngImage is a small PNG of one colour with a stripe, different for
// every seed so no two products share bytes.
func pngImage(seed, size int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	base := color.RGBA{uint8(seed * 37), uint8(seed * 91), uint8(seed * 53), 255}
	stripe := color.RGBA{255 - base.R, 255 - base.G, 255 - base.B, 255}
	for y := range size {
		for x := range size {
			c := base
			if (x+y+seed)%size < size/8 {
				c = stripe
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

// parallel runs fn for 0..n-1 on workers goroutines and returns the first
// error, after which no new item starts.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var next atomic.Int64
	var once sync.Once
	var first error
	var wg sync.WaitGroup
	for range max(1, min(workers, n)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		// The caller's context ended.
		return context.Cause(ctx)
	}
	return first
}

// poll calls check until it reports done or fails, or timeout passes.
func poll(ctx context.Context, timeout time.Duration, check func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	wait := 20 * time.Millisecond
	for {
		ok, err := check()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not done after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(wait*2, 500*time.Millisecond)
	}
}
