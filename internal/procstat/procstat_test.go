package procstat

import (
	"os"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	line := "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 150 25 7 3 20 0 1 0 100 1000 50\n"
	st, err := parse([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	want := Stat{PID: 4242, Name: "a (b) c", CPU: 1750 * time.Millisecond, ChildrenCPU: 100 * time.Millisecond}
	if st != want {
		t.Fatalf("got %+v, want %+v", st, want)
	}
	for _, bad := range []string{"", "4242 no parentheses", "4242 (short) S 1 2 3", "x (name) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14"} {
		if _, err := parse([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestReadSelfAndAll(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	self, err := Read(os.Getpid())
	if err != nil || self.PID != os.Getpid() || self.Name == "" {
		t.Fatalf("Read(self) = %+v, %v", self, err)
	}
	all, err := All()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range all {
		found = found || st.PID == self.PID
	}
	if !found {
		t.Fatalf("All() lacks this process among %d", len(all))
	}
}
