package store

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"pregonero"
)

// SecretKeySize is the size of the key that seals stored credentials
// (AES-256).
const SecretKeySize = 32

// SecretKeyFile is the name, under the data directory, of the key file
// `serve` keeps the credentials key in.
const SecretKeyFile = "secrets.key"

// Errors reading credentials may return, for errors.Is.
var (
	// ErrWrongSecretKey means a sealed credentials record does not open
	// with the store's key: the key is not the one it was sealed with, or
	// the record was altered or moved to another account.
	ErrWrongSecretKey = errors.New("wrong secret key")
	// ErrNoSecretKey means a record is sealed but the store was opened
	// without a key.
	ErrNoSecretKey = errors.New("no secret key")
)

// WithSecretKey seals the records of the credentials bucket with key,
// which must be SecretKeySize bytes; Open fails otherwise. Without this
// option or WithSecretKeyFile, credentials are stored as plain JSON, as
// before sealing existed; tests that do not care about secrecy rely on
// that, `serve` always gives a key.
func WithSecretKey(key []byte) Option {
	return func(c *config) {
		c.secretKey = bytes.Clone(key)
		c.secretKeyFile = ""
	}
}

// WithSecretKeyFile is WithSecretKey with the key read from the file at
// path, which LoadOrCreateKey creates on first use. Open reads it once it
// holds the data file's lock, so a second process refused with ErrInUse
// never touches the key. Errors about a key that does not fit name the
// file.
func WithSecretKeyFile(path string) Option {
	return func(c *config) {
		c.secretKeyFile = path
		c.secretKey = nil
	}
}

// LoadOrCreateKey returns the SecretKeySize bytes kept in the file at
// path, creating the file on first use with fresh random bytes, mode
// 0600. The new file is written under a temporary name, synced, and then
// linked into place, which fails rather than replaces when the file has
// appeared meanwhile, so a key that may already have sealed records is not
// overwritten (on file systems without hard links a rename is used: atomic
// but not exclusive; Open holds the data file's lock, so two servers never
// race here). A file of any other size is an error, never a new key.
func LoadOrCreateKey(path string) ([]byte, error) {
	key, err := readKey(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key = make([]byte, SecretKeySize)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	created, err := createKeyFile(path, key)
	if err != nil {
		return nil, fmt.Errorf("secret key %s: %w", path, err)
	}
	if !created {
		return readKey(path)
	}
	return key, nil
}

func readKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if len(b) != SecretKeySize {
		// The file may be the credentials key or the media signing key:
		// the message fits both.
		return nil, fmt.Errorf("secret key %s has %d bytes, want %d; restore the original file: what was sealed or signed with it needs that same key",
			path, len(b), SecretKeySize)
	}
	return b, nil
}

// createKeyFile writes key to a new file at path; created is false when
// another file took the name first.
func createKeyFile(path string, key []byte) (created bool, err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return false, err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return false, err
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }()
	if err := writeSynced(f, key); err != nil {
		return false, err
	}
	switch err := os.Link(tmp, path); {
	case errors.Is(err, fs.ErrExist):
		return false, nil
	case err != nil:
		// Some file systems have no hard links; a rename is still
		// atomic, only not exclusive.
		if err := os.Rename(tmp, path); err != nil {
			return false, err
		}
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		_ = d.Close()
		if err != nil {
			return false, fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	return true, nil
}

func writeSynced(f *os.File, data []byte) error {
	err := f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Sealed credentials records are sealedV1 ‖ nonce ‖ AES-256-GCM
// ciphertext of the plain JSON record. The prefix names the format so it
// can change; plain records are JSON objects and start with '{'.
var (
	sealedPrefix = []byte("sealed-")
	sealedV1     = []byte("sealed-v1:")
)

// credentialsAD is the additional data of an account's record: the
// account id, behind a label that keeps these ciphertexts apart from any
// other use of the key. A record copied under another account's id does
// not open.
func credentialsAD(accountID string) []byte {
	return append([]byte("pregonero credentials\x00"), accountID...)
}

// DeriveKey returns a key for another use of the store's secret key (the
// fingerprints of configured credentials, say), derived from it and from
// purpose so that the secret key itself keys nothing else; nil when the
// store has no secret key.
func (db *DB) DeriveKey(purpose string) []byte {
	if db.secrets == nil {
		return nil
	}
	m := hmac.New(sha256.New, db.secrets.derive)
	m.Write([]byte(purpose))
	return m.Sum(nil)
}

// sealer seals and opens credentials records with the store's key.
type sealer struct {
	aead cipher.AEAD
	// derive keys HMACs derived from the secret key (see DeriveKey).
	derive []byte
	// source names the key in messages: its file, when there is one.
	source string
}

// newSealer returns the sealer cfg asks for, or nil without a key.
func newSealer(cfg config) (*sealer, error) {
	key, source := cfg.secretKey, "the secret key given to the store"
	if cfg.secretKeyFile != "" {
		var err error
		if key, err = LoadOrCreateKey(cfg.secretKeyFile); err != nil {
			return nil, err
		}
		source = "secret key file " + cfg.secretKeyFile
	}
	if key == nil {
		return nil, nil
	}
	if len(key) != SecretKeySize {
		return nil, fmt.Errorf("secret key has %d bytes, want %d", len(key), SecretKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("pregonero derived keys"))
	return &sealer{aead: aead, source: source, derive: m.Sum(nil)}, nil
}

// seal returns the sealed form of a plain record, with a fresh random
// nonce.
func (s *sealer) seal(accountID string, plain []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	out := make([]byte, len(sealedV1)+n, len(sealedV1)+n+len(plain)+s.aead.Overhead())
	copy(out, sealedV1)
	if _, err := io.ReadFull(rand.Reader, out[len(sealedV1):]); err != nil {
		return nil, fmt.Errorf("seal credentials: %w", err)
	}
	return s.aead.Seal(out, out[len(sealedV1):], plain, credentialsAD(accountID)), nil
}

// open returns the plain record of a stored value: the value itself when
// it was stored plain (before a key was configured), else what it seals.
func (s *sealer) open(accountID string, v []byte) ([]byte, error) {
	if !bytes.HasPrefix(v, sealedPrefix) {
		return v, nil
	}
	if !bytes.HasPrefix(v, sealedV1) {
		end := bytes.IndexByte(v, ':')
		if end < 0 || end > 32 {
			end = len(sealedPrefix)
		}
		return nil, fmt.Errorf("credentials of account %s are sealed in an unknown format %q (written by a newer pregonero?)", accountID, v[:end])
	}
	if s == nil {
		return nil, fmt.Errorf("credentials of account %s: %w: they are sealed, and the store was opened without one (%w)", accountID, ErrNoSecretKey, pregonero.ErrSealedCredentials)
	}
	body := v[len(sealedV1):]
	n := s.aead.NonceSize()
	if len(body) < n+s.aead.Overhead() {
		return nil, fmt.Errorf("credentials of account %s: sealed record is truncated (%d bytes)", accountID, len(v))
	}
	plain, err := s.aead.Open(nil, body[:n], body[n:], credentialsAD(accountID))
	if err != nil {
		return nil, fmt.Errorf("credentials of account %s: %w: %s is not the key they were sealed with (was it replaced?), or the record was altered or moved from another account (%w)",
			accountID, ErrWrongSecretKey, s.source, pregonero.ErrSealedCredentials)
	}
	return plain, nil
}

func isSealed(v []byte) bool { return bytes.HasPrefix(v, sealedPrefix) }
