package events

import (
	"errors"
	"fmt"
	"strings"
)

// checkPattern accepts the binding patterns of a topic exchange: non-empty
// words of lowercase letters, digits and underscores, or "*" or "#".
func checkPattern(p string) error {
	if p == "" {
		return errors.New("empty type pattern")
	}
	for w := range strings.SplitSeq(p, ".") {
		if w != "*" && w != "#" && !wordPattern.MatchString(w) {
			return fmt.Errorf("type pattern %q: bad word %q", p, w)
		}
	}
	return nil
}

// matches reports whether the routing key typ matches pattern, with the
// topic exchange rules: "*" is exactly one word, "#" zero or more.
func matches(pattern, typ string) bool {
	return matchWords(strings.Split(pattern, "."), strings.Split(typ, "."))
}

func matchWords(p, k []string) bool {
	for len(p) > 0 {
		switch p[0] {
		case "#":
			// Collapse runs of "#", then try every split of the key.
			for len(p) > 0 && p[0] == "#" {
				p = p[1:]
			}
			if len(p) == 0 {
				return true
			}
			for i := range len(k) + 1 {
				if matchWords(p, k[i:]) {
					return true
				}
			}
			return false
		case "*":
			if len(k) == 0 {
				return false
			}
		default:
			if len(k) == 0 || k[0] != p[0] {
				return false
			}
		}
		p, k = p[1:], k[1:]
	}
	return len(k) == 0
}

// CheckSubscription reports every problem with the arguments of
// Subscriber.Subscribe in one error, so that every transport refuses the
// same calls.
func CheckSubscription(subscriber string, h Handler, patterns []string) error {
	return checkSubscription(subscriber, h, patterns)
}

// Matches reports whether the event type typ matches the binding pattern,
// with the rules of a topic exchange: "*" is exactly one word, "#" zero or
// more.
func Matches(pattern, typ string) bool { return matches(pattern, typ) }
