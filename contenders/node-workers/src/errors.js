// The contract's error bodies: {"error":CODE,"message":TEXT}.

const CODES = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal_error',
  502: 'bad_gateway',
  504: 'gateway_timeout',
};

export class HttpError extends Error {
  constructor(statusCode, message) {
    super(message);
    this.statusCode = statusCode;
  }
}

/**
 * How much longer than it asked the upstream to wait a call may take before it
 * is abandoned with a 504 (docs/contract.md, "Upstream calls").
 */
export const UPSTREAM_GRACE_MS = 3_000;

/** A failed upstream call as the contract answers it: 504 when it ran out of time, else 502. */
export function upstreamError(err, what) {
  return err?.name === 'TimeoutError'
    ? new HttpError(504, `${what} timed out: ${err.message}`)
    : new HttpError(502, `${what}: ${err.message}`);
}

export function sendError(reply, statusCode, message) {
  return reply.code(statusCode).send({ error: CODES[statusCode] ?? 'internal_error', message });
}

/** Maps Fastify's own errors (validation, body parsing, size) onto the contract. */
export function errorHandler(error, request, reply) {
  if (error.validation) return sendError(reply, 400, error.message);
  const status = error.statusCode;
  if (status && CODES[status]) return sendError(reply, status, error.message);
  if (status >= 400 && status < 500) return sendError(reply, 400, error.message);
  console.error(`${request.method} ${request.url}:`, error.message);
  return sendError(reply, 500, 'internal error');
}
