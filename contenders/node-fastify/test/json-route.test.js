import assert from 'node:assert/strict';
import { test } from 'node:test';

import Fastify from 'fastify';

import { jsonRoute } from '../src/json-route.js';

for (const pattern of ['once', 'per-request']) {
  test(`/json answers the same with its schema compiled ${pattern}`, async (t) => {
    const app = Fastify();
    jsonRoute(app, pattern);
    t.after(() => app.close());
    for (let i = 0; i < 3; i++) {
      const res = await app.inject({ method: 'GET', url: '/json' });
      assert.equal(res.statusCode, 200);
      assert.match(res.headers['content-type'], /^application\/json/);
      assert.equal(res.body, '{"message":"Hello, World!"}');
    }
  });
}

test('an unknown SCHEMA_COMPILE is refused at startup', () => {
  assert.throws(() => jsonRoute(Fastify(), 'sometimes'), /SCHEMA_COMPILE must be one of once, per-request/);
});
