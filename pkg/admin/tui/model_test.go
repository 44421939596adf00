package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/kaactl/kaactl/pkg/admin"
	"github.com/kaactl/kaactl/pkg/api"
)

// fakeSessions is n sessions over two replicas, for what needs no servers:
// layout, sorting, filtering and frame time.
func fakeSessions(n int, at time.Time) *admin.Gathered {
	g := &admin.Gathered{Replicas: []string{"r1", "r2"}, Total: n}
	for i := range n {
		g.Sessions = append(g.Sessions, api.Session{
			Replica: fmt.Sprintf("r%d", i%2+1), ClientID: fmt.Sprintf("client-%05d", i), Remote: fmt.Sprintf("10.0.%d.%d:%d", i/256%256, i%256, 40000+i%20000),
			Transport: "mqtt", Tenant: "kaa", ConnectedAt: at.Add(-time.Duration(i) * time.Second), LastActivity: at,
			MsgsIn: int64(i), MsgsOut: int64(i), Endpoints: []api.SessionEndpoint{{EndpointID: fmt.Sprintf("ep-%05d", i), AppName: "demo", AppVersion: "demo-v1"}},
		})
	}
	return g
}

// failingSource fails every call.
type failingSource struct{}

func (failingSource) List(context.Context, api.SessionFilter, int) (*admin.Gathered, error) {
	return nil, errors.New("nats: no servers available")
}

func (failingSource) Kick(context.Context, string, string, string) ([]string, error) {
	return nil, admin.ErrKickNeedsNATS
}

func newTestModel(n, width, height int) *model {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	m := newModel(context.Background(), Options{Source: failingSource{}, Now: func() time.Time { return now }}.withDefaults())
	m.Update(tea.WindowSizeMsg{Width: width, Height: height})
	m.Update(gatheredMsg{g: fakeSessions(n, now)})
	return m
}

func press(m *model, keys ...string) {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "enter":
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "end":
			msg = tea.KeyPressMsg{Code: tea.KeyEnd}
		case "backspace":
			msg = tea.KeyPressMsg{Code: tea.KeyBackspace}
		default:
			msg = tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		}
		m.Update(msg)
	}
}

func TestFrameFits(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {60, 12}, {200, 50}, {40, 8}} {
		m := newTestModel(100, size[0], size[1])
		for _, st := range []state{stateTable, stateDetail, stateHelp} {
			m.state = st
			lines := strings.Split(m.render(), "\n")
			if len(lines) != size[1] {
				t.Errorf("%v state %d: %d lines", size, st, len(lines))
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > size[0] {
					t.Errorf("%v state %d: line %q is %d wide", size, st, ansi.Strip(l), w)
				}
			}
		}
	}
}

func TestSortFilterSelect(t *testing.T) {
	m := newTestModel(50, 80, 24)
	if r := m.current(); r == nil || r.s.ClientID != "client-00000" {
		t.Fatalf("first row %+v", r)
	}
	press(m, "down", "down")
	if m.current().s.ClientID != "client-00002" {
		t.Fatalf("after two downs: %s", m.current().s.ClientID)
	}
	press(m, "S") // reverse: the selection stays on its session
	if m.current().s.ClientID != "client-00002" || m.view[0].s.ClientID != "client-00049" {
		t.Errorf("reversed: selected %s, first %s", m.current().s.ClientID, m.view[0].s.ClientID)
	}
	press(m, "/", "0", "0", "0", "4")
	// client-00004 and client-00040 to client-00049
	if len(m.view) != 11 || m.state != stateFilter {
		t.Errorf("filter 0004: %d rows, state %d", len(m.view), m.state)
	}
	press(m, "backspace", "backspace", "backspace", "backspace", "r1 ep-0001")
	for _, r := range m.view {
		if r.s.Replica != "r1" || !strings.Contains(r.s.Endpoints[0].EndpointID, "ep-0001") {
			t.Errorf("filter 'r1 ep-0001' kept %s", r.key)
		}
	}
	press(m, "esc")
	if m.state != stateTable || len(m.view) != 50 || m.filter != "" {
		t.Errorf("esc: state %d, %d rows, filter %q", m.state, len(m.view), m.filter)
	}
	press(m, "s") // next column: TRANS
	if m.sortCol != 2 {
		t.Errorf("sort column %d", m.sortCol)
	}
	press(m, "end")
	if m.cursor != 49 || m.offset != 50-m.tableRows() {
		t.Errorf("end: cursor %d offset %d", m.cursor, m.offset)
	}
}

func TestKickConfirm(t *testing.T) {
	m := newTestModel(3, 80, 24)
	press(m, "k", "n")
	if m.state != stateTable || len(m.log) != 0 {
		t.Fatalf("a declined kick: state %d, log %v", m.state, m.log)
	}
	press(m, "k")
	if m.state != stateConfirm || !strings.Contains(m.footer(), "kick r1/client-00000?") {
		t.Fatalf("confirm footer %q", ansi.Strip(m.footer()))
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	if cmd == nil {
		t.Fatal("no kick command")
	}
	m.Update(cmd()) // the fake source refuses
	if len(m.log) != 1 || !m.log[0].bad || !strings.Contains(m.log[0].text, "kick r1/client-00000 failed: kicking a session needs the NATS admin API") {
		t.Errorf("log %+v", m.log)
	}
}

func TestGatherErrorAndMissing(t *testing.T) {
	m := newModel(context.Background(), Options{Source: failingSource{}}.withDefaults())
	m.Update(m.gather()())
	if !strings.Contains(m.statusLine(), "nats: no servers available") {
		t.Errorf("status %q", ansi.Strip(m.statusLine()))
	}
	g := fakeSessions(2, time.Now())
	g.Replicas, g.Missing = []string{"r1"}, []string{"r2"}
	m.Update(gatheredMsg{g: g})
	if s := ansi.Strip(m.statusLine()); !strings.Contains(s, "replicas 1/2 (missing r2)") {
		t.Errorf("status %q", s)
	}
	if len(m.log) != 1 || !strings.Contains(m.log[0].text, "replica r2 did not answer") {
		t.Errorf("log %+v", m.log)
	}
	g2 := fakeSessions(6, time.Now())
	m.Update(gatheredMsg{g: g2})
	if last := m.log[len(m.log)-1].text; last != "4 sessions connected" {
		t.Errorf("diff log %q", last)
	}
}

// BenchmarkFrame is the frame time at 10,000 sessions: a render, and a key
// press in the filter (filter, sort, render).
func BenchmarkFrame(b *testing.B) {
	m := newTestModel(10_000, 80, 24)
	b.Run("render", func(b *testing.B) {
		for b.Loop() {
			_ = m.View()
		}
	})
	b.Run("filter-key", func(b *testing.B) {
		press(m, "/")
		for i := 0; b.Loop(); i++ {
			press(m, []string{"1", "backspace"}[i%2])
			_ = m.View()
		}
	})
	b.Run("gather", func(b *testing.B) {
		g := fakeSessions(10_000, time.Now())
		for b.Loop() {
			m.Update(gatheredMsg{g: g})
			_ = m.View()
		}
	})
}

func TestCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 9999: "9999", 10_000: "10k", 999_999: "999k", 1_000_000: "1M", 9_999_000_000: "9999M"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
