// Package consumers holds the cloudmanager subgraph's reactions to other
// subgraphs' events.
package consumers

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/platterhq/platter/internal/events"
	"github.com/platterhq/platter/subgraphs/cloudmanager/geocode"
)

// Subscriber is the queue name the cloudmanager subgraph consumes under.
const Subscriber = "cloudmanager"

// Geocoder answers geocoding requests.
type Geocoder interface {
	AnswerRequest(ctx context.Context, req geocode.Request) (geocode.Answer, error)
}

// answerSpace derives an answer's event id from its request's, so that a
// redelivered request is answered with the same id and the asking
// subgraph's inbox takes it once.
var answerSpace = uuid.MustParse("01966b2e-0000-7000-8000-0000000ce0c0")

// AnswerGeocodingOnAddressGeocodingRequested resolves an address another
// subgraph saved without coordinates (through the cache, with no caller
// quota) and publishes cloudmanager.address.geocoded to it. An address
// that cannot be resolved is answered Found=false with the reason; a
// geocoder failure, or a refused publish, returns the error so that the bus
// delivers the request again later.
func AnswerGeocodingOnAddressGeocodingRequested(g Geocoder, pub events.Publisher) events.Handler {
	return events.Typed(func(ctx context.Context, e events.Envelope, d events.GeocodingRequestedData) error {
		subject := d.SubjectID
		if subject == "" {
			subject = e.Subject
		}
		ans, err := g.AnswerRequest(ctx, geocode.Request{Requester: e.Source, SubjectID: subject, AddressID: d.AddressID, Address: d.Address})
		if err != nil {
			return fmt.Errorf("geocode for %s %s: %w", e.Source, subject, err)
		}
		data := events.AddressGeocodedData{
			Requester: ans.Requester, SubjectID: ans.SubjectID, AddressID: ans.AddressID, Address: ans.Address,
			Found: ans.Found, Reason: ans.Reason,
		}
		if ans.Found {
			data.Location = &events.GeoPoint{Lat: ans.Point.Lat, Lng: ans.Point.Lng}
		}
		answer, err := events.New(ctx, Subscriber, events.AddressGeocoded, subject, data)
		if err != nil {
			return err
		}
		answer.ID = uuid.NewSHA1(answerSpace, []byte(e.ID)).String()
		return pub.Publish(ctx, answer)
	})
}

// Subscribe registers every cloudmanager handler on bus until ctx ends;
// answers are published on bus too.
func Subscribe(ctx context.Context, bus events.Bus, g Geocoder) error {
	answer := AnswerGeocodingOnAddressGeocodingRequested(g, bus)
	mux := events.Mux{
		events.CustomerAddressGeocodingRequested: answer,
		events.VendorAddressGeocodingRequested:   answer,
	}
	// Four lanes: each request waits on the geocoder and a confirmed
	// publish, so a few run at once; few enough to stay inside the
	// geocoder's request rate.
	return events.SubscribeConcurrent(ctx, bus, Subscriber, 4, mux.Handle, mux.Types()...)
}
