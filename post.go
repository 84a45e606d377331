package pregonero

import "time"

// PostStatus is derived from a post's deliveries.
type PostStatus string

// Post statuses.
const (
	PostDraft              PostStatus = "draft"
	PostScheduled          PostStatus = "scheduled"
	PostPublishing         PostStatus = "publishing"
	PostPublished          PostStatus = "published"
	PostPartiallyPublished PostStatus = "partially_published"
	PostFailed             PostStatus = "failed"
	PostCanceled           PostStatus = "canceled"
	PostHeld               PostStatus = "held"
)

// Post is what a person wrote once, to go to one or more accounts at one
// time. Each target account gets its own Delivery.
type Post struct {
	ID          string              `json:"id"`
	Text        string              `json:"text"`
	Link        string              `json:"link,omitempty"`
	Media       []string            `json:"media,omitempty"` // media ids
	Overrides   map[string]Override `json:"overrides,omitempty"`
	Targets     []string            `json:"targets"`
	ScheduledAt time.Time           `json:"scheduled_at"`
	Campaign    string              `json:"campaign,omitempty"`
	Author      string              `json:"author,omitempty"`
	Unit        string              `json:"unit,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`

	// Status is derived from Deliveries when the post is read.
	Status     PostStatus  `json:"status"`
	Deliveries []*Delivery `json:"deliveries"`
}

// Override replaces parts of a post for one target account.
type Override struct {
	Text        *string  `json:"text,omitempty"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Tags        []string `json:"tags,omitempty"`
	// Format is how the post goes out on networks with several kinds of
	// post: FormatFeed (the default), FormatReel or FormatStory (Instagram).
	Format string `json:"format,omitempty"`
	// Category is the network's category id (YouTube: "25" News & Politics).
	Category string `json:"category,omitempty"`
	// Language is the BCP-47 language of the title and description (es, es-419).
	Language string `json:"language,omitempty"`
	// MadeForKids answers YouTube's audience question; nil means not answered.
	MadeForKids *bool `json:"made_for_kids,omitempty"`
	// Thumbnail is the media id of a custom thumbnail image (YouTube).
	Thumbnail string `json:"thumbnail,omitempty"`
}

// ContentFor returns what goes to the given account: the base text and
// link with that account's overrides applied. Media are left to the caller
// to resolve.
func (p *Post) ContentFor(accountID string) Content {
	c := Content{Text: p.Text, Link: p.Link}
	if o, ok := p.Overrides[accountID]; ok {
		if o.Text != nil {
			c.Text = *o.Text
		}
		c.Title, c.Description, c.Tags, c.Format = o.Title, o.Description, o.Tags, o.Format
		c.Category, c.Language, c.MadeForKids = o.Category, o.Language, o.MadeForKids
	}
	return c
}

// DeriveStatus computes a post's status from its deliveries.
func DeriveStatus(ds []*Delivery) PostStatus {
	if len(ds) == 0 {
		return PostDraft
	}
	var n = map[DeliveryState]int{}
	for _, d := range ds {
		n[d.State]++
	}
	total := len(ds)
	switch {
	case n[DeliveryCanceled] == total:
		return PostCanceled
	case n[DeliveryPublished] == total:
		return PostPublished
	case n[DeliverySending]+n[DeliveryInDoubt] > 0:
		return PostPublishing
	case n[DeliveryHeld] > 0:
		return PostHeld
	case n[DeliveryQueued] > 0:
		if n[DeliveryPublished] > 0 {
			return PostPublishing
		}
		return PostScheduled
	case n[DeliveryPublished] > 0:
		return PostPartiallyPublished
	case n[DeliveryFailed] > 0:
		return PostFailed
	}
	return PostCanceled
}

// PostFilter selects posts for listing. Zero fields do not filter.
type PostFilter struct {
	Status   PostStatus
	Account  string
	Campaign string
	From, To time.Time // ScheduledAt in [From, To)
	Cursor   string    // opaque, from a previous page
	Limit    int       // default 50, at most 500
}

// PostPage is one page of a listing; Next is empty on the last page.
type PostPage struct {
	Posts []*Post `json:"posts"`
	Next  string  `json:"next_cursor,omitempty"`
}
