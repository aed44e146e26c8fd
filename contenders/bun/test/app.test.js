import { afterAll, expect, test } from 'bun:test';

import { serve } from '../src/app.js';
import { hash, json, trees } from '../src/kernels.js';

const vectors = await Bun.file(new URL('../../../contract/vectors.json', import.meta.url)).json();
const server = serve({ port: 0, upstreamUrl: 'http://127.0.0.1:9' });
afterAll(() => server.stop(true));
const call = (path, init) => fetch(new URL(path, server.url), init);

test('kernels match the shared vectors', () => {
  for (const v of vectors.hash) expect(hash(v.seed, v.n)).toBe(v.hash);
  for (const v of vectors.json) expect(json(v.seed, v.n)).toEqual({ bytes: v.bytes, totalCents: v.total_cents });
  for (const v of vectors.trees) expect(trees(v.seed, v.depth)).toEqual({ nodes: v.nodes, check: v.check });
});

test('errors follow the contract', async () => {
  for (const [method, path, status, code] of [
    ['GET', '/nope', 404, 'not_found'],
    ['GET', '/orders/', 404, 'not_found'],
    ['DELETE', '/json', 405, 'method_not_allowed'],
    ['GET', '/orders', 405, 'method_not_allowed'],
    ['GET', '/orders/missing', 404, 'not_found'],
    ['GET', '/cpu/hash?seed=%2B1&n=1', 400, 'bad_request'],
    ['GET', '/io?ms=0&token=abc', 502, 'bad_gateway'],
  ]) {
    const res = await call(path, { method });
    expect(res.status, `${method} ${path}`).toBe(status);
    expect((await res.json()).error).toBe(code);
  }
});

test('order validation rejects what the contract forbids', async () => {
  const valid = { customer_id: 'c1', currency: 'USD', items: [{ sku: 'S', qty: 1, unit_price_cents: 5 }] };
  const post = (body, type = 'application/json') =>
    call('/orders', { method: 'POST', body, headers: { 'content-type': type } }).then((r) => r.status);
  expect(await post(JSON.stringify(valid), 'text/plain')).toBe(415);
  expect(await post(' '.repeat(65537))).toBe(413);
  expect(await post(`${JSON.stringify(valid)} x`)).toBe(400);
  expect(await post(JSON.stringify({ ...valid, coupon: 'x' }))).toBe(400);
  expect(await post(JSON.stringify({ ...valid, items: [{ sku: 'S', qty: '1', unit_price_cents: 5 }] }))).toBe(400);
  expect(await post(JSON.stringify(valid))).toBe(502);
});
