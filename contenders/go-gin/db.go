package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgStore keeps orders in PostgreSQL (contract/schema.sql) through a pgx
// pool. pgx prepares and caches each statement on every connection.
type pgStore struct {
	pool *pgxpool.Pool
}

func newPgStore(ctx context.Context, url string, poolSize int) (*pgStore, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if poolSize > 0 {
		cfg.MaxConns = int32(poolSize)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connecting to the database: %w", err)
	}
	return &pgStore{pool: pool}, nil
}

const orderColumns = `id::text, customer_id, currency, items_count, total_cents, fraud_score, status`

func scanOrder(row pgx.Row) (order, error) {
	var o order
	var fraud int64
	err := row.Scan(&o.ID, &o.CustomerID, &o.Currency, &o.ItemsCount, &o.TotalCents, &fraud, &o.Status)
	o.FraudScore = uint32(fraud)
	return o, err
}

// add stores the order and its items in one transaction; the order is
// acknowledged only after COMMIT returns.
func (s *pgStore) add(ctx context.Context, o order, items []itemIn) (order, error) {
	skus := make([]string, len(items))
	qtys := make([]int32, len(items))
	prices := make([]int64, len(items))
	for i, it := range items {
		skus[i], qtys[i], prices[i] = it.SKU, int32(*it.Qty), *it.UnitPriceCents
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx,
			`INSERT INTO orders (customer_id, currency, items_count, total_cents, fraud_score, status)
			 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			o.CustomerID, o.Currency, o.ItemsCount, int64(o.TotalCents), int64(o.FraudScore), o.Status,
		).Scan(&id); err != nil {
			return err
		}
		o.ID = strconv.FormatInt(id, 10)
		_, err := tx.Exec(ctx,
			`INSERT INTO order_items (order_id, line, sku, qty, unit_price_cents)
			 SELECT $1, t.line, t.sku, t.qty, t.price
			   FROM unnest($2::text[], $3::int[], $4::bigint[]) WITH ORDINALITY AS t(sku, qty, price, line)`,
			id, skus, qtys, prices)
		return err
	})
	return o, err
}

func (s *pgStore) get(ctx context.Context, id string) (order, bool, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return order{}, false, nil // not an id this store ever gave out
	}
	o, err := scanOrder(s.pool.QueryRow(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = $1`, n))
	if errors.Is(err, pgx.ErrNoRows) {
		return order{}, false, nil
	}
	return o, err == nil, err
}

func (s *pgStore) list(ctx context.Context, customerID string, limit int) ([]order, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT `+orderColumns+` FROM orders WHERE customer_id = $1 ORDER BY orders.id DESC LIMIT $2`,
		customerID, limit)
	if err != nil {
		return nil, err
	}
	out := []order{}
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
