package kp

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// aware is the test configuration: every extension is endpoint-aware except
// epr (endpoint registration) and u.
func aware(ext string) bool { return ext != "epr" && ext != "u" }

func short(s string) string {
	if len(s) > 48 {
		return strconv.Quote(s[:48]) + "..."
	}
	return strconv.Quote(s)
}

type parseCase struct {
	in      string
	want    Request // Topic is filled in by the test
	wantErr error
	msg     string // substring the error message must contain
}

func TestParseTopic(t *testing.T) {
	maxOK := "kp1/a/e/tok/" + strings.Repeat("x", maxRequestTopicLen-len("kp1/a/e/tok/"))
	tests := []parseCase{
		// Examples from the brief and the RFC.
		{in: "kp1/app-v1/echo/tok1/ping/7", want: Request{AppVersion: "app-v1", Extension: "echo", Token: "tok1", ResourcePath: "/ping", RequestID: 7, HasRequestID: true}},
		{in: "kp1/app-v1/bcx/tok/token", want: Request{AppVersion: "app-v1", Extension: "bcx", Token: "tok", ResourcePath: "/token"}},
		{in: "kp1/a/cmx/tok/config/json/42", want: Request{AppVersion: "a", Extension: "cmx", Token: "tok", ResourcePath: "/config/json", RequestID: 42, HasRequestID: true}},
		{in: "kp1/a/e/tok/x/0", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x", HasRequestID: true}},
		{in: "kp1/a/e/tok/x/007", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x", RequestID: 7, HasRequestID: true}},
		{in: "kp1/a/epr/register/5", want: Request{AppVersion: "a", Extension: "epr", ResourcePath: "/register", RequestID: 5, HasRequestID: true}},
		{in: "kp1/a/epr/register", want: Request{AppVersion: "a", Extension: "epr", ResourcePath: "/register"}},
		{in: "kp1/a/u/x/y/z", want: Request{AppVersion: "a", Extension: "u", ResourcePath: "/x/y/z"}},
		{in: "kp1/a/cex/tok/command/reboot", want: Request{AppVersion: "a", Extension: "cex", Token: "tok", ResourcePath: "/command/reboot"}},
		// Request id edge cases: int32 bounds, leading zeros of any length.
		{in: "kp1/a/e/tok/x/2147483647", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x", RequestID: 2147483647, HasRequestID: true}},
		{in: "kp1/a/e/tok/x/000000000002147483647", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x", RequestID: 2147483647, HasRequestID: true}},
		{in: "kp1/a/e/tok/x/" + strings.Repeat("0", 40), want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x", HasRequestID: true}},
		{in: "kp1/a/e/tok/x/2147483648", wantErr: ErrBadRequestID, msg: `request id "2147483648" does not fit in int32`},
		{in: "kp1/a/e/tok/x/4294967296", wantErr: ErrBadRequestID},
		{in: "kp1/a/e/tok/x/99999999999999999999", wantErr: ErrBadRequestID},
		{in: "kp1/a/e/tok/x/10000000000", wantErr: ErrBadRequestID},
		// Only the last level can be an id, and only if it is all ASCII digits.
		{in: "kp1/a/e/tok/1/2", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/1", RequestID: 2, HasRequestID: true}},
		{in: "kp1/a/e/tok/7/x", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/7/x"}},
		{in: "kp1/a/e/tok/7x", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/7x"}},
		{in: "kp1/a/e/tok/x/-1", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x/-1"}},
		{in: "kp1/a/e/tok/x/1.5", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x/1.5"}},
		{in: "kp1/a/e/tok/x/\u0667", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x/\u0667"}}, // Arabic-Indic seven
		{in: "kp1/a/e/tok/x/y/status", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x/y/status"}},
		// Digits are fine in the fixed levels.
		{in: "kp1/1/2/3/4/5", want: Request{AppVersion: "1", Extension: "2", Token: "3", ResourcePath: "/4", RequestID: 5, HasRequestID: true}},
		// Any valid UTF-8 other than the forbidden characters.
		{in: "kp1/ä/e/tök/ü", want: Request{AppVersion: "ä", Extension: "e", Token: "tök", ResourcePath: "/ü"}},
		{in: "kp1/a/e/t k/a b", want: Request{AppVersion: "a", Extension: "e", Token: "t k", ResourcePath: "/a b"}},
		{in: "kp1/a/e/\uFFFD/x", want: Request{AppVersion: "a", Extension: "e", Token: "\uFFFD", ResourcePath: "/x"}},
		{in: "kp1/a/e/😀/.", want: Request{AppVersion: "a", Extension: "e", Token: "😀", ResourcePath: "/."}},
		{in: maxOK, want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: maxOK[len("kp1/a/e/tok"):]}},

		// Not 1/KP at all.
		{in: "", wantErr: ErrNotKP},
		{in: "kp1", wantErr: ErrNotKP},
		{in: "kp2/a/e/tok/x", wantErr: ErrNotKP, msg: `topic "kp2/a/e/tok/x" does not start with "kp1/"`},
		{in: "KP1/a/e/tok/x", wantErr: ErrNotKP},
		{in: "kp10/a/e/tok/x", wantErr: ErrNotKP},
		{in: "/kp1/a/e/tok/x", wantErr: ErrNotKP},
		{in: "x" + strings.Repeat("y", 70000), wantErr: ErrNotKP},
		// Too few levels, missing token or resource path.
		{in: "kp1/", wantErr: ErrMalformed, msg: "empty application version level 2 (trailing slash)"},
		{in: "kp1/a", wantErr: ErrMalformed, msg: `no extension instance level after application version "a"`},
		{in: "kp1/a/e", wantErr: ErrMalformed, msg: `no endpoint token after endpoint-aware extension "e"`},
		{in: "kp1/a/epr", wantErr: ErrMalformed, msg: `no resource path after endpoint-unaware extension "epr"`},
		{in: "kp1/a/e/tok", wantErr: ErrMalformed, msg: `no resource path after endpoint token "tok"`},
		{in: "kp1/a/e/tok/7", wantErr: ErrMalformed, msg: `no resource path before request id "7"`},
		{in: "kp1/a/e/tok/99999999999", wantErr: ErrMalformed}, // missing path beats a bad id
		{in: "kp1/a/epr/7", wantErr: ErrMalformed, msg: `no resource path before request id "7"`},
		// Empty levels: leading, trailing and double slashes.
		{in: "kp1//e/tok/x", wantErr: ErrMalformed, msg: "empty application version level 2 (double slash at offset 3)"},
		{in: "kp1/a//tok/x", wantErr: ErrMalformed, msg: "empty extension instance level 3 (double slash at offset 5)"},
		{in: "kp1/a/e//x", wantErr: ErrMalformed, msg: "empty endpoint token level 4 (double slash at offset 7)"},
		{in: "kp1/a/epr//x", wantErr: ErrMalformed, msg: "empty resource path level 4"},
		{in: "kp1/a/e/tok//x", wantErr: ErrMalformed, msg: "empty resource path level 5 (double slash at offset 11)"},
		{in: "kp1/a/e/tok/x//7", wantErr: ErrMalformed},
		{in: "kp1/a/e/tok/", wantErr: ErrMalformed, msg: "empty resource path level 5 (trailing slash)"},
		{in: "kp1/a/e/tok/x/", wantErr: ErrMalformed, msg: "(trailing slash)"},
		{in: "kp1/a/e/tok/x/7/", wantErr: ErrMalformed},
		{in: "kp1/a/e/", wantErr: ErrMalformed, msg: "empty endpoint token level 4 (trailing slash)"},
		{in: "kp1//", wantErr: ErrMalformed},
		// Wildcards, NUL, invalid UTF-8, anywhere.
		{in: "kp1/a/e/tok/+", wantErr: ErrMalformed, msg: `wildcard '+' in resource path level 5 at offset 12`},
		{in: "kp1/a/e/#", wantErr: ErrMalformed, msg: `wildcard '#' in endpoint token level 4 at offset 8`},
		{in: "kp1/+/e/tok/x", wantErr: ErrMalformed, msg: "application version level 2"},
		{in: "kp1/a/e+/tok/x", wantErr: ErrMalformed, msg: "extension instance level 3"},
		{in: "kp1/a/e/to#k/x", wantErr: ErrMalformed},
		{in: "kp1/a/e/tok/x/1+", wantErr: ErrMalformed},
		{in: "kp1/a/e/tok/x\x00", wantErr: ErrMalformed, msg: "NUL byte in resource path level 5 at offset 13"},
		{in: "kp1/a/e/tok/\xff", wantErr: ErrMalformed, msg: "invalid UTF-8 byte 0xff in resource path level 5 at offset 12"},
		{in: "kp1/a/e/tok/x\xc3", wantErr: ErrMalformed},           // truncated sequence at the end
		{in: "kp1/a/e/t\xc3/x", wantErr: ErrMalformed},             // truncated sequence before a slash
		{in: "kp1/a/e/tok/\xed\xa0\x80", wantErr: ErrMalformed},    // UTF-16 surrogate
		{in: "kp1/a/e/tok/\xc0\xaf", wantErr: ErrMalformed},        // overlong '/'
		{in: "kp1/a/e/tok/x/7\x00", wantErr: ErrMalformed},         // not digits, not an id either
		{in: "kp1/a/e/tok/x/+/99999999999", wantErr: ErrMalformed}, // malformed beats a bad id
		{in: "kp1/a/e/tok/x/" + strings.Repeat("9", 70000), wantErr: ErrMalformed},
		// Length: room for "/status" is kept under MQTT's 65535.
		{in: maxOK + "x", wantErr: ErrMalformed, msg: "topic of 65529 bytes is longer than 65528"},
		{in: "kp1/a/e/tok/" + strings.Repeat("x", 70000), wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(short(tt.in), func(t *testing.T) {
			calls := 0
			got, err := ParseTopic(tt.in, func(ext string) bool {
				calls++
				if calls == 1 && ext != got0Ext(tt.in) {
					t.Errorf("endpointAware(%q), want the extension level", ext)
				}
				return aware(ext)
			})
			if calls > 1 {
				t.Errorf("endpointAware called %d times", calls)
			}
			checkResult(t, tt, got, err, tt.in)
			if err != nil {
				return
			}
			if got.StatusTopic() != tt.in+"/status" || got.ErrorTopic() != tt.in+"/error" {
				t.Errorf("reply topics %q %q", got.StatusTopic(), got.ErrorTopic())
			}
			if len(got.StatusTopic()) > MaxTopicLen {
				t.Errorf("status topic of %d bytes", len(got.StatusTopic()))
			}
			// Round trip: an extension-initiated message to the same address
			// lands where a reply to an id-less request would.
			if !got.HasRequestID {
				if rt := ReplyTopic(got.AppVersion, got.Extension, got.Token, got.ResourcePath, 200); rt != got.StatusTopic() {
					t.Errorf("ReplyTopic(200) = %s, want %s", short(rt), short(got.StatusTopic()))
				}
				if rt := ReplyTopic(got.AppVersion, got.Extension, got.Token, got.ResourcePath, 500); rt != got.ErrorTopic() {
					t.Errorf("ReplyTopic(500) = %s, want %s", short(rt), short(got.ErrorTopic()))
				}
			}
		})
	}
}

// got0Ext is the third level of a kp1 topic, or "".
func got0Ext(topic string) string {
	lv := strings.SplitN(topic, "/", 4)
	if len(lv) < 3 {
		return ""
	}
	return lv[2]
}

func checkResult(t *testing.T, tt parseCase, got Request, err error, topic string) {
	t.Helper()
	if tt.wantErr != nil {
		if !errors.Is(err, tt.wantErr) {
			t.Fatalf("err %v, want %v", err, tt.wantErr)
		}
		if got != (Request{}) {
			t.Errorf("non-zero Request %+v with an error", got)
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "kp: ") || !strings.Contains(msg, tt.msg) {
			t.Errorf("message %q, want it to contain %q", msg, tt.msg)
		}
		// Messages go back to clients: keep them short and printable.
		if len(msg) > 512 || !utf8.ValidString(msg) || strings.ContainsRune(msg, 0) {
			t.Errorf("message of %d bytes: %s", len(msg), short(msg))
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	tt.want.Topic = topic
	if got != tt.want {
		t.Errorf("got  %+v\nwant %+v", got, tt.want)
	}
}

func TestParseHTTPPath(t *testing.T) {
	maxOK := "/kp1/a/e/tok/" + strings.Repeat("x", MaxTopicLen+1-len("/kp1/a/e/tok/"))
	tests := []parseCase{
		{in: "/kp1/app-v1/echo/tok1/ping", want: Request{AppVersion: "app-v1", Extension: "echo", Token: "tok1", ResourcePath: "/ping"}},
		// HTTP has no request id: digits stay in the resource path.
		{in: "/kp1/a/e/tok/x/7", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x/7"}},
		{in: "/kp1/a/e/tok/7", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/7"}},
		{in: "/kp1/a/e/tok/x/99999999999", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x/99999999999"}},
		{in: "/kp1/a/epr/7", want: Request{AppVersion: "a", Extension: "epr", ResourcePath: "/7"}},
		{in: "/kp1/a/bcx/tok/token", want: Request{AppVersion: "a", Extension: "bcx", Token: "tok", ResourcePath: "/token"}},
		{in: "/kp1/a/dcx/tok/json", want: Request{AppVersion: "a", Extension: "dcx", Token: "tok", ResourcePath: "/json"}},
		{in: maxOK, want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: maxOK[len("/kp1/a/e/tok"):]}},

		{in: "", wantErr: ErrMalformed, msg: "does not start with a slash"},
		{in: "kp1/a/e/tok/x", wantErr: ErrMalformed, msg: `path "kp1/a/e/tok/x" does not start with a slash`},
		{in: "/", wantErr: ErrNotKP},
		{in: "/kp1", wantErr: ErrNotKP},
		{in: "//kp1/a/e/tok/x", wantErr: ErrNotKP},
		{in: "/other/a/e/t/x", wantErr: ErrNotKP, msg: `path "/other/a/e/t/x" does not start with "/kp1/"`},
		{in: "/kp1/", wantErr: ErrMalformed},
		{in: "/kp1/a/e", wantErr: ErrMalformed, msg: "no endpoint token"},
		{in: "/kp1/a/e/tok", wantErr: ErrMalformed, msg: "no resource path"},
		{in: "/kp1/a/epr", wantErr: ErrMalformed, msg: "no resource path"},
		{in: "/kp1/a/e/tok/x/", wantErr: ErrMalformed, msg: "trailing slash"},
		{in: "/kp1/a//tok/x", wantErr: ErrMalformed, msg: "double slash at offset 6"}, // offsets count the leading slash
		{in: "/kp1/a/e/tok/+", wantErr: ErrMalformed, msg: "at offset 13"},
		{in: "/kp1/a/e/tok/x#y", wantErr: ErrMalformed},
		{in: "/kp1/a/e/tok/x\x00", wantErr: ErrMalformed},
		{in: "/kp1/a/e/tok/\xff", wantErr: ErrMalformed},
		{in: maxOK + "x", wantErr: ErrMalformed, msg: "path of 65537 bytes is longer than 65536"},
	}
	for _, tt := range tests {
		t.Run(short(tt.in), func(t *testing.T) {
			got, err := ParseHTTPPath(tt.in, aware)
			topic := ""
			if err == nil {
				topic = tt.in[1:]
			}
			checkResult(t, tt, got, err, topic)
		})
	}
}

func TestReplyTopic(t *testing.T) {
	tests := []struct {
		app, ext, tok, path string
		status              int
		want                string
	}{
		{"a", "cex", "t", "/command/reboot", 200, "kp1/a/cex/t/command/reboot/status"},
		{"a", "cmx", "t", "/config/json", 200, "kp1/a/cmx/t/config/json/status"},
		{"a", "cmx", "t", "/config/json", 399, "kp1/a/cmx/t/config/json/status"},
		{"a", "cmx", "t", "/config/json", 400, "kp1/a/cmx/t/config/json/error"},
		{"a", "cmx", "t", "/config/json", 404, "kp1/a/cmx/t/config/json/error"},
		{"a", "epr", "", "/x", 200, "kp1/a/epr/x/status"},
		{"a", "epr", "", "x", 500, "kp1/a/epr/x/error"},
		{"a", "e", "t", "nolead", 200, "kp1/a/e/t/nolead/status"},
		{"a", "e", "t", "no/lead", 200, "kp1/a/e/t/no/lead/status"},
	}
	for _, tt := range tests {
		if got := ReplyTopic(tt.app, tt.ext, tt.tok, tt.path, tt.status); got != tt.want {
			t.Errorf("ReplyTopic(%q, %q, %q, %q, %d) = %q, want %q", tt.app, tt.ext, tt.tok, tt.path, tt.status, got, tt.want)
		}
	}
}

func TestErrorPayload(t *testing.T) {
	for _, tt := range []struct {
		code         int
		reason, want string
	}{
		{404, "no such thing", "no such thing"},
		{400, "", "Bad Request"},
		{504, "", "Gateway Timeout"},
		{599, "", "Error"},
		{0, "", "Error"},
		{400, `quote " and \ back`, `quote " and \ back`},
		{400, "<html> & \n\t", "<html> & \n\t"},
		{400, "bad \xff byte", "bad \uFFFD byte"},
	} {
		p := ErrorPayload(tt.code, tt.reason)
		if !utf8.Valid(p) {
			t.Errorf("%q: payload is not UTF-8", p)
		}
		// Exactly the two properties of the schema (additionalProperties: false).
		var m map[string]any
		if err := json.Unmarshal(p, &m); err != nil || len(m) != 2 {
			t.Fatalf("%s: %v, %d properties", p, err, len(m))
		}
		var b ErrorBody
		dec := json.NewDecoder(bytes.NewReader(p))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if b.StatusCode != tt.code || b.ReasonPhrase != tt.want {
			t.Errorf("ErrorPayload(%d, %q) = %+v, want reason %q", tt.code, tt.reason, b, tt.want)
		}
	}
}

// TestParseTopicAllocs guards the hot path: a successful parse allocates nothing.
func TestParseTopicAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation changes allocations")
	}
	for _, topic := range []string{"kp1/app-v1/dcx/5e7a3b1c-token/json/123", "kp1/a/epr/register", "kp1/ä/e/tök/ü/x/1"} {
		if n := testing.AllocsPerRun(100, func() {
			if _, err := ParseTopic(topic, aware); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%q: %v allocations", topic, n)
		}
	}
}

func BenchmarkParseTopic(b *testing.B) {
	for _, bc := range []struct{ name, topic string }{
		{"typical", "kp1/app-v1/dcx/5e7a3b1c-9d2f-4c1e-8a3b-1c9d2f4c1e8a/json/123"},
		{"short", "kp1/a/epr/register"},
		{"utf8", "kp1/приложение-v1/dcx/токен/json/1"},
		{"long", "kp1/app-v1/dcx/tok/" + strings.Repeat("level/", 100) + "1"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.topic)))
			for b.Loop() {
				if _, err := ParseTopic(bc.topic, aware); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseHTTPPath(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseHTTPPath("/kp1/app-v1/dcx/5e7a3b1c-token/json", aware); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReplyTopic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = ReplyTopic("app-v1", "cmx", "5e7a3b1c-token", "/config/json", 200)
	}
}
