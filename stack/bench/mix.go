package main

import (
	"context"
	"fmt"
	"math/rand/v2"
)

// The client queries of the mix, as an app sends them to a gateway.
const (
	// Browsing: the vendors nearest a point with their menus and image
	// URLs (vendor, then product for the menus, then cloudmanager for the
	// logos and dish images).
	browseQuery = `query Browse($near: NearInput!) {
  vendors(filter: {near: $near}, first: 5) {
    edges { distanceKm node { id name openNow logo { url }
      menu { name products { id title finalPrice { amount currency } image { url } } } } }
  }
}`
	// A product page with its vendor (product, then vendor and
	// cloudmanager).
	productQuery = `query ProductPage($id: ID!) {
  product(id: $id) {
    id title description available finalPrice { amount currency } image { url } section { name }
    vendor { id name address openNow logo { url } }
  }
}`
	// A signed-in customer's cart with product details (customer, then
	// product).
	cartQuery = `query Cart {
  me { id name cart { itemCount items { quantity status product { id title available finalPrice { amount currency } } } } }
}`
)

// What the same data costs from the subgraphs called directly, one after
// the other, as a gateway's plan calls them: the root field, then each
// entity fetch with the keys the previous answer gave.
const (
	directBrowseVendors = `query($near: NearInput!) { vendors(filter: {near: $near}, first: 5) { edges { distanceKm node { id name openNow logo { id } } } } }`
	directVendorMenus   = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Vendor { menu { name products { id title finalPrice { amount currency } image { id } } } } } }`
	directAssetURLs     = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Asset { url } } }`
	directProduct       = `query($id: ID!) { product(id: $id) { id title description available finalPrice { amount currency } image { id } section { name } vendor { id } } }`
	directVendors       = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Vendor { name address openNow logo { id } } } }`
	directCart          = `query { me { id name cart { itemCount items { quantity status product { id } } } } }`
	directProducts      = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { title available finalPrice { amount currency } } } }`
)

// op is one request of the mix: the query a client sends to a gateway and
// the subgraph calls that stand for it.
type op struct {
	kind   string
	body   []byte
	caller int // index of the signed-in customer, or -1
	direct []call
}

// call is one request straight to a subgraph.
type call struct {
	url  string
	body []byte
}

// mixKinds is the fixed order of query kinds the ops cycle through:
// 3 in 10 browse, 4 product pages, 3 carts.
var mixKinds = []string{"browse", "product", "cart", "product", "browse", "cart", "product", "browse", "cart", "product"}

// buildMix makes n ops from the seeded data, the same for every gateway
// (a fixed random source), and the direct calls of each by running them
// once against the subgraphs.
func buildMix(ctx context.Context, c *client, urls map[string]string, d *data, tokens []string, n int) ([]op, error) {
	rng := rand.New(rand.NewPCG(2026, 7))
	ops := make([]op, n)
	for i := range ops {
		var o op
		var err error
		switch kind := mixKinds[i%len(mixKinds)]; kind {
		case "browse":
			lat, lng := around(rng, city.lat, city.lng, cityRadiusKm*0.75)
			near := map[string]any{"point": map[string]any{"lat": lat, "lng": lng}, "radiusKm": 3.0}
			o, err = browseOp(ctx, c, urls, near)
		case "product":
			o, err = productOp(ctx, c, urls, d.products[rng.IntN(len(d.products))])
		case "cart":
			who := rng.IntN(len(d.customers))
			o, err = cartOp(ctx, c, urls, who, tokens[who])
		}
		if err != nil {
			return nil, fmt.Errorf("mix op %d: %w", i, err)
		}
		ops[i] = o
	}
	return ops, nil
}

func browseOp(ctx context.Context, c *client, urls map[string]string, near map[string]any) (op, error) {
	o := op{kind: "browse", caller: -1, body: body(browseQuery, map[string]any{"near": near})}
	vars := map[string]any{"near": near}
	var vendors struct {
		Vendors struct {
			Edges []struct {
				Node struct {
					ID   string
					Logo *struct{ ID string }
				}
			}
		}
	}
	if err := o.add(ctx, c, urls["vendor"], "", directBrowseVendors, vars, &vendors); err != nil {
		return o, err
	}
	var vendorReps, logoReps []map[string]any
	for _, e := range vendors.Vendors.Edges {
		vendorReps = append(vendorReps, rep("Vendor", e.Node.ID))
		if e.Node.Logo != nil {
			logoReps = append(logoReps, rep("Asset", e.Node.Logo.ID))
		}
	}
	if len(vendorReps) == 0 {
		return o, nil
	}
	var menus struct {
		Entities []struct {
			Menu []struct {
				Products []struct {
					Image *struct{ ID string }
				}
			}
		} `json:"_entities"`
	}
	if err := o.add(ctx, c, urls["product"], "", directVendorMenus, map[string]any{"r": vendorReps}, &menus); err != nil {
		return o, err
	}
	var imageReps []map[string]any
	for _, v := range menus.Entities {
		for _, s := range v.Menu {
			for _, p := range s.Products {
				if p.Image != nil {
					imageReps = append(imageReps, rep("Asset", p.Image.ID))
				}
			}
		}
	}
	for _, reps := range [][]map[string]any{logoReps, imageReps} {
		if len(reps) > 0 {
			if err := o.add(ctx, c, urls["cloudmanager"], "", directAssetURLs, map[string]any{"r": reps}, nil); err != nil {
				return o, err
			}
		}
	}
	return o, nil
}

func productOp(ctx context.Context, c *client, urls map[string]string, id string) (op, error) {
	o := op{kind: "product", caller: -1, body: body(productQuery, map[string]any{"id": id})}
	var product struct {
		Product struct {
			Image  *struct{ ID string }
			Vendor struct{ ID string }
		}
	}
	if err := o.add(ctx, c, urls["product"], "", directProduct, map[string]any{"id": id}, &product); err != nil {
		return o, err
	}
	var vendor struct {
		Entities []struct{ Logo *struct{ ID string } } `json:"_entities"`
	}
	if err := o.add(ctx, c, urls["vendor"], "", directVendors, map[string]any{"r": []map[string]any{rep("Vendor", product.Product.Vendor.ID)}}, &vendor); err != nil {
		return o, err
	}
	if product.Product.Image != nil {
		if err := o.add(ctx, c, urls["cloudmanager"], "", directAssetURLs, map[string]any{"r": []map[string]any{rep("Asset", product.Product.Image.ID)}}, nil); err != nil {
			return o, err
		}
	}
	if len(vendor.Entities) == 1 && vendor.Entities[0].Logo != nil {
		if err := o.add(ctx, c, urls["cloudmanager"], "", directAssetURLs, map[string]any{"r": []map[string]any{rep("Asset", vendor.Entities[0].Logo.ID)}}, nil); err != nil {
			return o, err
		}
	}
	return o, nil
}

func cartOp(ctx context.Context, c *client, urls map[string]string, who int, token string) (op, error) {
	o := op{kind: "cart", caller: who, body: body(cartQuery, nil)}
	var me struct {
		Me struct {
			Cart struct {
				Items []struct{ Product *struct{ ID string } }
			}
		}
	}
	if err := o.add(ctx, c, urls["customer"], token, directCart, nil, &me); err != nil {
		return o, err
	}
	var reps []map[string]any
	for _, it := range me.Me.Cart.Items {
		if it.Product != nil {
			reps = append(reps, rep("Product", it.Product.ID))
		}
	}
	if len(me.Me.Cart.Items) == 0 {
		return o, fmt.Errorf("customer %d has an empty cart", who)
	}
	if len(reps) > 0 {
		if err := o.add(ctx, c, urls["product"], token, directProducts, map[string]any{"r": reps}, nil); err != nil {
			return o, err
		}
	}
	return o, nil
}

// add runs one direct call now, to learn the keys the next one needs,
// and records it for the load.
func (o *op) add(ctx context.Context, c *client, url, token, query string, vars map[string]any, out any) error {
	b := body(query, vars)
	raw, err := c.post(ctx, url, token, "application/json", b)
	if err != nil {
		return err
	}
	if err := decode(raw, out); err != nil {
		return err
	}
	o.direct = append(o.direct, call{url: url, body: b})
	return nil
}

func rep(typename, id string) map[string]any { return map[string]any{"__typename": typename, "id": id} }
