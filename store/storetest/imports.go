package storetest

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"pregonero"
)

// TestImportStore runs the conformance suite of pregonero.ImportStore
// against the stores open returns, each of which must also be an
// ImportStore.
func TestImportStore(t *testing.T, open OpenFunc) {
	t.Run("CreateImport", func(t *testing.T) { testCreateImport(t, open) })
	t.Run("ImportConflict", func(t *testing.T) { testImportConflict(t, open) })
	t.Run("ImportDurability", func(t *testing.T) { testImportDurability(t, open) })
}

// imports returns the store under test as an ImportStore.
func (h *harness) imports() pregonero.ImportStore {
	h.t.Helper()
	is, ok := h.s.(pregonero.ImportStore)
	if !ok {
		h.t.Fatalf("%T is not a pregonero.ImportStore", h.s)
	}
	return is
}

// sampleImport returns an import of the posts, one row each from line 2.
func sampleImport(id string, posts ...*pregonero.Post) *pregonero.Import {
	imp := &pregonero.Import{ID: id, Filename: "publicaciones-diciembre.csv", Author: "ana", Rows: len(posts) + 1, Skipped: 1,
		Posts: []pregonero.ImportedPost{}, CreatedAt: base}
	for i, p := range posts {
		imp.Posts = append(imp.Posts, pregonero.ImportedPost{Row: i + 2, PostID: p.ID})
	}
	return imp
}

func sameImport(t *testing.T, got, want *pregonero.Import) {
	t.Helper()
	g, w := *got, *want
	g.CreatedAt, w.CreatedAt = g.CreatedAt.UTC(), w.CreatedAt.UTC()
	if !reflect.DeepEqual(g, w) {
		t.Errorf("import:\ngot  %+v\nwant %+v", g, w)
	}
}

func testCreateImport(t *testing.T, open OpenFunc) {
	t.Run("the posts and the record are stored together", func(t *testing.T) {
		h := newHarness(t, open)
		posts := []*pregonero.Post{NewPost(base.Add(time.Hour), "x-a"), NewPost(base.Add(2*time.Hour), "x-a", "fb-b")}
		imp := sampleImport("0f1e2d", posts...)
		if err := h.imports().CreateImport(h.ctx, imp, posts); err != nil {
			t.Fatalf("CreateImport() = %v", err)
		}
		got, err := h.imports().Import(h.ctx, imp.ID)
		if err != nil {
			t.Fatalf("Import() = %v", err)
		}
		sameImport(t, got, imp)
		for _, p := range posts {
			if got := h.post(p.ID); len(got.Deliveries) != len(p.Deliveries) {
				t.Errorf("post %s has %d deliveries, want %d", p.ID, len(got.Deliveries), len(p.Deliveries))
			}
		}
		due, ok, err := h.s.NextDue(h.ctx)
		if err != nil || !ok || !due.Equal(base.Add(time.Hour)) {
			t.Errorf("NextDue() = %v, %v, %v; want %v: imported deliveries are in the due index", due, ok, err, base.Add(time.Hour))
		}
	})
	t.Run("an import of no posts is stored", func(t *testing.T) {
		h := newHarness(t, open)
		imp := sampleImport("aa11")
		if err := h.imports().CreateImport(h.ctx, imp, nil); err != nil {
			t.Fatalf("CreateImport() = %v", err)
		}
		got, err := h.imports().Import(h.ctx, imp.ID)
		if err != nil {
			t.Fatalf("Import() = %v", err)
		}
		sameImport(t, got, imp)
	})
	t.Run("an unknown import is not found", func(t *testing.T) {
		h := newHarness(t, open)
		if _, err := h.imports().Import(h.ctx, "ffff"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Import(unknown) = %v, want not_found", err)
		}
	})
	t.Run("a record naming a post it does not store is refused", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(time.Hour), "x-a")
		imp := sampleImport("bb22", p)
		if err := h.imports().CreateImport(h.ctx, imp, nil); pregonero.ErrorCode(err) != pregonero.EINVALID {
			t.Errorf("CreateImport() = %v, want invalid", err)
		}
	})
}

func testImportConflict(t *testing.T, open OpenFunc) {
	t.Run("the same id again writes nothing", func(t *testing.T) {
		h := newHarness(t, open)
		first := NewPost(base.Add(time.Hour), "x-a")
		if err := h.imports().CreateImport(h.ctx, sampleImport("cc33", first), []*pregonero.Post{first}); err != nil {
			t.Fatalf("CreateImport() = %v", err)
		}
		second := NewPost(base.Add(time.Hour), "x-a")
		err := h.imports().CreateImport(h.ctx, sampleImport("cc33", second), []*pregonero.Post{second})
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("CreateImport(same id) = %v, want conflict", err)
		}
		if _, err := h.s.Post(h.ctx, second.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Post(second) = %v, want not_found: a refused import stores none of its posts", err)
		}
	})
	t.Run("the same id at once is written once", func(t *testing.T) {
		h := newHarness(t, open)
		posts := make([]*pregonero.Post, 8)
		errs := make([]error, len(posts))
		var wg sync.WaitGroup
		for i := range posts {
			posts[i] = NewPost(base.Add(time.Hour), "x-a")
			wg.Go(func() {
				errs[i] = h.imports().CreateImport(h.ctx, sampleImport("ee55", posts[i]), []*pregonero.Post{posts[i]})
			})
		}
		wg.Wait()
		written := 0
		for i, err := range errs {
			_, perr := h.s.Post(h.ctx, posts[i].ID)
			switch {
			case err == nil && perr == nil:
				written++
			case pregonero.ErrorCode(err) == pregonero.ECONFLICT && pregonero.ErrorCode(perr) == pregonero.ENOTFOUND:
			default:
				t.Errorf("import %d: %v, its post: %v; want written, or refused with nothing stored", i, err, perr)
			}
		}
		if written != 1 {
			t.Errorf("%d imports written, want 1", written)
		}
	})
	t.Run("a post that exists already fails the whole import", func(t *testing.T) {
		h := newHarness(t, open)
		old := NewPost(base.Add(time.Hour), "x-a")
		h.create(old)
		fresh := NewPost(base.Add(time.Hour), "x-a")
		err := h.imports().CreateImport(h.ctx, sampleImport("dd44", fresh, old), []*pregonero.Post{fresh, old})
		if pregonero.ErrorCode(err) != pregonero.ECONFLICT {
			t.Fatalf("CreateImport() = %v, want conflict", err)
		}
		if _, err := h.s.Post(h.ctx, fresh.ID); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Post(fresh) = %v, want not_found", err)
		}
		if _, err := h.imports().Import(h.ctx, "dd44"); pregonero.ErrorCode(err) != pregonero.ENOTFOUND {
			t.Errorf("Import() = %v, want not_found", err)
		}
	})
}

func testImportDurability(t *testing.T, open OpenFunc) {
	t.Run("the record survives a reopen", func(t *testing.T) {
		h := newHarness(t, open)
		p := NewPost(base.Add(time.Hour), "x-a")
		imp := sampleImport("ee55", p)
		if err := h.imports().CreateImport(h.ctx, imp, []*pregonero.Post{p}); err != nil {
			t.Fatalf("CreateImport() = %v", err)
		}
		h.reopen()
		got, err := h.imports().Import(h.ctx, imp.ID)
		if err != nil {
			t.Fatalf("Import() after reopen = %v", err)
		}
		sameImport(t, got, imp)
		h.post(p.ID)
	})
}
