package router

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"

	nodev1 "github.com/wundergraph/cosmo/router/gen/proto/wg/cosmo/node/v1"
	"github.com/wundergraph/cosmo/router/pkg/execution_config"
)

// precomposed holds supergraph/execution-config.json, written by make
// compose. The whole directory is embedded so the package builds before the
// first composition.
//
//go:embed supergraph
var precomposed embed.FS

const precomposedPath = "supergraph/execution-config.json"

// loadExecutionConfig parses the execution config in file, or the embedded
// one when file is empty.
func loadExecutionConfig(file string) (*nodev1.RouterConfig, error) {
	var (
		data []byte
		err  error
	)
	if file != "" {
		data, err = os.ReadFile(file)
	} else {
		data, err = precomposed.ReadFile(precomposedPath)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errors.New("no execution config was embedded at build time: run make compose and rebuild, or set ROUTER_EXECUTION_CONFIG")
		}
	}
	if err != nil {
		return nil, err
	}
	cfg, err := execution_config.UnmarshalConfig(data)
	if err != nil {
		return nil, fmt.Errorf("parse execution config: %w", err)
	}
	return cfg, nil
}
