package fake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// Problem types X uses; the host is the historical api.twitter.com one,
// which clients match by suffix.
const (
	typeInvalidRequest = "https://api.twitter.com/2/problems/invalid-request"
	typeNotFound       = "https://api.twitter.com/2/problems/resource-not-found"
	// typeNotAuthorizedForField is the field-level authorization problem:
	// a field of a post the caller may not see (another user's private
	// metrics), reported in errors[] beside the data.
	typeNotAuthorizedForField = "https://api.twitter.com/2/problems/not-authorized-for-field"
)

// Messages X sends verbatim; clients and scripts match on them.
const (
	detailDuplicate = "You are not allowed to create a Tweet with duplicate content."
	detailTooLong   = "Your Tweet text is too long. For more information on how X determines text length see https://github.com/twitter/twitter-text."
	detailInvalid   = "One or more parameters to your request was invalid."
)

// problem is an RFC 7807 problem in the field order X writes it.
type problem struct {
	Title  string `json:"title"`
	Type   string `json:"type"`
	Status int    `json:"status,omitempty"`
	Detail string `json:"detail"`
}

// duplicateProblem keeps the exact field order of X's duplicate answer,
// which clients have been seen to log and compare verbatim.
type duplicateProblem struct {
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
}

// apiError is one entry of an errors array: a field-level problem inside
// an otherwise successful answer, or a parameter error of invalid-request.
type apiError struct {
	Value        string              `json:"value,omitempty"`
	Detail       string              `json:"detail,omitempty"`
	Title        string              `json:"title,omitempty"`
	ResourceType string              `json:"resource_type,omitempty"`
	Field        string              `json:"field,omitempty"`
	Parameter    string              `json:"parameter,omitempty"`
	ResourceID   string              `json:"resource_id,omitempty"`
	Section      string              `json:"section,omitempty"`
	Parameters   map[string][]string `json:"parameters,omitempty"`
	Message      string              `json:"message,omitempty"`
	Type         string              `json:"type,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	writeBody(w, status, "application/json; charset=utf-8", v)
}

func writeProblemJSON(w http.ResponseWriter, status int, v any) {
	writeBody(w, status, "application/problem+json", v)
}

func writeBody(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b) // a failed write means the client hung up
}

// writeProblem answers status with X's generic problem for it.
func writeProblem(w http.ResponseWriter, status int, detail string) {
	title := http.StatusText(status)
	if detail == "" {
		detail = title
	}
	writeProblemJSON(w, status, problem{Title: title, Type: "about:blank", Status: status, Detail: detail})
}

func writeUnauthorized(w http.ResponseWriter) {
	writeProblem(w, http.StatusUnauthorized, "Unauthorized")
}

// writeTooMany is the 429 answer X gives when a rate window is spent.
func writeTooMany(w http.ResponseWriter) {
	writeProblemJSON(w, http.StatusTooManyRequests, struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
		Type   string `json:"type"`
		Status int    `json:"status"`
	}{"Too Many Requests", "Too Many Requests", "about:blank", http.StatusTooManyRequests})
}

// writeInvalid answers 400 invalid-request with one error per message;
// param names the offending parameter and values its values.
func writeInvalid(w http.ResponseWriter, param string, values []string, messages ...string) {
	body := struct {
		Errors []apiError `json:"errors"`
		Title  string     `json:"title"`
		Detail string     `json:"detail"`
		Type   string     `json:"type"`
	}{Title: "Invalid Request", Detail: detailInvalid, Type: typeInvalidRequest}
	for _, m := range messages {
		e := apiError{Message: m}
		if param != "" {
			if values == nil {
				values = []string{}
			}
			e.Parameters = map[string][]string{param: values}
		}
		body.Errors = append(body.Errors, e)
	}
	writeProblemJSON(w, http.StatusBadRequest, body)
}

// writeSchemaErrors answers 400 invalid-request with one entry per
// violation of a body's schema.
func writeSchemaErrors(w http.ResponseWriter, errs []schemaError) {
	body := struct {
		Errors []apiError `json:"errors"`
		Title  string     `json:"title"`
		Detail string     `json:"detail"`
		Type   string     `json:"type"`
	}{Title: "Invalid Request", Detail: detailInvalid, Type: typeInvalidRequest}
	for _, e := range errs {
		body.Errors = append(body.Errors, e.apiError())
	}
	writeProblemJSON(w, http.StatusBadRequest, body)
}

// notFoundError is the resource-not-found entry X puts in errors[] for a
// post it cannot find.
func notFoundError(resource, param, id string) apiError {
	return apiError{
		Value:        id,
		Detail:       "Could not find " + resource + " with " + param + ": [" + id + "].",
		Title:        "Not Found Error",
		ResourceType: resource,
		Parameter:    param,
		ResourceID:   id,
		Type:         typeNotFound,
	}
}

// quoteList formats allowed values the way X's parameter errors list them.
func quoteList(vs []string) string { return "[" + strings.Join(vs, ",") + "]" }
