package demo

import "github.com/google/uuid"

// Password is every demo account's password (dev mode only).
const Password = "platter-demo"

// GreenBowlID, SushiID and BurgerID are the other demo vendors; VendorID is
// Trattoria Platter.
const (
	GreenBowlID = "01966b2e-0000-7000-8000-00000000f002"
	SushiID     = "01966b2e-0000-7000-8000-00000000f003"
	BurgerID    = "01966b2e-0000-7000-8000-00000000f004"
)

// CustomerAddress is the demo customer's home address (DemoAddresses in the
// dev geocoder knows where it is).
const CustomerAddress = "Via Torino 20, 20123 Milano, Italy"

// Vendor is one demo vendor: an approved restaurant in Milan with its
// sign-in, address, opening hours and menu.
type Vendor struct {
	ID       string
	Name     string
	About    string
	Email    string // signs in with Password
	Phone    string
	Address  string
	Lat, Lng float64
	TimeZone string
	Open     bool
	// Hours are the opening hours, the same every day: "HH:MM-HH:MM" ranges.
	Hours []string
	Menu  []Section
}

// Section is a part of a vendor's menu.
type Section struct {
	Name   string
	Dishes []Dish
}

// Dish is a demo product. Price is in euro cents.
type Dish struct {
	ID              string
	Title           string
	Description     string
	Price           int64
	DiscountPercent int
}

// Currency is the demo catalogue's currency.
const Currency = "EUR"

// Vendors are the demo vendors, around Milan's centre.
var Vendors = []Vendor{
	{
		ID: VendorID, Name: "Trattoria Platter", About: "Wood-fired pizza and Italian desserts, made to order.",
		Email: "vendor@platter.local", Phone: "+39 02 1234 5601",
		Address: "Piazza del Duomo 1, 20122 Milano, Italy", Lat: 45.4641, Lng: 9.1919,
		TimeZone: "Europe/Rome", Open: true, Hours: []string{"11:30-15:00", "18:30-23:30"},
		Menu: []Section{
			{Name: "Pizze", Dishes: []Dish{
				{ID: MargheritaID, Title: "Margherita", Description: "Tomato, mozzarella and basil on a wood-fired base.", Price: 850},
				{ID: "01966b2e-0000-7000-8000-0000000000b3", Title: "Diavola", Description: "Tomato, mozzarella and spicy salami.", Price: 1000},
				{ID: "01966b2e-0000-7000-8000-0000000000b4", Title: "Quattro Formaggi", Description: "Mozzarella, gorgonzola, fontina and parmesan.", Price: 1100, DiscountPercent: 10},
			}},
			{Name: "Dolci", Dishes: []Dish{
				{ID: TiramisuID, Title: "Tiramisu", Description: "Mascarpone, espresso-soaked savoiardi and cocoa.", Price: 600},
				{ID: "01966b2e-0000-7000-8000-0000000000b5", Title: "Panna Cotta", Description: "Vanilla cream with a berry coulis.", Price: 550},
			}},
		},
	},
	{
		ID: GreenBowlID, Name: "Green Bowl", About: "Salads and grain bowls with seasonal vegetables.",
		Email: "greenbowl@platter.local", Phone: "+39 02 1234 5602",
		Address: "Corso Buenos Aires 10, 20124 Milano, Italy", Lat: 45.4781, Lng: 9.2100,
		TimeZone: "Europe/Rome", Open: false, Hours: []string{"10:00-21:00"},
		Menu: []Section{
			{Name: "Bowls", Dishes: []Dish{
				{ID: "01966b2e-0000-7000-8000-0000000002b1", Title: "Quinoa Bowl", Description: "Quinoa, roasted squash, chickpeas and tahini.", Price: 1150},
				{ID: "01966b2e-0000-7000-8000-0000000002b2", Title: "Caesar Salad", Description: "Romaine, chicken, croutons and parmesan.", Price: 1050},
			}},
			{Name: "Drinks", Dishes: []Dish{
				{ID: "01966b2e-0000-7000-8000-0000000002b3", Title: "Green Smoothie", Description: "Spinach, apple, ginger and lime.", Price: 550},
			}},
		},
	},
	{
		ID: SushiID, Name: "Sakura Sushi", About: "Nigiri, maki and donburi from a small counter near Brera.",
		Email: "sakura@platter.local", Phone: "+39 02 1234 5603",
		Address: "Via Brera 5, 20121 Milano, Italy", Lat: 45.4719, Lng: 9.1874,
		TimeZone: "Europe/Rome", Open: true, Hours: []string{"12:00-14:30", "19:00-23:00"},
		Menu: []Section{
			{Name: "Nigiri and maki", Dishes: []Dish{
				{ID: "01966b2e-0000-7000-8000-0000000003b1", Title: "Salmon Nigiri", Description: "Two pieces of salmon on seasoned rice.", Price: 600},
				{ID: "01966b2e-0000-7000-8000-0000000003b2", Title: "California Roll", Description: "Crab, avocado and cucumber, eight pieces.", Price: 900},
			}},
			{Name: "Donburi", Dishes: []Dish{
				{ID: "01966b2e-0000-7000-8000-0000000003b3", Title: "Chirashi", Description: "Assorted sashimi over sushi rice.", Price: 1600},
			}},
		},
	},
	{
		ID: BurgerID, Name: "Navigli Burger", About: "Smash burgers and fries by the canals.",
		Email: "burger@platter.local", Phone: "+39 02 1234 5604",
		Address: "Alzaia Naviglio Grande 30, 20144 Milano, Italy", Lat: 45.4522, Lng: 9.1745,
		TimeZone: "Europe/Rome", Open: true, Hours: []string{"12:00-23:59"},
		Menu: []Section{
			{Name: "Burgers", Dishes: []Dish{
				{ID: "01966b2e-0000-7000-8000-0000000004b1", Title: "Classic Smash", Description: "Two beef patties, cheddar, pickles and sauce.", Price: 1200},
				{ID: "01966b2e-0000-7000-8000-0000000004b2", Title: "Veggie Burger", Description: "Black bean patty, avocado and chipotle mayo.", Price: 1100, DiscountPercent: 15},
			}},
			{Name: "Sides", Dishes: []Dish{
				{ID: "01966b2e-0000-7000-8000-0000000004b3", Title: "Fries", Description: "Hand-cut, twice fried, sea salt.", Price: 400},
			}},
		},
	},
}

// assetSpace derives the demo images' asset ids from the ids of what they
// show, so the cloudmanager seed stores the image each other seed refers to.
var assetSpace = uuid.MustParse("01966b2e-0000-7000-8000-00000000e000")

// LogoAssetID is the asset id of a demo vendor's logo.
func LogoAssetID(vendorID string) string {
	return uuid.NewSHA1(assetSpace, []byte("logo:"+vendorID)).String()
}

// DishImageAssetID is the asset id of a demo dish's image.
func DishImageAssetID(dishID string) string {
	return uuid.NewSHA1(assetSpace, []byte("dish:"+dishID)).String()
}
