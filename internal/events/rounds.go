package events

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"
)

// Rounds drives a relay's loop, which the SQL and the Mongo outbox relays
// share: a round publishes what is due, then the loop waits until it is
// notified, a round asks to be woken, or the poll interval passes. After
// a failed round it pauses with a growing backoff, so an unreachable
// broker or database is not hammered.
type Rounds struct {
	// Poll is the longest wait between two rounds; Notify cuts it short.
	Poll time.Duration
	// Backoff gives the pause after consecutive failed rounds.
	Backoff Retry
	// Name labels the loop's logs ("outbox relay").
	Name string
	// Logger receives round errors.
	Logger *slog.Logger

	wake    chan struct{}
	running atomic.Bool
}

// RoundResult is what one round did.
type RoundResult struct {
	// Sent counts the events published.
	Sent int
	// Failed says an event failed and was put into backoff.
	Failed bool
	// More says the round stopped at its batch size: look again at once.
	More bool
	// WakeAt, when set and still ahead, is when something held back becomes
	// due (an event in backoff, a scheduled prune): the loop wakes then at
	// the latest. A time already past is ignored: the round had its chance.
	WakeAt time.Time
}

// NewRounds returns a loop that waits at most poll between rounds.
func NewRounds(name string, poll time.Duration, backoff Retry, log *slog.Logger) *Rounds {
	return &Rounds{Poll: poll, Backoff: backoff, Name: name, Logger: log, wake: make(chan struct{}, 1)}
}

// Notify wakes the loop for a round at once. It never blocks; wake-ups
// that arrive during a round fold into one more round.
func (r *Rounds) Notify() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run calls round until ctx is done, then returns nil. Round errors are
// logged and retried, never returned. A second concurrent Run fails.
func (r *Rounds) Run(ctx context.Context, round func(context.Context) (RoundResult, error)) error {
	if !r.running.CompareAndSwap(false, true) {
		return errors.New(r.Name + " is already running")
	}
	defer r.running.Store(false)
	failures := 0
	for ctx.Err() == nil {
		out, err := round(ctx)
		if ctx.Err() != nil {
			break
		}
		if err != nil || out.Failed {
			if err != nil {
				r.Logger.ErrorContext(ctx, r.Name+" failed", "err", err)
			}
			if out.Sent > 0 {
				failures = 0
			}
			// Half the backoff of an event that failed as often, so the
			// failed events are not due yet when the next round goes on
			// with what comes after them.
			failures++
			if !Sleep(ctx, r.Backoff.Backoff(failures)/2) {
				break
			}
			continue
		}
		failures = 0
		if out.More {
			continue
		}
		wait := r.Poll
		if d := time.Until(out.WakeAt); d > 0 && d < wait {
			wait = d
		}
		t := time.NewTimer(wait)
		select {
		case <-r.wake:
		case <-t.C:
		case <-ctx.Done():
		}
		t.Stop()
	}
	return nil
}

// Sleep waits d or until ctx is done, and reports whether ctx is still
// live: the wait between retries of the relays and the buses.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
