package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"

	"pregonero"
	"pregonero/media"
)

// multipartOverhead is the room left beyond the file size for the
// multipart envelope and the alt text.
const multipartOverhead = 1 << 20

// handleUploadMedia streams the file part of a multipart upload straight
// into the library: nothing is buffered in memory or spooled twice.
func (s *Server) handleUploadMedia(w http.ResponseWriter, r *http.Request) error {
	if s.media == nil {
		return pregonero.Errorf(pregonero.EUNAVAILABLE, "Media uploads are not configured on this server.")
	}
	ctx := r.Context()
	r.Body = http.MaxBytesReader(w, r.Body, s.media.MaxSize()+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return malformedError{pregonero.Invalid([]pregonero.FieldError{{Field: "body", Code: pregonero.FieldInvalid,
			Message: "Send the upload as multipart/form-data with the file in a field named file."}})}
	}
	var (
		m       *pregonero.Media
		alt     string
		haveAlt bool
	)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		} else if err != nil {
			return uploadError(err)
		}
		switch part.FormName() {
		case "file":
			if m != nil {
				return pregonero.Invalid([]pregonero.FieldError{{Field: "file", Code: pregonero.FieldTooMany, Limit: 1,
					Message: "Upload one file per request."}})
			}
			m, err = s.media.Put(ctx, partReader{part}, part.FileName(), alt)
			if err != nil {
				return err
			}
		case "alt_text":
			// Four bytes per character at most, plus one to notice more.
			b, err := io.ReadAll(io.LimitReader(partReader{part}, 4*media.MaxAltTextLength+1))
			if err != nil {
				return err
			}
			if len(b) > 4*media.MaxAltTextLength {
				return pregonero.Invalid([]pregonero.FieldError{{Field: "alt_text", Code: pregonero.FieldTooLong, Limit: media.MaxAltTextLength,
					Message: fmt.Sprintf("The alt text is longer than %d characters.", media.MaxAltTextLength)}})
			}
			alt, haveAlt = string(b), true
		default:
			return pregonero.Invalid([]pregonero.FieldError{{Field: part.FormName(), Code: pregonero.FieldUnknown, Actual: part.FormName(),
				Message: fmt.Sprintf("Unknown form field %q; send file and optionally alt_text.", part.FormName())}})
		}
		part.Close()
	}
	if m == nil {
		return pregonero.Invalid([]pregonero.FieldError{{Field: "file", Code: pregonero.FieldRequired,
			Message: "Attach the file in a form field named file."}})
	}
	if haveAlt && alt != "" && alt != m.AltText {
		// The alt text came after the file in the form.
		if m, err = s.media.SetAltText(ctx, m.ID, alt); err != nil {
			return err
		}
	}
	m.CreatedAt = m.CreatedAt.UTC()
	w.Header().Set("Location", "/api/v1/media/"+url.PathEscape(m.ID))
	writeJSON(w, http.StatusCreated, m)
	return nil
}

// mediaView is a media record as GET /api/v1/media/{id} shows it.
type mediaView struct {
	*pregonero.Media
	// URL is a freshly signed public URL of the bytes, when the server
	// has a public_url.
	URL string `json:"url,omitempty"`
}

func (s *Server) handleGetMedia(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var m *pregonero.Media
	var err error
	if s.media != nil {
		m, err = s.media.Media(r.Context(), id)
	} else {
		m, err = s.store.Media(r.Context(), id)
	}
	if err != nil {
		return err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	v := mediaView{Media: m}
	if s.media != nil {
		v.URL = s.media.SignedURL(m.ID)
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// handlePublicMedia serves the bytes of a media file to whoever holds a
// signed URL of it (GET and HEAD /media/{id}?exp=&sig=): Instagram's
// servers fetch the photos and videos of a post this way. Ranges and
// conditional requests are answered by http.ServeContent.
func (s *Server) handlePublicMedia(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	fail := func(err error) {
		h.Set("Cache-Control", "no-store")
		s.writeError(w, r, err)
	}
	var signer *media.Signer
	if s.media != nil {
		signer = s.media.Signer()
	}
	if signer == nil {
		fail(pregonero.Errorf(pregonero.EFORBIDDEN, "Public media links are not enabled on this server: public_url is not configured."))
		return
	}
	id := r.PathValue("id")
	q := r.URL.Query()
	exp := q.Get("exp")
	if err := signer.Verify(id, exp, q.Get("sig")); errors.Is(err, media.ErrURLExpired) {
		fail(pregonero.Errorf(pregonero.EFORBIDDEN, "This media link expired; ask for a new one."))
		return
	} else if err != nil {
		fail(pregonero.Errorf(pregonero.EFORBIDDEN, "This media link is not valid: its signature is missing or wrong."))
		return
	}
	f, m, err := s.media.OpenFile(r.Context(), id)
	if err != nil {
		fail(err)
		return
	}
	defer f.Close()
	expires, _ := strconv.ParseInt(exp, 10, 64) // Verify checked it
	maxAge := max(0, expires-s.now().Unix())
	h.Set("Content-Type", m.MIME)
	h.Set("ETag", `"`+m.SHA256+`"`)
	h.Set("Cache-Control", "private, max-age="+strconv.FormatInt(maxAge, 10))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", "inline")
	http.ServeContent(w, r, "", m.CreatedAt, f)
}

// partReader turns read failures of a multipart part, which are the
// client's doing (a cut or malformed body), into application errors, so
// they are not answered as internal errors.
type partReader struct{ p *multipart.Part }

func (r partReader) Read(b []byte) (int, error) {
	n, err := r.p.Read(b)
	if err != nil && err != io.EOF {
		return n, uploadError(err)
	}
	return n, err
}

func uploadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return tooLarge("body", mbe.Limit)
	}
	return malformedError{pregonero.Invalid([]pregonero.FieldError{{Field: "body", Code: pregonero.FieldInvalid,
		Message: fmt.Sprintf("The multipart upload is malformed: %v.", err)}})}
}
