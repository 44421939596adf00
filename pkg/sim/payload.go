package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// payloadTemplate is a request payload with placeholders: {{endpoint}} (the
// endpoint's number), {{token}}, {{seq}} (the request's number on its
// endpoint) and {{time}} (Unix milliseconds when sent).
type payloadTemplate struct {
	parts      []tplPart
	perRequest bool // has {{seq}} or {{time}}
}

type tplPart struct {
	lit string
	v   string // placeholder name, or "" for a literal
}

var placeholders = map[string]bool{"endpoint": false, "token": false, "seq": true, "time": true}

func parseTemplate(s string) (payloadTemplate, error) {
	var t payloadTemplate
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return t, fmt.Errorf("payload template: %q has no closing }}", s[i:])
		}
		name := strings.TrimSpace(s[i+2 : i+j])
		perReq, ok := placeholders[name]
		if !ok {
			return t, fmt.Errorf("payload template: unknown placeholder {{%s}} (endpoint, token, seq, time)", name)
		}
		if i > 0 {
			t.parts = append(t.parts, tplPart{lit: s[:i]})
		}
		t.parts = append(t.parts, tplPart{v: name})
		t.perRequest = t.perRequest || perReq
		s = s[i+j+2:]
	}
	if s != "" {
		t.parts = append(t.parts, tplPart{lit: s})
	}
	return t, nil
}

// render expands the template for endpoint i (token tok), request seq.
func (t payloadTemplate) render(i int, tok string, seq uint64, now time.Time) []byte {
	var b []byte
	for _, p := range t.parts {
		switch p.v {
		case "":
			b = append(b, p.lit...)
		case "endpoint":
			b = strconv.AppendInt(b, int64(i), 10)
		case "token":
			b = append(b, tok...)
		case "seq":
			b = strconv.AppendUint(b, seq, 10)
		case "time":
			b = strconv.AppendInt(b, now.UnixMilli(), 10)
		}
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// hasPlaceholders reports whether the template renders differently per
// endpoint or request.
func (t payloadTemplate) hasPlaceholders() bool {
	for _, p := range t.parts {
		if p.v != "" {
			return true
		}
	}
	return false
}

// CheckPayloadTemplate reports whether s is a valid Options.Payload.
func CheckPayloadTemplate(s string) error {
	_, err := parseTemplate(s)
	return err
}
