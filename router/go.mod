module github.com/platterhq/platter/router

go 1.26.8

require (
	github.com/99designs/gqlgen v0.17.98
	github.com/dop251/goja v0.0.0-20230906160731-9410bcaa81d2
	github.com/vektah/gqlparser/v2 v2.5.64
	github.com/wundergraph/cosmo/composition-go v0.0.0-20241020204711-78f240a77c99
	gopkg.in/yaml.v3 v3.0.1
)

require (
	github.com/agnivade/levenshtein v1.2.2 // indirect
	github.com/coder/websocket v1.8.15 // indirect
	github.com/dlclark/regexp2 v1.11.0 // indirect
	github.com/go-sourcemap/sourcemap v2.1.3+incompatible // indirect
	github.com/go-viper/mapstructure/v2 v2.5.0 // indirect
	github.com/goccy/go-yaml v1.19.2 // indirect
	github.com/google/pprof v0.0.0-20230207041349-798e818bf904 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/hashicorp/golang-lru/v2 v2.0.7 // indirect
	github.com/sosodev/duration v1.4.0 // indirect
	github.com/urfave/cli/v3 v3.14.0 // indirect
	golang.org/x/mod v0.42.0 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
	rogchap.com/v8go v0.9.0 // indirect
)

replace (
	github.com/platterhq/platter/internal => ../internal
	// Not served by the module proxy; see third_party/connect-brotli.
	go.withmatt.com/connect-brotli => ../third_party/connect-brotli
)

tool github.com/99designs/gqlgen
