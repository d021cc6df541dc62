// Package batch answers batched lookups in the order they were asked.
package batch

// InOrder returns, for each of ids, the item of found whose id is that id,
// or the zero T where none is. Entity resolvers rely on it: their answer
// has their representations' length and order, whatever the store
// returned.
func InOrder[T any](ids []string, found []T, id func(T) string) []T {
	byID := make(map[string]T, len(found))
	for _, item := range found {
		byID[id(item)] = item
	}
	out := make([]T, len(ids))
	for i, want := range ids {
		out[i] = byID[want]
	}
	return out
}
