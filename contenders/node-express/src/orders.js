// POST /orders, GET /orders/:id and (with a database) GET /orders: the body
// validated with a zod schema, upstream authorization with fetch, the fraud
// score, and the store (src/store.js).

import express from 'express';
import { z } from 'zod';

import { HttpError, UPSTREAM_GRACE_MS, upstreamError, sendError } from './errors.js';
import { hash } from './kernels.js';

export const MAX_BODY = 65536;

/** Length in code points, as the contract counts characters. */
const chars = (s) => [...s].length;

const Item = z.strictObject({
  sku: z.string().refine((s) => chars(s) >= 1 && chars(s) <= 32, 'sku must be 1-32 characters'),
  qty: z.number().int().min(1).max(1000),
  unit_price_cents: z.number().int().min(0).max(10_000_000),
});

const Order = z.strictObject({
  customer_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  currency: z.enum(['USD', 'EUR', 'GBP']),
  items: z.array(Item).min(1).max(100),
});

function isJsonMediaType(header) {
  if (typeof header !== 'string') return false;
  return header.split(';', 1)[0].trim().toLowerCase() === 'application/json';
}

const ListQuery = z.object({
  customer_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  limit: z
    .string()
    .regex(/^[0-9]{1,3}$/)
    .transform(Number)
    .pipe(z.number().min(1).max(100))
    .default(20),
});

/** A router for the order endpoints, calling the upstream at `upstreamUrl` and keeping orders in `store`. */
export function ordersRouter({ upstreamUrl, store }) {
  const router = express.Router({ strict: true, caseSensitive: true });

  router.post(
    '/orders',
    // Checked before the body is read, so a wrong media type is a 415 whatever the body.
    (req, res, next) => {
      if (!isJsonMediaType(req.get('content-type'))) {
        return next(new HttpError(415, 'Content-Type must be application/json'));
      }
      next();
    },
    express.json({ limit: MAX_BODY, strict: false, type: () => true }),
    async (req, res) => {
      const parsed = Order.safeParse(req.body);
      if (!parsed.success) {
        throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      }
      const { customer_id, currency, items } = parsed.data;
      let totalCents = 0;
      for (const item of items) totalCents += item.qty * item.unit_price_cents;

      await authorize(upstreamUrl, customer_id, totalCents);

      const order = {
        customer_id,
        currency,
        items_count: items.length,
        total_cents: totalCents,
        // total_cents <= 1e12, so `% 2 ** 32` is exact in a double.
        fraud_score: hash(totalCents % 2 ** 32, 1000 * items.length),
        status: 'authorized',
      };
      res.status(201).json(await store.add(order, items));
    },
  );

  router.get('/orders/:id', async (req, res) => {
    const order = await store.get(req.params.id);
    if (!order) return sendError(res, 404, `no order ${req.params.id}`);
    res.json(order);
  });

  if (store.list) {
    router.get('/orders', async (req, res) => {
      const parsed = ListQuery.safeParse(req.query);
      if (!parsed.success) {
        throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      }
      res.json({ orders: await store.list(parsed.data.customer_id, parsed.data.limit) });
    });
  }

  return router;
}

async function authorize(upstreamUrl, customerId, totalCents) {
  let approved = false;
  try {
    const response = await fetch(`${upstreamUrl}/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer_id: customerId, total_cents: totalCents }),
      signal: AbortSignal.timeout(UPSTREAM_GRACE_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`status ${response.status}`);
    }
    approved = (await response.json()).approved === true;
  } catch (err) {
    throw upstreamError(err, 'upstream authorize');
  }
  if (!approved) throw new HttpError(502, 'upstream declined the order');
}
