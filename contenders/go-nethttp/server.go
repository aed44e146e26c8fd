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
)

type server struct {
	upstream string
	client   *http.Client
	orders   orderStore
}

func newServer(upstream string, orders orderStore) *server {
	// The default transport keeps only 2 idle connections per host, so under
	// concurrency most upstream calls would open a new connection and close it
	// after use, leaving sockets in TIME_WAIT until ports run out. This service
	// talks to one upstream host, so keep as many idle connections as requests
	// it may hold in flight against it.
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

// routes uses the method-and-path patterns of Go 1.22. Each known path also
// gets a method-less pattern that answers 405 with the contract's JSON body
// (the mux's own 405 is plain text), and "/" answers 404.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", s.health)
	mux.HandleFunc("GET /json", s.json)
	mux.HandleFunc("GET /cpu/hash", s.cpuHash)
	mux.HandleFunc("GET /cpu/json", s.cpuJSON)
	mux.HandleFunc("GET /cpu/trees", s.cpuTrees)
	mux.HandleFunc("GET /io", s.io)
	mux.HandleFunc("GET /fanout", s.fanout)
	mux.HandleFunc("POST /orders", s.createOrder)
	mux.HandleFunc("GET /orders", s.listOrders)
	mux.HandleFunc("GET /orders/{id}", s.getOrder)
	for _, path := range []string{"/health", "/json", "/cpu/hash", "/cpu/json", "/cpu/trees", "/io", "/fanout", "/orders", "/orders/{id}"} {
		mux.HandleFunc(path, methodNotAllowed)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such path")
	})
	return mux
}

func (s *server) health(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok"))
}

func (s *server) json(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, struct {
		Message string `json:"message"`
	}{"Hello, World!"})
}

func (s *server) cpuHash(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	seed, err := uintParam(q.Get("seed"), q.Has("seed"), "seed", 4294967295)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	n, err := uintParam(q.Get("n"), q.Has("n"), "n", 10_000_000)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Seed uint32 `json:"seed"`
		N    uint32 `json:"n"`
		Hash uint32 `json:"hash"`
	}{uint32(seed), uint32(n), hashKernel(uint32(seed), uint32(n))})
}

func (s *server) cpuTrees(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	seed, err := uintParam(q.Get("seed"), q.Has("seed"), "seed", 4294967295)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	depth, err := uintParam(q.Get("depth"), q.Has("depth"), "depth", 20)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	nodes, check := treesKernel(uint32(seed), uint32(depth))
	writeJSON(w, http.StatusOK, struct {
		Seed  uint32 `json:"seed"`
		Depth uint32 `json:"depth"`
		Nodes uint32 `json:"nodes"`
		Check uint32 `json:"check"`
	}{uint32(seed), uint32(depth), nodes, check})
}

func (s *server) cpuJSON(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	seed, err := uintParam(q.Get("seed"), q.Has("seed"), "seed", 4294967295)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	n, err := uintParam(q.Get("n"), q.Has("n"), "n", 100_000)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	bytes, total, err := jsonKernel(uint32(seed), uint32(n))
	if err != nil {
		writeError(w, http.StatusInternalServerError, "internal_error", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Seed       uint32 `json:"seed"`
		N          uint32 `json:"n"`
		Bytes      int    `json:"bytes"`
		TotalCents uint64 `json:"total_cents"`
	}{uint32(seed), uint32(n), bytes, total})
}

type tokenReply struct {
	Token string `json:"token"`
}

func (s *server) io(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
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
	url := fmt.Sprintf("%s/delay?ms=%d&token=%s", s.upstream, ms, token)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		writeError(w, http.StatusBadGateway, "bad_gateway", err.Error())
		return
	}
	var reply tokenReply
	if err := s.call(req, &reply); err != nil {
		upstreamError(w, "upstream", err)
		return
	}
	if reply.Token == "" {
		writeError(w, http.StatusBadGateway, "bad_gateway", "upstream: the reply has no token")
		return
	}
	writeJSON(w, http.StatusOK, reply)
}

// upstreamGrace is how much longer than it asked the upstream to wait a call
// may take before it is given up with a 504 (docs/contract.md, "Upstream
// calls"). The transport closes a connection whose request was abandoned.
const upstreamGrace = 3 * time.Second

// upstreamError answers a failed upstream call: 504 when it ran out of time,
// 502 for anything else (a reset, a non-200, a body that is not JSON).
func upstreamError(w http.ResponseWriter, what string, err error) {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		writeError(w, http.StatusGatewayTimeout, "gateway_timeout", what+": "+err.Error())
		return
	}
	writeError(w, http.StatusBadGateway, "bad_gateway", what+": "+err.Error())
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

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed on this path")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}{code, message})
}

// uintParam accepts ^[0-9]{1,10}$ within 0..=max.
func uintParam(raw string, present bool, name string, max uint64) (uint64, error) {
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
