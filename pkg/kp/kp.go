package kp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Prefix is the first level of every 1/KP version 1 address.
const Prefix = "kp1"

// MaxTopicLen is the longest topic MQTT can carry (its length is a 16-bit
// field). Callers building their own reply topics can check against it.
const MaxTopicLen = 65535

// maxRequestTopicLen keeps room for the longest reply suffix, so that the
// reply to any accepted request is itself a valid MQTT topic: an encoder that
// writes the 16-bit length of a longer topic would corrupt the stream.
const maxRequestTopicLen = MaxTopicLen - len("/status")

// Request is one parsed 1/KP request address. All string fields are
// substrings of the parsed topic or path.
type Request struct {
	// Topic is the original MQTT topic (for HTTP: the path without its leading
	// slash); reply topics append to it.
	Topic        string
	AppVersion   string // <appversion_name>
	Extension    string // <extension_instance_name>
	Token        string // endpoint token; "" for endpoint-unaware extensions
	ResourcePath string // the rest, with its leading slash: "/ping", "/config/json"
	RequestID    int32  // valid only when HasRequestID
	HasRequestID bool
}

// ParseTopic parses an MQTT PUBLISH topic. endpointAware reports whether the
// named extension instance is endpoint-aware (the level after it is then an
// endpoint token); it is called once, with the extension level, and only when
// the topic gets that far.
//
// A last level made only of ASCII digits (0 and leading zeros included) is
// the request id and is not part of the resource path; it must fit in a
// non-negative int32, otherwise the error is ErrBadRequestID. A topic longer
// than MaxTopicLen-len("/status") is ErrMalformed, since its reply topic
// could not be sent.
func ParseTopic(topic string, endpointAware func(extension string) bool) (Request, error) {
	if !strings.HasPrefix(topic, Prefix+"/") {
		return Request{}, fmt.Errorf("kp: topic %s does not start with %q: %w", quote(topic), Prefix+"/", ErrNotKP)
	}
	return parse(topic, 0, endpointAware)
}

// ParseHTTPPath parses "/kp1/<app>/<ext>[/<token>]/<resource...>"; the
// leading slash is required. HTTP has no request id, so a last level of
// digits stays part of the resource path. Request.Topic is the path without
// its leading slash. path is the decoded URL path (net/url's URL.Path).
func ParseHTTPPath(path string, endpointAware func(extension string) bool) (Request, error) {
	if !strings.HasPrefix(path, "/") {
		return Request{}, fmt.Errorf("kp: path %s does not start with a slash: %w", quote(path), ErrMalformed)
	}
	if !strings.HasPrefix(path[1:], Prefix+"/") {
		return Request{}, fmt.Errorf("kp: path %s does not start with %q: %w", quote(path), "/"+Prefix+"/", ErrNotKP)
	}
	return parse(path[1:], 1, endpointAware)
}

// Parser stages: which field the current level is.
const (
	stApp = iota
	stExt
	stToken
	stResource
)

// stageName names a stage for error messages.
func stageName(st int) string {
	switch st {
	case stApp:
		return "application version"
	case stExt:
		return "extension instance"
	case stToken:
		return "endpoint token"
	}
	return "resource path"
}

// parse splits addr, which starts with "kp1/", in one pass. off is the number
// of bytes the caller stripped from its input (the HTTP leading slash): error
// offsets are reported in the caller's coordinates, and off != 0 also means
// HTTP, which has no request id and no reply topic to leave room for.
func parse(addr string, off int, endpointAware func(string) bool) (Request, error) {
	isHTTP := off != 0
	noun, limit := "topic", maxRequestTopicLen
	if isHTTP {
		noun, limit = "path", MaxTopicLen
	}
	if len(addr) > limit {
		why := ""
		if !isHTTP {
			why = " (MQTT's limit less room for the reply suffix)"
		}
		return Request{}, fmt.Errorf("kp: %s of %d bytes is longer than %d%s: %w", noun, len(addr)+off, limit+off, why, ErrMalformed)
	}

	r := Request{Topic: addr}
	st := stApp
	level := 2 // 1-based number of the current level; "kp1" is level 1
	start := len(Prefix) + 1
	resStart, lastStart, nres := 0, 0, 0 // resource path start (its slash), last level start, resource levels
	for i := start; ; i++ {
		// Skip to the next byte that is not an ordinary ASCII character.
		for i < len(addr) && !special(addr[i]) {
			i++
		}
		if i < len(addr) && addr[i] != '/' {
			if addr[i] < utf8.RuneSelf {
				return Request{}, badByte(addr, i, off, st, level)
			}
			ru, size := utf8.DecodeRuneInString(addr[i:])
			if ru == utf8.RuneError && size == 1 {
				return Request{}, badByte(addr, i, off, st, level)
			}
			i += size - 1
			continue
		}
		// addr[start:i] is a complete level.
		if i == start {
			where := fmt.Sprintf("double slash at offset %d", i-1+off)
			if i == len(addr) {
				where = "trailing slash"
			}
			return Request{}, fmt.Errorf("kp: empty %s level %d (%s): %w", stageName(st), level, where, ErrMalformed)
		}
		switch st {
		case stApp:
			r.AppVersion = addr[start:i]
			st = stExt
		case stExt:
			r.Extension = addr[start:i]
			st = stResource
			if endpointAware(r.Extension) {
				st = stToken
			}
		case stToken:
			r.Token = addr[start:i]
			st = stResource
		default:
			if nres == 0 {
				resStart = start - 1
			}
			nres++
			lastStart = start
		}
		if i == len(addr) {
			break
		}
		start = i + 1
		level++
	}

	switch {
	case st == stExt:
		return Request{}, fmt.Errorf("kp: no extension instance level after application version %s: %w", quote(r.AppVersion), ErrMalformed)
	case st == stToken:
		return Request{}, fmt.Errorf("kp: no endpoint token after endpoint-aware extension %s: %w", quote(r.Extension), ErrMalformed)
	case nres == 0 && r.Token != "":
		return Request{}, fmt.Errorf("kp: no resource path after endpoint token %s: %w", quote(r.Token), ErrMalformed)
	case nres == 0:
		return Request{}, fmt.Errorf("kp: no resource path after endpoint-unaware extension %s: %w", quote(r.Extension), ErrMalformed)
	}
	if !isHTTP {
		if last := addr[lastStart:]; isDigits(last) {
			if nres == 1 {
				// The only level after the extension (or token) is an id: the resource itself is missing.
				return Request{}, fmt.Errorf("kp: no resource path before request id %s: %w", quote(last), ErrMalformed)
			}
			id, ok := parseID(last)
			if !ok {
				return Request{}, fmt.Errorf("kp: request id %s does not fit in int32: %w", quote(last), ErrBadRequestID)
			}
			r.RequestID, r.HasRequestID = id, true
			r.ResourcePath = addr[resStart : lastStart-1]
			return r, nil
		}
	}
	r.ResourcePath = addr[resStart:]
	return r, nil
}

// specialASCII has a bit set for each ASCII byte below 64 that parse must
// look at: the level separator, the MQTT wildcards and NUL.
const specialASCII uint64 = 1<<'/' | 1<<'+' | 1<<'#' | 1<<0

// special reports whether c is not an ordinary character: a separator,
// wildcard, NUL, or the first byte of a multi-byte UTF-8 sequence.
func special(c byte) bool {
	return c >= utf8.RuneSelf || c < 64 && specialASCII>>c&1 != 0
}

// badByte describes the forbidden byte at addr[i]; it is out of parse's loop
// to keep the loop small.
func badByte(addr string, i, off, st, level int) error {
	var what string
	switch c := addr[i]; {
	case c == 0:
		what = "NUL byte"
	case c == '+' || c == '#':
		what = fmt.Sprintf("wildcard %q", c)
	default:
		what = fmt.Sprintf("invalid UTF-8 byte %#x", c)
	}
	return fmt.Errorf("kp: %s in %s level %d at offset %d: %w", what, stageName(st), level, i+off, ErrMalformed)
}

// isDigits reports whether s is one or more ASCII digits.
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

// parseID converts ASCII digits to an int32; leading zeros are allowed in any
// number, so only the significant digits count toward overflow.
func parseID(s string) (int32, bool) {
	s = strings.TrimLeft(s, "0")
	if len(s) > 10 { // MaxInt32 has 10 digits
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		n = n*10 + int64(s[i]-'0')
	}
	if n > math.MaxInt32 {
		return 0, false
	}
	return int32(n), true
}

// quote renders untrusted input for an error message; messages go back to
// clients as reason phrases, so long input is cut short.
func quote(s string) string {
	const max = 64
	if len(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:max]) + "..."
}

// StatusTopic is where a successful reply to r goes: r.Topic + "/status".
func (r Request) StatusTopic() string { return r.Topic + "/status" }

// ErrorTopic is where an error reply to r goes: r.Topic + "/error".
func (r Request) ErrorTopic() string { return r.Topic + "/error" }

// ReplyTopic builds the topic of an extension-initiated message (one that
// answers no request): kp1/<app>/<ext>[/<token>]<resourcePath>/status, or
// /error for statusCode >= 400. token "" means an endpoint-unaware extension,
// whose address has no token level. resourcePath should start with a slash;
// one is inserted if it does not. The parts are not validated.
func ReplyTopic(appVersion, extension, token, resourcePath string, statusCode int) string {
	suffix := "/status"
	if statusCode >= 400 {
		suffix = "/error"
	}
	var b strings.Builder
	b.Grow(len(Prefix) + len(appVersion) + len(extension) + len(token) + len(resourcePath) + len(suffix) + 4)
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
	b.WriteString(suffix)
	return b.String()
}
