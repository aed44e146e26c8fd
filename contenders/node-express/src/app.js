// The Express application: every endpoint of docs/contract.md.

import express from 'express';

import { UPSTREAM_GRACE_MS, upstreamError, errorMiddleware, sendError } from './errors.js';
import { fanoutHandler } from './fanout.js';
import { hash, json, trees } from './kernels.js';
import { ordersRouter } from './orders.js';
import { tokenParam, uintParam } from './params.js';
import { memoryStore } from './store.js';

/** Every path the contract knows: a known path with another method is a 405. */
const KNOWN_PATHS = ['/health', '/json', '/cpu/hash', '/cpu/json', '/cpu/trees', '/io', '/fanout', '/orders', '/orders/:id'];

/** Builds the app; `upstreamUrl` is the base URL of the upstream simulator. */
export function buildApp({ upstreamUrl, store = memoryStore() }) {
  const app = express();
  app.disable('x-powered-by');
  // "/orders/" is not "/orders", and paths are case-sensitive, as in the contract.
  app.set('strict routing', true);
  app.set('case sensitive routing', true);

  app.get('/health', (req, res) => res.type('text/plain').send('ok'));

  app.get('/json', (req, res) => res.json({ message: 'Hello, World!' }));

  app.get('/cpu/hash', (req, res) => {
    const seed = uintParam(req.query, 'seed', 4294967295);
    const n = uintParam(req.query, 'n', 10_000_000);
    res.json({ seed, n, hash: hash(seed, n) });
  });

  app.get('/cpu/json', (req, res) => {
    const seed = uintParam(req.query, 'seed', 4294967295);
    const n = uintParam(req.query, 'n', 100_000);
    const { bytes, totalCents } = json(seed, n);
    res.json({ seed, n, bytes, total_cents: totalCents });
  });

  app.get('/cpu/trees', (req, res) => {
    const seed = uintParam(req.query, 'seed', 4294967295);
    const depth = uintParam(req.query, 'depth', 20);
    res.json({ seed, depth, ...trees(seed, depth) });
  });

  app.get('/io', async (req, res) => {
    const ms = uintParam(req.query, 'ms', 10_000);
    const token = tokenParam(req.query, 'token');
    let reply;
    try {
      const response = await fetch(`${upstreamUrl}/delay?ms=${ms}&token=${token}`, {
        signal: AbortSignal.timeout(ms + UPSTREAM_GRACE_MS),
      });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`status ${response.status}`);
      }
      reply = await response.json();
      // A 200 that is not the reply asked for is a failed call (docs/contract.md).
      if (typeof reply?.token !== 'string') throw new Error('the reply has no token');
    } catch (err) {
      throw upstreamError(err, 'upstream');
    }
    res.json({ token: reply.token });
  });

  app.get('/fanout', fanoutHandler({ upstreamUrl }));

  app.use(ordersRouter({ upstreamUrl, store }));

  for (const path of KNOWN_PATHS) {
    app.all(path, (req, res) => sendError(res, 405, `${req.method} is not allowed on this path`));
  }
  app.use((req, res) => sendError(res, 404, 'no such path'));
  app.use(errorMiddleware);
  return app;
}
