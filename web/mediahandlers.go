package web

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"

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
	writeJSON(w, http.StatusOK, m)
	return nil
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
