// The order-service contract (docs/contract.md) on Deno.serve, routed by a Map
// of exact paths (and the one `/orders/{id}` prefix). Listens on
// $HOST:$PORT (127.0.0.1 unless told); stops gracefully on SIGTERM. Orders
// live in PostgreSQL when DATABASE_URL is set (store.ts), else in memory.

import { hash, json, trees } from './kernels.ts';
import { type Item, memoryStore, postgresStore, type Store } from './store.ts';
import { orderError } from './validate.ts';

export const MAX_BODY = 65536;
/** How much longer than asked an upstream call may take (docs/contract.md, "Upstream calls"). */
const UPSTREAM_GRACE_MS = 3_000;
/** The most upstream calls one /fanout makes. */
const MAX_FANOUT = 16;
/** How long a request body may take to arrive whole. */
const BODY_TIMEOUT_MS = 10_000;

const CODES: Record<number, string> = {
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
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

const error = (status: number, message: string) =>
  Response.json({ error: CODES[status] ?? 'internal_error', message }, { status });

function uintParam(params: URLSearchParams, name: string, max: number): number {
  const raw = params.getAll(name);
  if (raw.length === 1 && UINT.test(raw[0]) && Number(raw[0]) <= max) return Number(raw[0]);
  throw new HttpError(400, `${name} must be an integer in 0..=${max}`);
}

function tokenParam(params: URLSearchParams, name: string): string {
  const raw = params.getAll(name);
  if (raw.length === 1 && TOKEN.test(raw[0])) return raw[0];
  throw new HttpError(400, `${name} must be 1-64 characters of [A-Za-z0-9_-]`);
}

const isJsonMediaType = (header: string | null) =>
  header !== null && header.split(';', 1)[0].trim().toLowerCase() === 'application/json';

/** The body as text, refusing more than `max` bytes whether or not a length was sent. */
async function readLimited(request: Request, max: number): Promise<string> {
  if (Number(request.headers.get('content-length')) > max) {
    throw new HttpError(413, `body exceeds ${max} bytes`);
  }
  if (!request.body) return '';
  const chunks: Uint8Array[] = [];
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
  const all = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(all);
}

/** A route's handler: `query` is the raw query string, `id` the path's `{id}` when it has one. */
type Handler = (request: Request, query: URLSearchParams, id: string) => Response | Promise<Response>;
type Methods = Record<string, Handler>;

/** The path and the query of a request's URL, without parsing it whole. */
function target(url: string): [string, string] {
  // `request.url` is absolute: scheme://authority/path?query.
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  if (pathStart < 0) return ['/', ''];
  const queryStart = url.indexOf('?', pathStart);
  return queryStart < 0 ? [url.slice(pathStart), ''] : [url.slice(pathStart, queryStart), url.slice(queryStart + 1)];
}

const LIMIT = /^[0-9]{1,3}$/;

/** The request handler, calling the upstream at `upstreamUrl`, keeping orders in `store`. */
export function handler(upstreamUrl: string, store: Store = memoryStore()): (request: Request) => Promise<Response> {
  /**
   * Calls the upstream and decodes its 200 JSON reply. `waitMs` is what the call asks
   * the upstream to take: the call is abandoned UPSTREAM_GRACE_MS later with a 504.
   */
  async function upstreamJson(path: string, waitMs: number, init?: RequestInit): Promise<Record<string, unknown> | null> {
    try {
      const signal = AbortSignal.timeout(waitMs + UPSTREAM_GRACE_MS);
      const response = await fetch(`${upstreamUrl}${path}`, { ...init, signal });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`status ${response.status}`);
      }
      return await response.json();
    } catch (err) {
      const e = err as Error;
      throw e.name === 'TimeoutError'
        ? new HttpError(504, `upstream timed out: ${e.message}`)
        : new HttpError(502, `upstream: ${e.message}`);
    }
  }

  // Exact paths in a Map: one lookup per request, whatever the number of routes.
  const routes = new Map<string, Methods>([
    ['/health', { GET: () => new Response('ok', { headers: { 'content-type': 'text/plain' } }) }],
    ['/json', { GET: () => Response.json({ message: 'Hello, World!' }) }],
    ['/cpu/hash', {
      GET: (_request, params) => {
        const seed = uintParam(params, 'seed', 4294967295);
        const n = uintParam(params, 'n', 10_000_000);
        return Response.json({ seed, n, hash: hash(seed, n) });
      },
    }],
    ['/cpu/json', {
      GET: (_request, params) => {
        const seed = uintParam(params, 'seed', 4294967295);
        const n = uintParam(params, 'n', 100_000);
        const { bytes, totalCents } = json(seed, n);
        return Response.json({ seed, n, bytes, total_cents: totalCents });
      },
    }],
    ['/cpu/trees', {
      GET: (_request, params) => {
        const seed = uintParam(params, 'seed', 4294967295);
        const depth = uintParam(params, 'depth', 20);
        return Response.json({ seed, depth, ...trees(seed, depth) });
      },
    }],
    ['/io', {
      GET: async (_request, params) => {
        const ms = uintParam(params, 'ms', 10_000);
        const token = tokenParam(params, 'token');
        const reply = await upstreamJson(`/delay?ms=${ms}&token=${token}`, ms);
        // A 200 that is not the reply asked for is a failed call (docs/contract.md).
        if (typeof reply?.token !== 'string') throw new HttpError(502, 'upstream: the reply has no token');
        return Response.json({ token: reply.token });
      },
    }],
    // All n upstream calls in flight at once; Promise.all answers at the
    // first failure (each call keeps its own deadline), else with the
    // tokens in call order (docs/contract.md, "Fan-out").
    ['/fanout', {
      GET: async (_request, params) => {
        const n = uintParam(params, 'n', MAX_FANOUT);
        if (n < 1) throw new HttpError(400, `n must be an integer in 1..=${MAX_FANOUT}`);
        const ms = uintParam(params, 'ms', 10_000);
        const token = tokenParam(params, 'token');
        const call = async (i: number): Promise<string> => {
          const reply = await upstreamJson(`/delay?ms=${ms}&token=${token}-${i}`, ms);
          if (typeof reply?.token !== 'string') throw new HttpError(502, 'upstream: the reply has no token');
          return reply.token;
        };
        const tokens = await Promise.all(Array.from({ length: n }, (_, i) => call(i)));
        return Response.json({ n, tokens });
      },
    }],
    ['/orders', {
      POST: async (request) => {
        if (!isJsonMediaType(request.headers.get('content-type'))) {
          throw new HttpError(415, 'Content-Type must be application/json');
        }
        const text = await readLimited(request, MAX_BODY);
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (err) {
          throw new HttpError(400, `body is not JSON: ${(err as Error).message}`);
        }
        const invalid = orderError(body);
        if (invalid) throw new HttpError(400, invalid);
        const order = body as { customer_id: string; currency: string; items: Item[] };
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
        GET: async (_request: Request, params: URLSearchParams) => {
          const customerId = tokenParam(params, 'customer_id');
          let limit = 20;
          if (params.has('limit')) {
            const raw = params.getAll('limit');
            limit = raw.length === 1 && LIMIT.test(raw[0]) ? Number(raw[0]) : 0;
            if (limit < 1 || limit > 100) throw new HttpError(400, 'limit must be an integer in 1..=100');
          }
          return Response.json({ orders: await store.list!(customerId, limit) });
        },
      }),
    }],
  ]);
  const orderById: Methods = {
    GET: async (_request, _params, id) => {
      const order = await store.get(id);
      return order ? Response.json(order) : error(404, `no order ${id}`);
    },
  };

  return async (request: Request) => {
    const [path, query] = target(request.url);
    let methods = routes.get(path);
    let id = '';
    // `/orders/{id}`: one non-empty segment after `/orders/`.
    if (!methods && path.startsWith('/orders/') && path.length > 8 && path.indexOf('/', 8) < 0) {
      methods = orderById;
      id = path.slice(8);
    }
    if (!methods) return error(404, 'no such path');
    const handle = methods[request.method];
    if (!handle) return error(405, `${request.method} is not allowed on this path`);
    try {
      return await handle(request, new URLSearchParams(query), id);
    } catch (err) {
      if (err instanceof HttpError) return error(err.status, err.message);
      console.error(`${request.method} ${path}:`, (err as Error).message);
      return error(500, 'internal error');
    }
  };
}

if (import.meta.main) {
  const port = Number(Deno.env.get('PORT') ?? 8080);
  const upstreamUrl = (Deno.env.get('UPSTREAM_URL') ?? 'http://127.0.0.1:4100').replace(/\/+$/, '');
  const databaseUrl = Deno.env.get('DATABASE_URL');
  const store = databaseUrl
    ? postgresStore(databaseUrl, Number(Deno.env.get('DB_POOL_SIZE') ?? 10))
    : memoryStore();
  const server = Deno.serve(
    {
      hostname: Deno.env.get('HOST') || '127.0.0.1',
      port,
      onListen: ({ hostname, port }) =>
        console.error(`deno listening on http://${hostname}:${port} (deno ${Deno.version.deno}, parallelism=${navigator.hardwareConcurrency})`),
    },
    handler(upstreamUrl, store),
  );
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    Deno.addSignalListener(signal, async () => {
      // Finish what is in flight, then exit.
      await server.shutdown();
      await store.close();
      Deno.exit(0);
    });
  }
}
