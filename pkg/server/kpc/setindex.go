package kpc

// setIndex files values under string keys, a set per key (the session
// registry's and the token cache's indexes). Nearly every key holds one
// value (a credential, an endpoint or a token is used by one session), so
// the first value is kept inline and only a second one makes a map: a map
// per key cost about 200 bytes per session. Add and drop are O(1) however
// many values share a key.
type setIndex[T comparable] map[string]indexSet[T]

type indexSet[T comparable] struct {
	one  T              // a member
	more map[T]struct{} // the other members, nil while there are none
}

// add files v under key; an empty key is not indexed.
func (ix setIndex[T]) add(key string, v T) {
	if key == "" {
		return
	}
	s, ok := ix[key]
	switch {
	case !ok:
		ix[key] = indexSet[T]{one: v}
	case s.one == v:
	default:
		if s.more == nil {
			s.more = make(map[T]struct{}, 1)
			ix[key] = s
		}
		s.more[v] = struct{}{}
	}
}

// drop removes v from key's set, and the set once it is empty.
func (ix setIndex[T]) drop(key string, v T) {
	s, ok := ix[key]
	switch {
	case !ok:
	case s.one != v:
		delete(s.more, v)
		if len(s.more) == 0 && s.more != nil {
			ix[key] = indexSet[T]{one: s.one}
		}
	case len(s.more) == 0:
		delete(ix, key)
	default:
		for w := range s.more { // promote any other member
			delete(s.more, w)
			if len(s.more) == 0 {
				s.more = nil
			}
			ix[key] = indexSet[T]{one: w, more: s.more}
			return
		}
	}
}

// values returns the members of key's set, in no order; a copy, so the
// caller may drop them as it goes.
func (ix setIndex[T]) values(key string) []T {
	s, ok := ix[key]
	if !ok {
		return nil
	}
	out := make([]T, 0, 1+len(s.more))
	out = append(out, s.one)
	for v := range s.more {
		out = append(out, v)
	}
	return out
}
