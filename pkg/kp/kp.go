package kp

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Prefix is the first level of every 1/KP version 1 topic.
const Prefix = "kp1"

// maxTopicLen is MQTT's topic length limit.
const maxTopicLen = 65535

// Request is one parsed 1/KP request address.
type Request struct {
	// Topic is the original MQTT topic (for HTTP: the path without its leading
	// slash); reply topics append to it.
	Topic        string
	AppVersion   string
	Extension    string
	Token        string // "" for endpoint-unaware extensions
	ResourcePath string // with its leading slash: "/json", "/config/json"
	RequestID    int32  // valid when HasRequestID
	HasRequestID bool
}

// ParseTopic parses an MQTT PUBLISH topic. endpointAware tells whether the
// level after an extension is an endpoint token. A last level of ASCII digits
// (0 and leading zeros included) is the request id, not part of the resource path.
func ParseTopic(topic string, endpointAware func(extension string) bool) (Request, error) {
	return parse(topic, topic, endpointAware, true)
}

// ParseHTTPPath parses "/kp1/<app>/<ext>/<token>/<resource...>". HTTP has no
// request id: a last level of digits stays in the resource path.
func ParseHTTPPath(path string, endpointAware func(extension string) bool) (Request, error) {
	if !strings.HasPrefix(path, "/") {
		return Request{}, fmt.Errorf("kp: path %q does not start with /: %w", path, ErrMalformed)
	}
	return parse(path[1:], path, endpointAware, false)
}

func parse(topic, orig string, endpointAware func(string) bool, withID bool) (Request, error) {
	if len(topic) > maxTopicLen {
		return Request{}, fmt.Errorf("kp: topic of %d bytes is over %d: %w", len(topic), maxTopicLen, ErrMalformed)
	}
	rest, ok := strings.CutPrefix(topic, Prefix+"/")
	if !ok {
		return Request{}, fmt.Errorf("kp: %q does not start with %s/: %w", orig, Prefix, ErrNotKP)
	}
	if i := strings.IndexAny(rest, "+#\x00"); i >= 0 {
		return Request{}, fmt.Errorf("kp: character %q not allowed in a topic: %w", rest[i], ErrMalformed)
	}
	if !utf8.ValidString(rest) {
		return Request{}, fmt.Errorf("kp: topic is not valid UTF-8: %w", ErrMalformed)
	}
	r := Request{Topic: topic}
	var level string
	level, rest, _ = strings.Cut(rest, "/")
	if level == "" {
		return Request{}, fmt.Errorf("kp: empty application version level: %w", ErrMalformed)
	}
	r.AppVersion = level
	level, rest, ok = strings.Cut(rest, "/")
	if level == "" {
		return Request{}, fmt.Errorf("kp: empty extension instance level: %w", ErrMalformed)
	}
	r.Extension = level
	if !ok {
		return Request{}, fmt.Errorf("kp: no resource path after extension %q: %w", r.Extension, ErrMalformed)
	}
	if endpointAware(r.Extension) {
		level, rest, ok = strings.Cut(rest, "/")
		if level == "" {
			return Request{}, fmt.Errorf("kp: empty endpoint token level: %w", ErrMalformed)
		}
		r.Token = level
		if !ok {
			return Request{}, fmt.Errorf("kp: no resource path after endpoint token: %w", ErrMalformed)
		}
	}
	// rest is now resource[/...][/id]; check for empty levels in one pass.
	if rest == "" || rest[0] == '/' || rest[len(rest)-1] == '/' || strings.Contains(rest, "//") {
		return Request{}, fmt.Errorf("kp: empty level in resource path %q: %w", rest, ErrMalformed)
	}
	start := len(topic) - len(rest) // offset of the first resource level
	if withID {
		last := rest
		if i := strings.LastIndexByte(rest, '/'); i >= 0 {
			last = rest[i+1:]
		}
		if isDigits(last) {
			if len(last) == len(rest) {
				return Request{}, fmt.Errorf("kp: no resource path before request id %s: %w", last, ErrMalformed)
			}
			id, err := strconv.ParseUint(last, 10, 31)
			if err != nil || id > math.MaxInt32 {
				return Request{}, fmt.Errorf("kp: request id %s: %w", last, ErrBadRequestID)
			}
			r.RequestID, r.HasRequestID = int32(id), true
			rest = rest[:len(rest)-len(last)-1]
		}
	}
	r.ResourcePath = topic[start-1 : start+len(rest)]
	return r, nil
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// StatusTopic is where a successful reply to r goes.
func (r Request) StatusTopic() string { return r.Topic + "/status" }

// ErrorTopic is where an error reply to r goes.
func (r Request) ErrorTopic() string { return r.Topic + "/error" }

// ReplyTopic builds the topic of an extension-initiated message:
// kp1/<app>/<ext>[/<token>]<resourcePath>/status, or /error for statusCode >= 400.
func ReplyTopic(appVersion, extension, token, resourcePath string, statusCode int) string {
	var b strings.Builder
	b.Grow(len(Prefix) + len(appVersion) + len(extension) + len(token) + len(resourcePath) + 12)
	b.WriteString(Prefix)
	b.WriteByte('/')
	b.WriteString(appVersion)
	b.WriteByte('/')
	b.WriteString(extension)
	if token != "" {
		b.WriteByte('/')
		b.WriteString(token)
	}
	if !strings.HasPrefix(resourcePath, "/") {
		b.WriteByte('/')
	}
	b.WriteString(resourcePath)
	if statusCode >= 400 {
		b.WriteString("/error")
	} else {
		b.WriteString("/status")
	}
	return b.String()
}

// ErrorBody is the 1/KP error reply (kaa-rfcs/0001/0001-error-response.schema.json).
type ErrorBody struct {
	StatusCode   int    `json:"statusCode"`
	ReasonPhrase string `json:"reasonPhrase"`
}

// ErrorPayload is the JSON of an ErrorBody; an empty reason becomes the
// status text.
func ErrorPayload(code int, reason string) []byte {
	if reason == "" {
		reason = http.StatusText(code)
	}
	if reason == "" {
		reason = "Error"
	}
	b, _ := json.Marshal(ErrorBody{StatusCode: code, ReasonPhrase: reason})
	return b
}
