package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"mime"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

const maxOrderBody = 65536

type order struct {
	ID         string `json:"id"`
	CustomerID string `json:"customer_id"`
	Currency   string `json:"currency"`
	ItemsCount int    `json:"items_count"`
	TotalCents uint64 `json:"total_cents"`
	FraudScore uint32 `json:"fraud_score"`
	Status     string `json:"status"`
}

// orderStore keeps orders: in memory, or in PostgreSQL when DATABASE_URL
// is set (see db.go).
type orderStore interface {
	// add stores o with its items and returns it with its id.
	add(ctx context.Context, o order, items []item) (order, error)
	// get returns the order with this id; found is false for an unknown id.
	get(ctx context.Context, id string) (o order, found bool, err error)
}

// orderLister is a store that can list a customer's latest orders.
type orderLister interface {
	list(ctx context.Context, customerID string, limit int) ([]order, error)
}

type memoryStore struct {
	next atomic.Uint64
	mu   sync.RWMutex
	byID map[string]order
}

func newMemoryStore() *memoryStore {
	return &memoryStore{byID: make(map[string]order)}
}

func (s *memoryStore) add(_ context.Context, o order, _ []item) (order, error) {
	o.ID = "ord-" + strconv.FormatUint(s.next.Add(1), 10)
	s.mu.Lock()
	s.byID[o.ID] = o
	s.mu.Unlock()
	return o, nil
}

func (s *memoryStore) get(_ context.Context, id string) (order, bool, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.byID[id]
	return o, ok, nil
}

type item struct {
	SKU            string
	Qty            int64
	UnitPriceCents int64
}

type newOrder struct {
	CustomerID string
	Currency   string
	Items      []item
}

func (s *server) createOrder(w http.ResponseWriter, r *http.Request) {
	mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mediaType != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxOrderBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, "payload_too_large", "body exceeds 65536 bytes")
			return
		}
		writeError(w, http.StatusBadRequest, "bad_request", "reading body: "+err.Error())
		return
	}
	in, err := parseOrder(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}

	var total uint64
	for _, it := range in.Items {
		total += uint64(it.Qty) * uint64(it.UnitPriceCents)
	}
	if err := s.authorize(r, in.CustomerID, total); err != nil {
		upstreamError(w, "upstream authorize", err)
		return
	}
	created, err := s.orders.add(r.Context(), order{
		CustomerID: in.CustomerID,
		Currency:   in.Currency,
		ItemsCount: len(in.Items),
		TotalCents: total,
		FraudScore: hashKernel(uint32(total), uint32(1000*len(in.Items))),
		Status:     "authorized",
	}, in.Items)
	if err != nil {
		s.internalError(w, "storing the order", err)
		return
	}
	writeJSON(w, http.StatusCreated, created)
}

// internalError logs what failed and answers 500 without the details.
func (s *server) internalError(w http.ResponseWriter, what string, err error) {
	log.Printf("%s: %v", what, err)
	writeError(w, http.StatusInternalServerError, "internal_error", what+" failed")
}

// listOrders answers GET /orders?customer_id=…&limit=… (database mode).
func (s *server) listOrders(w http.ResponseWriter, r *http.Request) {
	lister, ok := s.orders.(orderLister)
	if !ok {
		methodNotAllowed(w, r)
		return
	}
	q := r.URL.Query()
	customer := q.Get("customer_id")
	if !isToken(customer, 64) {
		writeError(w, http.StatusBadRequest, "bad_request", "customer_id must match ^[A-Za-z0-9_-]{1,64}$")
		return
	}
	limit := uint64(20)
	if q.Has("limit") {
		v, err := uintParam(q.Get("limit"), true, "limit", 100)
		if err != nil || v == 0 {
			writeError(w, http.StatusBadRequest, "bad_request", "limit must be an integer in 1..=100")
			return
		}
		limit = v
	}
	orders, err := lister.list(r.Context(), customer, int(limit))
	if err != nil {
		s.internalError(w, "listing orders", err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		Orders []order `json:"orders"`
	}{orders})
}

func (s *server) authorize(r *http.Request, customerID string, total uint64) error {
	payload, err := json.Marshal(struct {
		CustomerID string `json:"customer_id"`
		TotalCents uint64 `json:"total_cents"`
	}{customerID, total})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), upstreamGrace)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.upstream+"/authorize", bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	var reply struct {
		Approved bool `json:"approved"`
	}
	if err := s.call(req, &reply); err != nil {
		return err
	}
	if !reply.Approved {
		return errors.New("declined")
	}
	return nil
}

func (s *server) getOrder(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	o, ok, err := s.orders.get(r.Context(), id)
	if err != nil {
		s.internalError(w, "reading the order", err)
		return
	}
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "no order "+id)
		return
	}
	writeJSON(w, http.StatusOK, o)
}

// parseOrder applies the contract's validation rules. encoding/json matches
// struct field names case-insensitively and treats null as "leave unset", so
// objects are read as raw maps and every key and type is checked exactly.
func parseOrder(body []byte) (newOrder, error) {
	var out newOrder
	dec := json.NewDecoder(bytes.NewReader(body))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return out, fmt.Errorf("body must be a JSON object: %v", err)
	}
	if fields == nil {
		return out, errors.New("body must be a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return out, errors.New("unexpected data after the JSON object")
	}
	if err := exactKeys(fields, "body", "customer_id", "currency", "items"); err != nil {
		return out, err
	}
	if err := strictDecode(fields["customer_id"], &out.CustomerID); err != nil || !isToken(out.CustomerID, 64) {
		return out, errors.New("customer_id must be 1-64 characters of [A-Za-z0-9_-]")
	}
	if err := strictDecode(fields["currency"], &out.Currency); err != nil ||
		(out.Currency != "USD" && out.Currency != "EUR" && out.Currency != "GBP") {
		return out, errors.New("currency must be USD, EUR or GBP")
	}
	var items []json.RawMessage
	if err := strictDecode(fields["items"], &items); err != nil || len(items) < 1 || len(items) > 100 {
		return out, errors.New("items must be an array of 1 to 100 items")
	}
	for i, raw := range items {
		it, err := parseItem(raw)
		if err != nil {
			return out, fmt.Errorf("items[%d]: %v", i, err)
		}
		out.Items = append(out.Items, it)
	}
	return out, nil
}

func parseItem(raw json.RawMessage) (item, error) {
	var it item
	var fields map[string]json.RawMessage
	if err := strictDecode(raw, &fields); err != nil {
		return it, errors.New("must be an object")
	}
	if err := exactKeys(fields, "item", "sku", "qty", "unit_price_cents"); err != nil {
		return it, err
	}
	if err := strictDecode(fields["sku"], &it.SKU); err != nil {
		return it, errors.New("sku must be a string")
	}
	if n := utf8.RuneCountInString(it.SKU); n < 1 || n > 32 {
		return it, errors.New("sku must be 1-32 characters")
	}
	if err := strictDecode(fields["qty"], &it.Qty); err != nil || it.Qty < 1 || it.Qty > 1000 {
		return it, errors.New("qty must be an integer in 1..=1000")
	}
	if err := strictDecode(fields["unit_price_cents"], &it.UnitPriceCents); err != nil ||
		it.UnitPriceCents < 0 || it.UnitPriceCents > 10_000_000 {
		return it, errors.New("unit_price_cents must be an integer in 0..=10000000")
	}
	return it, nil
}

func exactKeys(fields map[string]json.RawMessage, what string, keys ...string) error {
	for _, k := range keys {
		if _, ok := fields[k]; !ok {
			return fmt.Errorf("%s: missing field %q", what, k)
		}
	}
	if len(fields) != len(keys) {
		for k := range fields {
			known := false
			for _, want := range keys {
				known = known || k == want
			}
			if !known {
				return fmt.Errorf("%s: unknown field %q", what, k)
			}
		}
	}
	return nil
}

// strictDecode rejects null, which json.Unmarshal would silently accept.
func strictDecode(raw json.RawMessage, out any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return errors.New("null")
	}
	return json.Unmarshal(raw, out)
}
