//go:build linux

package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
)

// request subscribes client i to its reply topics (a plain broker routes
// replies only to subscribers; KPC accepts the subscription and writes
// replies directly) and makes c.requests QoS 1 requests, one at a time, each
// answered on <topic>/status.
func request(conn net.Conn, c config, i int) error {
	base := "kp1/" + c.app + "/" + c.ext + "/tok-" + strconv.Itoa(i) + "/ping"
	if _, err := conn.Write(subscribePacket(1, base+"/+/+")); err != nil {
		return err
	}
	rd := bufio.NewReaderSize(conn, 512)
	subacked := false
	for id := 1; id <= c.requests; id++ {
		topic := base + "/" + strconv.Itoa(id)
		if _, err := conn.Write(publishPacket(uint16(id+1), topic, make([]byte, 256))); err != nil {
			return err
		}
		for answered := false; !answered || !subacked; {
			typ, body, err := readPacket(rd)
			if err != nil {
				return fmt.Errorf("waiting for the reply to %s: %w", topic, err)
			}
			switch typ >> 4 {
			case 9: // SUBACK
				if len(body) < 3 || body[2] == 0x80 {
					return fmt.Errorf("subscription to %s/+/+ refused", base)
				}
				subacked = true
			case 3: // PUBLISH
				got, pid, err := publishTopic(typ, body)
				if err != nil {
					return err
				}
				if typ&0x06 != 0 { // QoS 1: acknowledge
					if _, err := conn.Write([]byte{0x40, 2, byte(pid >> 8), byte(pid)}); err != nil {
						return err
					}
				}
				switch got {
				case topic + "/status":
					answered = true
				case topic + "/error":
					return fmt.Errorf("reply on %s", got)
				}
			}
		}
	}
	return nil
}

func mqttString(b []byte, s string) []byte {
	return append(append(b, byte(len(s)>>8), byte(len(s))), s...)
}

func fixedHeader(typ byte, n int) []byte {
	pk := []byte{typ}
	for { // remaining length, 7 bits a byte
		b := byte(n & 0x7f)
		if n >>= 7; n > 0 {
			b |= 0x80
		}
		pk = append(pk, b)
		if n == 0 {
			return pk
		}
	}
}

func subscribePacket(pid uint16, filter string) []byte {
	body := binary.BigEndian.AppendUint16(nil, pid)
	body = append(mqttString(body, filter), 1) // QoS 1
	return append(fixedHeader(0x82, len(body)), body...)
}

func publishPacket(pid uint16, topic string, payload []byte) []byte {
	body := binary.BigEndian.AppendUint16(mqttString(nil, topic), pid)
	body = append(body, payload...)
	return append(fixedHeader(0x32, len(body)), body...) // QoS 1
}

// readPacket reads one MQTT packet: its first byte and what follows the
// remaining length.
func readPacket(rd *bufio.Reader) (byte, []byte, error) {
	typ, err := rd.ReadByte()
	if err != nil {
		return 0, nil, err
	}
	n, shift := 0, 0
	for {
		b, err := rd.ReadByte()
		if err != nil {
			return 0, nil, err
		}
		n |= int(b&0x7f) << shift
		if b&0x80 == 0 {
			break
		}
		if shift += 7; shift > 21 {
			return 0, nil, fmt.Errorf("malformed remaining length")
		}
	}
	body := make([]byte, n)
	_, err = io.ReadFull(rd, body)
	return typ, body, err
}

// publishTopic is the topic and, at QoS 1 or 2, the packet id of a PUBLISH.
func publishTopic(typ byte, body []byte) (string, uint16, error) {
	if len(body) < 2 {
		return "", 0, fmt.Errorf("short PUBLISH")
	}
	n := int(binary.BigEndian.Uint16(body))
	if len(body) < 2+n {
		return "", 0, fmt.Errorf("short PUBLISH topic")
	}
	topic := strings.Clone(string(body[2 : 2+n]))
	if typ&0x06 == 0 {
		return topic, 0, nil
	}
	if len(body) < 4+n {
		return "", 0, fmt.Errorf("PUBLISH without packet id")
	}
	return topic, binary.BigEndian.Uint16(body[2+n:]), nil
}
