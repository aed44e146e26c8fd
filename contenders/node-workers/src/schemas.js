// Response schemas: with one per status, Fastify serializes a reply with
// fast-json-stringify, compiled from the schema when the route is
// registered, instead of JSON.stringify (Fastify's "Validation and
// Serialization" guide). A property the schema does not name is dropped, so
// each lists every field the contract answers with.

const integer = { type: 'integer' };
const string = { type: 'string' };

const error = {
  type: 'object',
  required: ['error', 'message'],
  properties: { error: string, message: string },
};

/** Every error a route answers: {"error":CODE,"message":TEXT}. */
const errors = { '4xx': error, '5xx': error };

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
};

/** `schema.response` for a route answering `body` with `status`. */
export const replies = (status, body) => ({ [status]: body, ...errors });

export const message = { type: 'object', required: ['message'], properties: { message: string } };
export const hashReply = {
  type: 'object',
  required: ['seed', 'n', 'hash'],
  properties: { seed: integer, n: integer, hash: integer },
};
export const jsonReply = {
  type: 'object',
  required: ['seed', 'n', 'bytes', 'total_cents'],
  properties: { seed: integer, n: integer, bytes: integer, total_cents: integer },
};
export const treesReply = {
  type: 'object',
  required: ['seed', 'depth', 'nodes', 'check'],
  properties: { seed: integer, depth: integer, nodes: integer, check: integer },
};
export const tokenReply = { type: 'object', required: ['token'], properties: { token: string } };
export const orderList = { type: 'object', required: ['orders'], properties: { orders: { type: 'array', items: order } } };
