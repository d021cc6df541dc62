// Package testsubgraph is a tiny gqlgen Federation v2 subgraph that the
// router's tests compose and serve behind the router: an entity, a query,
// a mutation that echoes request headers, an upload, a field failing with
// an error code, and a subscription over WebSocket and SSE.
package testsubgraph

//go:generate go tool gqlgen generate
