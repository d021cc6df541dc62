package sqlstore_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/logging"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/subgraphs/product/catalog"
	"github.com/platterhq/platter/subgraphs/product/sqlstore"
)

// The suite drives the store through the catalog rules, which are its only
// user, on SQLite, PostgreSQL and MariaDB: the same suite proves the
// engines behave alike.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	db    *bun.DB
	store *sqlstore.Store
	cat   *catalog.Service
}

func forEachEngine(t *testing.T, test func(f *fixture)) {
	t.Helper()
	testenv.ForEachSQLEngine(t, sqlstore.Migrations(), func(t *testing.T, db *bun.DB) {
		s := sqlstore.New(db)
		test(&fixture{t: t, ctx: context.Background(), db: db, store: s, cat: catalog.NewService(s, logging.Discard())})
	})
}

func newVendorID() string { return uuid.Must(uuid.NewV7()).String() }

func (f *fixture) vendor(id, name, status string, version int64) {
	f.t.Helper()
	err := f.store.Update(f.ctx, func(ctx context.Context, tx catalog.Tx) error {
		_, err := f.cat.ApplyVendor(ctx, tx, catalog.Vendor{ID: id, Name: name, Status: status, Version: version})
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) product(vendorID, title string, price int64, edit ...func(*catalog.NewProduct)) catalog.Product {
	f.t.Helper()
	in := catalog.NewProduct{Title: title, Description: "with rice, ünïcode & 'quotes'", Price: catalog.Money{Amount: price, Currency: "EUR"}, Available: true}
	for _, e := range edit {
		e(&in)
	}
	p, err := f.cat.Create(f.ctx, vendorID, in)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

func (f *fixture) outboxCount(subject string) int64 {
	f.t.Helper()
	n, err := f.db.NewSelect().Table("event_outbox").Where("subject = ?", subject).Count(f.ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

func wantCode(t *testing.T, err error, code apperr.Code, field string) {
	t.Helper()
	if e, ok := apperr.As(err); !ok || e.Code != code || e.Field != field {
		t.Fatalf("got %v, want %s on %q", err, code, field)
	}
}

func TestProductRoundTrip(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		v := newVendorID()
		f.vendor(v, "Thai Corner", catalog.VendorApproved, 1)
		cat, err := f.cat.CreateCategory(f.ctx, "", "Thai")
		if err != nil {
			t.Fatal(err)
		}
		sec, err := f.cat.CreateSection(f.ctx, v, catalog.NewSection{Name: "Noodles"})
		if err != nil {
			t.Fatal(err)
		}
		image := uuid.Must(uuid.NewV7()).String()
		want := f.product(v, "Pad Thai", 1100, func(in *catalog.NewProduct) {
			in.DiscountPercent, in.ImageAssetID, in.CategoryID, in.SectionID = 15, image, cat.ID, sec.ID
		})
		got, err := f.store.Product(f.ctx, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("got %+v\nwant %+v", got, want)
		}
		if !got.OnSale() || got.FinalPrice() != 935 || got.CategoryName != "Thai" || got.SectionName != "Noodles" || got.Version != 1 {
			t.Fatalf("read back %+v", got)
		}
		if _, err := f.store.Product(f.ctx, uuid.Must(uuid.NewV7()).String()); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("unknown id: %v", err)
		}
		if n := f.outboxCount(want.ID); n != 1 {
			t.Fatalf("%d events for a created product, want 1", n)
		}

		// A vendor the replica has not heard of does not trade yet.
		unknown := f.product(newVendorID(), "Pad Thai", 900)
		if got, _ := f.store.Product(f.ctx, unknown.ID); got.OnSale() || unknown.OnSale() {
			t.Fatalf("an unknown vendor's product is on sale: %+v", got)
		}
	})
}

func TestOwnershipAndVersions(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		v, other := newVendorID(), newVendorID()
		f.vendor(v, "A", catalog.VendorApproved, 1)
		p := f.product(v, "Pad Thai", 1000)

		title := "Pad See Ew"
		_, err := f.cat.Update(f.ctx, other, p.ID, catalog.ProductChanges{Title: &title})
		wantCode(t, err, apperr.Forbidden, "")
		_, err = f.cat.Update(f.ctx, v, uuid.Must(uuid.NewV7()).String(), catalog.ProductChanges{Title: &title})
		wantCode(t, err, apperr.NotFound, "")

		got, err := f.cat.Update(f.ctx, v, p.ID, catalog.ProductChanges{Title: &title})
		if err != nil || got.Version != 2 || got.Title != title {
			t.Fatalf("update: %+v %v", got, err)
		}
		if got, err = f.cat.SetAvailability(f.ctx, v, p.ID, false); err != nil || got.Version != 3 || got.OnSale() {
			t.Fatalf("availability: %+v %v", got, err)
		}
		if got, err = f.cat.Delete(f.ctx, v, p.ID); err != nil || got.Version != 4 || !got.Deleted {
			t.Fatalf("delete: %+v %v", got, err)
		}
		if _, err := f.store.Product(f.ctx, p.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("a deleted product is found: %v", err)
		}
		_, err = f.cat.Delete(f.ctx, v, p.ID)
		wantCode(t, err, apperr.NotFound, "")
		if n := f.outboxCount(p.ID); n != 4 {
			t.Fatalf("%d events, want 4", n)
		}
		// The deleted product's title is free again.
		f.product(v, title, 1000)
	})
}

func TestTitleIsUniquePerVendor(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		v := newVendorID()
		first := f.product(v, "Pad Thai", 1000)
		_, err := f.cat.Create(f.ctx, v, catalog.NewProduct{Title: "PAD  thai", Price: catalog.Money{Amount: 1, Currency: "EUR"}})
		wantCode(t, err, apperr.Conflict, "input.title")
		f.product(newVendorID(), "Pad Thai", 1000)
		// Accents make a different dish on every engine, whatever the
		// collation MySQL would otherwise apply.
		second := f.product(v, "Pâd Thai", 1000)
		title := "pad thai"
		_, err = f.cat.Update(f.ctx, v, second.ID, catalog.ProductChanges{Title: &title})
		wantCode(t, err, apperr.Conflict, "input.title")
		if n := f.outboxCount(second.ID); n != 1 {
			t.Fatalf("a refused update left %d events", n)
		}
		if got, _ := f.store.Product(f.ctx, first.ID); got.Title != "Pad Thai" {
			t.Fatalf("first product %+v", got)
		}
	})
}

func TestListFiltersAndPages(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		thai, burger := newVendorID(), newVendorID()
		f.vendor(thai, "Bangkok Street", catalog.VendorApproved, 1)
		f.vendor(burger, "Navigli Burger", catalog.VendorApproved, 1)
		cat, err := f.cat.CreateCategory(f.ctx, "", "Noodles")
		if err != nil {
			t.Fatal(err)
		}
		sec, err := f.cat.CreateSection(f.ctx, thai, catalog.NewSection{Name: "Mains"})
		if err != nil {
			t.Fatal(err)
		}
		padThai := f.product(thai, "Pad Thai", 1100, func(in *catalog.NewProduct) { in.CategoryID, in.SectionID = cat.ID, sec.ID })
		curry := f.product(thai, "Green Curry", 1300, func(in *catalog.NewProduct) { in.Description = "100% coconut_milk" })
		smash := f.product(burger, "Classic Smash", 1200, func(in *catalog.NewProduct) { in.DiscountPercent = 50 })
		fries := f.product(burger, "Fries", 400, func(in *catalog.NewProduct) { in.Available = false })

		ids := func(ps []catalog.Product) []string {
			out := make([]string, len(ps))
			for i, p := range ps {
				out[i] = p.ID
			}
			return out
		}
		list := func(flt catalog.Filter) []string {
			t.Helper()
			page, err := f.cat.List(f.ctx, flt, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			return ids(page.Products)
		}
		want := func(name string, got []string, ps ...catalog.Product) {
			t.Helper()
			w := ids(ps)
			slices.Sort(w)
			if !slices.Equal(got, w) {
				t.Errorf("%s: got %v, want %v", name, got, w)
			}
		}
		yes, no := true, false
		price := int64(700)
		want("all", list(catalog.Filter{}), padThai, curry, smash, fries)
		want("vendor", list(catalog.Filter{VendorID: burger}), smash, fries)
		want("category", list(catalog.Filter{CategoryID: cat.ID}), padThai)
		want("section", list(catalog.Filter{SectionID: sec.ID}), padThai)
		want("max final price", list(catalog.Filter{MaxPrice: &price}), smash, fries)
		want("available", list(catalog.Filter{Available: &yes}), padThai, curry, smash)
		want("unavailable", list(catalog.Filter{Available: &no}), fries)
		want("title", list(catalog.Filter{Search: "pad"}), padThai)
		want("title, any case", list(catalog.Filter{Search: "CURRY"}), curry)
		want("description", list(catalog.Filter{Search: "coconut"}), curry)
		want("vendor name", list(catalog.Filter{Search: "navigli"}), smash, fries)
		want("a literal %", list(catalog.Filter{Search: "100%"}), curry)
		want("a literal _", list(catalog.Filter{Search: "pad_thai"}))
		want("a literal _ found", list(catalog.Filter{Search: "t_m"}), curry)
		want("nothing", list(catalog.Filter{Search: "sushi"}))

		// Pages follow each other without gaps or repeats.
		var seen []string
		after := ""
		two := 2
		for {
			page, err := f.cat.List(f.ctx, catalog.Filter{}, &two, after)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, ids(page.Products)...)
			if !page.HasNextPage {
				break
			}
			after = catalog.Cursor(page.Products[len(page.Products)-1])
		}
		want("paged", seen, padThai, curry, smash, fries)

		// A suspended vendor's products are not on sale, and come back
		// with their own flags when it is approved again.
		f.vendor(burger, "Navigli Burger", "SUSPENDED", 2)
		want("available after suspension", list(catalog.Filter{Available: &yes}), padThai, curry)
		want("unavailable after suspension", list(catalog.Filter{Available: &no}), smash, fries)
		f.vendor(burger, "Navigli Smash", catalog.VendorApproved, 3)
		want("available after approval", list(catalog.Filter{Available: &yes}), padThai, curry, smash)
		want("renamed vendor", list(catalog.Filter{Search: "smash"}), smash, fries)
		want("old name", list(catalog.Filter{Search: "navigli burger"}))
	})
}

func TestVendorReplica(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		v := newVendorID()
		f.vendor(v, "A", catalog.VendorApproved, 2)
		p := f.product(v, "Dal", 900)
		off := f.product(v, "Naan", 300, func(in *catalog.NewProduct) { in.Available = false })
		deleted := f.product(v, "Lassi", 300)
		if _, err := f.cat.Delete(f.ctx, v, deleted.ID); err != nil {
			t.Fatal(err)
		}

		f.vendor(v, "A", "SUSPENDED", 1) // older: ignored
		if got, _ := f.store.Product(f.ctx, p.ID); !got.OnSale() || got.Version != 1 {
			t.Fatalf("an old vendor event applied: %+v", got)
		}
		f.vendor(v, "A", "SUSPENDED", 3)
		f.vendor(v, "A", "SUSPENDED", 3) // the same again: nothing more
		for _, id := range []string{p.ID, off.ID} {
			got, err := f.store.Product(f.ctx, id)
			if err != nil || got.OnSale() || got.Version != 2 {
				t.Fatalf("after suspension: %+v %v", got, err)
			}
			if n := f.outboxCount(id); n != 2 {
				t.Fatalf("%d events after suspension, want 2", n)
			}
		}
		if n := f.outboxCount(deleted.ID); n != 2 {
			t.Fatalf("a deleted product was republished: %d events", n)
		}
		f.vendor(v, "A", "SUSPENDED", 4) // status unchanged: products untouched
		if got, _ := f.store.Product(f.ctx, p.ID); got.Version != 2 {
			t.Fatalf("version %d after a rename-only change", got.Version)
		}

		// Seeding does not override what events said.
		if err := f.cat.SeedVendor(f.ctx, catalog.Vendor{ID: v, Name: "A", Status: catalog.VendorApproved}); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.store.Product(f.ctx, p.ID); got.OnSale() {
			t.Fatal("the seed approved a suspended vendor")
		}
	})
}

func TestMenusAndSections(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		a, b := newVendorID(), newVendorID()
		f.vendor(a, "A", catalog.VendorApproved, 1)
		mk := func(vendor, name string, pos *int) catalog.Section {
			t.Helper()
			s, err := f.cat.CreateSection(f.ctx, vendor, catalog.NewSection{Name: name, Position: pos})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		zero := 0
		mains, drinks := mk(a, "Mains", nil), mk(a, "Drinks", nil)
		starters := mk(a, "Starters", &zero)
		other := mk(b, "Mains", nil)
		if mains.Position != 0 || drinks.Position != 1 || other.Position != 0 {
			t.Fatalf("positions %d %d %d", mains.Position, drinks.Position, other.Position)
		}
		_, err := f.cat.CreateSection(f.ctx, a, catalog.NewSection{Name: " MAINS "})
		wantCode(t, err, apperr.Conflict, "input.name")
		_, err = f.cat.Create(f.ctx, a, catalog.NewProduct{Title: "X", Price: catalog.Money{Amount: 1, Currency: "EUR"}, SectionID: other.ID})
		wantCode(t, err, apperr.InvalidInput, "input.sectionId")
		_, err = f.cat.Create(f.ctx, a, catalog.NewProduct{Title: "X", Price: catalog.Money{Amount: 1, Currency: "EUR"}, CategoryID: other.ID})
		wantCode(t, err, apperr.InvalidInput, "input.categoryId")

		curry := f.product(a, "Curry", 1000, func(in *catalog.NewProduct) { in.SectionID = mains.ID })
		dal := f.product(a, "Dal", 900, func(in *catalog.NewProduct) { in.SectionID = mains.ID })
		f.product(a, "Unlisted", 900)
		menus, err := f.cat.Menus(f.ctx, []string{b, a, newVendorID()})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, s := range menus[1] {
			names = append(names, s.Name)
		}
		// Starters and Mains share position 0; the id breaks the tie.
		if len(menus) != 3 || len(menus[0]) != 1 || len(menus[2]) != 0 ||
			!slices.Equal(names, []string{"Mains", "Starters", "Drinks"}) {
			t.Fatalf("menus %v", names)
		}
		if ps := menus[1][0].Products; len(ps) != 2 || ps[0].ID != curry.ID || ps[1].ID != dal.ID || len(menus[1][1].Products) != 0 {
			t.Fatalf("mains %+v", ps)
		}

		_, err = f.cat.DeleteSection(f.ctx, a, mains.ID)
		wantCode(t, err, apperr.Conflict, "id")
		_, err = f.cat.DeleteSection(f.ctx, b, starters.ID)
		wantCode(t, err, apperr.Forbidden, "")
		renamed := "First"
		one := 1
		if s, err := f.cat.UpdateSection(f.ctx, a, starters.ID, catalog.SectionChanges{Name: &renamed, Position: &one}); err != nil || s.Name != "First" || s.Position != 1 {
			t.Fatalf("update section: %+v %v", s, err)
		}
		if _, err := f.cat.DeleteSection(f.ctx, a, drinks.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Section(f.ctx, drinks.ID); apperr.CodeOf(err) != apperr.NotFound {
			t.Fatalf("deleted section: %v", err)
		}
	})
}

func TestCategories(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		for _, name := range []string{"Pizza", "Drinks"} {
			if _, err := f.cat.CreateCategory(f.ctx, "", name); err != nil {
				t.Fatal(err)
			}
		}
		_, err := f.cat.CreateCategory(f.ctx, "", "pizza")
		wantCode(t, err, apperr.Conflict, "input.name")
		cs, err := f.cat.Categories(f.ctx)
		if err != nil || len(cs) != 2 || cs[0].Name != "Drinks" || cs[1].Name != "Pizza" {
			t.Fatalf("categories %+v %v", cs, err)
		}
	})
}

// A redelivered event has no second effect, and an asset's deletion
// detaches it from every product that shows it.
func TestInboxAndImages(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		v := newVendorID()
		f.vendor(v, "A", catalog.VendorApproved, 1)
		asset := uuid.Must(uuid.NewV7()).String()
		withImage := func(in *catalog.NewProduct) { in.ImageAssetID = asset }
		p1, p2 := f.product(v, "One", 100, withImage), f.product(v, "Two", 100, withImage)
		keep := f.product(v, "Three", 100)

		calls := 0
		h := f.store.HandleBatch("product", func(ctx context.Context, tx catalog.Tx, e events.Envelope) error {
			calls++
			_, err := f.cat.DetachImage(ctx, tx, asset)
			return err
		})
		e, err := events.New(f.ctx, "cloudmanager", events.AssetDeleted, asset, events.AssetData{AssetID: asset})
		if err != nil {
			t.Fatal(err)
		}
		// Twice in one batch, then again alone: one effect.
		for _, batch := range [][]events.Envelope{{e, e}, {e}} {
			if err := h(f.ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		if calls != 1 {
			t.Fatalf("handler ran %d times", calls)
		}
		for _, p := range []catalog.Product{p1, p2} {
			got, _ := f.store.Product(f.ctx, p.ID)
			if got.ImageAssetID != "" || got.Version != 2 || f.outboxCount(p.ID) != 2 {
				t.Fatalf("after the asset's deletion: %+v", got)
			}
		}
		if got, _ := f.store.Product(f.ctx, keep.ID); got.Version != 1 {
			t.Fatalf("an unrelated product changed: %+v", got)
		}
	})
}

// Concurrent changes of one product serialise: each gets its own version
// and its own event.
func TestConcurrentChangesGetDistinctVersions(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		v := newVendorID()
		f.vendor(v, "A", catalog.VendorApproved, 1)
		p := f.product(v, "Dal", 900)
		const writers = 8
		versions := make(chan int64, writers+1)
		errs := make(chan error, writers+1)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := f.cat.SetAvailability(f.ctx, v, p.ID, i%2 == 0)
				errs <- err
				versions <- got.Version
			}()
		}
		// A status change of the vendor runs among them.
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- f.store.Update(f.ctx, func(ctx context.Context, tx catalog.Tx) error {
				_, err := f.cat.ApplyVendor(ctx, tx, catalog.Vendor{ID: v, Name: "A", Status: "SUSPENDED", Version: 2})
				return err
			})
		}()
		wg.Wait()
		close(errs)
		close(versions)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		seen := map[int64]bool{}
		for ver := range versions {
			if seen[ver] {
				t.Fatalf("version %d given twice", ver)
			}
			seen[ver] = true
		}
		got, err := f.store.Product(f.ctx, p.ID)
		if err != nil || got.Version != writers+2 || f.outboxCount(p.ID) != writers+2 || got.OnSale() {
			t.Fatalf("after concurrent changes: %+v %v, %d events", got, err, f.outboxCount(p.ID))
		}
	})
}

// The first pages of several vendors' products, read together, are what
// each vendor's own listing shows first.
func TestFirstPagesOfSeveralVendors(t *testing.T) {
	forEachEngine(t, func(f *fixture) {
		many, few, none := newVendorID(), newVendorID(), newVendorID()
		f.vendor(many, "Many Dishes", catalog.VendorApproved, 1)
		f.vendor(few, "Few Dishes", catalog.VendorApproved, 1)
		for _, title := range []string{"One", "Two", "Three", "Four", "Five"} {
			f.product(many, title, 500)
		}
		f.product(few, "Only", 700)
		gone := f.product(few, "Gone", 800)
		if _, err := f.cat.Delete(f.ctx, few, gone.ID); err != nil {
			t.Fatal(err)
		}

		for _, size := range []int{1, 2, 5, 6} {
			pages, err := f.cat.FirstPages(f.ctx, []string{many, few, none}, &size)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range []string{many, few, none} {
				alone, err := f.cat.List(f.ctx, catalog.Filter{VendorID: v}, &size, "")
				if err != nil {
					t.Fatal(err)
				}
				got := pages[v]
				if got.HasNextPage != alone.HasNextPage || len(got.Products) != len(alone.Products) {
					t.Fatalf("size %d, vendor %s: batched %d products (more %v), alone %d (more %v)",
						size, v, len(got.Products), got.HasNextPage, len(alone.Products), alone.HasNextPage)
				}
				for i := range got.Products {
					if got.Products[i].ID != alone.Products[i].ID || got.Products[i].Title != alone.Products[i].Title {
						t.Fatalf("size %d, vendor %s, #%d: batched %+v, alone %+v", size, v, i, got.Products[i], alone.Products[i])
					}
				}
			}
		}
		zero := 0
		if pages, err := f.cat.FirstPages(f.ctx, []string{many}, &zero); err != nil || len(pages[many].Products) != 0 {
			t.Fatalf("first 0: %v %+v", err, pages)
		}
		tooMany := catalog.MaxPageSize + 1
		if _, err := f.cat.FirstPages(f.ctx, []string{many}, &tooMany); err == nil {
			t.Fatal("a page over the maximum was accepted")
		}
	})
}
