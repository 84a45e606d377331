package store

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"pregonero"
)

// named describes a kind of record kept by id with an index of unique
// names, whatever their case: users by username, campaigns by name. Its
// methods are the store's create, read, list and update of that kind.
type named[T any] struct {
	kind      string // "user", "campaign": in messages and errors
	nameField string // "username", "campaign name": checked as an id is
	bucket    []byte // id → record
	byName    []byte // nameKey(name) → id
	encode    func(*T) ([]byte, error)
	decode    func([]byte) (*T, error)
	id, name  func(*T) string
	// touch stamps the record's UpdatedAt.
	touch func(*T, time.Time)
	// taken is the refusal of a name another record has.
	taken func(name string) error
	// size is the write budget of an update, in bytes.
	size int
}

// nameKey is a name's key in a name index: lowered, so that "Ana" and
// "ana" are one user and "Vías del Nordeste" and "VÍAS DEL NORDESTE" one
// campaign.
func nameKey(name string) []byte { return []byte(strings.ToLower(name)) }

// load reads a record by id; ENOTFOUND when there is none.
func (n *named[T]) load(tx *bbolt.Tx, id string) (*T, error) {
	if id == "" {
		return nil, notFound(n.kind, `""`)
	}
	v := tx.Bucket(n.bucket).Get([]byte(id))
	if v == nil {
		return nil, notFound(n.kind, id)
	}
	return n.decode(v)
}

// create stores a new record; ECONFLICT when its id or its name (in any
// case) is taken.
func (n *named[T]) create(ctx context.Context, db *DB, r *T) error {
	if r == nil {
		return pregonero.Errorf(pregonero.EINVALID, "nil %s", n.kind)
	}
	id, name := n.id(r), n.name(r)
	if err := checkID(n.kind+" id", id); err != nil {
		return err
	}
	if err := checkID(n.nameField, name); err != nil {
		return err
	}
	v, err := n.encode(r)
	if err != nil {
		return fmt.Errorf("create %s %s: %w", n.kind, id, err)
	}
	return db.exec(ctx, len(v), func(w *wtx) error {
		if w.tx.Bucket(n.bucket).Get([]byte(id)) != nil {
			return pregonero.Errorf(pregonero.ECONFLICT, "%s id %s is taken", n.kind, id)
		}
		if w.tx.Bucket(n.byName).Get(nameKey(name)) != nil {
			return n.taken(name)
		}
		if err := w.put(n.bucket, []byte(id), v); err != nil {
			return err
		}
		return w.put(n.byName, nameKey(name), []byte(id))
	})
}

// get reads a record by id.
func (n *named[T]) get(ctx context.Context, db *DB, id string) (*T, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*T, error) { return n.load(tx, id) })
}

// getByName reads a record by name, in any case; ENOTFOUND when none has
// it.
func (n *named[T]) getByName(ctx context.Context, db *DB, name string) (*T, error) {
	return read(ctx, db, func(tx *bbolt.Tx) (*T, error) {
		if name == "" {
			return nil, notFound(n.kind, `""`)
		}
		id := tx.Bucket(n.byName).Get(nameKey(name))
		if id == nil {
			return nil, notFound(n.kind, name)
		}
		return n.load(tx, string(id))
	})
}

// list reads every record, ordered by name without regard to case.
func (n *named[T]) list(ctx context.Context, db *DB) ([]*T, error) {
	out := []*T{}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(n.byName).ForEach(func(k, id []byte) error {
			r, err := n.load(tx, string(id))
			if err != nil {
				return fmt.Errorf("%s %s: %w", n.nameField, k, err)
			}
			out = append(out, r)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", n.kind, err)
	}
	return out, nil
}

// update runs fn on a copy of the record inside a write transaction,
// stamps it (touch) and stores the result, with the name index when the
// name changed. The id cannot change and a new name must be free
// (ECONFLICT); an error from fn is returned as is and nothing is written.
// fn has the same constraints as UpdateDelivery's.
func (n *named[T]) update(ctx context.Context, db *DB, id string, fn func(*T) error) (*T, error) {
	var out *T
	err := db.exec(ctx, n.size, func(w *wtx) error {
		out = nil
		old, err := n.load(w.tx, id)
		if err != nil {
			return err
		}
		r, err := n.load(w.tx, id) // a copy nothing else refers to
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		if n.id(r) != id {
			return pregonero.Errorf(pregonero.EINVALID, "%s %s: the id of a %s cannot change", n.kind, id, n.kind)
		}
		if err := checkID(n.nameField, n.name(r)); err != nil {
			return err
		}
		oldKey, newKey := nameKey(n.name(old)), nameKey(n.name(r))
		renamed := !bytes.Equal(oldKey, newKey)
		if renamed && w.tx.Bucket(n.byName).Get(newKey) != nil {
			return n.taken(n.name(r))
		}
		n.touch(r, db.Now())
		v, err := n.encode(r)
		if err != nil {
			return fmt.Errorf("update %s %s: %w", n.kind, id, err)
		}
		stored, err := n.decode(v)
		if err != nil {
			return err
		}
		if renamed {
			if err := w.del(n.byName, oldKey); err != nil {
				return err
			}
			if err := w.put(n.byName, newKey, []byte(id)); err != nil {
				return err
			}
		}
		if err := w.put(n.bucket, []byte(id), v); err != nil {
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
