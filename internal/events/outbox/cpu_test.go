package outbox_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// cpuTimes is the CPU time used so far by this process and by the local
// PostgreSQL and RabbitMQ servers, read from /proc; ok is false where
// /proc is not there to read.
type cpuTimes struct {
	self, postgres, rabbitmq time.Duration
	ok                       bool
}

// clockTick is the unit of /proc/<pid>/stat's CPU fields (USER_HZ), 100 on
// every Linux this runs on.
const clockTick = 10 * time.Millisecond

func readCPU() cpuTimes {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		return cpuTimes{}
	}
	var t cpuTimes
	self := strconv.Itoa(os.Getpid())
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue // the process ended meanwhile
		}
		// pid (comm) state ...: comm may hold spaces, so split after it.
		s := string(raw)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		comm := s[open+1 : closing]
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 15 {
			continue
		}
		// utime, stime, cutime and cstime are the 14th to 17th fields of
		// the line, the 12th to 15th after comm. The children's share
		// counts the PostgreSQL backends that have ended: the postmaster
		// collects their time when it reaps them.
		var ticks int64
		for _, f := range fields[11:15] {
			n, _ := strconv.ParseInt(f, 10, 64)
			ticks += n
		}
		used := time.Duration(ticks) * clockTick
		switch {
		case strings.TrimSpace(s[:open]) == self:
			t.self += used
		case comm == "postgres":
			t.postgres += used
		case comm == "beam.smp":
			t.rabbitmq += used
		}
	}
	t.ok = true
	return t
}
