package tui_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/kaactl/kaactl/internal/testenv"
	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/admin/tui"
	"github.com/kaactl/kaactl/pkg/api"
	"github.com/kaactl/kaactl/pkg/platform/platformtest"
	"github.com/kaactl/kaactl/pkg/server/kpc"
)

// probe asks the running program for its current frame: the program's
// filter answers it with the model's view, in the program's own loop, so the
// frame is what the renderer draws after every message before it.
type probe chan string

// screen drives a running TUI as a user does and reads its frames.
type screen struct {
	t    *testing.T
	tm   *teatest.TestModel
	mask func(string) string
}

func (s *screen) frame() string {
	s.t.Helper()
	ch := make(probe, 1)
	s.tm.Send(ch)
	return s.mask(ansi.Strip(testenv.Receive(s.t, ch, 5*time.Second, "the program does not answer")))
}

// waitFor returns the first frame with every want in it.
func (s *screen) waitFor(what string, want ...string) string {
	s.t.Helper()
	var f string
	testenv.Eventually(s.t, 10*time.Second, what, func() bool {
		f = s.frame()
		for _, w := range want {
			if !strings.Contains(f, w) {
				return false
			}
		}
		return true
	})
	return f
}

func (s *screen) key(k tea.KeyPressMsg) { s.tm.Send(k) }

// golden compares a frame with testdata/TestSessionsTUI/<name>.golden
// (go test -update rewrites them).
func (s *screen) golden(name, frame string) {
	s.t.Run(name, func(t *testing.T) {
		for i, l := range strings.Split(frame, "\n") {
			if w := ansi.StringWidth(l); w > 80 {
				t.Errorf("line %d is %d cells wide: %q", i, w, l)
			}
		}
		if n := strings.Count(frame, "\n") + 1; n != 24 {
			t.Errorf("frame has %d lines, want 24", n)
		}
		golden.RequireEqual(t, frame)
	})
}

// TestSessionsTUI starts the view against two replicas with live clients,
// filters by typing, opens the detail pane, kicks a session after
// confirming, and sees it leave the table; each screen is a golden file at
// 80×24.
func TestSessionsTUI(t *testing.T) {
	start := time.Now()
	p := platformtest.Start(t, platformtest.KPC(func(o *kpc.Options) { o.ReplicaID = "r1" }))
	r2 := platformtest.Replica(t, p, func(o *kpc.Options) { o.ReplicaID = "r2" })
	eps := map[string]string{}
	for _, d := range []struct{ id, addr string }{{"dev-a", p.KPC().MQTTAddr()}, {"dev-b", p.KPC().MQTTAddr()}, {"dev-c", r2.MQTTAddr()}} {
		_, eps[d.id] = platformtest.Device(t, p, d.addr, d.id)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src := &admin.SessionsClient{NC: testenv.Conn(t, p.NATSURL()), Timeout: 3 * time.Second}
	testenv.Eventually(t, 5*time.Second, "replicas see each other", func() bool {
		g, err := src.List(ctx, api.SessionFilter{}, 0)
		return err == nil && len(g.Replicas) == 2
	})
	events, err := src.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A frozen clock an hour after the start: every age reads 59m. Clock
	// times, ports and endpoint IDs differ between runs and are masked.
	now := start.Add(time.Hour)
	m := tui.New(ctx, tui.Options{Source: src, Events: events, Interval: time.Hour, Now: func() time.Time { return now }})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(80, 24), teatest.WithProgramOptions(
		tea.WithFilter(func(m tea.Model, msg tea.Msg) tea.Msg {
			if p, ok := msg.(probe); ok {
				p <- m.View().Content
				return nil
			}
			return msg
		})))
	clockRe := regexp.MustCompile(`\d\d:\d\d:\d\d`)
	portRe := regexp.MustCompile(`127\.0\.0\.1:\d+`)
	s := &screen{t: t, tm: tm, mask: func(f string) string {
		f = clockRe.ReplaceAllString(f, "hh:mm:ss")
		f = portRe.ReplaceAllStringFunc(f, func(a string) string { return "127.0.0.1:" + strings.Repeat("#", len(a)-len("127.0.0.1:")) })
		for id, ep := range eps {
			f = strings.ReplaceAll(f, ep, "<endpoint of "+id+">")
		}
		return f
	}}

	s.golden("table", s.waitFor("both replicas' sessions", "replicas 2/2", "sessions 3", "dev-a", "dev-b", "dev-c"))

	tm.Type("/dev-c")
	f := s.waitFor("the filter", `filter "dev-c"`, "(1 shown)")
	if strings.Contains(f, "dev-a") {
		t.Errorf("the filter shows dev-a:\n%s", f)
	}
	s.golden("filter", f)

	s.key(tea.KeyPressMsg{Code: tea.KeyEnter}) // keep the filter
	s.key(tea.KeyPressMsg{Code: tea.KeyEnter}) // details
	s.golden("detail", s.waitFor("the detail pane", "session r2/dev-c", "<endpoint of dev-c>  demo  demo-v1"))

	tm.Type("k")
	s.golden("confirm", s.waitFor("the confirmation", "kick r2/dev-c?"))

	tm.Type("y")
	s.golden("kicked", s.waitFor("the kick and its ELCE event", "kick r2/dev-c: kicked",
		"endpoint <endpoint of dev-c> disconnected from r2", "sessions 2", "no session matches the filter"))

	s.key(tea.KeyPressMsg{Code: tea.KeyEscape}) // clear the filter
	f = s.waitFor("the table without dev-c", "dev-a", "dev-b")
	if strings.Contains(f, "dev-c ") || strings.Contains(f, "r2/dev-c") && !strings.Contains(f, "kick r2/dev-c") {
		t.Errorf("dev-c still in the table:\n%s", f)
	}
	s.golden("after-kick", f)

	tm.Type("?")
	s.golden("help", s.waitFor("the help", "keys", "kick the selected session"))

	tm.Type("q")
	tm.WaitFinished(t, teatest.WithFinalTimeout(5*time.Second))
}
