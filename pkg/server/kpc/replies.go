package kpc

import (
	"context"
	"errors"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/kaactl/kaactl/pkg/ism"
)

// replies are this replica's NATS requests waiting for their answers, by
// correlationId. Answers come to the replica's own subject
// (kaa.v1.replica.<id>.<protocol>.<type>, session affinity as 3/ISM
// recommends), not to inboxes, so their handler hands them over here.
type replies[T any] struct{ m sync.Map }

// errNoAnswer is await's error when ctx ends before the answer.
var errNoAnswer = errors.New("no answer in time")

// await sends a request with send and waits for the answer delivered under
// id, or ctx's end: errNoAnswer on its deadline, ctx.Err() otherwise.
func (r *replies[T]) await(ctx context.Context, id string, send func() error) (T, error) {
	var zero T
	ch := make(chan T, 1)
	r.m.Store(id, ch)
	defer r.m.Delete(id)
	if err := send(); err != nil {
		return zero, err
	}
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return zero, errNoAnswer
		}
		return zero, ctx.Err()
	}
}

// deliver hands an answer to the request waiting under id, if any.
func (r *replies[T]) deliver(id string, v T) {
	if ch, ok := r.m.Load(id); ok {
		select {
		case ch.(chan T) <- v:
		default: // a duplicate answer
		}
	}
}

// request publishes data to subject with this replica's reply subject.
func (s *Server) request(subject, reply string, data []byte) error {
	if err := s.nc.PublishMsg(&nats.Msg{Subject: subject, Reply: reply, Data: data}); err != nil {
		s.metrics.natsErrors.WithLabelValues("publish").Inc()
		return err
	}
	return nil
}

// decode unmarshals m into v; a message that does not decode is counted and
// logged as a bad what, and decode reports false.
func (s *Server) decode(m *nats.Msg, v any, what string) bool {
	if err := ism.Unmarshal(m.Data, v); err != nil {
		s.metrics.natsErrors.WithLabelValues("decode").Inc()
		s.log.Warn("bad "+what, "subject", m.Subject, "error", err)
		return false
	}
	return true
}
