// Where orders live: in memory (one process), or in PostgreSQL through a
// node-postgres pool when DATABASE_URL is set (contract/schema.sql).
//
// node-postgres prepares a statement only when the query is given a `name`
// (its documentation's "Prepared statements"): each connection then parses
// and plans it once and reuses it, as pgx, tokio-postgres, postgres.js and
// Bun.SQL do by default. Every query here is named.

import pg from 'pg';

import type { Currency, NewOrder, Order, OrderItem, OrderStatus, Store } from './model.js';

/** Orders in a Map: the contract's store when there is no database. */
export function memoryStore(): Store {
  const orders = new Map<string, Order>();
  let nextId = 0;
  return {
    shared: false,
    async add(order: NewOrder): Promise<Order> {
      const stored: Order = { id: `ord-${++nextId}`, ...order };
      orders.set(stored.id, stored);
      return stored;
    },
    async get(id: string): Promise<Order | undefined> {
      return orders.get(id);
    },
    list: undefined,
    async close(): Promise<void> {},
  };
}

const COLUMNS = 'id::text AS id, customer_id, currency, items_count, total_cents, fraud_score, status';
const INSERT_ORDER = `INSERT INTO orders (customer_id, currency, items_count, total_cents, fraud_score, status)
  VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text AS id`;
const INSERT_ITEMS = `INSERT INTO order_items (order_id, line, sku, qty, unit_price_cents)
  SELECT $1, t.line, t.sku, t.qty, t.price
    FROM unnest($2::text[], $3::int[], $4::bigint[]) WITH ORDINALITY AS t(sku, qty, price, line)`;
const GET_ORDER = `SELECT ${COLUMNS} FROM orders WHERE id = $1`;
const LIST_ORDERS = `SELECT ${COLUMNS} FROM orders WHERE customer_id = $1 ORDER BY orders.id DESC LIMIT $2`;

/** A row of `orders` as node-postgres gives it: int8 columns arrive as strings. */
interface OrderRow {
  id: string;
  customer_id: string;
  currency: Currency;
  items_count: number;
  total_cents: string;
  fraud_score: string;
  status: OrderStatus;
}

// Every int8 value here is below 2^53.
function row(r: OrderRow): Order {
  return {
    id: r.id,
    customer_id: r.customer_id,
    currency: r.currency,
    items_count: r.items_count,
    total_cents: Number(r.total_cents),
    fraud_score: Number(r.fraud_score),
    status: r.status,
  };
}

/** Orders in PostgreSQL: one transaction per order, answered after COMMIT. */
export function postgresStore({ connectionString, max }: { connectionString: string; max: number }): Store {
  const pool = new pg.Pool({ connectionString, max });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', (err: Error) => console.error('database pool:', err.message));
  return {
    shared: true,
    async add(order: NewOrder, items: readonly OrderItem[]): Promise<Order> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const { rows } = await client.query<{ id: string }>({
          name: 'insert-order',
          text: INSERT_ORDER,
          values: [order.customer_id, order.currency, order.items_count, order.total_cents, order.fraud_score, order.status],
        });
        const inserted = rows[0];
        if (inserted === undefined) throw new Error('INSERT … RETURNING gave no row');
        const id = inserted.id;
        await client.query({
          name: 'insert-items',
          text: INSERT_ITEMS,
          values: [id, items.map((i) => i.sku), items.map((i) => i.qty), items.map((i) => i.unit_price_cents)],
        });
        await client.query('COMMIT');
        return { id, ...order };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async get(id: string): Promise<Order | undefined> {
      if (!/^[1-9][0-9]{0,17}$/.test(id)) return undefined; // not an id this store gave out
      const { rows } = await pool.query<OrderRow>({ name: 'get-order', text: GET_ORDER, values: [id] });
      const first = rows[0];
      return first === undefined ? undefined : row(first);
    },
    async list(customerId: string, limit: number): Promise<Order[]> {
      const { rows } = await pool.query<OrderRow>({ name: 'list-orders', text: LIST_ORDERS, values: [customerId, limit] });
      return rows.map(row);
    },
    async close(): Promise<void> {
      await pool.end();
    },
  };
}
