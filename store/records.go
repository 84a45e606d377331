package store

import (
	"encoding/json"
	"fmt"
	"time"

	"pregonero"
)

// The records below are the stored (v1) shapes of the entities that are
// read and written rarely; encoding/json is fast enough for them. They are
// separate from the domain types so that a change to the API's JSON does
// not silently change the file format.

// accountRecord is an account as stored. The configured Credentials are
// not stored: they come from the configuration at every start, and secrets
// rotated at run time go to the credentials bucket. CredentialsHash is
// stored so that a change of configured credentials can be noticed.
type accountRecord struct {
	V               int       `json:"v"`
	ID              string    `json:"id"`
	Network         string    `json:"network"`
	Name            string    `json:"name,omitempty"`
	RemoteID        string    `json:"remote_id,omitempty"`
	Unit            string    `json:"unit,omitempty"`
	Endpoint        string    `json:"endpoint,omitempty"`
	VideoEndpoint   string    `json:"video_endpoint,omitempty"`
	LinkBase        string    `json:"link_base,omitempty"`
	Status          string    `json:"status,omitempty"`
	StatusReason    string    `json:"status_reason,omitempty"`
	StatusSince     time.Time `json:"status_since,omitzero"`
	CredentialsHash string    `json:"credentials_hash,omitempty"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
	// Fields of accounts connected through their network's consent flow;
	// records written before it have none, and their source reads as
	// pregonero.AccountFromConfig.
	Source        string    `json:"source,omitempty"`
	Handle        string    `json:"handle,omitempty"`
	AvatarURL     string    `json:"avatar_url,omitempty"`
	Scopes        []string  `json:"scopes,omitempty"`
	MissingScopes []string  `json:"missing_scopes,omitempty"`
	ConnectedAt   time.Time `json:"connected_at,omitzero"`
	ConnectedBy   string    `json:"connected_by,omitempty"`
}

func encodeAccount(a *pregonero.Account) ([]byte, error) {
	return json.Marshal(accountRecord{
		V:               recordVersion,
		ID:              a.ID,
		Network:         string(a.Network),
		Name:            a.Name,
		RemoteID:        a.RemoteID,
		Unit:            a.Unit,
		Endpoint:        a.Endpoint,
		VideoEndpoint:   a.VideoEndpoint,
		LinkBase:        a.LinkBase,
		Status:          string(a.Status),
		StatusReason:    a.StatusReason,
		StatusSince:     a.StatusSince.UTC(),
		CredentialsHash: a.CredentialsHash,
		UpdatedAt:       a.UpdatedAt.UTC(),
		Source:          a.Source,
		Handle:          a.Handle,
		AvatarURL:       a.AvatarURL,
		Scopes:          a.Scopes,
		MissingScopes:   a.MissingScopes,
		ConnectedAt:     a.ConnectedAt.UTC(),
		ConnectedBy:     a.ConnectedBy,
	})
}

func decodeAccount(b []byte) (*pregonero.Account, error) {
	var r accountRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode account: %w", err)
	}
	if r.Source == "" {
		r.Source = pregonero.AccountFromConfig
	}
	return &pregonero.Account{
		ID:              r.ID,
		Network:         pregonero.Network(r.Network),
		Name:            r.Name,
		RemoteID:        r.RemoteID,
		Unit:            r.Unit,
		Endpoint:        r.Endpoint,
		VideoEndpoint:   r.VideoEndpoint,
		LinkBase:        r.LinkBase,
		Status:          pregonero.AccountStatus(r.Status),
		StatusReason:    r.StatusReason,
		StatusSince:     r.StatusSince,
		CredentialsHash: r.CredentialsHash,
		UpdatedAt:       r.UpdatedAt,
		Source:          r.Source,
		Handle:          r.Handle,
		AvatarURL:       r.AvatarURL,
		Scopes:          r.Scopes,
		MissingScopes:   r.MissingScopes,
		ConnectedAt:     r.ConnectedAt,
		ConnectedBy:     r.ConnectedBy,
	}, nil
}

type mediaRecord struct {
	V          int       `json:"v"`
	ID         string    `json:"id"`
	SHA256     string    `json:"sha256"`
	MIME       string    `json:"mime"`
	Size       int64     `json:"size"`
	Width      int       `json:"width,omitempty"`
	Height     int       `json:"height,omitempty"`
	DurationMS int64     `json:"duration_ms,omitempty"`
	AltText    string    `json:"alt_text,omitempty"`
	Filename   string    `json:"filename,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

func encodeMedia(m *pregonero.Media) ([]byte, error) {
	return json.Marshal(mediaRecord{
		V:          recordVersion,
		ID:         m.ID,
		SHA256:     m.SHA256,
		MIME:       m.MIME,
		Size:       m.Size,
		Width:      m.Width,
		Height:     m.Height,
		DurationMS: m.DurationMS,
		AltText:    m.AltText,
		Filename:   m.Filename,
		CreatedAt:  m.CreatedAt.UTC(),
	})
}

func decodeMedia(b []byte) (*pregonero.Media, error) {
	var r mediaRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode media: %w", err)
	}
	return &pregonero.Media{
		ID:         r.ID,
		SHA256:     r.SHA256,
		MIME:       r.MIME,
		Size:       r.Size,
		Width:      r.Width,
		Height:     r.Height,
		DurationMS: r.DurationMS,
		AltText:    r.AltText,
		Filename:   r.Filename,
		CreatedAt:  r.CreatedAt,
	}, nil
}

type credentialsRecord struct {
	V      int               `json:"v"`
	Values map[string]string `json:"values"`
}

func encodeCredentials(creds map[string]string) ([]byte, error) {
	return json.Marshal(credentialsRecord{V: recordVersion, Values: creds})
}

func decodeCredentials(b []byte) (map[string]string, error) {
	var r credentialsRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return nil, fmt.Errorf("decode credentials: %w", err)
	}
	if r.Values == nil {
		r.Values = map[string]string{}
	}
	return r.Values, nil
}

type pauseRecord struct {
	V      int       `json:"v"`
	Paused bool      `json:"paused"`
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since,omitzero"`
	By     string    `json:"by,omitempty"`
}

func encodePause(p pregonero.PauseState) ([]byte, error) {
	return json.Marshal(pauseRecord{V: recordVersion, Paused: p.Paused, Reason: p.Reason, Since: p.Since.UTC(), By: p.By})
}

func decodePause(b []byte) (pregonero.PauseState, error) {
	var r pauseRecord
	if err := unmarshalRecord(b, &r, &r.V); err != nil {
		return pregonero.PauseState{}, fmt.Errorf("decode pause: %w", err)
	}
	return pregonero.PauseState{Paused: r.Paused, Reason: r.Reason, Since: r.Since, By: r.By}, nil
}

// unmarshalRecord decodes b into r and checks the version it read into v.
func unmarshalRecord(b []byte, r any, v *int) error {
	if err := json.Unmarshal(b, r); err != nil {
		return err
	}
	if *v != recordVersion {
		return fmt.Errorf("version %d, want %d", *v, recordVersion)
	}
	return nil
}
