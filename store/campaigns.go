package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
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
		for n := 2; byName.Get(nameKey(name)) != nil; n++ {
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
		if err := byName.Put(nameKey(name), []byte(l)); err != nil {
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

// campaignNameTaken is the refusal of a name another campaign has.
func campaignNameTaken(name string) error {
	msg := fmt.Sprintf("There is already a campaign named %s.", name)
	return &pregonero.Error{Code: pregonero.ECONFLICT, Message: msg, Fields: []pregonero.FieldError{{
		Field: "name", Code: pregonero.FieldDuplicate, Actual: name, Message: msg,
	}}}
}

// campaigns are kept by id with an index of names.
var campaigns = &named[pregonero.Campaign]{
	kind: "campaign", nameField: "campaign name", bucket: bucketCampaigns, byName: bucketCampaignsByName,
	encode: encodeCampaign, decode: decodeCampaign,
	id:    func(c *pregonero.Campaign) string { return c.ID },
	name:  func(c *pregonero.Campaign) string { return c.Name },
	touch: func(c *pregonero.Campaign, now time.Time) { c.UpdatedAt = now },
	taken: campaignNameTaken,
	size:  2048,
}

// CreateCampaign stores a new campaign; ECONFLICT when the id is taken,
// or the name in any case.
func (db *DB) CreateCampaign(ctx context.Context, c *pregonero.Campaign) error {
	return campaigns.create(ctx, db, c)
}

// Campaign returns a campaign by id; ENOTFOUND when there is none.
func (db *DB) Campaign(ctx context.Context, id string) (*pregonero.Campaign, error) {
	return campaigns.get(ctx, db, id)
}

// CampaignByName returns a campaign by name, in any case; ENOTFOUND when
// there is none.
func (db *DB) CampaignByName(ctx context.Context, name string) (*pregonero.Campaign, error) {
	return campaigns.getByName(ctx, db, name)
}

// Campaigns lists every campaign ordered by name, without regard to case.
func (db *DB) Campaigns(ctx context.Context) ([]*pregonero.Campaign, error) {
	return campaigns.list(ctx, db)
}

// UpdateCampaign runs fn on a copy of the campaign inside a write
// transaction, stamps UpdatedAt with Now and stores the result, with the
// name index when the name changed. The id cannot change and a new name
// must be free (ECONFLICT); an error from fn is returned as is and
// nothing is written. fn has the same constraints as UpdateDelivery's.
func (db *DB) UpdateCampaign(ctx context.Context, id string, fn func(*pregonero.Campaign) error) (*pregonero.Campaign, error) {
	return campaigns.update(ctx, db, id, fn)
}
