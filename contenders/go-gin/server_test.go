package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func init() { gin.SetMode(gin.TestMode) }

func do(t *testing.T, h http.Handler, method, target, contentType, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out map[string]any
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: body is not JSON: %q", method, target, rec.Body.String())
		}
	}
	return rec.Code, out
}

func TestErrorsFollowTheContract(t *testing.T) {
	h := newServer("http://127.0.0.1:9", newMemoryStore()).routes()
	cases := []struct {
		method, target string
		status         int
		code           string
	}{
		{"GET", "/nope", 404, "not_found"},
		{"DELETE", "/json", 405, "method_not_allowed"},
		{"GET", "/orders", 405, "method_not_allowed"},
		{"GET", "/orders/missing", 404, "not_found"},
		{"GET", "/cpu/hash?seed=+1&n=1", 400, "bad_request"},
		{"GET", "/io?ms=0&token=abc", 502, "bad_gateway"},
	}
	for _, c := range cases {
		status, body := do(t, h, c.method, c.target, "", "")
		if status != c.status || body["error"] != c.code {
			t.Errorf("%s %s = %d %v, want %d %s", c.method, c.target, status, body, c.status, c.code)
		}
	}
}

func TestOrderValidation(t *testing.T) {
	h := newServer("http://127.0.0.1:9", newMemoryStore()).routes()
	valid := `{"customer_id":"c1","currency":"USD","items":[{"sku":"S","qty":1,"unit_price_cents":5}]}`
	cases := []struct {
		name, contentType, body string
		status                  int
	}{
		{"wrong media type", "text/plain", valid, 415},
		{"too large", "application/json", strings.Repeat(" ", maxOrderBody+1), 413},
		{"differently-cased key", "application/json", strings.Replace(valid, "currency", "Currency", 1), 400},
		{"null field", "application/json", strings.Replace(valid, `"c1"`, "null", 1), 400},
		{"fractional qty", "application/json", strings.Replace(valid, `"qty":1`, `"qty":1.5`, 1), 400},
		{"trailing data", "application/json", valid + "x", 400},
		// Valid, so it reaches the (unreachable) upstream.
		{"valid", "application/json; charset=utf-8", valid, 502},
	}
	for _, c := range cases {
		status, _ := do(t, h, "POST", "/orders", c.contentType, c.body)
		if status != c.status {
			t.Errorf("%s: status %d, want %d", c.name, status, c.status)
		}
	}
}
