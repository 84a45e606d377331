package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

var _ pregonero.CampaignStore = (*DB)(nil)

// Buckets of campaigns (schema 6).
var (
	// bucketCampaigns: campaign id → campaign record.
	bucketCampaigns = []byte("campaigns")
	// bucketCampaignsByName: lowered name → campaign id, so that names
	// are unique whatever their case, and listed in name order.
	bucketCampaignsByName = []byte("campaigns_by_name")
)

// migrateCampaigns (schema 6) creates the buckets of campaigns and makes
// a campaign of every label the posts already name. Until then a post's
// campaign was free text; from now on it is a campaign's id. Each label
// becomes the id of a campaign named like it, so the posts that name it
// need no change and stay editable: the posting service accepts only
// campaigns that exist. Labels that differ only in case get names told
// apart by a number ("salud (2)"), since names are unique whatever their
// case. Such a campaign has no dates, dependencia or hashtags until
// someone gives them; its creation time is its first post's.
func migrateCampaigns(tx *bbolt.Tx) error {
	for _, name := range [][]byte{bucketCampaigns, bucketCampaignsByName} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	first := map[string]time.Time{} // label → creation of its first post
	err := tx.Bucket(bucketPosts).ForEach(func(k, v []byte) error {
		var p postCampaignV2
		if err := json.Unmarshal(v, &p); err != nil {
			return fmt.Errorf("post %s: %w", k, err)
		}
		if p.V != postRecordVersion {
			return fmt.Errorf("post %s: record version %d, want %d", k, p.V, postRecordVersion)
		}
		if p.Campaign == "" || checkID("campaign", p.Campaign) != nil {
			return nil // cannot be a key; the post is asked for another campaign when edited
		}
		at := p.createdAt()
		if t, ok := first[p.Campaign]; !ok || (!at.IsZero() && (t.IsZero() || at.Before(t))) {
			first[p.Campaign] = at
		}
		return nil
	})
	if err != nil {
		return err
	}
	labels := make([]string, 0, len(first))
	for l := range first {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	campaigns, byName := tx.Bucket(bucketCampaigns), tx.Bucket(bucketCampaignsByName)
	for _, l := range labels {
		name := l
		for n := 2; byName.Get(campaignNameKey(name)) != nil; n++ {
			name = l + " (" + strconv.Itoa(n) + ")"
		}
		at := first[l].UTC()
		v, err := encodeCampaign(&pregonero.Campaign{ID: l, Name: name, CreatedAt: at, UpdatedAt: at})
		if err != nil {
			return fmt.Errorf("campaign %s: %w", l, err)
		}
		if err := campaigns.Put([]byte(l), v); err != nil {
			return fmt.Errorf("campaign %s: %w", l, err)
		}
		if err := byName.Put(campaignNameKey(name), []byte(l)); err != nil {
			return fmt.Errorf("campaign %s: %w", l, err)
		}
	}
	return nil
}

// postCampaignV2 is the part of a version 2 post record that migration 6
// reads, frozen as it was. Times are nanoseconds since the Unix epoch;
// RFC 3339 is read too, as the decoder of posts does.
type postCampaignV2 struct {
	V         int             `json:"v"`
	Campaign  string          `json:"campaign"`
	CreatedAt json.RawMessage `json:"created_at"`
}

func (p *postCampaignV2) createdAt() time.Time {
	var ns int64
	if json.Unmarshal(p.CreatedAt, &ns) == nil {
		return time.Unix(0, ns).UTC()
	}
	var t time.Time
	if json.Unmarshal(p.CreatedAt, &t) == nil {
		return t.UTC()
	}
	return time.Time{}
}

// campaignRecord is a campaign as stored (v1); dates as 2026-12-01.
type campaignRecord struct {
	V           int       `json:"v"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	PlanLine    string    `json:"plan_line,omitempty"`
	Unit        string    `json:"unit,omitempty"`
	StartsOn    string    `json:"starts_on,omitempty"`
	EndsOn      string    `json:"ends_on,omitempty"`
	Hashtags    []string  `json:"hashtags,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

func encodeCampaign(c *pregonero.Campaign) ([]byte, error) {
	for _, d := range []pregonero.Date{c.StartsOn, c.EndsOn} {
		if !d.IsZero() && !d.Valid() {
			return nil, pregonero.Errorf(pregonero.EINVALID, "campaign %s: %d-%d-%d is not a day of the calendar", c.ID, d.Year, int(d.Month), d.Day)
		}
	}
	return json.Marshal(campaignRecord{
		V:           recordVersion,
		ID:          c.ID,
		Name:        c.Name,
		Description: c.Description,
		PlanLine:    c.PlanLine,
		Unit:        c.Unit,
		StartsOn:    c.StartsOn.String(),
		EndsOn:      c.EndsOn.String(),
		Hashtags:    c.Hashtags,
		CreatedAt:   c.CreatedAt.UTC(),
		UpdatedAt:   c.UpdatedAt.UTC(),
	})
}

func decodeCampaign(b []byte) (*pregonero.Campaign, error) {
	var r campaignRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode campaign: %w", err)
	}
	starts, err := pregonero.ParseDate(r.StartsOn)
	if err != nil {
		return nil, fmt.Errorf("decode campaign %s: starts_on: %w", r.ID, err)
	}
	ends, err := pregonero.ParseDate(r.EndsOn)
	if err != nil {
		return nil, fmt.Errorf("decode campaign %s: ends_on: %w", r.ID, err)
	}
	return &pregonero.Campaign{
		ID:          r.ID,
		Name:        r.Name,
		Description: r.Description,
		PlanLine:    r.PlanLine,
		Unit:        r.Unit,
		StartsOn:    starts,
		EndsOn:      ends,
		Hashtags:    r.Hashtags,
		CreatedAt:   r.CreatedAt,
		UpdatedAt:   r.UpdatedAt,
	}, nil
}

// campaignNameKey is a name's key in the name index: lowered, so that
// "Vías del Nordeste" and "VÍAS DEL NORDESTE" are one campaign.
func campaignNameKey(name string) []byte { return []byte(strings.ToLower(name)) }

// campaignNameTaken is the refusal of a name another campaign has.
func campaignNameTaken(name string) error {
	msg := fmt.Sprintf("There is already a campaign named %s.", name)
	return &pregonero.Error{Code: pregonero.ECONFLICT, Message: msg, Fields: []pregonero.FieldError{{
		Field: "name", Code: pregonero.FieldDuplicate, Actual: name, Message: msg,
	}}}
}

// CreateCampaign stores a new campaign; ECONFLICT when the id is taken,
// or the name in any case.
func (db *DB) CreateCampaign(ctx context.Context, c *pregonero.Campaign) error {
	if c == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil campaign")
	}
	if err := checkID("campaign id", c.ID); err != nil {
		return err
	}
	if err := checkID("campaign name", c.Name); err != nil {
		return err
	}
	v, err := encodeCampaign(c)
	if err != nil {
		return fmt.Errorf("create campaign %s: %w", c.ID, err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		if w.tx.Bucket(bucketCampaigns).Get([]byte(c.ID)) != nil {
			return pregonero.Errorf(pregonero.ECONFLICT, "campaign id %s is taken", c.ID)
		}
		if w.tx.Bucket(bucketCampaignsByName).Get(campaignNameKey(c.Name)) != nil {
			return campaignNameTaken(c.Name)
		}
		if err := w.put(bucketCampaigns, []byte(c.ID), v); err != nil {
			return err
		}
		return w.put(bucketCampaignsByName, campaignNameKey(c.Name), []byte(c.ID))
	})
}

// Campaign returns a campaign by id; ENOTFOUND when there is none.
func (db *DB) Campaign(ctx context.Context, id string) (*pregonero.Campaign, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Campaign, error) { return loadCampaign(tx, id) })
}

func loadCampaign(tx *bbolt.Tx, id string) (*pregonero.Campaign, error) {
	if id == "" {
		return nil, notFound("campaign", `""`)
	}
	v := tx.Bucket(bucketCampaigns).Get([]byte(id))
	if v == nil {
		return nil, notFound("campaign", id)
	}
	return decodeCampaign(v)
}

// CampaignByName returns a campaign by name, in any case; ENOTFOUND when
// there is none.
func (db *DB) CampaignByName(ctx context.Context, name string) (*pregonero.Campaign, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Campaign, error) {
		if name == "" {
			return nil, notFound("campaign", `""`)
		}
		id := tx.Bucket(bucketCampaignsByName).Get(campaignNameKey(name))
		if id == nil {
			return nil, notFound("campaign", name)
		}
		return loadCampaign(tx, string(id))
	})
}

// Campaigns lists every campaign ordered by name, without regard to case.
func (db *DB) Campaigns(ctx context.Context) ([]*pregonero.Campaign, error) {
	out := []*pregonero.Campaign{}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCampaignsByName).ForEach(func(k, id []byte) error {
			c, err := loadCampaign(tx, string(id))
			if err != nil {
				return fmt.Errorf("campaign name %s: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	return out, nil
}

// UpdateCampaign runs fn on a copy of the campaign inside a write
// transaction, stamps UpdatedAt with Now and stores the result, with the
// name index when the name changed. The id cannot change and a new name
// must be free (ECONFLICT); an error from fn is returned as is and
// nothing is written. fn has the same constraints as UpdateDelivery's.
func (db *DB) UpdateCampaign(ctx context.Context, id string, fn func(*pregonero.Campaign) error) (*pregonero.Campaign, error) {
	var out *pregonero.Campaign
	err := db.exec(ctx, 2048, func(w *wtx) error {
		out = nil
		old, err := loadCampaign(w.tx, id)
		if err != nil {
			return err
		}
		c, err := loadCampaign(w.tx, id) // a copy nothing else refers to
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		if c.ID != id {
			return pregonero.Errorf(pregonero.EINVALID, "campaign %s: the id of a campaign cannot change", id)
		}
		if err := checkID("campaign name", c.Name); err != nil {
			return err
		}
		oldKey, newKey := campaignNameKey(old.Name), campaignNameKey(c.Name)
		renamed := !bytes.Equal(oldKey, newKey)
		if renamed && w.tx.Bucket(bucketCampaignsByName).Get(newKey) != nil {
			return campaignNameTaken(c.Name)
		}
		c.UpdatedAt = db.Now()
		v, err := encodeCampaign(c)
		if err != nil {
			return fmt.Errorf("update campaign %s: %w", id, err)
		}
		stored, err := decodeCampaign(v)
		if err != nil {
			return err
		}
		if renamed {
			if err := w.del(bucketCampaignsByName, oldKey); err != nil {
				return err
			}
			if err := w.put(bucketCampaignsByName, newKey, []byte(id)); err != nil {
				return err
			}
		}
		if err := w.put(bucketCampaigns, []byte(id), v); err != nil {
			return err
		}
		out = stored
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
