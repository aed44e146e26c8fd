import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';

import { buildApp } from '../src/app.js';

/**
 * A /delay on 127.0.0.1 that holds each call until `want` calls have been in
 * flight together (or 2 s passed), and records the most it saw at once: a
 * fan-out that waits for each call before the next peaks at 1. A token ending
 * in `fail-2` is answered 503.
 */
async function upstream(want) {
  const seen = { inFlight: 0, peak: 0 };
  const waiting = [];
  const server = http.createServer((req, res) => {
    seen.peak = Math.max(seen.peak, ++seen.inFlight);
    const answer = () => {
      seen.inFlight--;
      const token = new URL(req.url, 'http://x').searchParams.get('token');
      if (token.endsWith('fail-2')) return res.writeHead(503).end('down');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token }));
    };
    waiting.push(answer);
    if (seen.peak >= want) for (const release of waiting.splice(0)) release();
    else setTimeout(() => waiting.includes(answer) && waiting.splice(waiting.indexOf(answer), 1)[0](), 2000).unref();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}`, seen, close: () => server.close() };
}

async function get(app, url) {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
}

test('fanout calls the upstream at once and keeps the order', async (t) => {
  const up = await upstream(5);
  const app = buildApp({ upstreamUrl: up.url });
  t.after(async () => {
    await app.close();
    up.close();
  });
  const res = await get(app, '/fanout?n=5&ms=0&token=abc');
  assert.deepEqual(res, { status: 200, body: { n: 5, tokens: ['abc-0', 'abc-1', 'abc-2', 'abc-3', 'abc-4'] } });
  assert.equal(up.seen.peak, 5, 'calls in flight together');
});

test('fanout fails whole when one call fails', async (t) => {
  const up = await upstream(4);
  const app = buildApp({ upstreamUrl: up.url });
  t.after(async () => {
    await app.close();
    up.close();
  });
  const res = await get(app, '/fanout?n=4&ms=0&token=fail');
  assert.equal(res.status, 502);
  assert.equal(res.body.error, 'bad_gateway');
});

test('fanout parameters follow the contract', async (t) => {
  const app = buildApp({ upstreamUrl: 'http://127.0.0.1:9' });
  t.after(() => app.close());
  for (const [url, status] of [
    ['/fanout?n=0&ms=0&token=a', 400],
    ['/fanout?n=17&ms=0&token=a', 400],
    ['/fanout?ms=0&token=a', 400],
    ['/fanout?n=2&ms=0', 400],
    ['/fanout?n=2&ms=0&token=a', 502],
  ]) {
    assert.equal((await get(app, url)).status, status, url);
  }
  assert.equal((await app.inject({ method: 'POST', url: '/fanout?n=2&ms=0&token=a' })).statusCode, 405);
});
