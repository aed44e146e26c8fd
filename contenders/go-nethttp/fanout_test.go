package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// upstreamBarrier is a /delay that holds each call until `want` calls are in
// flight together (or 2 s passed), and records the most it saw at once: a
// fan-out that waits for each call before the next peaks at 1.
type upstreamBarrier struct {
	mu             sync.Mutex
	want           int
	inFlight, peak int
	all            chan struct{}
}

func (b *upstreamBarrier) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	b.inFlight++
	b.peak = max(b.peak, b.inFlight)
	if b.inFlight == b.want {
		close(b.all)
	}
	b.mu.Unlock()
	select {
	case <-b.all:
	case <-time.After(2 * time.Second):
	}
	b.mu.Lock()
	b.inFlight--
	b.mu.Unlock()
	token := r.URL.Query().Get("token")
	if strings.HasSuffix(token, "fail-2") {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"token": token})
}

func TestFanoutCallsTheUpstreamAtOnceAndKeepsTheOrder(t *testing.T) {
	barrier := &upstreamBarrier{want: 5, all: make(chan struct{})}
	upstream := httptest.NewServer(barrier)
	defer upstream.Close()
	h := newServer(upstream.URL, newMemoryStore()).routes()

	status, body := do(t, h, "GET", "/fanout?n=5&ms=0&token=abc", "", "")
	want := map[string]any{"n": 5.0, "tokens": []any{"abc-0", "abc-1", "abc-2", "abc-3", "abc-4"}}
	if status != 200 || !reflect.DeepEqual(body, want) {
		t.Fatalf("GET /fanout = %d %v, want 200 %v", status, body, want)
	}
	if barrier.peak != 5 {
		t.Errorf("the upstream saw at most %d calls at once, want all 5", barrier.peak)
	}
}

func TestFanoutFailsWholeWhenOneCallFails(t *testing.T) {
	upstream := httptest.NewServer(&upstreamBarrier{want: 4, all: make(chan struct{})})
	defer upstream.Close()
	h := newServer(upstream.URL, newMemoryStore()).routes()
	status, body := do(t, h, "GET", "/fanout?n=4&ms=0&token=fail", "", "")
	if status != 502 || body["error"] != "bad_gateway" {
		t.Errorf("one failed call: %d %v, want 502 bad_gateway", status, body)
	}
}

func TestFanoutParameters(t *testing.T) {
	h := newServer("http://127.0.0.1:9", newMemoryStore()).routes()
	for _, c := range []struct {
		method, target string
		status         int
	}{
		{"GET", "/fanout?n=0&ms=0&token=a", 400},
		{"GET", "/fanout?n=17&ms=0&token=a", 400},
		{"GET", "/fanout?ms=0&token=a", 400},
		{"GET", "/fanout?n=2&ms=0", 400},
		{"POST", "/fanout?n=2&ms=0&token=a", 405},
		{"GET", "/fanout?n=2&ms=0&token=a", 502},
	} {
		if status, _ := do(t, h, c.method, c.target, "", ""); status != c.status {
			t.Errorf("%s %s = %d, want %d", c.method, c.target, status, c.status)
		}
	}
}
