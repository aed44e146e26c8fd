import assert from 'node:assert/strict';
import { test } from 'node:test';

import { buildApp } from '../src/app.js';

const valid = { customer_id: 'c1', currency: 'USD', items: [{ sku: 'S', qty: 1, unit_price_cents: 5 }] };

async function withServer(t) {
  const server = buildApp({ upstreamUrl: 'http://127.0.0.1:9' }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  return async (method, path, { body, contentType } = {}) => {
    const res = await fetch(base + path, {
      method,
      body,
      headers: contentType ? { 'content-type': contentType } : undefined,
    });
    const text = await res.text();
    const isJson = res.headers.get('content-type')?.startsWith('application/json');
    return { status: res.status, body: isJson ? JSON.parse(text) : text };
  };
}

test('errors follow the contract', async (t) => {
  const call = await withServer(t);
  for (const [method, path, status, code] of [
    ['GET', '/nope', 404, 'not_found'],
    ['GET', '/orders/', 404, 'not_found'],
    ['DELETE', '/json', 405, 'method_not_allowed'],
    ['GET', '/orders', 405, 'method_not_allowed'],
    ['GET', '/orders/missing', 404, 'not_found'],
    ['GET', '/cpu/hash?seed=%2B1&n=1', 400, 'bad_request'],
    ['GET', '/io?ms=0&token=abc', 502, 'bad_gateway'],
  ]) {
    const res = await call(method, path);
    assert.equal(res.status, status, `${method} ${path}`);
    assert.equal(res.body.error, code, `${method} ${path}`);
  }
});

test('order validation rejects what the schema forbids', async (t) => {
  const call = await withServer(t);
  const post = (body, contentType = 'application/json') => call('POST', '/orders', { body, contentType });
  assert.equal((await post(JSON.stringify(valid), 'text/plain')).status, 415);
  assert.equal((await post(' '.repeat(65537))).status, 413);
  assert.equal((await post(`${JSON.stringify(valid)} x`)).status, 400, 'trailing data');
  assert.equal((await post(JSON.stringify({ ...valid, coupon: 'x' }))).status, 400, 'unknown field');
  assert.equal((await post(JSON.stringify({ ...valid, items: [{ sku: 'S', qty: '1', unit_price_cents: 5 }] }))).status, 400, 'no type coercion');
  assert.equal((await post(JSON.stringify({ ...valid, items: [{ sku: 'S', qty: 1.5, unit_price_cents: 5 }] }))).status, 400, 'fractional');
  assert.equal((await post(JSON.stringify({ ...valid, items: [{ sku: 'é'.repeat(33), qty: 1, unit_price_cents: 5 }] }))).status, 400, '33 characters');
  // Valid, so it reaches the (unreachable) upstream.
  assert.equal((await post(JSON.stringify(valid))).status, 502);
});

test('kernels answer exactly', async (t) => {
  const call = await withServer(t);
  const res = await call('GET', '/cpu/hash?seed=42&n=1000');
  assert.deepEqual(res.body, { seed: 42, n: 1000, hash: 1381483124 });
});
