package fake_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"pregonero/adapters/youtube/fake"
)

func TestUploadQuota(t *testing.T) {
	e := newEnv(t, fake.Options{UploadsPerDay: 2}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	mustInsert(t, svc, "uno", 20)
	mustInsert(t, svc, "dos", 21)

	t.Run("the third insert of the day is quotaExceeded", func(t *testing.T) {
		_, err := insert(svc, newVideo("tres"), mp4(20<<10, 22), 1<<20)
		wantReason(t, err, 403, "quotaExceeded")
		if ge := apiErr(t, err); !strings.Contains(ge.Body, `"domain":"youtube.quota"`) {
			t.Errorf("body = %s, want domain youtube.quota", ge.Body)
		}
		if up, _ := e.f.Quota(); up != 2 {
			t.Errorf("uploads charged = %d, want 2", up)
		}
	})
	t.Run("a resumable initiation is refused the same way", func(t *testing.T) {
		_, err := insert(svc, newVideo("tres"), mp4(600<<10, 22), 256<<10)
		wantReason(t, err, 403, "quotaExceeded")
		if n := e.f.Sessions(); n != 0 {
			t.Errorf("sessions = %d, want 0", n)
		}
	})
	t.Run("the bucket is still spent a second before Pacific midnight", func(t *testing.T) {
		e.clock.Set(time.Date(2026, 11, 28, 7, 59, 59, 0, time.UTC)) // 23:59:59 PST
		_, err := insert(svc, newVideo("tres"), mp4(20<<10, 22), 1<<20)
		wantReason(t, err, 403, "quotaExceeded")
	})
	t.Run("the bucket resets at Pacific midnight", func(t *testing.T) {
		e.clock.Set(time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC))
		mustInsert(t, svc, "tres", 22)
		if up, _ := e.f.Quota(); up != 1 {
			t.Errorf("uploads charged = %d, want 1", up)
		}
	})
	t.Run("in summer the day ends at 07:00 UTC", func(t *testing.T) {
		s := newEnv(t, fake.Options{UploadsPerDay: 1}, "canal_uno")
		s.clock.Set(time.Date(2026, 7, 15, 6, 59, 0, 0, time.UTC)) // 23:59 PDT
		svc := s.staticService(t, "canal_uno")
		mustInsert(t, svc, "verano", 23)
		_, err := insert(svc, newVideo("verano 2"), mp4(20<<10, 24), 1<<20)
		wantReason(t, err, 403, "quotaExceeded")
		s.clock.Set(time.Date(2026, 7, 15, 7, 0, 0, 0, time.UTC))
		mustInsert(t, svc, "verano 2", 24)
	})
}

func TestUnitQuota(t *testing.T) {
	e := newEnv(t, fake.Options{UnitsPerDay: 52}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	v := mustInsert(t, svc, "unidades", 30)
	list := func() error {
		_, err := svc.Videos.List([]string{"id"}).Id(v.Id).Do()
		return err
	}
	if err := list(); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Thumbnails.Set(v.Id).Media(bytes.NewReader(jpegBytes(t))).Do(); err != nil {
		t.Fatal(err)
	}
	if up, units := e.f.Quota(); up != 1 || units != 51 {
		t.Errorf("quota = %d uploads, %d units; want 1, 51", up, units)
	}
	if err := list(); err != nil {
		t.Fatal(err)
	}
	t.Run("a call over the units left is quotaExceeded", func(t *testing.T) {
		wantReason(t, list(), 403, "quotaExceeded")
		wantReason(t, svc.Videos.Delete(v.Id).Do(), 403, "quotaExceeded")
	})
	t.Run("uploads have their own bucket", func(t *testing.T) {
		mustInsert(t, svc, "otro", 31)
	})
}

func TestChannelUploadLimit(t *testing.T) {
	e := newEnv(t, fake.Options{ChannelUploadsPerDay: 1}, "canal_uno")
	svc := e.staticService(t, "canal_uno")
	mustInsert(t, svc, "primero", 40)
	_, err := insert(svc, newVideo("segundo"), mp4(20<<10, 41), 1<<20)
	wantReason(t, err, 400, "uploadLimitExceeded")
	t.Run("another channel is not affected", func(t *testing.T) {
		mustInsert(t, e.staticService(t, "canal_dos"), "segundo", 41)
	})
	t.Run("the cap frees up 24 hours later", func(t *testing.T) {
		e.clock.Advance(23 * time.Hour)
		_, err := insert(svc, newVideo("segundo"), mp4(20<<10, 41), 1<<20)
		wantReason(t, err, 400, "uploadLimitExceeded")
		e.clock.Advance(time.Hour)
		if v, err := insert(svc, newVideo("segundo"), mp4(20<<10, 42), 1<<20); err != nil || v.Status.UploadStatus != "uploaded" {
			t.Errorf("insert: %v %+v", err, v)
		}
	})
}
