package kp

import (
	"encoding/json"
	"net/http"
)

// ErrorBody is the 1/KP error reply (kaa-rfcs/0001/0001-error-response.schema.json).
type ErrorBody struct {
	StatusCode   int    `json:"statusCode"`
	ReasonPhrase string `json:"reasonPhrase"`
}

// ErrorPayload returns the JSON of an ErrorBody. The schema requires a
// reason phrase, so an empty reason becomes http.StatusText(code), or "Error"
// for a code without one. Invalid UTF-8 in reason is replaced with U+FFFD, as
// 1/KP error bodies must be UTF-8.
func ErrorPayload(code int, reason string) []byte {
	if reason == "" {
		reason = http.StatusText(code)
	}
	if reason == "" {
		reason = "Error"
	}
	// Marshalling a struct of an int and a string cannot fail.
	b, _ := json.Marshal(ErrorBody{StatusCode: code, ReasonPhrase: reason})
	return b
}
