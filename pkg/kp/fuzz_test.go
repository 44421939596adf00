package kp

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// The fuzz targets run each input under several endpoint-awareness
// configurations, check the invariants every parse must keep, and compare
// with refParse, a slow strings.Split implementation of the same rules.

type fuzzConfig struct {
	name  string
	aware func(string) bool
}

func fuzzConfigs() []fuzzConfig {
	return []fuzzConfig{
		{"mixed", aware},
		{"all-aware", func(string) bool { return true }},
		{"none-aware", func(string) bool { return false }},
	}
}

func FuzzParseTopic(f *testing.F) {
	f.Fuzz(func(t *testing.T, topic string) {
		for _, c := range fuzzConfigs() {
			var seen []string
			r, err := ParseTopic(topic, func(ext string) bool {
				seen = append(seen, ext)
				return c.aware(ext)
			})
			want, wantErr := refParse(topic, c.aware, false)
			checkAgainstRef(t, c.name, topic, r, err, want, wantErr)
			if err != nil {
				continue
			}
			if len(seen) != 1 || seen[0] != r.Extension {
				t.Fatalf("%s %q: endpointAware called with %q", c.name, topic, seen)
			}
			checkInvariants(t, topic, topic, r, c.aware)
			if len(r.StatusTopic()) > MaxTopicLen {
				t.Fatalf("%q: status topic over MQTT's limit", topic)
			}
			// The same address over HTTP parses the same, the id (if any)
			// staying in the resource path.
			h, err := ParseHTTPPath("/"+topic, c.aware)
			if err != nil {
				t.Fatalf("%q: MQTT accepts it, HTTP says %v", topic, err)
			}
			path := r.ResourcePath
			if r.HasRequestID {
				path += topic[strings.LastIndexByte(topic, '/'):]
			}
			if h.AppVersion != r.AppVersion || h.Extension != r.Extension || h.Token != r.Token || h.ResourcePath != path {
				t.Fatalf("%q: HTTP %+v, MQTT %+v", topic, h, r)
			}
		}
	})
}

func FuzzParseHTTPPath(f *testing.F) {
	f.Fuzz(func(t *testing.T, path string) {
		for _, c := range fuzzConfigs() {
			r, err := ParseHTTPPath(path, c.aware)
			want, wantErr := refParse(path, c.aware, true)
			checkAgainstRef(t, c.name, path, r, err, want, wantErr)
			if err != nil {
				continue
			}
			if r.HasRequestID || r.RequestID != 0 {
				t.Fatalf("%q: HTTP path got a request id", path)
			}
			checkInvariants(t, path, path[1:], r, c.aware)
		}
	})
}

// checkAgainstRef compares a parse with the reference: the same sentinel on
// error, the same Request on success.
func checkAgainstRef(t *testing.T, conf, in string, got Request, err error, want Request, wantErr error) {
	t.Helper()
	if err != nil {
		kinds := 0
		for _, e := range []error{ErrNotKP, ErrMalformed, ErrBadRequestID} {
			if errors.Is(err, e) {
				kinds++
			}
		}
		if kinds != 1 {
			t.Fatalf("%s %q: error %v wraps %d sentinels", conf, in, err, kinds)
		}
		if msg := err.Error(); len(msg) > 512 || !utf8.ValidString(msg) {
			t.Fatalf("%s %q: message of %d bytes: %q", conf, in, len(msg), msg)
		}
		if got != (Request{}) {
			t.Fatalf("%s %q: non-zero Request with an error: %+v", conf, in, got)
		}
	}
	if !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) {
		t.Fatalf("%s %q: error %v, reference says %v", conf, in, err, wantErr)
	}
	if got != want {
		t.Fatalf("%s %q:\ngot       %+v\nreference %+v", conf, in, got, want)
	}
}

// checkInvariants checks a successful parse of in, whose topic form is topic.
func checkInvariants(t *testing.T, in, topic string, r Request, aware func(string) bool) {
	t.Helper()
	if r.Topic != topic {
		t.Fatalf("%q: Topic %q, want %q", in, r.Topic, topic)
	}
	if r.AppVersion == "" || r.Extension == "" {
		t.Fatalf("%q: empty level in %+v", in, r)
	}
	if aware(r.Extension) != (r.Token != "") {
		t.Fatalf("%q: token %q for extension %q", in, r.Token, r.Extension)
	}
	for _, f := range []string{r.AppVersion, r.Extension, r.Token} {
		if strings.ContainsAny(f, "/+#\x00") || !utf8.ValidString(f) {
			t.Fatalf("%q: level %q has a separator, wildcard, NUL or bad UTF-8", in, f)
		}
	}
	p := r.ResourcePath
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "//") ||
		strings.ContainsAny(p, "+#\x00") || !utf8.ValidString(p) {
		t.Fatalf("%q: bad resource path %q", in, p)
	}
	id := ""
	if r.HasRequestID {
		if r.RequestID < 0 {
			t.Fatalf("%q: negative request id %d", in, r.RequestID)
		}
		id = topic[strings.LastIndexByte(topic, '/')+1:]
		if n, err := strconv.ParseInt(id, 10, 32); err != nil || n != int64(r.RequestID) {
			t.Fatalf("%q: request id %d from %q", in, r.RequestID, id)
		}
	} else if r.RequestID != 0 {
		t.Fatalf("%q: RequestID %d without HasRequestID", in, r.RequestID)
	}
	// Rebuilding the topic from the parts gives the input back.
	s := Prefix + "/" + r.AppVersion + "/" + r.Extension
	if r.Token != "" {
		s += "/" + r.Token
	}
	s += r.ResourcePath
	if r.HasRequestID {
		s += "/" + id
	}
	if s != topic {
		t.Fatalf("%q: rebuilt %q", in, s)
	}
	if !r.HasRequestID {
		if rt := ReplyTopic(r.AppVersion, r.Extension, r.Token, r.ResourcePath, 200); rt != r.StatusTopic() {
			t.Fatalf("%q: ReplyTopic %q, StatusTopic %q", in, rt, r.StatusTopic())
		}
	}
}

// refParse is the 1/KP addressing rules written as plainly as possible.
func refParse(in string, aware func(string) bool, isHTTP bool) (Request, error) {
	addr, limit := in, MaxTopicLen-len("/status")
	if isHTTP {
		if !strings.HasPrefix(in, "/") {
			return Request{}, ErrMalformed
		}
		addr, limit = in[1:], MaxTopicLen
	}
	if !strings.HasPrefix(addr, "kp1/") {
		return Request{}, ErrNotKP
	}
	if len(addr) > limit || strings.ContainsAny(addr, "+#\x00") || !utf8.ValidString(addr) {
		return Request{}, ErrMalformed
	}
	levels := strings.Split(addr, "/")
	for _, l := range levels {
		if l == "" {
			return Request{}, ErrMalformed
		}
	}
	if len(levels) < 4 {
		return Request{}, ErrMalformed
	}
	r := Request{Topic: addr, AppVersion: levels[1], Extension: levels[2]}
	rest := levels[3:]
	if aware(r.Extension) {
		r.Token, rest = rest[0], rest[1:]
	}
	if len(rest) == 0 {
		return Request{}, ErrMalformed
	}
	if last := rest[len(rest)-1]; !isHTTP && strings.Trim(last, "0123456789") == "" {
		if len(rest) == 1 {
			return Request{}, ErrMalformed
		}
		n, err := strconv.ParseInt(last, 10, 32)
		if err != nil {
			return Request{}, ErrBadRequestID
		}
		r.RequestID, r.HasRequestID = int32(n), true
		rest = rest[:len(rest)-1]
	}
	r.ResourcePath = "/" + strings.Join(rest, "/")
	return r, nil
}
