// Where orders live: in memory, or in PostgreSQL through postgres.js
// (`npm:postgres`, mapped in deno.json) when DATABASE_URL is set
// (contract/schema.sql). postgres.js prepares every statement by default.

import postgres from 'postgres';

/** An order as the contract answers it. */
export interface Order {
  id: string;
  customer_id: string;
  currency: string;
  items_count: number;
  total_cents: number;
  fraud_score: number;
  status: string;
}

export interface Item {
  sku: string;
  qty: number;
  unit_price_cents: number;
}

export interface Store {
  add(order: Omit<Order, 'id'>, items: Item[]): Promise<Order>;
  get(id: string): Promise<Order | undefined>;
  /** The list query: database mode only. */
  list?: (customerId: string, limit: number) => Promise<Order[]>;
  close(): Promise<void>;
}

/** Orders in a Map: the contract's store when there is no database. */
export function memoryStore(): Store {
  const orders = new Map<string, Order>();
  let nextId = 0;
  return {
    add(order) {
      const stored = { id: `ord-${++nextId}`, ...order };
      orders.set(stored.id, stored);
      return Promise.resolve(stored);
    },
    get(id) {
      return Promise.resolve(orders.get(id));
    },
    close: () => Promise.resolve(),
  };
}

type Row = Record<string, string | number>;

// int8 columns arrive as strings; every value here is below 2^53.
const row = (r: Row): Order => ({
  id: String(r.id),
  customer_id: String(r.customer_id),
  currency: String(r.currency),
  items_count: Number(r.items_count),
  total_cents: Number(r.total_cents),
  fraud_score: Number(r.fraud_score),
  status: String(r.status),
});

/** Orders in PostgreSQL: one transaction per order, answered after COMMIT. */
export function postgresStore(url: string, max: number): Store {
  const sql = postgres(url, { max, onnotice: () => {} });
  return {
    async add(order, items) {
      const id = await sql.begin(async (tx) => {
        const [{ id }] = await tx`
          INSERT INTO orders (customer_id, currency, items_count, total_cents, fraud_score, status)
          VALUES (${order.customer_id}, ${order.currency}, ${order.items_count},
                  ${order.total_cents}, ${order.fraud_score}, ${order.status})
          RETURNING id::text AS id`;
        await tx`
          INSERT INTO order_items (order_id, line, sku, qty, unit_price_cents)
          SELECT ${id}, t.line, t.sku, t.qty, t.price
            FROM unnest(${items.map((i) => i.sku)}::text[], ${items.map((i) => i.qty)}::int[],
                        ${items.map((i) => i.unit_price_cents)}::bigint[])
                 WITH ORDINALITY AS t(sku, qty, price, line)`;
        return id as string;
      });
      return { id, ...order };
    },
    async get(id) {
      if (!/^[1-9][0-9]{0,17}$/.test(id)) return undefined; // not an id this store gave out
      const rows = await sql`
        SELECT id::text AS id, customer_id, currency, items_count, total_cents, fraud_score, status
          FROM orders WHERE id = ${id}`;
      return rows.length ? row(rows[0] as Row) : undefined;
    },
    async list(customerId, limit) {
      const rows = await sql`
        SELECT id::text AS id, customer_id, currency, items_count, total_cents, fraud_score, status
          FROM orders WHERE customer_id = ${customerId} ORDER BY orders.id DESC LIMIT ${limit}`;
      return rows.map((r) => row(r as Row));
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
