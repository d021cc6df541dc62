package catalog

import (
	"strings"
	"testing"

	"github.com/platterhq/platter/internal/apperr"
)

func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	if e, ok := apperr.As(err); !ok || e.Code != apperr.InvalidInput || e.Field != field {
		t.Fatalf("got %v, want INVALID_INPUT on %s", err, field)
	}
}

func TestValidProduct(t *testing.T) {
	good := NewProduct{Title: "Pad Thai", Description: "Rice noodles", Price: Money{1200, "EUR"}, Available: true}
	cases := []struct {
		name  string
		edit  func(*NewProduct)
		field string
	}{
		{"empty title", func(p *NewProduct) { p.Title = " \t " }, "input.title"},
		{"long title", func(p *NewProduct) { p.Title = strings.Repeat("é", 101) }, "input.title"},
		{"long description", func(p *NewProduct) { p.Description = strings.Repeat("d", 1001) }, "input.description"},
		{"zero price", func(p *NewProduct) { p.Price.Amount = 0 }, "input.price.amount"},
		{"negative price", func(p *NewProduct) { p.Price.Amount = -5 }, "input.price.amount"},
		{"huge price", func(p *NewProduct) { p.Price.Amount = MaxPrice + 1 }, "input.price.amount"},
		{"other currency", func(p *NewProduct) { p.Price.Currency = "USD" }, "input.price.currency"},
		{"negative discount", func(p *NewProduct) { p.DiscountPercent = -1 }, "input.discountPercent"},
		{"discount over 90", func(p *NewProduct) { p.DiscountPercent = 91 }, "input.discountPercent"},
		{"bad image id", func(p *NewProduct) { p.ImageAssetID = "x" }, "input.imageId"},
		{"bad category id", func(p *NewProduct) { p.CategoryID = "x" }, "input.categoryId"},
		{"bad section id", func(p *NewProduct) { p.SectionID = "x" }, "input.sectionId"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := good
			c.edit(&in)
			_, err := validProduct(in)
			wantInvalid(t, err, c.field)
		})
	}

	in := good
	in.Title, in.Description, in.ImageAssetID = "  Pad   Thai ", " Rice noodles \n", " 019ABC00-0000-7000-8000-000000000001 "
	got, err := validProduct(in)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Pad Thai" || got.Description != "Rice noodles" || got.ImageAssetID != "019abc00-0000-7000-8000-000000000001" {
		t.Fatalf("cleaned %+v", got)
	}
	in = good
	in.Title, in.DiscountPercent, in.Price.Amount = strings.Repeat("é", 100), 90, MaxPrice
	if _, err := validProduct(in); err != nil {
		t.Fatalf("bounds themselves: %v", err)
	}
}

func TestChangesApply(t *testing.T) {
	p := Product{ID: "p", VendorID: "v", Title: "Dal", Description: "Lentils", Price: 900, DiscountPercent: 10,
		ImageAssetID: "019abc00-0000-7000-8000-000000000001", CategoryID: "019abc00-0000-7000-8000-000000000002", Available: true}
	empty, title, off := "", " Dal  Makhani ", false
	got, err := ProductChanges{Title: &title, ImageAssetID: &empty, Available: &off}.apply(p)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Dal Makhani" || got.ImageAssetID != "" || got.Available || got.Price != 900 ||
		got.DiscountPercent != 10 || got.CategoryID != p.CategoryID || got.Description != "Lentils" {
		t.Fatalf("applied %+v", got)
	}
	bad := 95
	_, err = ProductChanges{DiscountPercent: &bad}.apply(p)
	wantInvalid(t, err, "input.discountPercent")
}

func TestFinalPrice(t *testing.T) {
	cases := []struct {
		price    int64
		discount int
		want     int64
	}{
		{1000, 0, 1000}, {1100, 10, 990}, {1100, 15, 935}, {999, 15, 849}, {1, 50, 1}, {1, 90, 0}, {MaxPrice, 90, MaxPrice / 10},
	}
	for _, c := range cases {
		if got := FinalPrice(c.price, c.discount); got != c.want {
			t.Errorf("FinalPrice(%d, %d) = %d, want %d", c.price, c.discount, got, c.want)
		}
	}
}

func TestTitleKey(t *testing.T) {
	cases := []struct{ a, b string }{
		{"Pad Thai", "pad thai"},
		{" Pad  Thai ", "PAD THAI"},
		{"Crème Brûlée", "CRÈME BRÛLÉE"},
	}
	for _, c := range cases {
		if TitleKey(c.a) != TitleKey(c.b) {
			t.Errorf("%q and %q should be the same title", c.a, c.b)
		}
	}
	if TitleKey("Crème") == TitleKey("Creme") {
		t.Error("accents should make a different title")
	}
}

func TestParseID(t *testing.T) {
	canonical := "019abc00-0000-7000-8000-000000000001"
	for _, in := range []string{canonical, strings.ToUpper(canonical), " " + canonical + " "} {
		got, err := ParseID("id", in)
		if err != nil || got != canonical {
			t.Errorf("ParseID(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "42", "not-a-uuid", strings.Repeat("a", 300)} {
		_, err := ParseID("id", in)
		wantInvalid(t, err, "id")
	}
}

func TestCursorsAndPageSizes(t *testing.T) {
	p := Product{ID: "019abc00-0000-7000-8000-000000000001"}
	if id, err := parseCursor(Cursor(p)); err != nil || id != p.ID {
		t.Fatalf("round trip: %q %v", id, err)
	}
	if strings.Contains(Cursor(p), p.ID) {
		t.Error("the cursor shows the id")
	}
	for _, bad := range []string{"x", p.ID, Cursor(Product{ID: "nope"}), "%%%"} {
		_, err := parseCursor(bad)
		wantInvalid(t, err, "after")
	}
	for _, n := range []int{-1, MaxPageSize + 1} {
		_, err := PageSize(&n)
		wantInvalid(t, err, "first")
	}
	if n, err := PageSize(nil); err != nil || n != DefaultPageSize {
		t.Fatalf("default page size %d %v", n, err)
	}
}

func TestValidFilter(t *testing.T) {
	neg := int64(-1)
	cases := []struct {
		f     Filter
		field string
	}{
		{Filter{CategoryID: "x"}, "filter.categoryId"},
		{Filter{SectionID: "x"}, "filter.sectionId"},
		{Filter{Search: strings.Repeat("s", 101)}, "filter.search"},
		{Filter{MaxPrice: &neg}, "filter.maxPrice"},
		{Filter{VendorID: strings.Repeat("v", 65)}, "filter.vendorId"},
	}
	for _, c := range cases {
		_, err := validFilter(c.f)
		wantInvalid(t, err, c.field)
	}
	got, err := validFilter(Filter{Search: "  Pad   THAI "})
	if err != nil || got.Search != "pad thai" {
		t.Fatalf("search cleaned to %q, %v", got.Search, err)
	}
}
