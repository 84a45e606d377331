package users

import (
	"context"
	"fmt"
	"slices"
	"time"

	"pregonero"
)

// languages lists the interface languages a profile may fix; an empty
// language leaves the choice to the browser.
var languages = []string{"es", "en"}

// MaxTimezoneBytes caps a profile's zone name: the longest IANA names
// have about 30 bytes.
const MaxTimezoneBytes = 64

// checkProfile returns what is wrong with a profile's language and zone.
func checkProfile(language, timezone string) []pregonero.FieldError {
	var errs []pregonero.FieldError
	if language != "" && !slices.Contains(languages, language) {
		errs = append(errs, pregonero.FieldError{Field: "language", Code: pregonero.FieldInvalid, Actual: language, Limit: languages,
			Message: fmt.Sprintf("Unsupported language %q; use es, en, or none for the browser's.", language)})
	}
	switch {
	case timezone == "":
	case len(timezone) > MaxTimezoneBytes:
		errs = append(errs, pregonero.FieldError{Field: "timezone", Code: pregonero.FieldTooLong, Limit: MaxTimezoneBytes, Actual: len(timezone),
			Message: fmt.Sprintf("A time zone's name has at most %d bytes.", MaxTimezoneBytes)})
	case !knownZone(timezone):
		errs = append(errs, pregonero.FieldError{Field: "timezone", Code: pregonero.FieldInvalid, Actual: timezone,
			Message: fmt.Sprintf("%q is not a time zone; use an IANA name such as America/Bogota.", timezone)})
	}
	return errs
}

// knownZone reports whether name is an IANA zone. "Local" is refused: it
// would mean whatever the server's host is set to.
func knownZone(name string) bool {
	if name == "Local" {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// UpdateProfile sets a user's interface language ("es", "en", or empty
// for the browser's) and the IANA zone times are shown in (empty for the
// server's). The user themself or an admin may; an unsupported language
// or an unknown zone is EINVALID naming the field.
func (s *Service) UpdateProfile(ctx context.Context, userID, language, timezone string) (*pregonero.User, error) {
	if err := requireSelfOrAdmin(ctx, userID); err != nil {
		return nil, err
	}
	if errs := checkProfile(language, timezone); len(errs) > 0 {
		return nil, pregonero.Invalid(errs)
	}
	u, err := s.store.UpdateUser(ctx, userID, func(u *pregonero.User) error {
		u.Language, u.Timezone = language, timezone
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update profile: %w", err)
	}
	s.logger.InfoContext(ctx, "profile updated", pregonero.LogUser, u.Username)
	return u, nil
}
