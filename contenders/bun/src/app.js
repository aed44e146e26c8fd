// The order-service contract (docs/contract.md) on Bun.serve and its router.

import { hash, json, trees } from './kernels.js';
import { memoryStore } from './store.js';
import { orderError } from './validate.js';

export const MAX_BODY = 65536;
/** How much longer than asked an upstream call may take (docs/contract.md, "Upstream calls"). */
const UPSTREAM_GRACE_MS = 3_000;
/** The most upstream calls one /fanout makes. */
const MAX_FANOUT = 16;
/** How long a request body may take to arrive whole. */
const BODY_TIMEOUT_MS = 10_000;

const CODES = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal_error',
  502: 'bad_gateway',
  504: 'gateway_timeout',
};
const UINT = /^[0-9]{1,10}$/;
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const error = (status, message) =>
  Response.json({ error: CODES[status] ?? 'internal_error', message }, { status });

function uintParam(params, name, max) {
  const raw = params.getAll(name);
  if (raw.length === 1 && UINT.test(raw[0]) && Number(raw[0]) <= max) return Number(raw[0]);
  throw new HttpError(400, `${name} must be an integer in 0..=${max}`);
}

function tokenParam(params, name) {
  const raw = params.getAll(name);
  if (raw.length === 1 && TOKEN.test(raw[0])) return raw[0];
  throw new HttpError(400, `${name} must be 1-64 characters of [A-Za-z0-9_-]`);
}

const isJsonMediaType = (header) =>
  typeof header === 'string' && header.split(';', 1)[0].trim().toLowerCase() === 'application/json';

/** The body as text, refusing more than `max` bytes whether or not a length was sent. */
async function readLimited(request, max) {
  const declared = Number(request.headers.get('content-length'));
  if (declared > max) throw new HttpError(413, `body exceeds ${max} bytes`);
  if (!request.body) return '';
  const chunks = [];
  let size = 0;
  // A body that trickles in is given up (docs/contract.md, "Hostile input").
  let timedOut = false;
  const reader = request.body.getReader();
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, BODY_TIMEOUT_MS);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) throw new HttpError(413, `body exceeds ${max} bytes`);
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw new HttpError(408, `body did not arrive within ${BODY_TIMEOUT_MS} ms`);
  return Buffer.concat(chunks).toString('utf8');
}

/** A route handler for `methods`; any other method on the path is a 405. */
function only(methods) {
  return async (request) => {
    const handler = methods[request.method];
    if (!handler) return error(405, `${request.method} is not allowed on this path`);
    try {
      return await handler(request);
    } catch (err) {
      if (err instanceof HttpError) return error(err.status, err.message);
      console.error(`${request.method} ${request.url}:`, err.message);
      return error(500, 'internal error');
    }
  };
}

const LIMIT = /^[0-9]{1,3}$/;

/**
 * Starts the server on `port` (0 picks one), calling the upstream at `upstreamUrl`, keeping orders in `store`;
 * `reusePort` lets other processes listen on the same port.
 */
export function serve({ port, hostname = '127.0.0.1', upstreamUrl, store = memoryStore(), reusePort = false }) {
  /**
   * Calls the upstream and decodes its 200 JSON reply. `waitMs` is what the call asks
   * the upstream to take: the call is abandoned UPSTREAM_GRACE_MS later with a 504.
   */
  async function upstreamJson(path, waitMs, init) {
    try {
      const signal = AbortSignal.timeout(waitMs + UPSTREAM_GRACE_MS);
      const response = await fetch(`${upstreamUrl}${path}`, { ...init, signal });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`status ${response.status}`);
      }
      return await response.json();
    } catch (err) {
      throw err.name === 'TimeoutError'
        ? new HttpError(504, `upstream timed out: ${err.message}`)
        : new HttpError(502, `upstream: ${err.message}`);
    }
  }

  return Bun.serve({
    hostname,
    port,
    // Several processes of the service share the port (src/server.js).
    reusePort,
    routes: {
      '/health': only({ GET: () => new Response('ok', { headers: { 'content-type': 'text/plain' } }) }),
      '/json': only({ GET: () => Response.json({ message: 'Hello, World!' }) }),
      '/cpu/hash': only({
        GET: (request) => {
          const params = new URL(request.url).searchParams;
          const seed = uintParam(params, 'seed', 4294967295);
          const n = uintParam(params, 'n', 10_000_000);
          return Response.json({ seed, n, hash: hash(seed, n) });
        },
      }),
      '/cpu/json': only({
        GET: (request) => {
          const params = new URL(request.url).searchParams;
          const seed = uintParam(params, 'seed', 4294967295);
          const n = uintParam(params, 'n', 100_000);
          const { bytes, totalCents } = json(seed, n);
          return Response.json({ seed, n, bytes, total_cents: totalCents });
        },
      }),
      '/cpu/trees': only({
        GET: (request) => {
          const params = new URL(request.url).searchParams;
          const seed = uintParam(params, 'seed', 4294967295);
          const depth = uintParam(params, 'depth', 20);
          return Response.json({ seed, depth, ...trees(seed, depth) });
        },
      }),
      '/io': only({
        GET: async (request) => {
          const params = new URL(request.url).searchParams;
          const ms = uintParam(params, 'ms', 10_000);
          const token = tokenParam(params, 'token');
          const reply = await upstreamJson(`/delay?ms=${ms}&token=${token}`, ms);
          // A 200 that is not the reply asked for is a failed call (docs/contract.md).
          if (typeof reply?.token !== 'string') throw new HttpError(502, 'upstream: the reply has no token');
          return Response.json({ token: reply.token });
        },
      }),
      // All n upstream calls in flight at once; Promise.all answers at the
      // first failure (each call keeps its own deadline), else with the
      // tokens in call order (docs/contract.md, "Fan-out").
      '/fanout': only({
        GET: async (request) => {
          const params = new URL(request.url).searchParams;
          const n = uintParam(params, 'n', MAX_FANOUT);
          if (n < 1) throw new HttpError(400, `n must be an integer in 1..=${MAX_FANOUT}`);
          const ms = uintParam(params, 'ms', 10_000);
          const token = tokenParam(params, 'token');
          const call = async (i) => {
            const reply = await upstreamJson(`/delay?ms=${ms}&token=${token}-${i}`, ms);
            if (typeof reply?.token !== 'string') throw new HttpError(502, 'upstream: the reply has no token');
            return reply.token;
          };
          const tokens = await Promise.all(Array.from({ length: n }, (_, i) => call(i)));
          return Response.json({ n, tokens });
        },
      }),
      '/orders': only({
        POST: async (request) => {
          if (!isJsonMediaType(request.headers.get('content-type'))) {
            throw new HttpError(415, 'Content-Type must be application/json');
          }
          const text = await readLimited(request, MAX_BODY);
          let order;
          try {
            order = JSON.parse(text);
          } catch (err) {
            throw new HttpError(400, `body is not JSON: ${err.message}`);
          }
          const invalid = orderError(order);
          if (invalid) throw new HttpError(400, invalid);
          let totalCents = 0;
          for (const item of order.items) totalCents += item.qty * item.unit_price_cents;
          const authorization = await upstreamJson('/authorize', 0, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ customer_id: order.customer_id, total_cents: totalCents }),
          });
          if (authorization?.approved !== true) throw new HttpError(502, 'upstream declined the order');
          const stored = await store.add(
            {
              customer_id: order.customer_id,
              currency: order.currency,
              items_count: order.items.length,
              total_cents: totalCents,
              // total_cents <= 1e12, so `% 2 ** 32` is exact in a double.
              fraud_score: hash(totalCents % 2 ** 32, 1000 * order.items.length),
              status: 'authorized',
            },
            order.items,
          );
          return Response.json(stored, { status: 201 });
        },
        // The list query exists in database mode only.
        ...(store.list && {
          GET: async (request) => {
            const params = new URL(request.url).searchParams;
            const customerId = tokenParam(params, 'customer_id');
            let limit = 20;
            if (params.has('limit')) {
              const raw = params.getAll('limit');
              limit = raw.length === 1 && LIMIT.test(raw[0]) ? Number(raw[0]) : 0;
              if (limit < 1 || limit > 100) throw new HttpError(400, 'limit must be an integer in 1..=100');
            }
            return Response.json({ orders: await store.list(customerId, limit) });
          },
        }),
      }),
      '/orders/:id': only({
        GET: async (request) => {
          const order = await store.get(request.params.id);
          return order ? Response.json(order) : error(404, `no order ${request.params.id}`);
        },
      }),
    },
    fetch: () => error(404, 'no such path'),
    // What escapes a handler (none should: `only` catches) is a 500.
    error(err) {
      console.error('unhandled:', err.message);
      return error(500, 'internal error');
    },
  });
}
