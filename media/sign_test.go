package media_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"pregonero/media"
	"pregonero/store"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var signTime = time.Date(2026, 11, 28, 14, 0, 0, 0, time.UTC)

func mustSigner(t *testing.T, base string, clk *fakeClock) *media.Signer {
	t.Helper()
	s, err := media.NewSigner(testKey, base, clk.Now)
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	return s
}

// query splits a signed URL into its path and its exp and sig values.
func query(t *testing.T, raw string) (path, exp, sig string) {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("parse %q: %v", raw, err)
	}
	return u.Path, u.Query().Get("exp"), u.Query().Get("sig")
}

func TestSignerURL(t *testing.T) {
	clk := &fakeClock{t: signTime}
	for _, base := range []string{"https://pregonero.antioquia.gov.co", "https://pregonero.antioquia.gov.co/"} {
		s := mustSigner(t, base, clk)
		got := s.URL("m_0123456789abcdef01234567", 24*time.Hour)
		exp := strconv.FormatInt(signTime.Add(24*time.Hour).Unix(), 10)
		mac := hmac.New(sha256.New, testKey)
		mac.Write([]byte("pregonero-media\nm_0123456789abcdef01234567\n" + exp))
		want := "https://pregonero.antioquia.gov.co/media/m_0123456789abcdef01234567?exp=" + exp +
			"&sig=" + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
		if got != want {
			t.Errorf("base %q: got %s, want %s", base, got, want)
		}
	}

	t.Run("a path prefix of the public URL is kept", func(t *testing.T) {
		s := mustSigner(t, "https://gob.example/pregonero", clk)
		if got := s.URL("m_1", time.Hour); !strings.HasPrefix(got, "https://gob.example/pregonero/media/m_1?exp=") {
			t.Errorf("got %s", got)
		}
	})
}

func TestNewSignerRefuses(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		base string
	}{
		{"key of 31 bytes", testKey[:31], "https://a.example"},
		{"relative public URL", testKey, "/media"},
		{"ftp public URL", testKey, "ftp://a.example"},
		{"public URL with a query", testKey, "https://a.example/?x=1"},
		{"public URL with a fragment", testKey, "https://a.example/#top"},
		{"public URL with a user", testKey, "https://me:pw@a.example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := media.NewSigner(tt.key, tt.base, nil); err == nil {
				t.Error("got nil error, want one")
			}
		})
	}
}

func TestSignerVerify(t *testing.T) {
	clk := &fakeClock{t: signTime}
	s := mustSigner(t, "https://pregonero.example", clk)
	const id = "m_0123456789abcdef01234567"
	_, exp, sig := query(t, s.URL(id, time.Hour))

	other, err := media.NewSigner(bytes.Repeat([]byte("k"), 32), "https://pregonero.example", clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	_, _, otherSig := query(t, other.URL(id, time.Hour))
	_, laterExp, _ := query(t, s.URL(id, 2*time.Hour))
	expNum, _ := strconv.ParseInt(exp, 10, 64)
	raw, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil {
		t.Fatal(err)
	}
	raw[0] ^= 1
	flipped := base64.RawURLEncoding.EncodeToString(raw)

	invalid := []struct {
		name          string
		id, exp, sig  string
		wantErrorText string
	}{
		{"tampered id", "m_0123456789abcdef01234568", exp, sig, "wrong signature"},
		{"tampered exp", id, laterExp, sig, "wrong signature"},
		{"tampered sig", id, exp, flipped, "wrong signature"},
		{"signature of another key", id, exp, otherSig, "wrong signature"},
		{"missing exp", id, "", sig, "required"},
		{"missing sig", id, exp, "", "required"},
		{"exp with a plus sign", id, "+" + exp, sig, "malformed exp"},
		{"exp with a leading zero", id, "0" + exp, sig, "malformed exp"},
		{"exp that is not a number", id, "tomorrow", sig, "malformed exp"},
		{"negative exp", id, "-" + exp, sig, "malformed exp"},
		{"padded sig", id, exp, sig + "=", "malformed sig"},
		{"standard base64 sig", id, exp, base64.StdEncoding.EncodeToString(make([]byte, 32)), "malformed sig"},
		{"short sig", id, exp, sig[:20], "malformed sig"},
	}
	for _, tt := range invalid {
		t.Run(tt.name+" is invalid", func(t *testing.T) {
			err := s.Verify(tt.id, tt.exp, tt.sig)
			if !errors.Is(err, media.ErrURLInvalid) || errors.Is(err, media.ErrURLExpired) {
				t.Fatalf("got %v, want ErrURLInvalid", err)
			}
			if !strings.Contains(err.Error(), tt.wantErrorText) {
				t.Errorf("got %q, want it to say %q", err, tt.wantErrorText)
			}
		})
	}

	t.Run("valid until its second", func(t *testing.T) {
		if err := s.Verify(id, exp, sig); err != nil {
			t.Fatalf("got %v, want nil", err)
		}
		c := &fakeClock{t: time.Unix(expNum, 0).Add(-time.Nanosecond)}
		late := mustSigner(t, "https://pregonero.example", c)
		if err := late.Verify(id, exp, sig); err != nil {
			t.Errorf("a nanosecond before exp: got %v, want nil", err)
		}
		c.Add(time.Nanosecond)
		if err := late.Verify(id, exp, sig); !errors.Is(err, media.ErrURLExpired) {
			t.Errorf("at exp: got %v, want ErrURLExpired", err)
		}
	})

	t.Run("expired is told apart from forged", func(t *testing.T) {
		c := &fakeClock{t: signTime.Add(25 * time.Hour)}
		late := mustSigner(t, "https://pregonero.example", c)
		err := late.Verify(id, exp, sig)
		if !errors.Is(err, media.ErrURLExpired) || errors.Is(err, media.ErrURLInvalid) {
			t.Errorf("got %v, want ErrURLExpired only", err)
		}
		// A forged signature with an old exp is invalid, not expired:
		// nothing is told about URLs that were never handed out.
		if err := late.Verify(id, exp, otherSig); !errors.Is(err, media.ErrURLInvalid) {
			t.Errorf("forged and old: got %v, want ErrURLInvalid", err)
		}
	})
}

// A signer made from the key file after a restart verifies the links
// handed out before it; another data directory gets another key.
func TestSignerFromTheKeyFileOutlivesARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), media.KeyFile)
	key, err := store.LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("first start: %v", err)
	}
	if len(key) < media.MinKeySize {
		t.Errorf("got a key of %d bytes, want at least %d", len(key), media.MinKeySize)
	}
	again, err := store.LoadOrCreateKey(path)
	if err != nil {
		t.Fatalf("second start: %v", err)
	}
	if !bytes.Equal(again, key) {
		t.Error("the key changed between starts: URLs handed out before a restart would break")
	}
	clk := &fakeClock{t: signTime}
	before, err := media.NewSigner(key, "https://a.example", clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	after, err := media.NewSigner(again, "https://a.example", clk.Now)
	if err != nil {
		t.Fatal(err)
	}
	_, exp, sig := query(t, before.URL("m_1", time.Hour))
	if err := after.Verify("m_1", exp, sig); err != nil {
		t.Errorf("got %v, want nil", err)
	}
	k2, err := store.LoadOrCreateKey(filepath.Join(t.TempDir(), media.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(k2, key) {
		t.Error("two generated keys are equal")
	}
}

func TestBlobURL(t *testing.T) {
	ctx := context.Background()
	data := jpegBytes(t, 8, 8)

	t.Run("without a signer the URL is empty", func(t *testing.T) {
		l, _, _ := mustOpen(t)
		m, err := l.Put(ctx, bytes.NewReader(data), "a.jpg", "")
		if err != nil {
			t.Fatal(err)
		}
		b, err := l.Blob(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.URL != "" || l.SignedURL(m.ID) != "" {
			t.Errorf("got URL %q, want none", b.URL)
		}
	})

	for _, tt := range []struct {
		name string
		ttl  time.Duration
		want time.Duration
	}{
		{"with a signer the URL is signed for the TTL", 2 * time.Hour, 2 * time.Hour},
		{"a TTL that is not positive is 24 hours", 0, 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: signTime}
			s := mustSigner(t, "https://pregonero.example", clk)
			l, _, _ := mustOpen(t, media.WithSigner(s, tt.ttl), media.WithNow(clk.Now))
			m, err := l.Put(ctx, bytes.NewReader(data), "a.jpg", "")
			if err != nil {
				t.Fatal(err)
			}
			b, err := l.Blob(ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			path, exp, sig := query(t, b.URL)
			if path != "/media/"+m.ID || !strings.HasPrefix(b.URL, "https://pregonero.example/media/") {
				t.Errorf("got URL %s", b.URL)
			}
			if want := strconv.FormatInt(signTime.Add(tt.want).Unix(), 10); exp != want {
				t.Errorf("got exp %s, want %s", exp, want)
			}
			if err := s.Verify(m.ID, exp, sig); err != nil {
				t.Errorf("Verify: %v", err)
			}
			if l.Signer() != s {
				t.Error("Signer() is not the configured signer")
			}
		})
	}
}

// FuzzVerify feeds Verify arbitrary query values: it must never panic, and
// nothing but the signer's own output may verify.
func FuzzVerify(f *testing.F) {
	clk := &fakeClock{t: signTime}
	s, err := media.NewSigner(testKey, "https://pregonero.example", clk.Now)
	if err != nil {
		f.Fatal(err)
	}
	u, err := url.Parse(s.URL("m_1", time.Hour))
	if err != nil {
		f.Fatal(err)
	}
	goodExp, goodSig := u.Query().Get("exp"), u.Query().Get("sig")
	f.Add("m_1", goodExp, goodSig)
	f.Add("m_1", "", "")
	f.Add("m_2", goodExp, goodSig)
	f.Add("m_1", "99999999999999999999", goodSig)
	f.Add("m_1\n1", goodExp, goodSig)
	f.Fuzz(func(t *testing.T, id, exp, sig string) {
		err := s.Verify(id, exp, sig)
		if err == nil && (id != "m_1" || exp != goodExp || sig != goodSig) {
			t.Errorf("Verify(%q, %q, %q) = nil for values the signer did not make", id, exp, sig)
		}
		if err != nil && !errors.Is(err, media.ErrURLInvalid) && !errors.Is(err, media.ErrURLExpired) {
			t.Errorf("Verify(%q, %q, %q) = %v, want one of the two sentinels", id, exp, sig, err)
		}
	})
}
