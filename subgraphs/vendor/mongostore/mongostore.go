// Package mongostore keeps vendors in MongoDB, within the portable subset
// that also behaves on the embedded server: documents addressed by _id, a
// unique index for emails, saved whole by replace on a {_id, version}
// filter, with the events about each change in the same document write
// (mongoevents.Outbox) and the ids of the events it absorbed beside them
// (mongoevents.Inbox).
package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/platterhq/platter/internal/apperr"
	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/internal/events/mongoevents"
	"github.com/platterhq/platter/internal/storage/mongodb"
	"github.com/platterhq/platter/subgraphs/vendorsvc/vendorprofile"
)

// Collection is the vendors' collection; its documents carry the outbox
// the relay publishes.
const Collection = "vendors"

// Store is the vendor store.
type Store struct {
	vendors *mongo.Collection
	// locks serialises read-change-write cycles per vendor within the
	// process: the embedded server checks a replace's {_id, version}
	// filter and writes in two steps, so the version alone does not stop a
	// lost update there. Give the outbox relay the same Locks.
	locks   *mongoevents.Locks
	onWrite func()
}

var _ vendorprofile.Store = (*Store)(nil)

type vendorDoc struct {
	ID           string      `bson:"_id"`
	Name         string      `bson:"name"`
	About        string      `bson:"about"`
	Email        string      `bson:"email"`
	PasswordHash string      `bson:"password_hash"`
	Phone        string      `bson:"phone,omitempty"`
	Address      string      `bson:"address,omitempty"`
	Location     *pointDoc   `bson:"location,omitempty"`
	TimeZone     string      `bson:"time_zone"`
	Logo         string      `bson:"logo_asset,omitempty"`
	Gallery      []string    `bson:"gallery"`
	Team         []memberDoc `bson:"team"`
	Social       []socialDoc `bson:"social_links"`
	// Hours is flat: the embedded server stores no arrays inside arrays.
	Hours     []rangeDoc `bson:"hours"`
	Status    string     `bson:"status"`
	IsOpen    bool       `bson:"is_open"`
	Version   int64      `bson:"version"`
	CreatedAt time.Time  `bson:"created_at"`
	UpdatedAt time.Time  `bson:"updated_at"`

	mongoevents.Outbox `bson:",inline"`
	mongoevents.Inbox  `bson:",inline"`
}

type pointDoc struct {
	Lat float64 `bson:"lat"`
	Lng float64 `bson:"lng"`
}

type memberDoc struct {
	ID    string `bson:"id"`
	Name  string `bson:"name"`
	Role  string `bson:"role"`
	Photo string `bson:"photo_asset,omitempty"`
}

type socialDoc struct {
	Title string `bson:"title"`
	URL   string `bson:"url"`
}

type rangeDoc struct {
	Day    int `bson:"day"` // time.Weekday, Sunday 0
	Opens  int `bson:"opens"`
	Closes int `bson:"closes"`
}

// Migrate creates the collection's indexes, one per call as the embedded
// server needs; it is safe to run on every start.
func Migrate(ctx context.Context, db *mongo.Database) error {
	coll := db.Collection(Collection)
	for _, ix := range []mongo.IndexModel{
		{Keys: bson.D{{Key: "email", Value: 1}}, Options: options.Index().SetUnique(true).SetName("email_unique")},
		{Keys: bson.D{{Key: "status", Value: 1}, {Key: "created_at", Value: -1}}, Options: options.Index().SetName("status_created_at")},
	} {
		if _, err := coll.Indexes().CreateOne(ctx, ix); err != nil {
			return fmt.Errorf("vendors indexes: %w", err)
		}
	}
	return nil
}

// New returns the store on db; locks must be the relay's (nil only on a
// real MongoDB). Run Migrate first.
func New(db *mongo.Database, locks *mongoevents.Locks) *Store {
	return &Store{vendors: db.Collection(Collection), locks: locks, onWrite: func() {}}
}

// OnWrite sets a function called after every write that added events (the
// relay's Notify).
func (s *Store) OnWrite(f func()) { s.onWrite = f }

func (s *Store) Create(ctx context.Context, v vendorprofile.Vendor, publish ...events.Envelope) error {
	d := toDoc(v)
	if err := d.Add(publish...); err != nil {
		return err
	}
	_, err := s.vendors.InsertOne(ctx, d)
	if mongodb.IsDuplicateKey(err) {
		if _, byID := s.ByID(ctx, v.ID); byID == nil {
			return &apperr.Error{Code: apperr.Conflict, Field: "id", Message: "is already taken"}
		}
		return &apperr.Error{Code: apperr.Conflict, Field: "email", Message: "is already registered"}
	}
	if err == nil && len(publish) > 0 {
		s.onWrite()
	}
	return err
}

func (s *Store) ByID(ctx context.Context, id string) (vendorprofile.Vendor, error) {
	d, err := s.load(ctx, bson.D{{Key: "_id", Value: id}})
	return fromDoc(d), err
}

func (s *Store) ByEmail(ctx context.Context, email string) (vendorprofile.Vendor, error) {
	d, err := s.load(ctx, bson.D{{Key: "email", Value: email}})
	return fromDoc(d), err
}

func (s *Store) load(ctx context.Context, filter bson.D) (vendorDoc, error) {
	var d vendorDoc
	err := s.vendors.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return vendorDoc{}, apperr.E(apperr.NotFound, "vendor not found")
	}
	return d, err
}

func (s *Store) ByIDs(ctx context.Context, ids []string) ([]vendorprofile.Vendor, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	docs, err := mongodb.FindByIDs[vendorDoc](ctx, s.vendors, ids)
	if err != nil {
		return nil, err
	}
	out := make([]vendorprofile.Vendor, len(docs))
	for i, d := range docs {
		// Like find's projection: readers (and the cache) never hold the
		// password hash.
		d.PasswordHash = ""
		out[i] = fromDoc(d)
	}
	return out, nil
}

func (s *Store) List(ctx context.Context, statuses ...vendorprofile.Status) ([]vendorprofile.Vendor, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	in := make([]string, len(statuses))
	for i, st := range statuses {
		in[i] = string(st)
	}
	return s.find(ctx, bson.D{{Key: "status", Value: bson.D{{Key: "$in", Value: in}}}})
}

// Public returns the approved vendors; the store is its own Lister when no
// cache stands in front of it.
func (s *Store) Public(ctx context.Context) ([]vendorprofile.Vendor, error) {
	return s.List(ctx, vendorprofile.StatusApproved)
}

func (s *Store) find(ctx context.Context, filter bson.D) ([]vendorprofile.Vendor, error) {
	// The outbox and inbox are the store's business, not the readers'.
	proj := options.Find().SetProjection(bson.D{{Key: "outbox", Value: 0}, {Key: "inbox", Value: 0}, {Key: "password_hash", Value: 0}})
	cur, err := s.vendors.Find(ctx, filter, proj)
	if err != nil {
		return nil, err
	}
	var docs []vendorDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, err
	}
	out := make([]vendorprofile.Vendor, len(docs))
	for i, d := range docs {
		out[i] = fromDoc(d)
	}
	return out, nil
}

func (s *Store) Update(ctx context.Context, id string, change vendorprofile.Change) (vendorprofile.Vendor, error) {
	v, _, err := s.write(ctx, id, "", change)
	return v, err
}

func (s *Store) Apply(ctx context.Context, id, eventID string, change vendorprofile.Change) (vendorprofile.Vendor, bool, error) {
	if eventID == "" {
		return vendorprofile.Vendor{}, false, errors.New("apply: no event id")
	}
	return s.write(ctx, id, eventID, change)
}

// write is the read-change-write of one vendor, holding its lock from load
// to save. It does not retry a lost race: the caller's change may have
// side effects, and within one process the lock rules the race out.
func (s *Store) write(ctx context.Context, id, eventID string, change vendorprofile.Change) (vendorprofile.Vendor, bool, error) {
	unlock, err := s.locks.Lock(s.vendors, id)
	if err != nil {
		return vendorprofile.Vendor{}, false, err
	}
	defer unlock()
	d, err := s.load(ctx, bson.D{{Key: "_id", Value: id}})
	if err != nil {
		return vendorprofile.Vendor{}, false, err
	}
	if eventID != "" && d.Seen(eventID) {
		return fromDoc(d), false, nil
	}
	v := fromDoc(d)
	read := v.Version
	publish, err := change(&v)
	if errors.Is(err, vendorprofile.ErrUnchanged) && eventID != "" {
		return fromDoc(d), false, nil
	}
	if err != nil {
		return vendorprofile.Vendor{}, false, err
	}
	v.ID, v.Version, v.PasswordHash = id, read+1, d.PasswordHash
	next := toDoc(v)
	next.Outbox, next.Inbox = d.Outbox, d.Inbox
	if err := next.Add(publish...); err != nil {
		return vendorprofile.Vendor{}, false, err
	}
	if eventID != "" {
		next.Mark(eventID)
	}
	res, err := s.vendors.ReplaceOne(ctx, bson.D{{Key: "_id", Value: id}, {Key: "version", Value: read}}, next)
	if mongodb.IsDuplicateKey(err) {
		return vendorprofile.Vendor{}, false, &apperr.Error{Code: apperr.Conflict, Field: "email", Message: "is already registered"}
	}
	if err != nil {
		return vendorprofile.Vendor{}, false, err
	}
	if res.MatchedCount == 0 {
		return vendorprofile.Vendor{}, false, apperr.E(apperr.Conflict, "the vendor was changed meanwhile; try again")
	}
	if len(publish) > 0 {
		s.onWrite()
	}
	return v, true, nil
}

func toDoc(v vendorprofile.Vendor) vendorDoc {
	d := vendorDoc{
		ID: v.ID, Name: v.Name, About: v.About, Email: v.Email, PasswordHash: v.PasswordHash, Phone: v.Phone,
		Address: v.Address, TimeZone: v.TimeZone, Logo: v.LogoAssetID, Gallery: append([]string{}, v.GalleryAssets...),
		Team: []memberDoc{}, Social: []socialDoc{}, Hours: []rangeDoc{},
		Status: string(v.Status), IsOpen: v.IsOpen, Version: v.Version, CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC(),
	}
	if v.Location != nil {
		d.Location = &pointDoc{Lat: v.Location.Lat, Lng: v.Location.Lng}
	}
	for _, m := range v.Team {
		d.Team = append(d.Team, memberDoc{ID: m.ID, Name: m.Name, Role: m.Role, Photo: m.PhotoAssetID})
	}
	for _, l := range v.SocialLinks {
		d.Social = append(d.Social, socialDoc{Title: l.Title, URL: l.URL})
	}
	for day, ranges := range v.Hours {
		for _, r := range ranges {
			d.Hours = append(d.Hours, rangeDoc{Day: day, Opens: r.Opens, Closes: r.Closes})
		}
	}
	return d
}

func fromDoc(d vendorDoc) vendorprofile.Vendor {
	v := vendorprofile.Vendor{
		ID: d.ID, Name: d.Name, About: d.About, Email: d.Email, PasswordHash: d.PasswordHash, Phone: d.Phone,
		Address: d.Address, TimeZone: d.TimeZone, LogoAssetID: d.Logo,
		Status: vendorprofile.Status(d.Status), IsOpen: d.IsOpen, Version: d.Version, CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
	if d.ID == "" {
		return vendorprofile.Vendor{}
	}
	if d.Location != nil {
		v.Location = &vendorprofile.GeoPoint{Lat: d.Location.Lat, Lng: d.Location.Lng}
	}
	if len(d.Gallery) > 0 {
		v.GalleryAssets = append([]string{}, d.Gallery...)
	}
	for _, m := range d.Team {
		v.Team = append(v.Team, vendorprofile.TeamMember{ID: m.ID, Name: m.Name, Role: m.Role, PhotoAssetID: m.Photo})
	}
	for _, l := range d.Social {
		v.SocialLinks = append(v.SocialLinks, vendorprofile.SocialLink{Title: l.Title, URL: l.URL})
	}
	for _, r := range d.Hours {
		if r.Day >= 0 && r.Day < len(v.Hours) {
			v.Hours[r.Day] = append(v.Hours[r.Day], vendorprofile.Range{Opens: r.Opens, Closes: r.Closes})
		}
	}
	return v
}
