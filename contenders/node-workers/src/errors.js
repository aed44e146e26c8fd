// The contract's error bodies: {"error":CODE,"message":TEXT}.

const CODES = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal_error',
  502: 'bad_gateway',
};

export class HttpError extends Error {
  constructor(statusCode, message) {
    super(message);
    this.statusCode = statusCode;
  }
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
