package compose

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// supergraphFile is supergraph.yaml: rover's format, with each subgraph's
// subscription URL and protocol added.
type supergraphFile struct {
	FederationVersion string                    `yaml:"federation_version"`
	Subgraphs         map[string]subgraphConfig `yaml:"subgraphs"`
}

type subgraphConfig struct {
	RoutingURL string `yaml:"routing_url"`
	Schema     struct {
		File string `yaml:"file"`
	} `yaml:"schema"`
	Subscription struct {
		URL      string `yaml:"url"`
		Protocol string `yaml:"protocol"`
	} `yaml:"subscription"`
}

// Load reads supergraph.yaml at path and the schema file of every subgraph,
// resolved against the directory of path. Subgraphs keep the file's order.
// Every problem found is reported, each naming its subgraph.
func Load(path string) ([]Subgraph, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("compose: %w", err)
	}
	subgraphs, err := Parse(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("compose: %s: %w", path, err)
	}
	return subgraphs, nil
}

// Parse parses the contents of a supergraph.yaml whose schema files are
// relative to dir, and reads those files.
func Parse(data []byte, dir string) ([]Subgraph, error) {
	order, err := subgraphOrder(data)
	if err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, errors.New("no subgraphs")
	}
	// Strict decoding catches misspelt keys.
	var file supergraphFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}

	var errs []error
	subgraphs := make([]Subgraph, 0, len(order))
	for _, name := range order {
		s, err := loadSubgraph(name, file.Subgraphs[name], dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("subgraph %q: %w", name, err))
			continue
		}
		subgraphs = append(subgraphs, s)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return subgraphs, nil
}

// subgraphOrder returns the subgraph names in file order, and an error for
// a name used twice. The composed config numbers subgraphs by position, so
// keeping the file's order keeps the output stable.
func subgraphOrder(data []byte) ([]string, error) {
	var doc struct {
		Subgraphs yaml.Node `yaml:"subgraphs"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if doc.Subgraphs.Kind == 0 {
		return nil, nil
	}
	if doc.Subgraphs.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("parse: line %d: subgraphs must be a mapping of name to subgraph", doc.Subgraphs.Line)
	}
	names := make([]string, 0, len(doc.Subgraphs.Content)/2)
	lines := map[string]int{}
	var errs []error
	for i := 0; i < len(doc.Subgraphs.Content); i += 2 {
		key := doc.Subgraphs.Content[i]
		if first, ok := lines[key.Value]; ok {
			errs = append(errs, fmt.Errorf("subgraph %q: defined twice (lines %d and %d)", key.Value, first, key.Line))
			continue
		}
		lines[key.Value] = key.Line
		names = append(names, key.Value)
	}
	return names, errors.Join(errs...)
}

func loadSubgraph(name string, c subgraphConfig, dir string) (Subgraph, error) {
	var errs []error
	if !validName(name) {
		errs = append(errs, errors.New("name must be letters, digits, '_' or '-'"))
	}
	if err := checkURL(c.RoutingURL, "http", "https"); err != nil {
		errs = append(errs, fmt.Errorf("routing_url: %w", err))
	}

	protocol := c.Subscription.Protocol
	switch protocol {
	case "", ProtocolWS:
		protocol = ProtocolWS
		if c.Subscription.URL != "" {
			if err := checkURL(c.Subscription.URL, "ws", "wss", "http", "https"); err != nil {
				errs = append(errs, fmt.Errorf("subscription.url: %w", err))
			}
		}
	case ProtocolSSEPost:
		if c.Subscription.URL != "" {
			if err := checkURL(c.Subscription.URL, "http", "https"); err != nil {
				errs = append(errs, fmt.Errorf("subscription.url: %w", err))
			}
		}
	case "sse":
		errs = append(errs, errors.New(`subscription.protocol "sse" subscribes with GET, which gqlgen does not serve; use "sse_post" or "ws"`))
	default:
		errs = append(errs, fmt.Errorf("subscription.protocol %q is unknown; use %q or %q", protocol, ProtocolWS, ProtocolSSEPost))
	}

	var schema []byte
	if c.Schema.File == "" {
		errs = append(errs, errors.New("schema.file is required"))
	} else {
		path := c.Schema.File
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		b, err := os.ReadFile(path)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("schema.file: %w", err))
		case len(bytes.TrimSpace(b)) == 0:
			errs = append(errs, fmt.Errorf("schema.file %s is empty", c.Schema.File))
		default:
			schema = b
		}
	}

	if err := errors.Join(errs...); err != nil {
		return Subgraph{}, err
	}
	return Subgraph{
		Name:                 name,
		RoutingURL:           c.RoutingURL,
		SubscriptionURL:      c.Subscription.URL,
		SubscriptionProtocol: protocol,
		SchemaFile:           c.Schema.File,
		Schema:               string(schema),
	}, nil
}

func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		ok := r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok {
			return false
		}
	}
	return true
}

func checkURL(raw string, schemes ...string) error {
	if raw == "" {
		return errors.New("is required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return nil
		}
	}
	return fmt.Errorf("%q: scheme must be one of %s", raw, strings.Join(schemes, ", "))
}
