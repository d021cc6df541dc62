package main

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"github.com/platterhq/platter/internal/auth"
	"github.com/platterhq/platter/internal/blob"
	"github.com/platterhq/platter/internal/events/rabbitmq"
	"github.com/platterhq/platter/internal/storage/ferret"
	"github.com/platterhq/platter/internal/storage/redisdb"
	"github.com/platterhq/platter/internal/storage/sqldb"
)

// Servers are the admin URLs of the real servers the bench uses.
type Servers struct {
	Postgres string // admin URL; fresh databases are created beside its database
	MySQL    string
	Redis    string // the database number in the URL is ignored: an empty one is picked
	AMQP     string
}

// stores is everything the subgraphs run on, created for one bench run and
// removed by cleanup.
type stores struct {
	databases map[string]string // subgraph name -> DATABASE_URL
	mongoURI  string
	redisURL  string
	amqpURL   string
	blobs     *blob.Emulator
	bucket    string
	urlSigner *blob.Signer

	signingPEM string // the one Ed25519 key the three issuers share
	publicPEM  string
	keys       *auth.KeySet // signs the tokens the load uses (see tokens.go)

	cleanups []func()
	log      *slog.Logger
}

// sqlSubgraphs says which engine serves each SQL subgraph, as in
// docker-compose.yml: MySQL for product and deliveryman, PostgreSQL for
// shopping and feedback.
var sqlSubgraphs = map[string]string{"product": "mysql", "deliveryman": "mysql", "shopping": "postgres", "feedback": "postgres"}

// benchBucket holds the images uploaded by the seed, in the emulator.
const benchBucket = "platter-bench"

// openStores creates the databases, the broker vhost and the embedded
// MongoDB-wire server and storage emulator under dir. Whatever fails, what
// was made so far is in s.cleanups.
func openStores(ctx context.Context, srv Servers, runID, dir string, log *slog.Logger) (s *stores, err error) {
	s = &stores{databases: map[string]string{}, bucket: benchBucket, log: log}
	signer, err := auth.GenerateKey()
	if err != nil {
		return s, err
	}
	priv, err := auth.ParsePrivateKey(signer)
	if err != nil {
		return s, err
	}
	pub, err := auth.PublicKeyPEM(priv)
	if err != nil {
		return s, err
	}
	s.signingPEM, s.publicPEM = string(signer), string(pub)
	s.keys = auth.NewKeySet(priv)

	for name, engine := range sqlSubgraphs {
		admin, create, drop := srv.MySQL, "CREATE DATABASE %s CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", "DROP DATABASE IF EXISTS %s"
		if engine == "postgres" {
			admin, create, drop = srv.Postgres, "CREATE DATABASE %s", "DROP DATABASE IF EXISTS %s WITH (FORCE)"
		}
		dbName := "platter_bench_" + runID + "_" + name
		if err := execSQL(ctx, admin, fmt.Sprintf(create, dbName)); err != nil {
			return s, fmt.Errorf("%s database for %s: %w", engine, name, err)
		}
		s.cleanups = append(s.cleanups, func() {
			if err := execSQL(context.Background(), admin, fmt.Sprintf(drop, dbName)); err != nil {
				log.Warn("drop database", "database", dbName, "error", err)
			}
		})
		s.databases[name] = withPath(admin, dbName)
	}

	if s.redisURL, err = pickRedisDB(ctx, srv.Redis); err != nil {
		return s, err
	}
	redisURL := s.redisURL
	s.cleanups = append(s.cleanups, func() { dropRedisKeys(redisURL, log) })

	if s.amqpURL, err = isolateBroker(ctx, srv.AMQP, runID, log, &s.cleanups); err != nil {
		return s, err
	}

	mongo, err := ferret.Start(filepath.Join(dir, "mongo"), log)
	if err != nil {
		return s, err
	}
	s.cleanups = append(s.cleanups, mongo.Close)
	s.mongoURI = mongo.URI()

	if s.blobs, err = blob.StartEmulator(filepath.Join(dir, "gcs")); err != nil {
		return s, err
	}
	blobs := s.blobs
	s.cleanups = append(s.cleanups, func() { _ = blobs.Close() })
	if err := s.blobs.CreateBucket(ctx, s.bucket); err != nil {
		return s, err
	}
	// Image URLs are signed with a key given to cloudmanager, and the
	// emulator checks them as Cloud Storage would (as stack/dev does).
	if s.urlSigner, err = blob.GenerateSigner(blob.DevAccessID); err != nil {
		return s, err
	}
	s.blobs.RequireSignatures(map[string]*rsa.PublicKey{s.urlSigner.AccessID(): s.urlSigner.PublicKey()})
	return s, nil
}

// close undoes openStores, newest first.
func (s *stores) close() {
	for i := len(s.cleanups) - 1; i >= 0; i-- {
		s.cleanups[i]()
	}
	s.cleanups = nil
}

func execSQL(ctx context.Context, adminURL, stmt string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	db, err := sqldb.Open(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("%s: %w", redact(adminURL), err)
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, stmt)
	return err
}

func withPath(rawURL, db string) string {
	u, _ := url.Parse(rawURL)
	u.Path = "/" + db
	return u.String()
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	return u.Redacted()
}

// The keys Platter's services write in Redis all start with this; the
// bench deletes them from its database at the end.
const redisKeyPattern = "platter:*"

// pickRedisDB returns rawURL on the highest-numbered empty Redis database,
// so that the vendor cache's shared listing keys do not meet those of tests
// running on database 0.
func pickRedisDB(ctx context.Context, rawURL string) (string, error) {
	for n := 15; n >= 1; n-- {
		u := withPath(rawURL, strconv.Itoa(n))
		c, err := redisdb.Open(u)
		if err != nil {
			return "", err
		}
		size, err := c.DBSize(ctx).Result()
		c.Close()
		if err != nil {
			return "", fmt.Errorf("redis at %s: %w", redact(rawURL), err)
		}
		if size == 0 {
			return u, nil
		}
	}
	return "", fmt.Errorf("redis at %s: no empty database among 1..15", redact(rawURL))
}

func dropRedisKeys(rawURL string, log *slog.Logger) {
	c, err := redisdb.Open(rawURL)
	if err != nil {
		return
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, redisKeyPattern, 500).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		log.Warn("redis cleanup", "error", err)
		return
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := c.Del(ctx, keys[:n]...).Err(); err != nil {
			log.Warn("redis cleanup", "error", err)
			return
		}
		keys = keys[n:]
	}
}

// The subgraph binaries declare the broker's real names (exchange
// platter.events, queues <subscriber>.events) with no prefix. The bench
// gives them a vhost of their own when rabbitmqctl can make one, and
// deletes it at the end; otherwise they run on the URL's vhost and the
// bench deletes, at the end, the exchanges and queues of those names that
// did not exist before it started.
var (
	brokerSubscribers = []string{"customer", "product", "shopping", "vendor", "deliveryman", "feedback", "cloudmanager"}
	brokerExchanges   = []string{"platter.events", "platter.events.dlx"}
)

func isolateBroker(ctx context.Context, rawURL, runID string, log *slog.Logger, cleanups *[]func()) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("amqp url: %w", err)
	}
	if err := checkBroker(rawURL); err != nil {
		return "", err
	}
	vhost := "platter-bench-" + runID
	err = addVhost(ctx, vhost, u.User.Username())
	if err == nil {
		*cleanups = append(*cleanups, func() {
			if err := rabbitmqctl(context.Background(), "delete_vhost", vhost); err != nil {
				log.Warn("delete broker vhost", "vhost", vhost, "error", err)
			}
		})
		u.Path = "/" + vhost
		return u.String(), nil
	}
	log.Info("no vhost of its own (rabbitmqctl failed); using the URL's vhost and deleting the names it creates at the end", "error", err)

	var queues []string
	for _, s := range brokerSubscribers {
		queues = append(queues, s+".events", s+".events.dlq")
	}
	newQueues, newExchanges, err := missingNames(rawURL, queues, brokerExchanges)
	if err != nil {
		return "", err
	}
	*cleanups = append(*cleanups, func() { deleteNames(rawURL, newQueues, newExchanges, log) })
	return rawURL, nil
}

func checkBroker(rawURL string) error {
	conn, err := amqp.DialConfig(rawURL, amqp.Config{Dial: amqp.DefaultDial(5 * time.Second)})
	if err != nil {
		return fmt.Errorf("rabbitmq at %s: %w", redact(rawURL), err)
	}
	return conn.Close()
}

func addVhost(ctx context.Context, vhost, user string) error {
	if user == "" {
		user = "guest"
	}
	if err := rabbitmqctl(ctx, "add_vhost", vhost); err != nil {
		return err
	}
	if err := rabbitmqctl(ctx, "set_permissions", "-p", vhost, user, ".*", ".*", ".*"); err != nil {
		_ = rabbitmqctl(ctx, "delete_vhost", vhost)
		return err
	}
	return nil
}

func rabbitmqctl(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "rabbitmqctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("rabbitmqctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// missingNames returns the queues and exchanges that do not exist on the
// broker. A passive declare of a missing name closes its channel, so each
// check gets a channel of its own.
func missingNames(rawURL string, queues, exchanges []string) (missingQ, missingX []string, err error) {
	conn, err := amqp.Dial(rawURL)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	exists := func(check func(ch *amqp.Channel) error) (bool, error) {
		ch, err := conn.Channel()
		if err != nil {
			return false, err
		}
		err = check(ch)
		var amqpErr *amqp.Error
		if errors.As(err, &amqpErr) && amqpErr.Code == amqp.NotFound {
			return false, nil
		}
		_ = ch.Close()
		return err == nil, err
	}
	for _, q := range queues {
		ok, err := exists(func(ch *amqp.Channel) error {
			_, err := ch.QueueDeclarePassive(q, true, false, false, false, nil)
			return err
		})
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			missingQ = append(missingQ, q)
		}
	}
	for _, x := range exchanges {
		ok, err := exists(func(ch *amqp.Channel) error {
			return ch.ExchangeDeclarePassive(x, "topic", true, false, false, false, nil)
		})
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			missingX = append(missingX, x)
		}
	}
	return missingQ, missingX, nil
}

func deleteNames(rawURL string, queues, exchanges []string, log *slog.Logger) {
	if err := rabbitmq.DeleteNames(rawURL, queues, exchanges); err != nil {
		log.Warn("broker cleanup", "error", err)
	}
}
