# Thin wrappers; every target works from a fresh clone on a machine with Go.
GO ?= go
SUBGRAPHS := customer product shopping vendor deliveryman feedback cloudmanager
MODULES := internal router stack third_party/connect-brotli $(addprefix subgraphs/,$(SUBGRAPHS))

.PHONY: run test unit generate compose check-generated lint standalone bench up down

## run: everything in one process on embedded defaults; playground at http://localhost:4000
run:
	$(GO) build -o bin/platter ./stack/cmd/platter
	./bin/platter dev

## test: every check CI runs: formatting, vet, standalone module builds, fresh generated code, all tests
test: lint standalone check-generated unit

## unit: every module's tests against the real servers (PostgreSQL, MariaDB, Redis, RabbitMQ)
unit:
	$(GO) test -race -count=1 $(addprefix ./,$(addsuffix /...,$(MODULES)))

## generate: gqlgen for every subgraph, then the composed supergraph
generate:
	@for s in $(SUBGRAPHS); do echo "gqlgen $$s"; (cd subgraphs/$$s && $(GO) tool gqlgen generate) || exit 1; done
	cd router/internal/testsubgraph && $(GO) generate ./...
	$(MAKE) compose

## compose: compose supergraph.yaml into schema/supergraph.graphql and the router's execution config
compose:
	$(GO) run ./router/cmd/compose

## check-generated: regenerate and fail if anything committed was stale
check-generated: generate
	@git diff --exit-code -- schema router subgraphs || (echo "generated code is stale: run 'make generate' and commit" >&2; exit 1)

## lint: gofmt and go vet in every module
lint:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt needed:" $$out >&2; exit 1; fi
	$(GO) vet $(addprefix ./,$(addsuffix /...,$(MODULES)))

## standalone: each module builds and vets on its own (GOWORK=off), which also proves no subgraph imports another
standalone:
	@for m in $(MODULES); do echo "GOWORK=off build $$m"; (cd $$m && GOWORK=off $(GO) build ./... && GOWORK=off $(GO) vet ./...) || exit 1; done

## bench: Platter's router against Apollo Gateway and Hive Gateway on the seven subgraphs (services mode, real stores; written to docs/benchmarks.md), router versus direct in the dev stack, then the event pipeline beside raw RabbitMQ and signed image URLs per second; figures printed, never asserted
bench:
	$(GO) run ./stack/bench
	$(GO) test -run '^$$' -bench . -benchtime 3s ./stack/...
	$(GO) test -run '^$$' -bench 'Raw' -benchtime 20000x ./internal/events/rabbitmq/
	$(GO) test -run '^$$' -bench 'Pipeline' -benchtime 20000x ./internal/events/outbox/
	$(GO) test -run '^$$' -bench 'EntityURLs' ./subgraphs/cloudmanager/service/

## bench-smoke: the gateway comparison on a small seed for a few seconds, to prove it works (writes no docs)
.PHONY: bench-smoke
bench-smoke:
	$(GO) run ./stack/bench -smoke

## up / down: the services-mode stack with real stores in Docker
up:
	docker compose up -d --build
down:
	docker compose down
