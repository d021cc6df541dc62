package geocode

import "context"

// Request asks for an address's coordinates on behalf of an entity (a
// customer's or a vendor's address), as another subgraph's event does.
type Request struct {
	// Requester is the subgraph that asked; the answer names it.
	Requester string
	// SubjectID is the id of the entity whose address it is; AddressID
	// tells one of its addresses from another (empty when it has one).
	SubjectID string
	AddressID string
	Address   string
}

// Answer is what a Request resolved to. Found is false when the address
// matched no place, is not a valid address, or geocoding is not
// configured; Reason then says which.
type Answer struct {
	Request
	Found  bool
	Point  Point
	Reason string
}

// AnswerRequest resolves a request from another subgraph, through the
// cache. No caller quota applies: requests come from the platform, one per
// saved address. An upstream failure is returned so the request is tried
// again later; an address that cannot be resolved is answered.
func (s *Service) AnswerRequest(ctx context.Context, req Request) (Answer, error) {
	ans := Answer{Request: req}
	norm, err := validate(req.Address)
	if err != nil {
		ans.Reason = err.Error()
		return ans, nil
	}
	r, err := s.resolve(ctx, norm)
	switch {
	case IsNotConfigured(err):
		ans.Reason = err.Error()
	case err != nil:
		return Answer{}, err
	case !r.Found:
		ans.Reason = "no place matches the address"
	default:
		ans.Found, ans.Point = true, r.Point
	}
	return ans, nil
}
