package outbox_test

import (
	"os"
	"time"

	"github.com/platterhq/platter/internal/procstat"
)

// cpuTimes is the CPU time used so far by this process and by the local
// PostgreSQL and RabbitMQ servers; ok is false where /proc is not there to
// read.
type cpuTimes struct {
	self, postgres, rabbitmq time.Duration
	ok                       bool
}

func readCPU() cpuTimes {
	all, err := procstat.All()
	if err != nil {
		return cpuTimes{}
	}
	t := cpuTimes{ok: true}
	for _, st := range all {
		// The children's share counts the PostgreSQL backends that have
		// ended: the postmaster collects their time when it reaps them.
		used := st.CPU + st.ChildrenCPU
		switch {
		case st.PID == os.Getpid():
			t.self += used
		case st.Name == "postgres":
			t.postgres += used
		case st.Name == "beam.smp":
			t.rabbitmq += used
		}
	}
	return t
}
