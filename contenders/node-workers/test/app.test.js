import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildApp } from '../src/app.js';
import { kernelPool } from '../src/pool.js';

const valid = { customer_id: 'c1', currency: 'USD', items: [{ sku: 'S', qty: 1, unit_price_cents: 5 }] };

async function inject(app, options) {
  const res = await app.inject(options);
  return { status: res.statusCode, body: res.headers['content-type']?.startsWith('application/json') ? res.json() : res.body };
}

test('errors follow the contract', async (t) => {
  const kernels = kernelPool(1);
  const app = buildApp({ upstreamUrl: 'http://127.0.0.1:9', kernels });
  t.after(async () => {
    await app.close();
    await kernels.destroy();
  });
  for (const [method, url, status, code] of [
    ['GET', '/nope', 404, 'not_found'],
    ['DELETE', '/json', 405, 'method_not_allowed'],
    ['GET', '/orders', 405, 'method_not_allowed'],
    ['GET', '/orders/missing', 404, 'not_found'],
    ['GET', '/cpu/hash?seed=%2B1&n=1', 400, 'bad_request'],
    ['GET', '/io?ms=0&token=abc', 502, 'bad_gateway'],
  ]) {
    const res = await inject(app, { method, url });
    assert.equal(res.status, status, `${method} ${url}`);
    assert.equal(res.body.error, code, `${method} ${url}`);
  }
});

test('order validation rejects what the schema forbids', async (t) => {
  const kernels = kernelPool(1);
  const app = buildApp({ upstreamUrl: 'http://127.0.0.1:9', kernels });
  t.after(async () => {
    await app.close();
    await kernels.destroy();
  });
  const post = (payload, contentType = 'application/json') =>
    inject(app, { method: 'POST', url: '/orders', headers: { 'content-type': contentType }, payload });
  assert.equal((await post(JSON.stringify(valid), 'text/plain')).status, 415);
  assert.equal((await post(' '.repeat(65537))).status, 413);
  assert.equal((await post(JSON.stringify({ ...valid, coupon: 'x' }))).status, 400, 'unknown field');
  assert.equal((await post(JSON.stringify({ ...valid, items: [{ sku: 'S', qty: '1', unit_price_cents: 5 }] }))).status, 400, 'no type coercion');
  assert.equal((await post(JSON.stringify({ ...valid, items: [{ sku: 'S', qty: 1.5, unit_price_cents: 5 }] }))).status, 400, 'fractional');
  // Valid, so it reaches the (unreachable) upstream.
  assert.equal((await post(JSON.stringify(valid))).status, 502);
});

test('kernels run on the worker pool and answer exactly', async (t) => {
  const kernels = kernelPool(1);
  const app = buildApp({ upstreamUrl: 'http://127.0.0.1:9', kernels });
  t.after(async () => {
    await app.close();
    await kernels.destroy();
  });
  const res = await inject(app, { method: 'GET', url: '/cpu/hash?seed=42&n=1000' });
  assert.deepEqual(res.body, { seed: 42, n: 1000, hash: 1381483124 });
  assert.ok(kernels.completed >= 1, 'the pool computed it');
});
