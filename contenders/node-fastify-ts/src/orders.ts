// POST /orders, GET /orders/:id and (with a database) GET /orders: Fastify's
// JSON-schema validation, upstream authorization through undici, the fraud
// score, and the store (store.ts).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Pool } from 'undici';

import { HttpError, UPSTREAM_GRACE_MS, upstreamError, sendError } from './errors.js';
import { hash } from './kernels.js';
import type { NewOrder, Order, OrderRequest, Store } from './model.js';
import { order as orderReply, orderList, replies } from './schemas.js';

export const MAX_BODY = 65536;

const orderSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['customer_id', 'currency', 'items'],
  properties: {
    customer_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    currency: { type: 'string', enum: ['USD', 'EUR', 'GBP'] },
    items: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['sku', 'qty', 'unit_price_cents'],
        properties: {
          sku: { type: 'string', minLength: 1, maxLength: 32 },
          qty: { type: 'integer', minimum: 1, maximum: 1000 },
          unit_price_cents: { type: 'integer', minimum: 0, maximum: 10000000 },
        },
      },
    },
  },
} as const;

function isJsonMediaType(header: string | undefined): boolean {
  if (typeof header !== 'string') return false;
  return (header.split(';', 1)[0] ?? '').trim().toLowerCase() === 'application/json';
}

const listSchema = {
  type: 'object',
  required: ['customer_id'],
  properties: {
    customer_id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
    limit: { type: 'string', pattern: '^[0-9]{1,3}$' },
  },
} as const;

interface ListQuery {
  customer_id: string;
  limit?: string;
}

/** What the order routes need: an undici Pool to the upstream and the store. */
export interface OrderDeps {
  upstream: Pool;
  store: Store;
}

/** Registers the order routes on `app`, calling `upstream` and keeping orders in `store`. */
export function orderRoutes(app: FastifyInstance, { upstream, store }: OrderDeps): void {
  app.post<{ Body: OrderRequest }>('/orders', {
    schema: { body: orderSchema, response: replies(201, orderReply) },
    // Checked before the body is read, so a wrong media type is a 415 whatever the body.
    onRequest: async (request: FastifyRequest) => {
      if (!isJsonMediaType(request.headers['content-type'])) {
        throw new HttpError(415, 'Content-Type must be application/json');
      }
    },
    handler: async (request, reply) => {
      const { customer_id, currency, items } = request.body;
      let totalCents = 0;
      for (const item of items) totalCents += item.qty * item.unit_price_cents;

      await authorize(upstream, customer_id, totalCents);

      const order: NewOrder = {
        customer_id,
        currency,
        items_count: items.length,
        total_cents: totalCents,
        // total_cents <= 1e12, so `% 2 ** 32` is exact in a double.
        fraud_score: hash(totalCents % 2 ** 32, 1000 * items.length),
        status: 'authorized',
      };
      const stored: Order = await store.add(order, items);
      return reply.code(201).send(stored);
    },
  });

  app.get<{ Params: { id: string } }>(
    '/orders/:id',
    { schema: { response: replies(200, orderReply) } },
    async (request, reply): Promise<Order | FastifyReply> => {
      const order = await store.get(request.params.id);
      if (order === undefined) return sendError(reply, 404, `no order ${request.params.id}`);
      return order;
    },
  );

  const list = store.list;
  if (list !== undefined) {
    app.get<{ Querystring: ListQuery }>('/orders', {
      schema: { querystring: listSchema, response: replies(200, orderList) },
      handler: async (request): Promise<{ orders: Order[] }> => {
        const raw = request.query.limit;
        const limit = raw === undefined ? 20 : Number(raw);
        if (!(limit >= 1 && limit <= 100)) throw new HttpError(400, 'limit must be an integer in 1..=100');
        return { orders: await list(request.query.customer_id, limit) };
      },
    });
  }
}

/** The upstream's answer to POST /authorize. */
interface Authorization {
  approved?: unknown;
}

async function authorize(upstream: Pool, customerId: string, totalCents: number): Promise<void> {
  let approved = false;
  try {
    const { statusCode, body } = await upstream.request({
      method: 'POST',
      path: '/authorize',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer_id: customerId, total_cents: totalCents }),
      signal: AbortSignal.timeout(UPSTREAM_GRACE_MS),
    });
    if (statusCode !== 200) {
      await body.dump();
      throw new Error(`status ${statusCode}`);
    }
    approved = ((await body.json()) as Authorization).approved === true;
  } catch (err) {
    throw upstreamError(err, 'upstream authorize');
  }
  if (!approved) throw new HttpError(502, 'upstream declined the order');
}
