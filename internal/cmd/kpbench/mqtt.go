package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

func connect(addr, id string, handler paho.MessageHandler) (paho.Client, error) {
	opts := paho.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(id).
		SetAutoReconnect(false).SetOrderMatters(false).SetCleanSession(true).
		SetMaxResumePubInFlight(0).SetDefaultPublishHandler(handler).SetWriteTimeout(10 * time.Second)
	cl := paho.NewClient(opts)
	tok := cl.Connect()
	if !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		return nil, fmt.Errorf("connect %s: %v", addr, tok.Error())
	}
	return cl, nil
}

// mqttRespond answers every request the way an extension would, through the
// broker: several clients share one subscription so the responder is not the
// baseline's bottleneck.
func mqttRespond(c config) error {
	var n atomic.Int64
	clients := make([]paho.Client, c.responders)
	for i := range clients {
		var cl paho.Client
		handler := func(_ paho.Client, m paho.Message) {
			if strings.HasSuffix(m.Topic(), "/status") || strings.HasSuffix(m.Topic(), "/error") {
				return
			}
			n.Add(1)
			cl.Publish(m.Topic()+"/status", m.Qos(), false, m.Payload())
		}
		var err error
		if cl, err = connect(c.addr, fmt.Sprintf("kpbench-responder-%d-%d", os.Getpid(), i), handler); err != nil {
			return err
		}
		filter := "kp1/#"
		if c.responders > 1 {
			filter = "$share/kpbench/kp1/#"
		}
		if tok := cl.Subscribe(filter, byte(c.qos), handler); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			return fmt.Errorf("subscribe: %v", tok.Error())
		}
		clients[i] = cl
	}
	fmt.Fprintln(os.Stderr, "kpbench responder ready")
	waitForSignal()
	for _, cl := range clients {
		cl.Disconnect(100)
	}
	fmt.Fprintf(os.Stderr, "kpbench responder answered %d\n", n.Load())
	return nil
}

// mqttLoad runs c.inflight closed loops per client. The request id of slot
// j's n-th request is n*inflight+j+1, so a reply finds its slot from the id
// in its topic.
func mqttLoad(c config) error {
	payload := []byte(strings.Repeat("x", c.size))
	type clientState struct {
		cl      paho.Client
		replies []chan string // per slot
	}
	states := make([]*clientState, c.clients)
	for i := range states {
		st := &clientState{replies: make([]chan string, c.inflight)}
		for j := range st.replies {
			st.replies[j] = make(chan string, 4)
		}
		handler := func(_ paho.Client, m paho.Message) {
			topic := m.Topic()
			rest, ok := strings.CutSuffix(topic, "/status")
			if !ok {
				rest, _ = strings.CutSuffix(topic, "/error")
			}
			id, err := strconv.Atoi(rest[strings.LastIndexByte(rest, '/')+1:])
			if err != nil || id < 1 {
				return
			}
			select {
			case st.replies[(id-1)%c.inflight] <- topic:
			default:
			}
		}
		cl, err := connect(c.addr, fmt.Sprintf("kpbench-%d-%d", os.Getpid(), i), handler)
		if err != nil {
			return err
		}
		// A plain broker needs the subscription; KPC writes replies directly.
		filter := fmt.Sprintf("kp1/%s/%s/tok-%d/ping/+/+", c.app, c.ext, i)
		if tok := cl.Subscribe(filter, byte(c.qos), handler); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
			return fmt.Errorf("subscribe: %v", tok.Error())
		}
		st.cl = cl
		states[i] = st
	}
	r := closedLoop(c, c.clients*c.inflight, func(slot, seq int) error {
		i, j := slot/c.inflight, slot%c.inflight
		st := states[i]
		topic := fmt.Sprintf("kp1/%s/%s/tok-%d/ping/%d", c.app, c.ext, i, seq*c.inflight+j+1)
		st.cl.Publish(topic, byte(c.qos), false, payload)
		t := time.NewTimer(c.timeout)
		defer t.Stop()
		for {
			select {
			case got := <-st.replies[j]:
				if got == topic+"/status" {
					return nil
				}
				if strings.HasPrefix(got, topic+"/") {
					return fmt.Errorf("reply on %s", got)
				}
				// A late reply to an earlier request of this slot: keep waiting.
			case <-t.C:
				return fmt.Errorf("no reply to %s within %s", topic, c.timeout)
			}
		}
	})
	r.Inflight = c.inflight
	for _, st := range states {
		st.cl.Disconnect(50)
	}
	return printResult(c, r)
}
