import { deepStrictEqual as assertEquals } from 'node:assert/strict';

import { handler } from './main.ts';

/**
 * A /delay on 127.0.0.1 that holds each call until `want` calls have been in
 * flight together (or 2 s passed), and records the most it saw at once: a
 * fan-out that waits for each call before the next peaks at 1. A token ending
 * in `fail-2` is answered 503.
 */
function upstream(want: number) {
  const seen = { inFlight: 0, peak: 0 };
  const waiting: (() => void)[] = [];
  const timers: ReturnType<typeof setTimeout>[] = [];
  const server = Deno.serve({ port: 0, hostname: '127.0.0.1', onListen: () => {} }, async (request) => {
    seen.peak = Math.max(seen.peak, ++seen.inFlight);
    const { promise, resolve } = Promise.withResolvers<void>();
    waiting.push(resolve);
    if (seen.peak >= want) for (const release of waiting.splice(0)) release();
    else timers.push(setTimeout(() => waiting.includes(resolve) && waiting.splice(waiting.indexOf(resolve), 1)[0]?.(), 2000));
    await promise;
    seen.inFlight--;
    const token = new URL(request.url).searchParams.get('token') ?? '';
    if (token.endsWith('fail-2')) return new Response('down', { status: 503 });
    return Response.json({ token });
  });
  const close = async () => {
    timers.forEach(clearTimeout);
    await server.shutdown();
  };
  return { url: `http://127.0.0.1:${server.addr.port}`, seen, close };
}

const get = async (handle: (r: Request) => Promise<Response>, path: string, method = 'GET') => {
  const res = await handle(new Request(`http://localhost${path}`, { method }));
  return { status: res.status, body: await res.json() };
};

// The fetch client's keep-alive connections to the test upstream (and, when
// one call fails, the calls Promise.all no longer waits for) outlive a test.
const upstreamTest = { sanitizeOps: false, sanitizeResources: false };

Deno.test('fanout calls the upstream at once and keeps the order', upstreamTest, async () => {
  const up = upstream(5);
  try {
    const res = await get(handler(up.url), '/fanout?n=5&ms=0&token=abc');
    assertEquals(res, { status: 200, body: { n: 5, tokens: ['abc-0', 'abc-1', 'abc-2', 'abc-3', 'abc-4'] } });
    assertEquals(up.seen.peak, 5);
  } finally {
    await up.close();
  }
});

Deno.test('fanout fails whole when one call fails', upstreamTest, async () => {
  const up = upstream(4);
  try {
    const res = await get(handler(up.url), '/fanout?n=4&ms=0&token=fail');
    assertEquals([res.status, res.body.error], [502, 'bad_gateway']);
  } finally {
    await up.close();
  }
});

Deno.test('fanout parameters follow the contract', async () => {
  const handle = handler('http://127.0.0.1:9');
  for (const [path, status] of [
    ['/fanout?n=0&ms=0&token=a', 400],
    ['/fanout?n=17&ms=0&token=a', 400],
    ['/fanout?ms=0&token=a', 400],
    ['/fanout?n=2&ms=0', 400],
    ['/fanout?n=2&ms=0&token=a', 502],
  ] as const) {
    assertEquals((await get(handle, path)).status, status, path);
  }
  assertEquals((await get(handle, '/fanout?n=2&ms=0&token=a', 'POST')).status, 405);
});
