package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

type server struct {
	upstream string
	client   *http.Client
	orders   orderStore
}

func newServer(upstream string, orders orderStore) *server {
	// The default transport keeps 2 idle connections per host: under
	// concurrency every other upstream call would dial and then close,
	// leaving sockets in TIME_WAIT. Keep as many idle connections as requests
	// this service may hold in flight against its one upstream host.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConns = 0 // no global cap
	transport.MaxIdleConnsPerHost = 16384
	transport.IdleConnTimeout = 90 * time.Second
	return &server{
		upstream: upstream,
		client:   &http.Client{Transport: transport},
		orders:   orders,
	}
}

// routes builds the Gin engine. A known path with another method is a 405
// and an unknown path a 404, both with the contract's JSON body; "/orders/"
// is not "/orders", so Gin's trailing-slash and path-fixing redirects are off.
func (s *server) routes() http.Handler {
	r := gin.New()
	r.Use(gin.Recovery())
	r.HandleMethodNotAllowed = true
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.NoMethod(func(c *gin.Context) {
		writeError(c, http.StatusMethodNotAllowed, "method_not_allowed", c.Request.Method+" is not allowed on this path")
	})
	r.NoRoute(func(c *gin.Context) {
		writeError(c, http.StatusNotFound, "not_found", "no such path")
	})

	r.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/json", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"message": "Hello, World!"}) })
	r.GET("/cpu/hash", s.cpuHash)
	r.GET("/cpu/json", s.cpuJSON)
	r.GET("/cpu/trees", s.cpuTrees)
	r.GET("/io", s.io)
	r.GET("/fanout", s.fanout)
	r.POST("/orders", s.createOrder)
	r.GET("/orders/:id", s.getOrder)
	if lister, ok := s.orders.(orderLister); ok {
		r.GET("/orders", s.listOrders(lister))
	}
	return r
}

func (s *server) cpuHash(c *gin.Context) {
	seed, err := uintParam(c, "seed", 4294967295)
	if err != nil {
		writeError(c, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	n, err := uintParam(c, "n", 10_000_000)
	if err != nil {
		writeError(c, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"seed": uint32(seed), "n": uint32(n), "hash": hashKernel(uint32(seed), uint32(n))})
}

func (s *server) cpuTrees(c *gin.Context) {
	seed, err := uintParam(c, "seed", 4294967295)
	if err != nil {
		writeError(c, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	depth, err := uintParam(c, "depth", 20)
	if err != nil {
		writeError(c, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	nodes, check := treesKernel(uint32(seed), uint32(depth))
	c.JSON(http.StatusOK, gin.H{"seed": uint32(seed), "depth": uint32(depth), "nodes": nodes, "check": check})
}

func (s *server) cpuJSON(c *gin.Context) {
	seed, err := uintParam(c, "seed", 4294967295)
	if err != nil {
		writeError(c, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	n, err := uintParam(c, "n", 100_000)
	if err != nil {
		writeError(c, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	bytes, total, err := jsonKernel(uint32(seed), uint32(n))
	if err != nil {
		writeError(c, http.StatusInternalServerError, "internal_error", err.Error())
		return
	}
	c.JSON(http.StatusOK, gin.H{"seed": uint32(seed), "n": uint32(n), "bytes": bytes, "total_cents": total})
}

func (s *server) io(c *gin.Context) {
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
	url := fmt.Sprintf("%s/delay?ms=%d&token=%s", s.upstream, ms, token)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		writeError(c, http.StatusBadGateway, "bad_gateway", err.Error())
		return
	}
	var reply struct {
		Token string `json:"token"`
	}
	if err := s.call(req, &reply); err != nil {
		upstreamError(c, "upstream", err)
		return
	}
	if reply.Token == "" {
		writeError(c, http.StatusBadGateway, "bad_gateway", "upstream: the reply has no token")
		return
	}
	c.JSON(http.StatusOK, reply)
}

// upstreamGrace is how much longer than it asked the upstream to wait a call
// may take before it is given up with a 504 (docs/contract.md, "Upstream
// calls"). The transport closes a connection whose request was abandoned.
const upstreamGrace = 3 * time.Second

// upstreamError answers a failed upstream call: 504 when it ran out of time,
// 502 for anything else (a reset, a non-200, a body that is not JSON).
func upstreamError(c *gin.Context, what string, err error) {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		writeError(c, http.StatusGatewayTimeout, "gateway_timeout", what+": "+err.Error())
		return
	}
	writeError(c, http.StatusBadGateway, "bad_gateway", what+": "+err.Error())
}

// call sends req upstream and decodes a 200 JSON reply into out. The body is
// always drained (up to maxUpstreamBody) and closed, so the connection goes
// back to the pool: a body closed unread makes the transport drop it.
func (s *server) call(req *http.Request, out any) error {
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer func() {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxUpstreamBody))
		resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// maxUpstreamBody is how much of an upstream body is read to keep its
// connection; a longer one is closed instead.
const maxUpstreamBody = 64 << 10

func writeError(c *gin.Context, status int, code, message string) {
	c.AbortWithStatusJSON(status, gin.H{"error": code, "message": message})
}

// uintParam accepts ^[0-9]{1,10}$ within 0..=max.
func uintParam(c *gin.Context, name string, max uint64) (uint64, error) {
	raw, present := c.GetQuery(name)
	bad := fmt.Errorf("%s must be an integer in 0..=%d", name, max)
	if !present || len(raw) == 0 || len(raw) > 10 {
		return 0, bad
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] < '0' || raw[i] > '9' {
			return 0, bad
		}
	}
	v, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || v > max {
		return 0, bad
	}
	return v, nil
}

func isToken(s string, maxLen int) bool {
	if len(s) == 0 || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
