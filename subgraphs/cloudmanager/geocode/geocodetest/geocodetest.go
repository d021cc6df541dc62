// Package geocodetest is a local server that speaks the Google Geocoding
// API's JSON, so the real Google Maps client is exercised offline.
package geocodetest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Place is where an address is.
type Place struct{ Lat, Lng float64 }

// Server answers /maps/api/geocode/json from Places, keyed by the address
// in lower case, and counts the requests.
type Server struct {
	URL string
	Key string // the API key it expects

	mu     sync.Mutex
	places map[string]Place
	calls  int
	fail   func(w http.ResponseWriter)
}

// New serves places until the test ends, expecting key.
func New(tb testing.TB, key string, places map[string]Place) *Server {
	tb.Helper()
	s := &Server{Key: key, places: map[string]Place{}}
	for a, p := range places {
		s.places[strings.ToLower(a)] = p
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Calls is how many requests reached the server.
func (s *Server) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// FailWithStatus makes every answer carry an API status such as
// OVER_QUERY_LIMIT or REQUEST_DENIED ("" answers normally again).
func (s *Server) FailWithStatus(status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == "" {
		s.fail = nil
		return
	}
	s.fail = func(w http.ResponseWriter) {
		writeJSON(w, http.StatusOK, map[string]any{"status": status, "error_message": "test says " + status, "results": []any{}})
	}
}

// FailWithHTTP500 makes every answer an HTTP 500 with an HTML body, as a
// broken proxy would send.
func (s *Server) FailWithHTTP500() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("<html><body>Internal Server Error</body></html>"))
	}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls++
	fail := s.fail
	place, found := s.places[strings.ToLower(r.URL.Query().Get("address"))]
	s.mu.Unlock()
	switch {
	case r.URL.Path != "/maps/api/geocode/json":
		http.NotFound(w, r)
	case r.URL.Query().Get("key") != s.Key:
		writeJSON(w, http.StatusOK, map[string]any{"status": "REQUEST_DENIED", "error_message": "The provided API key is invalid.", "results": []any{}})
	case fail != nil:
		fail(w)
	case !found:
		writeJSON(w, http.StatusOK, map[string]any{"status": "ZERO_RESULTS", "results": []any{}})
	default:
		addr := r.URL.Query().Get("address")
		writeJSON(w, http.StatusOK, map[string]any{"status": "OK", "results": []any{map[string]any{
			"formatted_address": addr,
			"place_id":          "test:" + strings.ReplaceAll(strings.ToLower(addr), " ", "-"),
			"geometry":          map[string]any{"location": map[string]any{"lat": place.Lat, "lng": place.Lng}},
		}}})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
