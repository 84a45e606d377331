package store

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"pregonero"
)

// The codec guard fills every exported field of every record type by
// reflection, so a field added to a domain type is covered the day it is
// added: if the codec does not store it, a round trip loses it and the
// guard names it. The hand-written round-trip tests in
// codec_internal_test.go list fields by hand and cannot notice.

// notStored lists, as "Type.Field", the fields the store deliberately does
// not keep, and why. Each must come back zero from a round trip (so a
// field that starts being stored must leave this list), and each must
// still exist (so the list cannot go stale).
var notStored = map[string]string{
	"Post.Status": "derived from the deliveries every time a post is read (pregonero.Post.DerivedStatus)",
	"Post.Warnings": "said in the answer to one request (a pause in effect), never kept: " +
		"the posting service fills them as it answers",
	"Post.Deliveries": "each delivery is a record of its own; the post record keeps only their ids, " +
		"which the guard checks on their own",
	"Account.Credentials": "configured secrets come from the configuration at every start and are never " +
		"stored in plain text; run-time secrets go sealed to the credentials bucket (PutCredentials)",
}

// guardRecords are the root types of the records the store writes. Nested
// types (Attempt, DeliveryError, Progress, Override) are reached from them.
var guardRecords = []reflect.Type{
	reflect.TypeFor[pregonero.Post](),
	reflect.TypeFor[pregonero.Delivery](),
	reflect.TypeFor[pregonero.Account](),
	reflect.TypeFor[pregonero.Media](),
	reflect.TypeFor[pregonero.PauseState](),
	reflect.TypeFor[pregonero.User](),
	reflect.TypeFor[pregonero.Session](),
	reflect.TypeFor[pregonero.APIToken](),
	reflect.TypeFor[pregonero.Campaign](),
}

func TestCodecGuard(t *testing.T) {
	t.Run("every field of a delivery survives a round trip", func(t *testing.T) {
		in := fillRecord[pregonero.Delivery](t)
		b, err := appendDelivery(nil, in)
		if err != nil {
			t.Fatalf("appendDelivery() = %v", err)
		}
		got, err := decodeDelivery(b)
		if err != nil {
			t.Fatalf("decodeDelivery(%s) = %v", b, err)
		}
		compareRecord(t, got, in, b)
	})

	t.Run("every field of a post survives a round trip", func(t *testing.T) {
		in := fillRecord[pregonero.Post](t)
		var ids []string
		for _, d := range in.Deliveries {
			ids = append(ids, d.ID)
		}
		b, err := appendPost(nil, in, ids)
		if err != nil {
			t.Fatalf("appendPost() = %v", err)
		}
		got, gotIDs, err := decodePost(b)
		if err != nil {
			t.Fatalf("decodePost(%s) = %v", b, err)
		}
		if !slices.Equal(gotIDs, ids) {
			t.Errorf("delivery ids = %q, want %q", gotIDs, ids)
		}
		compareRecord(t, got, in, b)
	})

	t.Run("every field of an account survives a round trip but its credentials", func(t *testing.T) {
		in := fillRecord[pregonero.Account](t)
		b, err := encodeAccount(in)
		if err != nil {
			t.Fatalf("encodeAccount() = %v", err)
		}
		for k, v := range in.Credentials {
			if bytes.Contains(b, []byte(k)) || bytes.Contains(b, []byte(v)) {
				t.Errorf("account record %s holds configured credentials %q: %q", b, k, v)
			}
		}
		got, err := decodeAccount(b)
		if err != nil {
			t.Fatalf("decodeAccount(%s) = %v", b, err)
		}
		compareRecord(t, got, in, b)
	})

	t.Run("every field of a media record survives a round trip", func(t *testing.T) {
		in := fillRecord[pregonero.Media](t)
		b, err := encodeMedia(in)
		if err != nil {
			t.Fatalf("encodeMedia() = %v", err)
		}
		got, err := decodeMedia(b)
		if err != nil {
			t.Fatalf("decodeMedia(%s) = %v", b, err)
		}
		compareRecord(t, got, in, b)
	})

	t.Run("every field of the pause state survives a round trip", func(t *testing.T) {
		in := fillRecord[pregonero.PauseState](t)
		b, err := encodePause(*in)
		if err != nil {
			t.Fatalf("encodePause() = %v", err)
		}
		got, err := decodePause(b)
		if err != nil {
			t.Fatalf("decodePause(%s) = %v", b, err)
		}
		compareRecord(t, &got, in, b)
	})

	t.Run("every field of a user survives a round trip, its password hash too", func(t *testing.T) {
		in := fillRecord[pregonero.User](t)
		b, err := encodeUser(in)
		if err != nil {
			t.Fatalf("encodeUser() = %v", err)
		}
		got, err := decodeUser(b)
		if err != nil {
			t.Fatalf("decodeUser(%s) = %v", b, err)
		}
		compareRecord(t, got, in, b)
	})

	t.Run("every field of a session survives a round trip", func(t *testing.T) {
		in := fillRecord[pregonero.Session](t)
		b, err := encodeSession(in)
		if err != nil {
			t.Fatalf("encodeSession() = %v", err)
		}
		got, err := decodeSession(b)
		if err != nil {
			t.Fatalf("decodeSession(%s) = %v", b, err)
		}
		compareRecord(t, got, in, b)
	})

	t.Run("every field of an api token survives a round trip", func(t *testing.T) {
		in := fillRecord[pregonero.APIToken](t)
		b, err := encodeAPIToken(in)
		if err != nil {
			t.Fatalf("encodeAPIToken() = %v", err)
		}
		got, err := decodeAPIToken(b)
		if err != nil {
			t.Fatalf("decodeAPIToken(%s) = %v", b, err)
		}
		compareRecord(t, got, in, b)
	})

	t.Run("every field of a campaign survives a round trip", func(t *testing.T) {
		in := fillRecord[pregonero.Campaign](t)
		b, err := encodeCampaign(in)
		if err != nil {
			t.Fatalf("encodeCampaign() = %v", err)
		}
		got, err := decodeCampaign(b)
		if err != nil {
			t.Fatalf("decodeCampaign(%s) = %v", b, err)
		}
		compareRecord(t, got, in, b)
	})

	t.Run("stored credentials survive a round trip", func(t *testing.T) {
		in := fillRecord[map[string]string](t)
		b, err := encodeCredentials(*in)
		if err != nil {
			t.Fatalf("encodeCredentials() = %v", err)
		}
		got, err := decodeCredentials(b)
		if err != nil {
			t.Fatalf("decodeCredentials(%s) = %v", b, err)
		}
		compareRecord(t, &got, in, b)
	})

	t.Run("every field listed as not stored still exists", func(t *testing.T) {
		f := &filler{t: t, seen: map[string]bool{}}
		for _, typ := range guardRecords {
			f.fill(reflect.New(typ).Elem(), typ.Name())
		}
		for _, name := range slices.Sorted(maps.Keys(notStored)) {
			if !f.seen[name] {
				t.Errorf("notStored lists %s, which no record type has any more: take it off the list", name)
			}
		}
	})
}

// fillRecord returns a T with every exported field, at every depth, set
// to a non-zero value distinct from the others.
func fillRecord[T any](t *testing.T) *T {
	t.Helper()
	v := new(T)
	f := &filler{t: t, seen: map[string]bool{}}
	rv := reflect.ValueOf(v).Elem()
	name := rv.Type().Name()
	if name == "" {
		name = rv.Type().String()
	}
	f.fill(rv, name)
	return v
}

// filler sets values in the order it meets them. Every string holds the
// path of its field and every number and time is different, so a codec
// that writes one field under the name of another is caught too.
type filler struct {
	t    *testing.T
	n    int
	seen map[string]bool // "Type.Field" of every field filled
}

var (
	timeType = reflect.TypeFor[time.Time]()
	dateType = reflect.TypeFor[pregonero.Date]()
)

func (f *filler) fill(v reflect.Value, path string) {
	f.t.Helper()
	f.n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s#%d", path, f.n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := int64(f.n)
		if v.OverflowInt(n) {
			n = 1
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n := uint64(f.n)
		if v.OverflowUint(n) {
			n = 1
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(f.n) + 0.5)
	case reflect.Struct:
		if v.Type() == timeType {
			// Nanoseconds and UTC, as the store keeps times.
			at := time.Date(2031, 3, 14, 15, 9, 26, 535897932, time.UTC).Add(time.Duration(f.n) * (time.Hour + time.Nanosecond))
			v.Set(reflect.ValueOf(at))
			return
		}
		if v.Type() == dateType {
			// A day of the calendar, as dates are only ever stored: a
			// different one for every field.
			v.Set(reflect.ValueOf(pregonero.DateOf(time.Date(2031, 3, 14, 0, 0, 0, 0, time.UTC).AddDate(0, 0, f.n))))
			return
		}
		typ := v.Type()
		for i := range typ.NumField() {
			sf := typ.Field(i)
			if !sf.IsExported() {
				continue
			}
			f.seen[typ.Name()+"."+sf.Name] = true
			f.fill(v.Field(i), path+"."+sf.Name)
		}
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), path)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		f.fill(s.Index(0), path+"[0]")
		v.Set(s)
	case reflect.Map:
		k := reflect.New(v.Type().Key()).Elem()
		f.fill(k, path+"{key}")
		e := reflect.New(v.Type().Elem()).Elem()
		f.fill(e, fmt.Sprintf("%s[%v]", path, k))
		m := reflect.MakeMapWithSize(v.Type(), 1)
		m.SetMapIndex(k, e)
		v.Set(m)
	default:
		// A kind the store cannot have been taught to keep without
		// someone deciding how: fail rather than pass on a zero value.
		f.t.Fatalf("codec guard: cannot fill %s of kind %s; teach the guard how, and the codec how to store it", path, v.Kind())
	}
}

// compareRecord reports every field path where got differs from want, and
// every field listed in notStored that came back although it is not
// supposed to be stored.
func compareRecord[T any](t *testing.T, got, want *T, encoded []byte) {
	t.Helper()
	c := &comparer{}
	rv := reflect.ValueOf(want).Elem()
	name := rv.Type().Name()
	if name == "" {
		name = rv.Type().String()
	}
	c.compare(reflect.ValueOf(got).Elem(), rv, name)
	for _, p := range c.problems {
		t.Error(p)
	}
	if len(c.problems) > 0 {
		t.Logf("encoded record: %s", encoded)
	}
}

type comparer struct {
	problems []string
}

func (c *comparer) lost(path string, got, want reflect.Value) {
	c.problems = append(c.problems, fmt.Sprintf(
		"%s = %s, want %s: the codec does not keep this field; store it in store/codec.go or "+
			"store/records.go (decoding old records without it), or list it in notStored with the reason",
		path, show(got), show(want)))
}

func show(v reflect.Value) string {
	if !v.IsValid() {
		return "nothing"
	}
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		return "&" + show(v.Elem())
	}
	return fmt.Sprintf("%#v", v.Interface())
}

func (c *comparer) compare(got, want reflect.Value, path string) {
	switch want.Kind() {
	case reflect.Struct:
		if want.Type() == timeType {
			if !got.Interface().(time.Time).Equal(want.Interface().(time.Time)) {
				c.lost(path, got, want)
			}
			return
		}
		typ := want.Type()
		for i := range typ.NumField() {
			sf := typ.Field(i)
			if !sf.IsExported() {
				continue
			}
			fpath := path + "." + sf.Name
			if why, ok := notStored[typ.Name()+"."+sf.Name]; ok {
				if !got.Field(i).IsZero() {
					c.problems = append(c.problems, fmt.Sprintf(
						"%s came back as %s although notStored says it is not stored (%s): "+
							"if it is stored now, take it off notStored",
						fpath, show(got.Field(i)), why))
				}
				continue
			}
			c.compare(got.Field(i), want.Field(i), fpath)
		}
	case reflect.Pointer:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				c.lost(path, got, want)
			}
			return
		}
		c.compare(got.Elem(), want.Elem(), path)
	case reflect.Slice:
		if got.Len() != want.Len() {
			c.lost(path, got, want)
			return
		}
		for i := range want.Len() {
			c.compare(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if got.Len() != want.Len() {
			c.lost(path, got, want)
			return
		}
		iter := want.MapRange()
		for iter.Next() {
			k := iter.Key()
			kpath := fmt.Sprintf("%s[%v]", path, k)
			g := got.MapIndex(k)
			if !g.IsValid() {
				c.problems = append(c.problems, fmt.Sprintf("%s is missing from the decoded map %s", kpath, show(got)))
				continue
			}
			c.compare(g, iter.Value(), kpath)
		}
	default:
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			c.lost(path, got, want)
		}
	}
}

// A guard that cannot fail guards nothing: check that it names a field a
// codec loses, and an excluded field that comes back.
func TestCodecGuardReports(t *testing.T) {
	t.Run("a lost field is named", func(t *testing.T) {
		in := fillRecord[pregonero.Delivery](t)
		got := in.Clone()
		got.Attempts[0].Reconciled = "" // as if the encoder forgot it
		c := &comparer{}
		c.compare(reflect.ValueOf(got).Elem(), reflect.ValueOf(in).Elem(), "Delivery")
		if len(c.problems) != 1 || !strings.HasPrefix(c.problems[0], "Delivery.Attempts[0].Reconciled = ") {
			t.Errorf("problems = %q, want one naming Delivery.Attempts[0].Reconciled", c.problems)
		}
	})
	t.Run("an excluded field that comes back is named", func(t *testing.T) {
		in := fillRecord[pregonero.Post](t)
		got := *in
		c := &comparer{}
		c.compare(reflect.ValueOf(&got).Elem(), reflect.ValueOf(in).Elem(), "Post")
		var named []string
		for _, p := range c.problems {
			named = append(named, p[:strings.Index(p, " ")])
		}
		if want := []string{"Post.Status", "Post.Deliveries", "Post.Warnings"}; !slices.Equal(named, want) {
			t.Errorf("problems name %q, want %q", named, want)
		}
	})
}
