// Package pregonero holds the domain of the Pregonero scheduling and
// publishing service: posts, their deliveries to social network accounts,
// attempts, media, and the Store and Adapter interfaces that the
// subpackages implement. It imports nothing of ours and no third-party
// package.
package pregonero

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/binary"
	"strings"
	"time"
)

// Network names a social network Pregonero publishes to.
type Network string

// The networks Pregonero speaks to.
const (
	NetworkX         Network = "x"
	NetworkFacebook  Network = "facebook"
	NetworkInstagram Network = "instagram"
	NetworkYouTube   Network = "youtube"
)

// Networks lists every supported network in display order.
var Networks = []Network{NetworkX, NetworkFacebook, NetworkInstagram, NetworkYouTube}

// Title is the network's name as people write it: X, Facebook, Instagram,
// YouTube.
func (n Network) Title() string {
	switch n {
	case NetworkX:
		return "X"
	case NetworkFacebook:
		return "Facebook"
	case NetworkInstagram:
		return "Instagram"
	case NetworkYouTube:
		return "YouTube"
	}
	return string(n)
}

// Valid reports whether n is a network Pregonero supports.
func (n Network) Valid() bool {
	for _, v := range Networks {
		if n == v {
			return true
		}
	}
	return false
}

// DefaultTimezone is the zone used for display, for times given without an
// offset and for recurring schedules unless the configuration says otherwise.
const DefaultTimezone = "America/Bogota"

var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// NewID returns a new identifier with the given prefix ("p" gives
// "p_01j…"). Identifiers sort by creation time (48-bit milliseconds) and
// carry 80 random bits, so they are unique without coordination.
func NewID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixMilli())<<16)
	if _, err := rand.Read(b[6:]); err != nil {
		panic("pregonero: crypto/rand failed: " + err.Error())
	}
	var sb strings.Builder
	sb.WriteString(prefix)
	sb.WriteByte('_')
	sb.WriteString(idEncoding.EncodeToString(b[:]))
	return sb.String()
}

// ResumeReport says what a resume did: how many held deliveries went back
// to the queue and which ones, overdue beyond the grace, wait for a person.
type ResumeReport struct {
	Released    int      `json:"released"`
	HeldOverdue []string `json:"held_overdue"`
}
