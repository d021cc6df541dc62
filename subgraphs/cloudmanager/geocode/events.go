package geocode

import (
	"context"

	"github.com/platterhq/platter/internal/apperr"
)

// Request asks for an address's coordinates on behalf of an entity (a
// customer's or a vendor's address), as another subgraph's event does.
type Request struct {
	// SubjectID is the id of the entity whose address it is.
	SubjectID string
	Address   string
}

// Answer is what a Request resolved to. Found is false when the address
// matched no place or geocoding is not configured; Reason then says which.
type Answer struct {
	SubjectID string
	Address   string
	Found     bool
	Point     Point
	Reason    string
}

// Publisher tells the asking subgraph the answer.
type Publisher interface {
	AddressGeocoded(ctx context.Context, a Answer) error
}

// AnswerRequest resolves a request from another subgraph and publishes the
// answer. No caller quota applies: requests come from the platform, one
// per saved address. An upstream failure is returned so the request is
// tried again later; an address that cannot be resolved is answered.
func (s *Service) AnswerRequest(ctx context.Context, req Request) error {
	ans := Answer{SubjectID: req.SubjectID, Address: req.Address}
	norm, err := validate(req.Address)
	if err != nil {
		ans.Reason = err.Error()
		return s.events.AddressGeocoded(ctx, ans)
	}
	r, err := s.resolve(ctx, norm)
	switch {
	case apperr.CodeOf(err) == NotConfigured:
		ans.Reason = err.Error()
	case err != nil:
		return err
	case !r.Found:
		ans.Reason = "no place matches the address"
	default:
		ans.Found, ans.Point = true, r.Point
	}
	return s.events.AddressGeocoded(ctx, ans)
}
