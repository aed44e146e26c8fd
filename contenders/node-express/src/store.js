// Where orders live: in memory (one process), or in PostgreSQL through the
// `postgres` driver (postgres.js) when DATABASE_URL is set
// (contract/schema.sql). postgres.js prepares every statement by default.

import postgres from 'postgres';

/** Orders in a Map: the contract's store when there is no database. */
export function memoryStore() {
  const orders = new Map();
  let nextId = 0;
  return {
    async add(order) {
      const stored = { id: `ord-${++nextId}`, ...order };
      orders.set(stored.id, stored);
      return stored;
    },
    async get(id) {
      return orders.get(id);
    },
    list: undefined,
    async close() {},
  };
}

// int8 columns arrive as strings; every value here is below 2^53.
function row(r) {
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
export function postgresStore({ url, max }) {
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
        return id;
      });
      return { id, ...order };
    },
    async get(id) {
      if (!/^[1-9][0-9]{0,17}$/.test(id)) return undefined; // not an id this store gave out
      const rows = await sql`
        SELECT id::text AS id, customer_id, currency, items_count, total_cents, fraud_score, status
          FROM orders WHERE id = ${id}`;
      return rows.length ? row(rows[0]) : undefined;
    },
    async list(customerId, limit) {
      const rows = await sql`
        SELECT id::text AS id, customer_id, currency, items_count, total_cents, fraud_score, status
          FROM orders WHERE customer_id = ${customerId} ORDER BY orders.id DESC LIMIT ${limit}`;
      return rows.map(row);
    },
    async close() {
      await sql.end({ timeout: 5 });
    },
  };
}
