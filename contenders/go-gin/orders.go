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

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/validator/v10"
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
	add(ctx context.Context, o order, items []itemIn) (order, error)
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

func (s *memoryStore) add(_ context.Context, o order, _ []itemIn) (order, error) {
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

// The order rules as validator tags, checked by Gin's validator.
type itemIn struct {
	SKU            string `json:"sku" binding:"required,min=1,max=32"`
	Qty            *int64 `json:"qty" binding:"required,min=1,max=1000"`
	UnitPriceCents *int64 `json:"unit_price_cents" binding:"required,min=0,max=10000000"`
}

type orderIn struct {
	CustomerID string   `json:"customer_id" binding:"required,token"`
	Currency   string   `json:"currency" binding:"required,oneof=USD EUR GBP"`
	Items      []itemIn `json:"items" binding:"required,min=1,max=100,dive"`
}

func init() {
	if v, ok := binding.Validator.Engine().(*validator.Validate); ok {
		_ = v.RegisterValidation("token", func(fl validator.FieldLevel) bool {
			return isToken(fl.Field().String(), 64)
		})
	}
}

func (s *server) createOrder(c *gin.Context) {
	mediaType, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || mediaType != "application/json" {
		writeError(c, http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type must be application/json")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxOrderBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(c, http.StatusRequestEntityTooLarge, "payload_too_large", "body exceeds 65536 bytes")
			return
		}
		writeError(c, http.StatusBadRequest, "bad_request", "reading body: "+err.Error())
		return
	}
	in, err := parseOrder(body)
	if err != nil {
		writeError(c, http.StatusBadRequest, "bad_request", err.Error())
		return
	}

	var total uint64
	for _, it := range in.Items {
		total += uint64(*it.Qty) * uint64(*it.UnitPriceCents)
	}
	if err := s.authorize(c, in.CustomerID, total); err != nil {
		upstreamError(c, "upstream authorize", err)
		return
	}
	created, err := s.orders.add(c.Request.Context(), order{
		CustomerID: in.CustomerID,
		Currency:   in.Currency,
		ItemsCount: len(in.Items),
		TotalCents: total,
		FraudScore: hashKernel(uint32(total), uint32(1000*len(in.Items))),
		Status:     "authorized",
	}, in.Items)
	if err != nil {
		internalError(c, "storing the order", err)
		return
	}
	c.JSON(http.StatusCreated, created)
}

// internalError logs what failed and answers 500 without the details.
func internalError(c *gin.Context, what string, err error) {
	log.Printf("%s: %v", what, err)
	writeError(c, http.StatusInternalServerError, "internal_error", what+" failed")
}

// listQuery is GET /orders's query, validated by Gin's validator: `number`
// is digits only (`numeric` would let a sign or a fraction through, and
// strconv.Atoi a sign).
type listQuery struct {
	CustomerID string `form:"customer_id" binding:"required,token"`
	Limit      string `form:"limit" binding:"omitempty,number,max=3"`
}

// listOrders answers GET /orders?customer_id=…&limit=… (database mode).
func (s *server) listOrders(lister orderLister) gin.HandlerFunc {
	return func(c *gin.Context) {
		var q listQuery
		if err := c.ShouldBindQuery(&q); err != nil {
			writeError(c, http.StatusBadRequest, "bad_request", err.Error())
			return
		}
		limit := 20
		if q.Limit != "" {
			n, err := strconv.Atoi(q.Limit)
			if err != nil || n < 1 || n > 100 {
				writeError(c, http.StatusBadRequest, "bad_request", "limit must be an integer in 1..=100")
				return
			}
			limit = n
		}
		orders, err := lister.list(c.Request.Context(), q.CustomerID, limit)
		if err != nil {
			internalError(c, "listing orders", err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"orders": orders})
	}
}

// parseOrder checks the body's shape exactly, then binds and validates it
// with Gin's validator. The shape check is needed first because
// encoding/json (and so c.ShouldBindJSON) matches keys case-insensitively,
// reads null as "unset" and ignores data after the first JSON value.
func parseOrder(body []byte) (orderIn, error) {
	var in orderIn
	dec := json.NewDecoder(bytes.NewReader(body))
	var top json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return in, fmt.Errorf("body must be a JSON object: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return in, errors.New("unexpected data after the JSON object")
	}
	fields, err := exactObject(top, "body", "customer_id", "currency", "items")
	if err != nil {
		return in, err
	}
	var items []json.RawMessage
	if err := json.Unmarshal(fields["items"], &items); err != nil {
		return in, errors.New("items must be an array")
	}
	for i, raw := range items {
		if _, err := exactObject(raw, fmt.Sprintf("items[%d]", i), "sku", "qty", "unit_price_cents"); err != nil {
			return in, err
		}
	}
	if err := json.Unmarshal(top, &in); err != nil {
		return in, fmt.Errorf("body: %v", err)
	}
	if err := binding.Validator.ValidateStruct(&in); err != nil {
		return in, err
	}
	return in, nil
}

// exactObject reads raw as an object with exactly `keys`, none of them null.
func exactObject(raw json.RawMessage, what string, keys ...string) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("%s must be a JSON object", what)
	}
	for _, k := range keys {
		v, ok := fields[k]
		if !ok {
			return nil, fmt.Errorf("%s: missing field %q", what, k)
		}
		if string(v) == "null" {
			return nil, fmt.Errorf("%s: %q is null", what, k)
		}
	}
	if len(fields) != len(keys) {
		for k := range fields {
			known := false
			for _, want := range keys {
				known = known || k == want
			}
			if !known {
				return nil, fmt.Errorf("%s: unknown field %q", what, k)
			}
		}
	}
	return fields, nil
}

func (s *server) authorize(c *gin.Context, customerID string, total uint64) error {
	payload, err := json.Marshal(struct {
		CustomerID string `json:"customer_id"`
		TotalCents uint64 `json:"total_cents"`
	}{customerID, total})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), upstreamGrace)
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

func (s *server) getOrder(c *gin.Context) {
	id := c.Param("id")
	o, ok, err := s.orders.get(c.Request.Context(), id)
	if err != nil {
		internalError(c, "reading the order", err)
		return
	}
	if !ok {
		writeError(c, http.StatusNotFound, "not_found", "no order "+id)
		return
	}
	c.JSON(http.StatusOK, o)
}
