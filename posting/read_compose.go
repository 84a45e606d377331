package posting

import (
	"context"

	"pregonero"
)

// Media returns the record of an uploaded file (its type, size and
// dimensions), through the media library when there is one: the compose
// page shows what a post carries and checks its alt text with it.
func (s *Service) Media(ctx context.Context, id string) (*pregonero.Media, error) {
	b, err := s.blob(ctx, id)
	if err != nil {
		return nil, err
	}
	return b.Media, nil
}
