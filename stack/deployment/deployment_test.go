package deployment

import (
	"bufio"
	"os"
	"regexp"
	"sort"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/platterhq/platter/internal/config"
	"github.com/platterhq/platter/internal/testenv"
	"github.com/platterhq/platter/router"
)

// loaders maps each docker-compose service to the function that reads its
// configuration.
var loaders = map[string]func(getenv func(string) string) error{
	"customer":     func(g func(string) string) error { _, err := config.LoadCustomer(g); return err },
	"product":      func(g func(string) string) error { _, err := config.LoadProduct(g); return err },
	"shopping":     func(g func(string) string) error { _, err := config.LoadShopping(g); return err },
	"vendor":       func(g func(string) string) error { _, err := config.LoadVendor(g); return err },
	"deliveryman":  func(g func(string) string) error { _, err := config.LoadDeliveryman(g); return err },
	"feedback":     func(g func(string) string) error { _, err := config.LoadFeedback(g); return err },
	"cloudmanager": func(g func(string) string) error { _, err := config.LoadCloudmanager(g); return err },
	"router":       func(g func(string) string) error { _, err := router.LoadConfig(g); return err },
}

// keysRead runs load with env and returns the variables it asked for and
// the error it reported.
func keysRead(load func(func(string) string) error, env map[string]string) (map[string]bool, error) {
	asked := map[string]bool{}
	err := load(func(k string) string { asked[k] = true; return env[k] })
	return asked, err
}

type composeFile struct {
	Services map[string]struct {
		Environment map[string]string `yaml:"environment"`
	} `yaml:"services"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f composeFile
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return f
}

// keysFromEnvFile is what .env (made from .env.example) gives every
// service: the token keys, which have no defaults.
func keysFromEnvFile(t *testing.T) map[string]string {
	t.Helper()
	keys := testenv.Keys(t)
	return map[string]string{"JWT_SIGNING_KEY": keys.SigningPEM, "JWT_PUBLIC_KEYS": keys.PublicPEM}
}

func TestComposeServicesMatchTheirConfig(t *testing.T) {
	f := readCompose(t)
	for name, load := range loaders {
		t.Run(name, func(t *testing.T) {
			svc, ok := f.Services[name]
			if !ok {
				t.Fatalf("docker-compose.yml has no %s service", name)
			}
			env := keysFromEnvFile(t)
			for k, v := range svc.Environment {
				env[k] = v
			}
			asked, err := keysRead(load, env)
			if err != nil {
				t.Fatalf("its compose environment does not configure it: %v", err)
			}
			for k := range svc.Environment {
				if !asked[k] {
					t.Errorf("docker-compose.yml sets %s, which %s never reads", k, name)
				}
			}
		})
	}
}

var envLine = regexp.MustCompile(`^#?\s*([A-Z][A-Z0-9_]*)=`)

func TestEnvExampleDocumentsEveryVariable(t *testing.T) {
	f, err := os.Open("../../.env.example")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	documented := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := envLine.FindStringSubmatch(sc.Text()); m != nil {
			documented[m[1]] = true
		}
	}
	read := map[string]bool{"PLATTER_DATA_DIR": true} // read by platter dev
	for _, load := range loaders {
		asked, _ := keysRead(load, nil)
		for k := range asked {
			read[k] = true
		}
	}
	var missing, stale []string
	for k := range read {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !read[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	if len(missing) > 0 {
		t.Errorf(".env.example does not document %v", missing)
	}
	if len(stale) > 0 {
		t.Errorf(".env.example documents %v, which nothing reads", stale)
	}
}
