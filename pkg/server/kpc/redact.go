package kpc

import (
	"errors"
	"log/slog"
	"strconv"
	"strings"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/kaactl/kaactl/pkg/kp"
)

// An endpoint token is a credential: logs show at most a short prefix of it,
// enough to tell tokens apart, too short to use.
const (
	redactedPrefix = 4  // bytes of a token a log shows
	redactMin      = 16 // tokens shorter than this show none
	maxLoggedLevel = 64 // longer topic levels are cut in logs
)

// redactToken returns a token's short prefix and an ellipsis.
func redactToken(tok string) string {
	if len(tok) < redactMin {
		return "…"
	}
	return tok[:redactedPrefix] + "…"
}

// loggedTopic is a topic that logs with its endpoint token redacted; the
// work happens only when a log line is written.
type loggedTopic string

func (t loggedTopic) LogValue() slog.Value { return slog.StringValue(redactTopic(string(t))) }

// redactTopic returns a topic fit for a log line. In a kp1/ topic the fourth
// level, where an endpoint token goes, is redacted (even when the extension
// is endpoint-unaware or the topic malformed: a guess must not leak); other
// topics keep only their first level.
func redactTopic(topic string) string {
	var b strings.Builder
	if !strings.HasPrefix(topic, kp.Prefix+"/") {
		first, _, more := strings.Cut(topic, "/")
		b.WriteString(cut(first))
		if more {
			b.WriteString("/…")
		}
		return b.String()
	}
	for i, level := range strings.SplitN(topic, "/", 5) {
		if i > 0 {
			b.WriteByte('/')
		}
		switch {
		case i == 3:
			b.WriteString(redactToken(level))
		case i == 4 && len(level) > 2*maxLoggedLevel:
			b.WriteString(level[:2*maxLoggedLevel] + "…")
		default:
			b.WriteString(cut(level))
		}
	}
	return b.String()
}

func cut(level string) string {
	if len(level) > maxLoggedLevel {
		return level[:maxLoggedLevel] + "…"
	}
	return level
}

// parseErrorKind is what a log says about a topic kp.ParseTopic refused:
// the sentinel only, since the full error quotes the topic (and the token).
func parseErrorKind(err error) error {
	for _, kind := range []error{kp.ErrBadRequestID, kp.ErrNotKP, kp.ErrMalformed} {
		if errors.Is(err, kind) {
			return kind
		}
	}
	return errors.New("invalid 1/KP topic")
}

// redactReason removes a token from a provider's reason phrase before it is
// logged (a provider may quote the token it refused).
func redactReason(reason, token string) string {
	if token == "" {
		return reason
	}
	return strings.ReplaceAll(reason, token, redactToken(token))
}

// redactPacket summarises a packet mochi logs whole: its type, id and
// redacted topic, never its payload, username or password.
func redactPacket(pk packets.Packet) string {
	s := packets.PacketNames[pk.FixedHeader.Type]
	if pk.PacketID != 0 {
		s += " id=" + strconv.Itoa(int(pk.PacketID))
	}
	if pk.TopicName != "" {
		s += " topic=" + redactTopic(pk.TopicName)
	}
	if pk.Properties.TopicAliasFlag {
		s += " alias=" + strconv.Itoa(int(pk.Properties.TopicAlias))
	}
	if n := len(pk.Filters); n > 0 {
		s += " filters=" + strconv.Itoa(n)
	}
	return s
}
