package events

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/platterhq/platter/internal/logging"
)

func TestRoundsNotifyWakesBeforeThePoll(t *testing.T) {
	r := NewRounds("test relay", time.Hour, Retry{}, logging.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := make(chan struct{}, 10)
	go func() {
		_ = r.Run(ctx, func(context.Context) (RoundResult, error) {
			calls <- struct{}{}
			return RoundResult{}, nil
		})
	}()
	<-calls // the first round runs at once
	r.Notify()
	select {
	case <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("Notify did not start a round; the loop waited for the hour-long poll")
	}
}

func TestRoundsWakeAtAndMore(t *testing.T) {
	r := NewRounds("test relay", time.Hour, Retry{}, logging.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n atomic.Int32
	done := make(chan struct{})
	go func() {
		_ = r.Run(ctx, func(context.Context) (RoundResult, error) {
			switch n.Add(1) {
			case 1:
				return RoundResult{Sent: 1, More: true}, nil // look again at once
			case 2:
				return RoundResult{WakeAt: time.Now().Add(20 * time.Millisecond)}, nil
			default:
				close(done)
				<-ctx.Done()
				return RoundResult{}, nil
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("after %d rounds the loop still waits: More and WakeAt were ignored", n.Load())
	}
}

func TestRoundsBackOffAfterFailuresAndRunOnce(t *testing.T) {
	r := NewRounds("test relay", time.Hour, Retry{InitialBackoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}, logging.Discard())
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	stopped := make(chan error, 1)
	go func() {
		stopped <- r.Run(ctx, func(context.Context) (RoundResult, error) {
			if n.Add(1) == 5 {
				cancel()
			}
			return RoundResult{}, errors.New("broker unreachable")
		})
	}()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Run returned %v after its context ended; want nil", err)
		}
	case <-time.After(5 * time.Second):
		cancel()
		t.Fatalf("a failing round was not retried after a short backoff (%d rounds)", n.Load())
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	started := make(chan struct{})
	go func() {
		_ = r.Run(ctx2, func(ctx context.Context) (RoundResult, error) {
			close(started)
			<-ctx.Done()
			return RoundResult{}, nil
		})
	}()
	<-started
	if err := r.Run(ctx2, func(context.Context) (RoundResult, error) { return RoundResult{}, nil }); err == nil {
		t.Fatal("a second concurrent Run was allowed")
	}
}
