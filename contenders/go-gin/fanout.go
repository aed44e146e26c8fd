package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"
)

// maxFanout is the most upstream calls one /fanout makes (docs/contract.md).
const maxFanout = 16

// fanout serves GET /fanout?n=K&ms=M&token=T: K calls to the upstream's
// /delay in an errgroup, all in flight at once. The first call that fails
// cancels the group's context and decides the answer (502, or 504 when the
// shared deadline ran out); the tokens come back in call order.
func (s *server) fanout(c *gin.Context) {
	n, err := uintParam(c, "n", maxFanout)
	if err == nil && n == 0 {
		err = fmt.Errorf("n must be an integer in 1..=%d", maxFanout)
	}
	if err != nil {
		writeError(c, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	ms, err := uintParam(c, "ms", 10_000)
	if err != nil {
		writeError(c, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	token, ok := c.GetQuery("token")
	if !ok || !isToken(token, 64) {
		writeError(c, http.StatusBadRequest, "bad_request", "token must be 1-64 characters of [A-Za-z0-9_-]")
		return
	}

	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Duration(ms)*time.Millisecond+upstreamGrace)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	tokens := make([]string, n)
	for i := range tokens {
		g.Go(func() (err error) {
			tokens[i], err = s.delay(ctx, ms, fmt.Sprintf("%s-%d", token, i))
			return err
		})
	}
	if err := g.Wait(); err != nil {
		upstreamError(c, "upstream", err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"n": n, "tokens": tokens})
}

// delay asks the upstream to wait ms and echo token, and returns the token
// of its reply; a 200 without one is an error, as any other failure.
func (s *server) delay(ctx context.Context, ms uint64, token string) (string, error) {
	url := fmt.Sprintf("%s/delay?ms=%d&token=%s", s.upstream, ms, token)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	var reply struct {
		Token string `json:"token"`
	}
	if err := s.call(req, &reply); err != nil {
		return "", err
	}
	if reply.Token == "" {
		return "", errors.New("the reply has no token")
	}
	return reply.Token, nil
}
