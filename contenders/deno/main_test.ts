import { deepStrictEqual as assertEquals } from 'node:assert/strict';

import { hash, json, trees } from './kernels.ts';
import { handler } from './main.ts';

const vectors = JSON.parse(await Deno.readTextFile(new URL('../../contract/vectors.json', import.meta.url)));
const handle = handler('http://127.0.0.1:9');
const call = (path: string, init?: RequestInit) => handle(new Request(`http://localhost${path}`, init));

Deno.test('kernels match the shared vectors', () => {
  for (const v of vectors.hash) assertEquals(hash(v.seed, v.n), v.hash);
  for (const v of vectors.json) assertEquals(json(v.seed, v.n), { bytes: v.bytes, totalCents: v.total_cents });
  for (const v of vectors.trees) assertEquals(trees(v.seed, v.depth), { nodes: v.nodes, check: v.check });
});

Deno.test('errors follow the contract', async () => {
  for (const [method, path, status, code] of [
    ['GET', '/nope', 404, 'not_found'],
    ['GET', '/orders/', 404, 'not_found'],
    ['DELETE', '/json', 405, 'method_not_allowed'],
    ['GET', '/orders', 405, 'method_not_allowed'],
    ['GET', '/orders/missing', 404, 'not_found'],
    ['GET', '/cpu/hash?seed=%2B1&n=1', 400, 'bad_request'],
    ['GET', '/io?ms=0&token=abc', 502, 'bad_gateway'],
  ] as const) {
    const res = await call(path, { method });
    assertEquals(res.status, status, `${method} ${path}`);
    assertEquals((await res.json()).error, code);
  }
});

Deno.test('order validation rejects what the contract forbids', async () => {
  const valid = { customer_id: 'c1', currency: 'USD', items: [{ sku: 'S', qty: 1, unit_price_cents: 5 }] };
  const post = async (body: string, type = 'application/json') => {
    const res = await call('/orders', { method: 'POST', body, headers: { 'content-type': type } });
    await res.body?.cancel();
    return res.status;
  };
  assertEquals(await post(JSON.stringify(valid), 'text/plain'), 415);
  assertEquals(await post(' '.repeat(65537)), 413);
  assertEquals(await post(`${JSON.stringify(valid)} x`), 400);
  assertEquals(await post(JSON.stringify({ ...valid, coupon: 'x' })), 400);
  assertEquals(await post(JSON.stringify({ ...valid, items: [{ sku: 'S', qty: '1', unit_price_cents: 5 }] })), 400);
  assertEquals(await post(JSON.stringify(valid)), 502);
});
