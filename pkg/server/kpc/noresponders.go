package kpc

import (
	"net/http"

	"github.com/nats-io/nats.go"
)

// requestReplySubject is the reply subject of one request: this replica's
// subject of the answer's type with the request's correlationId as one more
// level. NATS answers a request nobody subscribes to with a no-responders
// status on the reply subject, and that status carries nothing but the
// subject: the last level says which request it is about. Extensions reply
// to whatever reply subject they get (4/ESP), so the level costs them
// nothing; answers on the bare subject are still taken.
func requestReplySubject(replicaSubject, correlationID string) string {
	return replicaSubject + "." + correlationID
}

// isNoResponders reports whether m is NATS's status message for a request
// that no subscriber received.
func isNoResponders(m *nats.Msg) bool {
	return len(m.Data) == 0 && m.Header.Get("Status") == "503"
}

// onRequestReply handles a message on a request's own reply subject: the
// extension's ExtensionData, or, when no instance of the extension
// subscribes, NATS's no-responders status, which answers the request with
// 503 at once instead of a 504 after the request timeout.
func (s *Server) onRequestReply(m *nats.Msg, correlationID string) {
	if !isNoResponders(m) {
		s.onExtensionData(m, true)
		return
	}
	p := s.pending.take(correlationID)
	if p == nil {
		return // timed out already
	}
	p.timer.Stop()
	s.metrics.natsErrors.WithLabelValues("no_responders").Inc()
	s.log.Debug("no extension instance is serving the request", "extension", p.req.Extension, "correlationId", correlationID)
	p.deliver(reply{status: http.StatusServiceUnavailable, reason: "no extension instance is serving " + p.req.Extension})
	s.observe(p, http.StatusServiceUnavailable)
}

// onTokenReply handles a message on a token request's reply subject: the
// provider's answer, or the no-responders status when no provider
// subscribes, which fails the token resolution at once.
func (s *Server) onTokenReply(m *nats.Msg, correlationID string) {
	if !isNoResponders(m) {
		s.onTokenResponse(m)
		return
	}
	s.metrics.natsErrors.WithLabelValues("no_responders").Inc()
	s.log.Debug("no endpoint token provider is serving", "provider", s.opts.ECAPProvider, "correlationId", correlationID)
	s.tokenReplies.deliver(correlationID, tokenResult{status: http.StatusServiceUnavailable, reason: "no endpoint token provider (" + s.opts.ECAPProvider + ") is serving"})
}
