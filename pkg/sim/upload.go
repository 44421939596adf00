package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// uploadLoop uploads blobs until stop closes, the budget is spent or the
// connection (needed for tokens) is lost.
func (e *endpoint) uploadLoop(ctx context.Context, stop <-chan struct{}) {
	lost := e.lostChan()
	p, ok := newPacer(e.r.o.UploadRate, stop, lost)
	if !ok {
		return
	}
	defer p.close()
	var tok string
	for n := 1; ; n++ {
		if !e.r.gate.acquire(ScenarioUpload, stop, lost) || !e.r.take() {
			return
		}
		e.uploadOnce(ctx, &tok, n)
		if !p.wait(stop, lost, nil) {
			return
		}
	}
}

// uploadOnce uploads blob n, fetching a token first if there is none and
// again once if BCX refuses the one it has (expired or revoked).
func (e *endpoint) uploadOnce(ctx context.Context, tok *string, n int) {
	r := e.r
	r.uploadsSent.Add(1)
	defer r.uploadsDone.Add(1)
	for attempt := 0; attempt < 2; attempt++ {
		if *tok == "" || attempt > 0 {
			if attempt > 0 {
				r.tokenRefetches.Add(1)
			}
			t, kind, why := e.fetchToken()
			if kind != "" {
				*tok = ""
				r.failWith("token_"+kind, 1, why)
				return
			}
			*tok = t
		}
		start := time.Now()
		status, why, location, err := r.upload(ctx, *tok, "sim-"+strconv.Itoa(e.i)+"-"+strconv.Itoa(n))
		if location != "" && r.o.KeepUploads {
			r.errsMu.Lock()
			r.uploaded = append(r.uploaded, location)
			r.errsMu.Unlock()
		}
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return // interrupted: not the server's failure
			}
			kind := "upload_transport"
			if errors.Is(err, context.DeadlineExceeded) {
				kind = "upload_timeout"
			}
			r.failWith(kind, 1, err.Error())
			return
		case status == http.StatusForbidden && attempt == 0:
			continue
		case status >= 200 && status < 300:
			r.upHist.record(time.Since(start))
			r.uploads.Add(1)
			r.uploadBytes.Add(int64(len(r.blob)))
			return
		default:
			r.failWith("upload_"+strconv.Itoa(status), 1, why)
			return
		}
	}
}

// fetchToken asks BCX for an upload token over 1/KP; kind names the
// failure and why explains it.
func (e *endpoint) fetchToken() (token, kind, why string) {
	r := e.r
	r.tokenFetches.Add(1)
	res := e.request(r.o.BCXExtension, "token", []byte("{}"))
	if !res.ok() {
		return "", res.errKind(), res.why()
	}
	var body struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(res.body, &body) != nil || body.Token == "" {
		return "", "bad_reply", "reply without a token: " + string(res.body)
	}
	return body.Token, "", ""
}

// upload POSTs one blob to BCX and returns the HTTP status and, for a
// failure, BCX's reason, for a success where BCX stored it (Location).
func (r *run) upload(ctx context.Context, token, name string) (status int, reason, location string, err error) {
	ctx, cancel := context.WithTimeout(ctx, r.o.UploadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.o.BCXURL+"/api/v1/binary-data?name="+url.QueryEscape(name), bytes.NewReader(r.blob))
	if err != nil {
		return 0, "", "", err
	}
	req.Header.Set("X-Auth-Token", token)
	req.Header.Set("Content-Type", "application/octet-stream")
	resp, err := r.bcxHTTP.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxReplyBody))
		return resp.StatusCode, "", resp.Header.Get("Location"), nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	why := result{body: body}.why()
	if why == "" {
		why = strings.TrimSpace(string(body))
	}
	return resp.StatusCode, why, "", nil
}
