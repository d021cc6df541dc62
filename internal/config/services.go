package config

import (
	"log/slog"
	"strings"
	"time"

	"github.com/platterhq/platter/internal/logging"
)

// Every service's configuration is here, so that one file says what each
// service reads; .env.example and docker-compose.yml are checked against it.

// HTTP is where a service listens and how it logs.
type HTTP struct {
	Addr      string         // HTTP_ADDR
	LogFormat logging.Format // LOG_FORMAT: json (default) or text
	LogLevel  slog.Level     // LOG_LEVEL: debug, info (default), warn, error
}

func readHTTP(r *Reader, defaultAddr string) HTTP {
	return HTTP{
		Addr:      r.String("HTTP_ADDR", defaultAddr),
		LogFormat: logging.Format(r.OneOf("LOG_FORMAT", "json", "json", "text")),
		LogLevel:  logging.ParseLevel(r.OneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error")),
	}
}

// Auth holds token keys. Services that sign in accounts (customer, vendor,
// deliveryman) need a signing key; every service needs keys to verify.
type Auth struct {
	SigningKeyPEM string        // JWT_SIGNING_KEY: Ed25519 private key, PKCS#8 PEM
	PublicKeysPEM string        // JWT_PUBLIC_KEYS: Ed25519 public keys, PKIX PEM, concatenated
	AccessTTL     time.Duration // ACCESS_TOKEN_TTL, at most 15m
	RefreshTTL    time.Duration // REFRESH_TOKEN_TTL
}

func readAuth(r *Reader, issuer bool) Auth {
	a := Auth{PublicKeysPEM: pemValue(r.String("JWT_PUBLIC_KEYS", ""))}
	if issuer {
		a.SigningKeyPEM = pemValue(r.Required("JWT_SIGNING_KEY", "this service signs access tokens; `platter keys generate` makes one"))
		a.AccessTTL = r.Duration("ACCESS_TOKEN_TTL", 15*time.Minute, time.Minute, 15*time.Minute)
		a.RefreshTTL = r.Duration("REFRESH_TOKEN_TTL", 14*24*time.Hour, time.Hour, 90*24*time.Hour)
	} else if a.PublicKeysPEM == "" {
		r.Fail("JWT_PUBLIC_KEYS", "is required (this service verifies access tokens)")
	}
	return a
}

// pemValue accepts PEM with real newlines or with literal \n, as env files
// and container definitions often carry it on one line.
func pemValue(v string) string { return strings.ReplaceAll(v, `\n`, "\n") }

// Events is the message broker connection.
type Events struct {
	AMQPURL string // AMQP_URL: the broker for events between subgraphs; unset, events wait in outboxes
}

func readEvents(r *Reader) Events {
	return Events{AMQPURL: r.URL("AMQP_URL", false, "", "amqp", "amqps")}
}

// Mongo names a MongoDB database.
type Mongo struct {
	URI      string // MONGO_URI
	Database string // MONGO_DATABASE
}

func readMongo(r *Reader, defaultDB string) Mongo {
	return Mongo{
		URI:      r.URL("MONGO_URI", true, "the service's MongoDB", "mongodb", "mongodb+srv"),
		Database: r.String("MONGO_DATABASE", defaultDB),
	}
}

// SQL names a SQL database by URL (postgres://, mysql:// or sqlite:).
type SQL struct {
	URL string // DATABASE_URL
}

func readSQL(r *Reader) SQL {
	return SQL{URL: r.URL("DATABASE_URL", true, "the service's SQL database", "postgres", "postgresql", "mysql", "sqlite")}
}

// Customer configures the customer subgraph.
type Customer struct {
	HTTP
	Auth
	Events
	Mongo
	// AdminEmail and AdminPassword create an ADMIN account at start when
	// both are set and the email is not yet registered.
	AdminEmail    string // ADMIN_EMAIL
	AdminPassword string // ADMIN_PASSWORD
}

// LoadCustomer reads the customer subgraph's configuration.
func LoadCustomer(getenv func(string) string) (Customer, error) {
	r := NewReader(getenv)
	c := Customer{
		HTTP:          readHTTP(r, ":4001"),
		Auth:          readAuth(r, true),
		Events:        readEvents(r),
		Mongo:         readMongo(r, "customer"),
		AdminEmail:    r.String("ADMIN_EMAIL", ""),
		AdminPassword: r.String("ADMIN_PASSWORD", ""),
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		r.Fail("ADMIN_EMAIL", "and ADMIN_PASSWORD must be set together")
	}
	return c, r.Err()
}

// Product configures the product subgraph.
type Product struct {
	HTTP
	Auth
	Events
	SQL
}

// LoadProduct reads the product subgraph's configuration.
func LoadProduct(getenv func(string) string) (Product, error) {
	r := NewReader(getenv)
	c := Product{HTTP: readHTTP(r, ":4002"), Auth: readAuth(r, false), Events: readEvents(r), SQL: readSQL(r)}
	return c, r.Err()
}

// Shopping configures the shopping subgraph.
type Shopping struct {
	HTTP
	Auth
	Events
	SQL
}

// LoadShopping reads the shopping subgraph's configuration.
func LoadShopping(getenv func(string) string) (Shopping, error) {
	r := NewReader(getenv)
	c := Shopping{HTTP: readHTTP(r, ":4003"), Auth: readAuth(r, false), Events: readEvents(r), SQL: readSQL(r)}
	return c, r.Err()
}

// Vendor configures the vendor subgraph.
type Vendor struct {
	HTTP
	Auth
	Events
	Mongo
	RedisURL string        // REDIS_URL: the read-through cache
	CacheTTL time.Duration // CACHE_TTL
}

// LoadVendor reads the vendor subgraph's configuration.
func LoadVendor(getenv func(string) string) (Vendor, error) {
	r := NewReader(getenv)
	c := Vendor{
		HTTP: readHTTP(r, ":4004"), Auth: readAuth(r, true), Events: readEvents(r), Mongo: readMongo(r, "vendor"),
		RedisURL: r.URL("REDIS_URL", true, "the vendor cache", "redis", "rediss"),
		CacheTTL: r.Duration("CACHE_TTL", 5*time.Minute, time.Second, 24*time.Hour),
	}
	return c, r.Err()
}

// Deliveryman configures the deliveryman subgraph.
type Deliveryman struct {
	HTTP
	Auth
	Events
	SQL
}

// LoadDeliveryman reads the deliveryman subgraph's configuration.
func LoadDeliveryman(getenv func(string) string) (Deliveryman, error) {
	r := NewReader(getenv)
	c := Deliveryman{HTTP: readHTTP(r, ":4005"), Auth: readAuth(r, true), Events: readEvents(r), SQL: readSQL(r)}
	return c, r.Err()
}

// Feedback configures the feedback subgraph.
type Feedback struct {
	HTTP
	Auth
	Events
	SQL
}

// LoadFeedback reads the feedback subgraph's configuration.
func LoadFeedback(getenv func(string) string) (Feedback, error) {
	r := NewReader(getenv)
	c := Feedback{HTTP: readHTTP(r, ":4006"), Auth: readAuth(r, false), Events: readEvents(r), SQL: readSQL(r)}
	return c, r.Err()
}

// Cloudmanager configures the cloudmanager subgraph.
type Cloudmanager struct {
	HTTP
	Auth
	Events
	// RedisURL caches geocoding results and counts callers' geocoding
	// quota; without it (or while it is down) results are not cached and
	// the quota is counted per process.
	RedisURL string // REDIS_URL
	// GCSBucket is the bucket holding uploaded images; GCSEndpoint points the
	// storage client at an emulator instead of Google (empty: Google, with
	// credentials from the standard Google environment).
	GCSBucket   string // GCS_BUCKET
	GCSEndpoint string // GCS_ENDPOINT
	// Signed URLs are made locally with a service account's RSA key: the
	// one in GCSSigningKeyPEM (as GCSSignerEmail), else the key file that
	// GoogleCredentialsFile names. With neither, against an emulator only, a
	// key is generated at start (the emulator checks no signatures).
	GCSSignerEmail        string        // GCS_SIGNER_EMAIL
	GCSSigningKeyPEM      string        // GCS_SIGNING_KEY: RSA private key, PEM
	GoogleCredentialsFile string        // GOOGLE_APPLICATION_CREDENTIALS
	AssetURLTTL           time.Duration // ASSET_URL_TTL: lifetime of Asset.url
	AssetUploadURLTTL     time.Duration // ASSET_UPLOAD_URL_TTL: lifetime of createImageUpload's PUT URL
	AssetMaxBytes         int64         // ASSET_MAX_BYTES: the largest image accepted

	GoogleMapsAPIKey  string        // GOOGLE_MAPS_API_KEY; empty: geocoding answers "not configured"
	GoogleMapsBaseURL string        // GOOGLE_MAPS_BASE_URL: another Geocoding API endpoint (a proxy, a test server)
	GeocodeCacheTTL   time.Duration // GEOCODE_CACHE_TTL
	GeocodeQuota      int           // GEOCODE_QUOTA_PER_MINUTE: geocode calls per caller per minute
	// DemoGeocoder answers the dev seed's addresses without a key. Set by
	// the dev launcher only; never read from the environment.
	DemoGeocoder bool
}

// LoadCloudmanager reads the cloudmanager subgraph's configuration.
func LoadCloudmanager(getenv func(string) string) (Cloudmanager, error) {
	r := NewReader(getenv)
	c := Cloudmanager{
		HTTP: readHTTP(r, ":4007"), Auth: readAuth(r, false), Events: readEvents(r),
		RedisURL:              r.URL("REDIS_URL", false, "", "redis", "rediss"),
		GCSBucket:             r.Required("GCS_BUCKET", "where uploaded images are stored"),
		GCSEndpoint:           r.URL("GCS_ENDPOINT", false, "", "http", "https"),
		GCSSignerEmail:        r.String("GCS_SIGNER_EMAIL", ""),
		GCSSigningKeyPEM:      pemValue(r.String("GCS_SIGNING_KEY", "")),
		GoogleCredentialsFile: r.String("GOOGLE_APPLICATION_CREDENTIALS", ""),
		AssetURLTTL:           r.Duration("ASSET_URL_TTL", 30*time.Minute, time.Minute, 7*24*time.Hour),
		AssetUploadURLTTL:     r.Duration("ASSET_UPLOAD_URL_TTL", 10*time.Minute, time.Minute, time.Hour),
		AssetMaxBytes:         int64(r.Int("ASSET_MAX_BYTES", 5<<20, 1<<10, 64<<20)),
		GoogleMapsAPIKey:      r.String("GOOGLE_MAPS_API_KEY", ""),
		GoogleMapsBaseURL:     r.URL("GOOGLE_MAPS_BASE_URL", false, "", "http", "https"),
		GeocodeCacheTTL:       r.Duration("GEOCODE_CACHE_TTL", 24*time.Hour, time.Minute, 30*24*time.Hour),
		GeocodeQuota:          r.Int("GEOCODE_QUOTA_PER_MINUTE", 30, 1, 100_000),
	}
	if (c.GCSSignerEmail == "") != (c.GCSSigningKeyPEM == "") {
		r.Fail("GCS_SIGNER_EMAIL", "and GCS_SIGNING_KEY must be set together")
	}
	if c.GCSEndpoint == "" && c.GCSSigningKeyPEM == "" && c.GoogleCredentialsFile == "" {
		r.Fail("GOOGLE_APPLICATION_CREDENTIALS", "is required to sign image URLs: set it to a service account's JSON key file, or set GCS_SIGNER_EMAIL and GCS_SIGNING_KEY")
	}
	return c, r.Err()
}
