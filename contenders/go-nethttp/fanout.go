package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// maxFanout is the most upstream calls one /fanout makes (docs/contract.md).
const maxFanout = 16

type fanoutReply struct {
	N      uint64   `json:"n"`
	Tokens []string `json:"tokens"`
}

// fanout serves GET /fanout?n=K&ms=M&token=T: K calls to the upstream's
// /delay, one goroutine each, all in flight at once. The first call that
// fails cancels the others and decides the answer (502, or 504 when the
// shared deadline ran out); the tokens come back in call order.
func (s *server) fanout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, err := uintParam(q.Get("n"), q.Has("n"), "n", maxFanout)
	if err == nil && n == 0 {
		err = fmt.Errorf("n must be an integer in 1..=%d", maxFanout)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	ms, err := uintParam(q.Get("ms"), q.Has("ms"), "ms", 10_000)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	token := q.Get("token")
	if !isToken(token, 64) {
		writeError(w, http.StatusBadRequest, "bad_request", "token must be 1-64 characters of [A-Za-z0-9_-]")
		return
	}

	ctx, cancel := context.WithTimeout(r.Context(), time.Duration(ms)*time.Millisecond+upstreamGrace)
	defer cancel()
	tokens := make([]string, n)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for i := range tokens {
		wg.Go(func() {
			got, err := s.delay(ctx, ms, fmt.Sprintf("%s-%d", token, i))
			if err != nil {
				once.Do(func() {
					firstErr = err
					cancel()
				})
				return
			}
			tokens[i] = got
		})
	}
	wg.Wait()
	if firstErr != nil {
		upstreamError(w, "upstream", firstErr)
		return
	}
	writeJSON(w, http.StatusOK, fanoutReply{N: n, Tokens: tokens})
}

// delay asks the upstream to wait ms and echo token, and returns the token
// of its reply; a 200 without one is an error, as any other failure.
func (s *server) delay(ctx context.Context, ms uint64, token string) (string, error) {
	url := fmt.Sprintf("%s/delay?ms=%d&token=%s", s.upstream, ms, token)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	var reply tokenReply
	if err := s.call(req, &reply); err != nil {
		return "", err
	}
	if reply.Token == "" {
		return "", fmt.Errorf("the reply has no token")
	}
	return reply.Token, nil
}
