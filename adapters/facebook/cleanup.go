package facebook

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"pregonero"
	"pregonero/adapters/graph"
)

// Cleanup implements pregonero.Cleaner: it deletes the photos a delivery
// uploaded unpublished (its checkpointed photo ids) once the delivery
// ended without being published. A photo Facebook reports attached to a
// post is left alone, and one already gone is fine.
func (a *Adapter) Cleanup(ctx context.Context, d *pregonero.Delivery, acct *pregonero.Account) error {
	if d.State == pregonero.DeliveryPublished {
		return nil
	}
	var ids []string
	for k, v := range d.Checkpoint {
		if strings.HasPrefix(k, photoCheckpointPrefix) && graph.ValidID(v) {
			ids = append(ids, v)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	c, err := a.connect(ctx, acct)
	if err != nil {
		return err
	}
	var errs []error
	removed := 0
	for _, id := range ids {
		story, exists, err := c.photoStory(id)
		switch {
		case err != nil:
			errs = append(errs, err)
			continue
		case !exists:
			continue // already gone
		case story != "":
			a.log.Warn("facebook photo of an unpublished delivery is attached to a post; left in place", pregonero.LogAccount, acct.ID, pregonero.LogPhotoID, id, pregonero.LogRemoteID, story)
			continue
		}
		if err := a.Delete(ctx, acct, id); err != nil {
			errs = append(errs, fmt.Errorf("delete unpublished photo %s: %w", id, err))
			continue
		}
		removed++
	}
	if removed > 0 {
		a.log.Info("unpublished facebook photos of a delivery removed", pregonero.LogAccount, acct.ID, pregonero.LogDelivery, d.ID, pregonero.LogPhotos, removed)
	}
	return errors.Join(errs...)
}
