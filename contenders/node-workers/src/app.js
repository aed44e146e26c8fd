// The Fastify application: every endpoint of docs/contract.md. The CPU
// kernels run on a worker_threads pool, so the event loop keeps answering
// while they compute.

import http from 'node:http';

import Fastify from 'fastify';
import { Pool } from 'undici';

import { UPSTREAM_GRACE_MS, upstreamError, errorHandler, sendError } from './errors.js';
import { fanoutRoutes } from './fanout.js';
import { MAX_BODY, orderRoutes } from './orders.js';
import { hashReply, jsonReply, message, replies, tokenReply, treesReply } from './schemas.js';
import { tokenParam, uintParam } from './params.js';
import { memoryStore } from './store.js';

const SERVER_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 1_000 };
const KNOWN_PATHS = ['/health', '/json', '/cpu/hash', '/cpu/json', '/cpu/trees', '/io', '/fanout', '/orders', '/orders/:id'];
const ALL_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

/**
 * Builds the app; `upstreamUrl` is the base URL of the upstream simulator,
 * `kernels` the worker pool that computes the CPU kernels.
 */
export function buildApp({ upstreamUrl, kernels, store = memoryStore() }) {
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY,
    // A request head, and the whole request, must arrive within 10 s
    // (slowloris, slow bodies: docs/contract.md). Node.js checks its
    // timeouts only every connectionsCheckingInterval (30 s by default).
    serverFactory: (handler) => http.createServer(SERVER_TIMEOUTS, handler),
    ajv: {
      // Fastify's defaults coerce types and strip unknown fields; the contract
      // wants wrong types and unknown fields rejected.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
  });

  // One keep-alive pool to the upstream; undici opens connections as needed.
  const upstream = new Pool(upstreamUrl, { keepAliveTimeout: 60_000 });
  app.addHook('onClose', async () => {
    await upstream.close();
    await store.close();
  });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'no such path'));

  app.get('/health', async (request, reply) => reply.type('text/plain').send('ok'));

  app.get('/json', { schema: { response: replies(200, message) } }, async () => ({ message: 'Hello, World!' }));

  app.get('/cpu/hash', { schema: { response: replies(200, hashReply) } }, async (request) => {
    const seed = uintParam(request.query, 'seed', 4294967295);
    const n = uintParam(request.query, 'n', 10_000_000);
    return { seed, n, hash: await kernels.run({ kernel: 'hash', seed, n }) };
  });

  app.get('/cpu/json', { schema: { response: replies(200, jsonReply) } }, async (request) => {
    const seed = uintParam(request.query, 'seed', 4294967295);
    const n = uintParam(request.query, 'n', 100_000);
    const { bytes, totalCents } = await kernels.run({ kernel: 'json', seed, n });
    return { seed, n, bytes, total_cents: totalCents };
  });

  app.get('/cpu/trees', { schema: { response: replies(200, treesReply) } }, async (request) => {
    const seed = uintParam(request.query, 'seed', 4294967295);
    const depth = uintParam(request.query, 'depth', 20);
    return { seed, depth, ...(await kernels.run({ kernel: 'trees', seed, n: depth })) };
  });

  app.get('/io', { schema: { response: replies(200, tokenReply) } }, async (request) => {
    const ms = uintParam(request.query, 'ms', 10_000);
    const token = tokenParam(request.query, 'token');
    try {
      const { statusCode, body } = await upstream.request({
        method: 'GET',
        path: `/delay?ms=${ms}&token=${token}`,
        signal: AbortSignal.timeout(ms + UPSTREAM_GRACE_MS),
      });
      if (statusCode !== 200) {
        await body.dump();
        throw new Error(`status ${statusCode}`);
      }
      const reply = await body.json();
      // A 200 that is not the reply asked for is a failed call (docs/contract.md).
      if (typeof reply?.token !== 'string') throw new Error('the reply has no token');
      return { token: reply.token };
    } catch (err) {
      throw upstreamError(err, 'upstream');
    }
  });

  fanoutRoutes(app, { upstream });
  orderRoutes(app, { upstream, store });

  // Fastify answers an unrouted method with 404; the contract wants 405.
  app.after(() => {
    for (const url of KNOWN_PATHS) {
      const routed = ALL_METHODS.filter((method) => app.hasRoute({ method, url }));
      const others = ALL_METHODS.filter((method) => !routed.includes(method));
      app.route({
        method: others,
        url,
        handler: async (request, reply) => sendError(reply, 405, `${request.method} is not allowed on this path`),
      });
    }
  });

  return app;
}
