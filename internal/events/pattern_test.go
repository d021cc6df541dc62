package events

import "testing"

func TestMatches(t *testing.T) {
	cases := []struct {
		pattern, typ string
		want         bool
	}{
		{"shopping.order.placed.v1", "shopping.order.placed.v1", true},
		{"shopping.order.placed.v1", "shopping.order.placed.v2", false},
		{"shopping.order.*.v1", "shopping.order.picked_up.v1", true},
		{"shopping.order.*.v1", "shopping.dispatch.requested.v1", false},
		{"shopping.*.v1", "shopping.order.placed.v1", false},
		{"*.*.*.*", "shopping.order.placed.v1", true},
		{"*.*.*", "shopping.order.placed.v1", false},
		{"#", "shopping.order.placed.v1", true},
		{"#.#", "shopping.order.placed.v1", true},
		{"shopping.#", "shopping.order.placed.v1", true},
		{"shopping.#", "shoppingx.order.placed.v1", false},
		{"#.v1", "shopping.order.placed.v1", true},
		{"#.v1", "shopping.order.placed.v10", false},
		{"#.order.#", "shopping.order.placed.v1", true},
		{"#.placed.#", "shopping.order.placed.v1", true},
		{"#.placed", "shopping.order.placed.v1", false},
		{"shopping.order.placed.v1.#", "shopping.order.placed.v1", true},
		{"#.shopping.order.placed.v1", "shopping.order.placed.v1", true},
		{"shopping.#.v1", "shopping.order.placed.v1", true},
		{"shopping.#.order.#.v1", "shopping.order.placed.v1", true},
		{"*.#", "shopping.order.placed.v1", true},
		{"#.*.*.*.*.*", "shopping.order.placed.v1", false},
		{"shopping.order.placed.v1.*", "shopping.order.placed.v1", false},
	}
	for _, tc := range cases {
		if got := matches(tc.pattern, tc.typ); got != tc.want {
			t.Errorf("matches(%q, %q) = %v, want %v", tc.pattern, tc.typ, got, tc.want)
		}
	}
}

func TestCheckPattern(t *testing.T) {
	for _, p := range []string{"#", "*", "shopping.order.placed.v1", "shopping.*.*.v1", "#.v2", "customer.cart.checked_out.v1"} {
		if err := checkPattern(p); err != nil {
			t.Errorf("checkPattern(%q): %v", p, err)
		}
	}
	for _, p := range []string{"", ".", "shopping.", ".shopping", "shopping..v1", "Shopping.#", "shop ping.#", "shop*.#", "##", "shopping.order-placed.v1"} {
		if err := checkPattern(p); err == nil {
			t.Errorf("checkPattern(%q) accepted it", p)
		}
	}
}
