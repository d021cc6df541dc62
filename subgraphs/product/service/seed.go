package service

import (
	"context"
	"log/slog"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/demo"
	"github.com/platterhq/platter/subgraphs/product/catalog"
)

// demoSpace derives the demo categories' and sections' ids from their
// names, so that every run of the seed, in every process, agrees on them.
var demoSpace = uuid.MustParse("01966b2e-0000-7000-8000-00000000e100")

func demoID(kind, name string) string { return uuid.NewSHA1(demoSpace, []byte(kind+":"+name)).String() }

// demoCategories are the main categories, and which demo menu sections
// (by vendor and section name) belong in each.
var demoCategories = []struct {
	name     string
	sections map[string][]string
}{
	{"Pizza", map[string][]string{demo.VendorID: {"Pizze"}}},
	{"Japanese", map[string][]string{demo.SushiID: {"Nigiri and maki", "Donburi"}}},
	{"Burgers", map[string][]string{demo.BurgerID: {"Burgers", "Sides"}}},
	{"Healthy", map[string][]string{demo.GreenBowlID: {"Bowls"}}},
	{"Desserts", map[string][]string{demo.VendorID: {"Dolci"}}},
	{"Drinks", map[string][]string{demo.GreenBowlID: {"Drinks"}}},
}

// Seed adds the demo catalogue that is not there yet: the main categories,
// the demo vendors as approved, and each vendor's menu sections and dishes
// with their fixed ids. Running it again adds nothing.
func Seed(ctx context.Context, svc *Service, log *slog.Logger) error {
	categoryOf := map[string]string{} // vendor id + "/" + section name → category id
	for _, c := range demoCategories {
		id := demoID("category", c.name)
		created, err := svc.Catalog.EnsureCategory(ctx, id, c.name)
		if err != nil {
			return err
		}
		if created {
			log.InfoContext(ctx, "demo category added", "category_id", id, "name", c.name)
		}
		for vendorID, sections := range c.sections {
			for _, s := range sections {
				categoryOf[vendorID+"/"+s] = id
			}
		}
	}
	for _, v := range demo.Vendors {
		// The vendor subgraph announces the demo vendors too; until its
		// events arrive, the replica knows them as approved from here.
		if err := svc.Catalog.SeedVendor(ctx, catalog.Vendor{ID: v.ID, Name: v.Name, Status: catalog.VendorApproved}); err != nil {
			return err
		}
		for i, s := range v.Menu {
			position := i
			sectionID := demoID("section", v.ID+"/"+s.Name)
			if _, err := svc.Catalog.EnsureSection(ctx, v.ID, catalog.NewSection{ID: sectionID, Name: s.Name, Position: &position}); err != nil {
				return err
			}
			for _, d := range s.Dishes {
				created, err := svc.Catalog.EnsureProduct(ctx, v.ID, catalog.NewProduct{
					ID: d.ID, Title: d.Title, Description: d.Description,
					Price:           catalog.Money{Amount: d.Price, Currency: demo.Currency},
					DiscountPercent: d.DiscountPercent, ImageAssetID: demo.DishImageAssetID(d.ID),
					CategoryID: categoryOf[v.ID+"/"+s.Name], SectionID: sectionID, Available: true,
				})
				if err != nil {
					return err
				}
				if created {
					log.InfoContext(ctx, "demo product added", "product_id", d.ID, "title", d.Title)
				}
			}
		}
	}
	return nil
}
