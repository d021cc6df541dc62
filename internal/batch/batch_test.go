package batch_test

import (
	"slices"
	"testing"

	"github.com/platterhq/platter/internal/batch"
)

type item struct{ ID, Name string }

func TestInOrder(t *testing.T) {
	found := []item{{"b", "B"}, {"a", "A"}}
	got := batch.InOrder([]string{"a", "missing", "b", "a", ""}, found, func(i item) string { return i.ID })
	want := []item{{"a", "A"}, {}, {"b", "B"}, {"a", "A"}, {}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got := batch.InOrder(nil, found, func(i item) string { return i.ID }); len(got) != 0 {
		t.Fatalf("no ids: %v", got)
	}
}
