package kp

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
)

func aware(ext string) bool { return ext != "epr" }

func TestParseTopic(t *testing.T) {
	tests := []struct {
		topic   string
		want    Request
		wantErr error
	}{
		{topic: "kp1/app-v1/echo/tok1/ping/7", want: Request{AppVersion: "app-v1", Extension: "echo", Token: "tok1", ResourcePath: "/ping", RequestID: 7, HasRequestID: true}},
		{topic: "kp1/app-v1/bcx/tok/token", want: Request{AppVersion: "app-v1", Extension: "bcx", Token: "tok", ResourcePath: "/token"}},
		{topic: "kp1/a/cmx/tok/config/json/42", want: Request{AppVersion: "a", Extension: "cmx", Token: "tok", ResourcePath: "/config/json", RequestID: 42, HasRequestID: true}},
		{topic: "kp1/a/e/tok/x/0", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x", HasRequestID: true}},
		{topic: "kp1/a/e/tok/x/007", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x", RequestID: 7, HasRequestID: true}},
		{topic: "kp1/a/e/tok/x/2147483647", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x", RequestID: 2147483647, HasRequestID: true}},
		{topic: "kp1/a/epr/register/5", want: Request{AppVersion: "a", Extension: "epr", ResourcePath: "/register", RequestID: 5, HasRequestID: true}},
		{topic: "kp1/a/e/tok/7x", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/7x"}},
		{topic: "kp1/a/e/tok/x/y/status", want: Request{AppVersion: "a", Extension: "e", Token: "tok", ResourcePath: "/x/y/status"}},
		{topic: "kp1/ä/e/tök/ü", want: Request{AppVersion: "ä", Extension: "e", Token: "tök", ResourcePath: "/ü"}},
		{topic: "kp1/a/e/tok/x/2147483648", wantErr: ErrBadRequestID},
		{topic: "kp1/a/e/tok/x/99999999999999999999", wantErr: ErrBadRequestID},
		{topic: "kp2/a/e/tok/x", wantErr: ErrNotKP},
		{topic: "kp1", wantErr: ErrNotKP},
		{topic: "", wantErr: ErrNotKP},
		{topic: "/kp1/a/e/tok/x", wantErr: ErrNotKP},
		{topic: "kp1/", wantErr: ErrMalformed},
		{topic: "kp1/a", wantErr: ErrMalformed},
		{topic: "kp1/a/e", wantErr: ErrMalformed},
		{topic: "kp1/a/e/tok", wantErr: ErrMalformed},
		{topic: "kp1/a/e/tok/7", wantErr: ErrMalformed},
		{topic: "kp1/a/epr/7", wantErr: ErrMalformed},
		{topic: "kp1/a/e/tok/", wantErr: ErrMalformed},
		{topic: "kp1/a/e/tok/x/", wantErr: ErrMalformed},
		{topic: "kp1/a/e/tok//x", wantErr: ErrMalformed},
		{topic: "kp1//e/tok/x", wantErr: ErrMalformed},
		{topic: "kp1/a//tok/x", wantErr: ErrMalformed},
		{topic: "kp1/a/e//x", wantErr: ErrMalformed},
		{topic: "kp1/a/e/tok/+", wantErr: ErrMalformed},
		{topic: "kp1/a/e/#", wantErr: ErrMalformed},
		{topic: "kp1/a/e/tok/x\x00", wantErr: ErrMalformed},
		{topic: "kp1/a/e/tok/\xff", wantErr: ErrMalformed},
		{topic: "kp1/a/e/tok/" + strings.Repeat("x", 70000), wantErr: ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.topic[:min(len(tt.topic), 40)]), func(t *testing.T) {
			got, err := ParseTopic(tt.topic, aware)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.Topic = tt.topic
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if got.StatusTopic() != tt.topic+"/status" || got.ErrorTopic() != tt.topic+"/error" {
				t.Errorf("reply topics %q %q", got.StatusTopic(), got.ErrorTopic())
			}
			if !got.HasRequestID {
				if rt := ReplyTopic(got.AppVersion, got.Extension, got.Token, got.ResourcePath, 200); rt != got.StatusTopic() {
					t.Errorf("ReplyTopic = %q, want %q", rt, got.StatusTopic())
				}
			}
		})
	}
}

func TestParseHTTPPath(t *testing.T) {
	got, err := ParseHTTPPath("/kp1/app-v1/echo/tok1/ping", aware)
	if err != nil || got.ResourcePath != "/ping" || got.Token != "tok1" || got.HasRequestID || got.Topic != "kp1/app-v1/echo/tok1/ping" {
		t.Errorf("got %+v, %v", got, err)
	}
	// HTTP has no request id: digits stay in the resource path.
	got, err = ParseHTTPPath("/kp1/a/e/tok/x/7", aware)
	if err != nil || got.ResourcePath != "/x/7" || got.HasRequestID {
		t.Errorf("got %+v, %v", got, err)
	}
	for _, bad := range []string{"kp1/a/e/tok/x", "/kp1/a/e", "/other/a/e/t/x", "/kp1/a/e/tok/x/"} {
		if _, err := ParseHTTPPath(bad, aware); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestReplyTopic(t *testing.T) {
	tests := []struct {
		app, ext, tok, path string
		status              int
		want                string
	}{
		{"a", "cex", "t", "/command/reboot", 200, "kp1/a/cex/t/command/reboot/status"},
		{"a", "cmx", "t", "/config/json", 404, "kp1/a/cmx/t/config/json/error"},
		{"a", "epr", "", "/x", 200, "kp1/a/epr/x/status"},
		{"a", "e", "t", "nolead", 200, "kp1/a/e/t/nolead/status"},
	}
	for _, tt := range tests {
		if got := ReplyTopic(tt.app, tt.ext, tt.tok, tt.path, tt.status); got != tt.want {
			t.Errorf("ReplyTopic = %q, want %q", got, tt.want)
		}
	}
}

func TestErrorPayload(t *testing.T) {
	for _, tt := range []struct {
		code         int
		reason, want string
	}{
		{404, "no such thing", "no such thing"},
		{504, "", "Gateway Timeout"},
		{599, "", "Error"},
		{400, `quote " and \ back`, `quote " and \ back`},
	} {
		var b ErrorBody
		if err := json.Unmarshal(ErrorPayload(tt.code, tt.reason), &b); err != nil {
			t.Fatal(err)
		}
		if b.StatusCode != tt.code || b.ReasonPhrase != tt.want {
			t.Errorf("got %+v", b)
		}
	}
}

// rebuild puts a parsed request back together; it must give the input.
func rebuild(r Request, id string) string {
	s := Prefix + "/" + r.AppVersion + "/" + r.Extension
	if r.Token != "" {
		s += "/" + r.Token
	}
	s += r.ResourcePath
	if r.HasRequestID {
		s += "/" + id
	}
	return s
}

func checkInvariants(t *testing.T, in string, r Request, http bool) {
	if r.AppVersion == "" || r.Extension == "" || !strings.HasPrefix(r.ResourcePath, "/") || len(r.ResourcePath) < 2 {
		t.Fatalf("%q: incomplete %+v", in, r)
	}
	for _, f := range []string{r.AppVersion, r.Extension, r.Token} {
		if strings.ContainsAny(f, "/+#\x00") {
			t.Fatalf("%q: level %q has a separator or wildcard", in, f)
		}
	}
	if aware(r.Extension) != (r.Token != "") {
		t.Fatalf("%q: token %q for extension %q", in, r.Token, r.Extension)
	}
	if r.RequestID < 0 {
		t.Fatalf("%q: negative request id", in)
	}
	id := ""
	if r.HasRequestID {
		id = r.Topic[strings.LastIndexByte(r.Topic, '/')+1:]
		if n, err := strconv.ParseInt(id, 10, 64); err != nil || n != int64(r.RequestID) {
			t.Fatalf("%q: request id %d from %q", in, r.RequestID, id)
		}
	}
	want := in
	if http {
		want = in[1:]
	}
	if got := rebuild(r, id); got != want || r.Topic != want {
		t.Fatalf("%q: rebuilt %q, Topic %q", in, got, r.Topic)
	}
}

func FuzzParseTopic(f *testing.F) {
	f.Fuzz(func(t *testing.T, topic string) {
		r, err := ParseTopic(topic, aware)
		if err != nil {
			if !errors.Is(err, ErrNotKP) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrBadRequestID) {
				t.Fatalf("%q: unexpected error kind %v", topic, err)
			}
			return
		}
		checkInvariants(t, topic, r, false)
	})
}

func FuzzParseHTTPPath(f *testing.F) {
	f.Fuzz(func(t *testing.T, path string) {
		r, err := ParseHTTPPath(path, aware)
		if err != nil {
			return
		}
		if r.HasRequestID {
			t.Fatalf("%q: HTTP path got a request id", path)
		}
		checkInvariants(t, path, r, true)
	})
}

func BenchmarkParseTopic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTopic("kp1/app-v1/dcx/5e7a3b1c-token/json/123", aware); err != nil {
			b.Fatal(err)
		}
	}
}
