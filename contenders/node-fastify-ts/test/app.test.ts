import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { FastifyInstance, InjectOptions } from 'fastify';

import { buildApp } from '../src/app.js';

const valid = { customer_id: 'c1', currency: 'USD', items: [{ sku: 'S', qty: 1, unit_price_cents: 5 }] };

interface Answer {
  status: number;
  body: { error?: string } | string;
}

async function inject(app: FastifyInstance, options: InjectOptions): Promise<Answer> {
  const res = await app.inject(options);
  const isJson = res.headers['content-type']?.toString().startsWith('application/json') ?? false;
  return { status: res.statusCode, body: isJson ? (res.json() as { error?: string }) : res.body };
}

test('errors follow the contract', async (t) => {
  const app = buildApp({ upstreamUrl: 'http://127.0.0.1:9' });
  t.after(() => app.close());
  const cases: [InjectOptions['method'], string, number, string][] = [
    ['GET', '/nope', 404, 'not_found'],
    ['DELETE', '/json', 405, 'method_not_allowed'],
    ['GET', '/orders', 405, 'method_not_allowed'],
    ['GET', '/orders/missing', 404, 'not_found'],
    ['GET', '/cpu/hash?seed=%2B1&n=1', 400, 'bad_request'],
    ['GET', '/io?ms=0&token=abc', 502, 'bad_gateway'],
  ];
  for (const [method, url, status, code] of cases) {
    const res = await inject(app, { method, url });
    assert.equal(res.status, status, `${method} ${url}`);
    assert.equal(typeof res.body === 'string' ? undefined : res.body.error, code, `${method} ${url}`);
  }
});

test('order validation rejects what the schema forbids', async (t) => {
  const app = buildApp({ upstreamUrl: 'http://127.0.0.1:9' });
  t.after(() => app.close());
  const post = (payload: string, contentType = 'application/json'): Promise<Answer> =>
    inject(app, { method: 'POST', url: '/orders', headers: { 'content-type': contentType }, payload });
  assert.equal((await post(JSON.stringify(valid), 'text/plain')).status, 415);
  assert.equal((await post(' '.repeat(65537))).status, 413);
  assert.equal((await post(JSON.stringify({ ...valid, coupon: 'x' }))).status, 400, 'unknown field');
  assert.equal((await post(JSON.stringify({ ...valid, items: [{ sku: 'S', qty: '1', unit_price_cents: 5 }] }))).status, 400, 'no type coercion');
  assert.equal((await post(JSON.stringify({ ...valid, items: [{ sku: 'S', qty: 1.5, unit_price_cents: 5 }] }))).status, 400, 'fractional');
  // Valid, so it reaches the (unreachable) upstream.
  assert.equal((await post(JSON.stringify(valid))).status, 502);
});
