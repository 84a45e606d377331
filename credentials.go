package pregonero

import (
	"context"
	"errors"
	"maps"
	"sync"
)

// ErrSealedCredentials is wrapped by a CredentialStore's errors about
// stored secrets that cannot be opened (the secret key is missing or was
// replaced): they must be restored, or the account authorized again.
var ErrSealedCredentials = errors.New("stored credentials cannot be opened")

// CredentialStore keeps the secrets an account acquires at run time
// (rotated or renewed OAuth 2.0 tokens). Store satisfies it; adapters take
// it so that a restart does not lose a single-use refresh token.
type CredentialStore interface {
	// Credentials returns the stored secrets of an account; a *Error with
	// code ENOTFOUND when none were stored.
	Credentials(ctx context.Context, accountID string) (map[string]string, error)
	// PutCredentials durably replaces the stored secrets of an account.
	PutCredentials(ctx context.Context, accountID string, creds map[string]string) error
}

// MemoryCredentials is a CredentialStore in memory, for adapters used
// without a store: what they acquire lives as long as the process. The
// zero value is ready to use.
type MemoryCredentials struct {
	mu sync.Mutex
	m  map[string]map[string]string
}

// Credentials returns a copy of the account's secrets.
func (s *MemoryCredentials) Credentials(_ context.Context, accountID string) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[accountID]
	if !ok {
		return nil, Errorf(ENOTFOUND, "no stored credentials for account %s", accountID)
	}
	return maps.Clone(c), nil
}

// PutCredentials replaces the account's secrets with a copy of creds.
func (s *MemoryCredentials) PutCredentials(_ context.Context, accountID string, creds map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = make(map[string]map[string]string)
	}
	s.m[accountID] = maps.Clone(creds)
	return nil
}
