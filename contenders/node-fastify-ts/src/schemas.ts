// Response schemas: with one per status, Fastify serializes a reply with
// fast-json-stringify, compiled from the schema when the route is
// registered, instead of JSON.stringify (Fastify's "Validation and
// Serialization" guide). A property the schema does not name is dropped, so
// each lists every field the contract answers with. The TypeScript types of
// the same replies are in model.ts.

const integer = { type: 'integer' } as const;
const string = { type: 'string' } as const;

const error = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: string, message: string },
} as const;

/** Every error a route answers: {"error":CODE,"message":TEXT}. */
const errors = { '4xx': error, '5xx': error } as const;

export const order = {
  type: 'object',
  required: ['id', 'customer_id', 'currency', 'items_count', 'total_cents', 'fraud_score', 'status'],
  properties: {
    id: string,
    customer_id: string,
    currency: string,
    items_count: integer,
    total_cents: integer,
    fraud_score: integer,
    status: string,
  },
} as const;

/** `schema.response` for a route answering `body` with `status`. */
export const replies = (status: number, body: object): Record<string, object> => ({ [status]: body, ...errors });

export const message = { type: 'object', required: ['message'], properties: { message: string } } as const;
export const hashReply = {
  type: 'object',
  required: ['seed', 'n', 'hash'],
  properties: { seed: integer, n: integer, hash: integer },
} as const;
export const jsonReply = {
  type: 'object',
  required: ['seed', 'n', 'bytes', 'total_cents'],
  properties: { seed: integer, n: integer, bytes: integer, total_cents: integer },
} as const;
export const treesReply = {
  type: 'object',
  required: ['seed', 'depth', 'nodes', 'check'],
  properties: { seed: integer, depth: integer, nodes: integer, check: integer },
} as const;
export const tokenReply = { type: 'object', required: ['token'], properties: { token: string } } as const;
export const orderList = { type: 'object', required: ['orders'], properties: { orders: { type: 'array', items: order } } } as const;
