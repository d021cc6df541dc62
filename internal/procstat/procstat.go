// Package procstat reads the CPU time Linux reports for processes in
// /proc/<pid>/stat, for benchmarks that say where the CPU went.
package procstat

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Stat is a process's name and CPU time.
type Stat struct {
	PID  int
	Name string
	// CPU is the user and system time the process has used; ChildrenCPU
	// that of the children it has waited for (a PostgreSQL postmaster
	// collects the time of its ended backends).
	CPU, ChildrenCPU time.Duration
}

// clockTick is the unit of the CPU fields (USER_HZ): 1/100 s on every
// architecture Go supports.
const clockTick = 10 * time.Millisecond

// Read returns the stat of process pid.
func Read(pid int) (Stat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}, err
	}
	return parse(data)
}

// All returns the stat of every process there is now; a process that ends
// while it is read is left out. Without /proc it fails.
func All() ([]Stat, error) {
	paths, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, errors.New("no processes in /proc")
	}
	out := make([]Stat, 0, len(paths))
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if st, err := parse(data); err == nil {
			out = append(out, st)
		}
	}
	return out, nil
}

// parse reads "pid (name) state ..." where name may hold spaces and
// parentheses: the fields after its last ")" are fixed, utime, stime,
// cutime and cstime being the 12th to 15th of them.
func parse(data []byte) (Stat, error) {
	open, closing := bytes.IndexByte(data, '('), bytes.LastIndexByte(data, ')')
	if open < 0 || closing < open {
		return Stat{}, errors.New("unexpected /proc stat format")
	}
	fields := strings.Fields(string(data[closing+1:]))
	if len(fields) < 15 {
		return Stat{}, errors.New("unexpected /proc stat format")
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(data[:open])))
	if err != nil {
		return Stat{}, fmt.Errorf("unexpected /proc stat format: %w", err)
	}
	var ticks [4]int64
	for i := range ticks {
		if ticks[i], err = strconv.ParseInt(fields[11+i], 10, 64); err != nil {
			return Stat{}, fmt.Errorf("unexpected /proc stat format: %w", err)
		}
	}
	return Stat{
		PID: pid, Name: string(data[open+1 : closing]),
		CPU:         time.Duration(ticks[0]+ticks[1]) * clockTick,
		ChildrenCPU: time.Duration(ticks[2]+ticks[3]) * clockTick,
	}, nil
}
