package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/platterhq/platter/internal/events/rabbitmq"
)

// runEventsDLQ inspects and replays a subscriber's dead letters on the
// broker at AMQP_URL:
//
//	platter events dlq list   -subscriber customer
//	platter events dlq replay -subscriber customer (-id ID | -all)
func runEventsDLQ(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "replay") {
		return errors.New(usage)
	}
	verb := args[0]
	fs := flag.NewFlagSet("events dlq "+verb, flag.ContinueOnError)
	subscriber := fs.String("subscriber", "", "the consuming subgraph, e.g. customer")
	id := fs.String("id", "", "replay: the event id to replay")
	all := fs.Bool("all", false, "replay: every dead letter of the subscriber")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *subscriber == "" {
		return errors.New("events dlq needs -subscriber")
	}
	if verb == "replay" && (*id == "") == !*all {
		return errors.New("events dlq replay needs exactly one of -id and -all")
	}
	url := getenv("AMQP_URL")
	if url == "" {
		return errors.New("AMQP_URL: is required (the broker holding the dead letters)")
	}
	bus, err := rabbitmq.New(ctx, url, rabbitmq.WithName("platter events dlq"))
	if err != nil {
		return err
	}
	defer bus.Close()

	if verb == "replay" {
		n, err := bus.Replay(ctx, *subscriber, *id)
		if err != nil {
			return err
		}
		if n == 0 && *id != "" {
			return fmt.Errorf("no dead letter %s for %s", *id, *subscriber)
		}
		fmt.Fprintf(stdout, "replayed %d dead letter(s) to %s\n", n, *subscriber)
		return nil
	}
	dead, err := bus.DeadLetters(ctx, *subscriber)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tTYPE\tSUBJECT\tATTEMPTS\tREASON")
	for _, d := range dead {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", d.Envelope.ID, d.Envelope.Type, d.Envelope.Subject, d.Attempts, d.Reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d dead letter(s)\n", len(dead))
	return nil
}
