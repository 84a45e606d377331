package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"maps"

	"go.etcd.io/bbolt"

	"pregonero"
)

// PutAccount inserts or replaces an account. Its configured Credentials
// are not stored (see Credentials for secrets that must be).
func (db *DB) PutAccount(ctx context.Context, a *pregonero.Account) error {
	if a == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil account")
	}
	if err := checkID("account id", a.ID); err != nil {
		return err
	}
	v, err := encodeAccount(a)
	if err != nil {
		return fmt.Errorf("put account %s: %w", a.ID, err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		var old *pregonero.Account
		if ov := w.tx.Bucket(bucketAccounts).Get([]byte(a.ID)); ov != nil {
			o, err := decodeAccount(ov)
			if err != nil {
				return err
			}
			old = o
		}
		if err := w.accountEvent(old, a, db.Now()); err != nil {
			return err
		}
		return w.put(bucketAccounts, []byte(a.ID), v)
	})
}

// Account returns one account, without configured Credentials.
func (db *DB) Account(ctx context.Context, id string) (*pregonero.Account, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Account, error) { return loadAccount(tx, id) })
}

func loadAccount(tx *bbolt.Tx, id string) (*pregonero.Account, error) {
	v := tx.Bucket(bucketAccounts).Get([]byte(id))
	if v == nil {
		return nil, notFound("account", id)
	}
	return decodeAccount(v)
}

// Accounts returns every account ordered by id.
func (db *DB) Accounts(ctx context.Context) ([]*pregonero.Account, error) {
	out := []*pregonero.Account{}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketAccounts).ForEach(func(_, v []byte) error {
			a, err := decodeAccount(v)
			if err != nil {
				return err
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// UpdateAccount runs fn on a copy of the account inside the write
// transaction, stamps UpdatedAt with Now and stores the result. The id
// cannot change; an error from fn is returned as is and nothing is
// written. fn has the same constraints as UpdateDelivery's.
func (db *DB) UpdateAccount(ctx context.Context, id string, fn func(*pregonero.Account) error) (*pregonero.Account, error) {
	var out *pregonero.Account
	err := db.exec(ctx, 512, func(w *wtx) error {
		out = nil
		old, err := loadAccount(w.tx, id)
		if err != nil {
			return err
		}
		a := old // a fresh decode that nothing else refers to
		was := old.Status
		if err := fn(a); err != nil {
			return err
		}
		if a.ID != id {
			return pregonero.Errorf(pregonero.EINVALID, "account %s: the id of an account cannot change", id)
		}
		a.UpdatedAt = db.Now()
		v, err := encodeAccount(a)
		if err != nil {
			return fmt.Errorf("update account %s: %w", id, err)
		}
		stored, err := decodeAccount(v)
		if err != nil {
			return err
		}
		if err := w.accountEvent(&pregonero.Account{Status: was}, stored, db.Now()); err != nil {
			return err
		}
		if err := w.put(bucketAccounts, []byte(id), v); err != nil {
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

// Credentials returns the secrets stored for an account at run time;
// ENOTFOUND when none were stored. A sealed record that does not open
// with the DB's key fails with ErrWrongSecretKey, one read without a key
// with ErrNoSecretKey; a record stored plain reads with or without a key.
func (db *DB) Credentials(ctx context.Context, accountID string) (map[string]string, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (map[string]string, error) {
		v := tx.Bucket(bucketCredentials).Get([]byte(accountID))
		if v == nil {
			return nil, notFound("credentials of account", accountID)
		}
		plain, err := db.secrets.open(accountID, v)
		if err != nil {
			return nil, err
		}
		return decodeCredentials(plain)
	})
}

// PutCredentials replaces the stored secrets of an account, sealed with
// the DB's key when it has one. Without a key they are stored plain,
// except over a sealed record, which is refused with ErrNoSecretKey
// rather than silently turned back into plain text.
func (db *DB) PutCredentials(ctx context.Context, accountID string, creds map[string]string) error {
	if err := checkID("account id", accountID); err != nil {
		return err
	}
	v, err := encodeCredentials(maps.Clone(creds))
	if err != nil {
		return fmt.Errorf("put credentials: %w", err)
	}
	if db.secrets != nil {
		if v, err = db.secrets.seal(accountID, v); err != nil {
			return fmt.Errorf("put credentials: %w", err)
		}
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		if db.secrets == nil && isSealed(w.tx.Bucket(bucketCredentials).Get([]byte(accountID))) {
			return fmt.Errorf("put credentials of account %s: %w: the stored ones are sealed and would be replaced by plain text", accountID, ErrNoSecretKey)
		}
		return w.put(bucketCredentials, []byte(accountID), v)
	})
}

// The credentials an account was connected with, through its network's
// consent flow, are kept in the credentials bucket beside its run-time
// secrets, under the account id followed by a NUL byte and "connected": no
// account id holds a NUL byte (checkID), so the two never meet. They are
// what its adapter starts from, as configured credentials are for an
// account of the configuration; the run-time record under the bare id is
// what the adapter renewed from them (X's rotated refresh token, a
// YouTube access token), and it drops what grew from other credentials
// by their fingerprint.
const connectedSuffix = "\x00connected"

func connectedKey(accountID string) string { return accountID + connectedSuffix }

// ConnectedCredentials returns the credentials an account was connected
// with; ENOTFOUND when it has none (an account of the configuration, or
// one disconnected). Sealed records open as Credentials' do.
func (db *DB) ConnectedCredentials(ctx context.Context, accountID string) (map[string]string, error) {
	if err := checkID("account id", accountID); err != nil {
		return nil, err
	}
	key := connectedKey(accountID)
	return read(ctx, db, func(tx *bbolt.Tx) (map[string]string, error) {
		v := tx.Bucket(bucketCredentials).Get([]byte(key))
		if v == nil {
			return nil, notFound("connected credentials of account", accountID)
		}
		plain, err := db.secrets.open(key, v)
		if err != nil {
			return nil, err
		}
		return decodeCredentials(plain)
	})
}

// PutConnectedCredentials stores the credentials an account was just
// connected (or connected again) with, sealed as PutCredentials seals,
// and in the same transaction deletes its run-time secrets, which grew
// from the credentials these replace.
func (db *DB) PutConnectedCredentials(ctx context.Context, accountID string, creds map[string]string) error {
	if err := checkID("account id", accountID); err != nil {
		return err
	}
	key := connectedKey(accountID)
	v, err := encodeCredentials(maps.Clone(creds))
	if err != nil {
		return fmt.Errorf("put connected credentials: %w", err)
	}
	if db.secrets != nil {
		if v, err = db.secrets.seal(key, v); err != nil {
			return fmt.Errorf("put connected credentials: %w", err)
		}
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		if db.secrets == nil && isSealed(w.tx.Bucket(bucketCredentials).Get([]byte(key))) {
			return fmt.Errorf("put connected credentials of account %s: %w: the stored ones are sealed and would be replaced by plain text", accountID, ErrNoSecretKey)
		}
		if err := w.put(bucketCredentials, []byte(key), v); err != nil {
			return err
		}
		return w.del(bucketCredentials, []byte(accountID))
	})
}

// DeleteCredentials deletes every secret stored for an account: those it
// was connected with and those renewed at run time. An account with none
// is not an error.
func (db *DB) DeleteCredentials(ctx context.Context, accountID string) error {
	if err := checkID("account id", accountID); err != nil {
		return err
	}
	return db.exec(ctx, 64, func(w *wtx) error {
		if err := w.del(bucketCredentials, []byte(connectedKey(accountID))); err != nil {
			return err
		}
		return w.del(bucketCredentials, []byte(accountID))
	})
}

// PutMedia inserts or replaces a media record.
func (db *DB) PutMedia(ctx context.Context, m *pregonero.Media) error {
	if m == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil media")
	}
	if err := checkID("media id", m.ID); err != nil {
		return err
	}
	v, err := encodeMedia(m)
	if err != nil {
		return fmt.Errorf("put media %s: %w", m.ID, err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		return w.put(bucketMedia, []byte(m.ID), v)
	})
}

// Media returns one media record.
func (db *DB) Media(ctx context.Context, id string) (*pregonero.Media, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*pregonero.Media, error) {
		v := tx.Bucket(bucketMedia).Get([]byte(id))
		if v == nil {
			return nil, notFound("media", id)
		}
		return decodeMedia(v)
	})
}

// Pause returns the global pause switch; never set means not paused.
func (db *DB) Pause(ctx context.Context) (pregonero.PauseState, error) {
	var p pregonero.PauseState
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(metaPause)
		if v == nil {
			return nil
		}
		var err error
		p, err = decodePause(v)
		return err
	})
	if err != nil {
		return pregonero.PauseState{}, fmt.Errorf("pause: %w", err)
	}
	return p, nil
}

// SetPause sets the global pause switch.
func (db *DB) SetPause(ctx context.Context, p pregonero.PauseState) error {
	v, err := encodePause(p)
	if err != nil {
		return fmt.Errorf("set pause: %w", err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		if err := w.pauseEvent(p, db.Now()); err != nil {
			return err
		}
		if err := w.put(bucketMeta, metaPause, v); err != nil {
			return err
		}
		if !p.Paused {
			// Lifting the pause makes everything already due go out:
			// the scheduler is told as for any new due instant.
			if k, _ := w.tx.Bucket(bucketDue).Cursor().First(); len(k) >= timeKeyLen {
				w.due = earliest(w.due, timeFromKey(binary.BigEndian.Uint64(k)))
			}
		}
		return nil
	})
}

// Setting returns a named setting; ENOTFOUND when unset.
func (db *DB) Setting(ctx context.Context, key string) ([]byte, error) {
	var out []byte
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketSettings).Get([]byte(key))
		if v == nil {
			return notFound("setting", key)
		}
		out = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// PutSetting stores a named setting. The value is kept as given.
func (db *DB) PutSetting(ctx context.Context, key string, value []byte) error {
	if err := checkID("setting key", key); err != nil {
		return err
	}
	v := bytes.Clone(value)
	if v == nil {
		v = empty
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		return w.put(bucketSettings, []byte(key), v)
	})
}
