// Package apperr is Platter's one error vocabulary. Domain code returns these
// errors; the GraphQL layer translates them once into extensions.code.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for clients.
type Code string

const (
	Unauthenticated Code = "UNAUTHENTICATED"
	Forbidden       Code = "FORBIDDEN"
	NotFound        Code = "NOT_FOUND"
	InvalidInput    Code = "INVALID_INPUT"
	Conflict        Code = "CONFLICT"
	RateLimited     Code = "RATE_LIMITED"
	Internal        Code = "INTERNAL"
	// Unavailable: a capability this deployment has not configured (no
	// Google Maps key) or an outside service that failed. The message says
	// which; trying again later may help. It is the one code beyond the
	// vocabulary of ARCHITECTURE.md §5, because neither INTERNAL (a bug) nor
	// INVALID_INPUT (the caller's fault) tells a client the truth here.
	Unavailable Code = "UNAVAILABLE"
)

// Error is an error a client may see: a code, a message and, for invalid
// input, the field at fault.
type Error struct {
	Code    Code
	Message string
	Field   string
	Err     error // the cause, logged but never shown
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", msg, e.Err)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches another *Error with the same code, so errors.Is(err,
// apperr.E(apperr.NotFound, "")) style checks work; prefer CodeOf.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == "" && t.Field == ""
}

// E returns an error with a code and message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an INVALID_INPUT error naming the field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: InvalidInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
