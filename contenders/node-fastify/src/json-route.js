// GET /json, the endpoint where the framework is all the work. Fastify
// compiles a route's response schema into a serializer once, when the route
// is registered. SCHEMA_COMPILE=per-request is the same route written the
// way Ajv's and fast-json-stringify's guides warn against: the schema built
// in the handler and compiled on every request (Fastify caches a compiled
// schema by object identity, and a literal is a new object each time).
// It exists for one claim (node-coding-patterns, docs/claims.md); unset,
// the service is the production one.

import { message, replies } from './schemas.js';

const PATTERNS = ['once', 'per-request'];

export function jsonRoute(app, pattern = process.env.SCHEMA_COMPILE || 'once') {
  if (!PATTERNS.includes(pattern)) {
    throw new Error(`SCHEMA_COMPILE must be one of ${PATTERNS.join(', ')}, not ${JSON.stringify(pattern)}`);
  }
  if (pattern === 'once') {
    app.get('/json', { schema: { response: replies(200, message) } }, async () => ({ message: 'Hello, World!' }));
    return;
  }
  app.get('/json', async (request, reply) => {
    const schema = { type: 'object', required: ['message'], properties: { message: { type: 'string' } } };
    const serialize = reply.compileSerializationSchema(schema, 200);
    return reply.type('application/json; charset=utf-8').serializer(serialize).send({ message: 'Hello, World!' });
  });
}
