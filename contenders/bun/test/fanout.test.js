import { afterAll, expect, test } from 'bun:test';

import { serve } from '../src/app.js';

/**
 * A /delay on 127.0.0.1 that holds each call until `want` calls have been in
 * flight together (or 2 s passed), and records the most it saw at once: a
 * fan-out that waits for each call before the next peaks at 1. A token ending
 * in `fail-2` is answered 503.
 */
function upstream(want) {
  const seen = { inFlight: 0, peak: 0 };
  const waiting = [];
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(request) {
      seen.peak = Math.max(seen.peak, ++seen.inFlight);
      const { promise, resolve } = Promise.withResolvers();
      waiting.push(resolve);
      if (seen.peak >= want) for (const release of waiting.splice(0)) release();
      else setTimeout(() => waiting.includes(resolve) && waiting.splice(waiting.indexOf(resolve), 1)[0](), 2000);
      return promise.then(() => {
        seen.inFlight--;
        const token = new URL(request.url).searchParams.get('token');
        if (token.endsWith('fail-2')) return new Response('down', { status: 503 });
        return Response.json({ token });
      });
    },
  });
  return { server, seen };
}

const servers = [];
afterAll(() => servers.forEach((s) => s.stop(true)));

/** The service calling `upstreamUrl`, and a GET against it. */
function app(upstreamUrl) {
  const server = serve({ port: 0, upstreamUrl });
  servers.push(server);
  return async (path, method = 'GET') => {
    const res = await fetch(new URL(path, server.url), { method });
    return { status: res.status, body: await res.json() };
  };
}

test('fanout calls the upstream at once and keeps the order', async () => {
  const up = upstream(5);
  servers.push(up.server);
  const get = app(up.server.url.origin);
  expect(await get('/fanout?n=5&ms=0&token=abc')).toEqual({
    status: 200,
    body: { n: 5, tokens: ['abc-0', 'abc-1', 'abc-2', 'abc-3', 'abc-4'] },
  });
  expect(up.seen.peak).toBe(5);
});

test('fanout fails whole when one call fails', async () => {
  const up = upstream(4);
  servers.push(up.server);
  const res = await app(up.server.url.origin)('/fanout?n=4&ms=0&token=fail');
  expect(res.status).toBe(502);
  expect(res.body.error).toBe('bad_gateway');
});

test('fanout parameters follow the contract', async () => {
  const get = app('http://127.0.0.1:9');
  for (const [path, status] of [
    ['/fanout?n=0&ms=0&token=a', 400],
    ['/fanout?n=17&ms=0&token=a', 400],
    ['/fanout?ms=0&token=a', 400],
    ['/fanout?n=2&ms=0', 400],
    ['/fanout?n=2&ms=0&token=a', 502],
  ]) {
    expect((await get(path)).status, path).toBe(status);
  }
  expect((await get('/fanout?n=2&ms=0&token=a', 'POST')).status).toBe(405);
});
