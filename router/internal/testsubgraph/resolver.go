package testsubgraph

// Resolver is the root resolver; the fixture keeps no state.
type Resolver struct{}
