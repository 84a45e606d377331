package posting

import "pregonero"

// QueueTime, as a Draft's ScheduledAt, puts the post in the queue: each
// target account's delivery goes out at that account's next free posting
// slot (see slots.go).
const QueueTime = "queue"

// Draft is a post as a person or a program writes it, before it is
// checked: what POST /api/v1/posts takes, and what any other entry point
// hands the service.
type Draft struct {
	Text string `json:"text,omitempty"`
	Link string `json:"link,omitempty"`
	// Media are the files to attach, uploaded with POST /api/v1/media:
	// each a media id, or {"id","alt_text"} to give the alt text this
	// post uses (an entry without one takes the file's alt text).
	Media []pregonero.PostMedia `json:"media,omitempty"`
	// Targets are account ids; each gets its own delivery.
	Targets []string `json:"targets,omitempty"`
	// Overrides replace parts of the post for one target account.
	Overrides map[string]pregonero.Override `json:"overrides,omitempty"`
	// ScheduledAt is RFC 3339 with an offset, or a local date and time
	// ("2026-11-28T09:00", "2026-11-28 09:00") in Timezone or else the
	// service's zone. Empty means as soon as possible.
	ScheduledAt string `json:"scheduled_at,omitempty"`
	// Timezone is an IANA zone name for a ScheduledAt without offset.
	Timezone string `json:"timezone,omitempty"`
	Campaign string `json:"campaign,omitempty"`
	Author   string `json:"author,omitempty"`
	Unit     string `json:"unit,omitempty"`
	// Draft stores the post without publishing it: no delivery is made
	// until it is scheduled (Service.Schedule). A draft may lack text,
	// targets and a time, but what it has must be valid.
	Draft bool `json:"draft,omitempty"`
}

// Patch is an edit of a post: the fields present replace the post's;
// absent ones are kept. The targets of a draft may change; those of a
// scheduled post cannot: cancel it and create another. A media entry
// without alt text keeps the alt text the post had for that file (the
// file's own for a file new to the post).
type Patch struct {
	Text        *string                        `json:"text,omitempty"`
	Link        *string                        `json:"link,omitempty"`
	Media       *[]pregonero.PostMedia         `json:"media,omitempty"`
	Targets     *[]string                      `json:"targets,omitempty"`
	Overrides   *map[string]pregonero.Override `json:"overrides,omitempty"`
	ScheduledAt *string                        `json:"scheduled_at,omitempty"`
	Timezone    *string                        `json:"timezone,omitempty"`
	Campaign    *string                        `json:"campaign,omitempty"`
	Author      *string                        `json:"author,omitempty"`
	Unit        *string                        `json:"unit,omitempty"`
}

// Verdict says whether a draft would be accepted, and why not.
type Verdict struct {
	Valid bool `json:"valid"`
	// Errors are about the post itself rather than one target.
	Errors  []pregonero.FieldError `json:"errors"`
	Results []TargetVerdict        `json:"results"`
}

// TargetVerdict is the verdict for one target.
type TargetVerdict struct {
	Target  string            `json:"target"`
	Network pregonero.Network `json:"network,omitempty"`
	// WeightedLength and Limit are X's character count and limit, set for
	// X targets only.
	WeightedLength *int                   `json:"weighted_length,omitempty"`
	Limit          *int                   `json:"limit,omitempty"`
	Errors         []pregonero.FieldError `json:"errors"`
}
