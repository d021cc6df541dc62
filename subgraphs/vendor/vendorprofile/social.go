package vendorprofile

import (
	"net/url"
	"strings"

	"github.com/platterhq/platter/internal/apperr"
)

const maxURLLength = 500

// NewSocialLink validates a link (absolute http or https with a host) and
// derives its title from the host as the original service did: with more
// than two labels the second ("www.instagram.com" gives "instagram"),
// otherwise the first ("facebook.com" gives "facebook").
func NewSocialLink(raw string) (SocialLink, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxURLLength {
		return SocialLink{}, apperr.Invalid("url", "must be 1 to %d characters", maxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil {
		return SocialLink{}, apperr.Invalid("url", "must be an http or https URL with a host")
	}
	labels := strings.Split(strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), ".")
	title := labels[0]
	if len(labels) > 2 {
		title = labels[1]
	}
	if title == "" {
		return SocialLink{}, apperr.Invalid("url", "must be an http or https URL with a host")
	}
	return SocialLink{Title: title, URL: u.String()}, nil
}

// AddSocialLink appends a link; the same URL twice changes nothing.
func (v *Vendor) AddSocialLink(raw string) (SocialLink, error) {
	l, err := NewSocialLink(raw)
	if err != nil {
		return SocialLink{}, err
	}
	for _, have := range v.SocialLinks {
		if have.URL == l.URL {
			return have, ErrUnchanged
		}
	}
	if len(v.SocialLinks) >= MaxSocialLinks {
		return SocialLink{}, apperr.Invalid("url", "at most %d social links", MaxSocialLinks)
	}
	v.SocialLinks = append(v.SocialLinks, l)
	return l, nil
}

// RemoveSocialLink removes the link with this URL; NOT_FOUND when there is
// none.
func (v *Vendor) RemoveSocialLink(raw string) error {
	want := strings.TrimSpace(raw)
	if l, err := NewSocialLink(raw); err == nil {
		want = l.URL
	}
	for i, l := range v.SocialLinks {
		if l.URL == want {
			v.SocialLinks = append(v.SocialLinks[:i:i], v.SocialLinks[i+1:]...)
			return nil
		}
	}
	return apperr.E(apperr.NotFound, "no social link %s", raw)
}
