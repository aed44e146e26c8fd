// The contract's error bodies, {"error":CODE,"message":TEXT}, and the error
// middleware that maps Express's and body-parser's errors onto them.

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
  constructor(status, message) {
    super(message);
    this.status = status;
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

export function sendError(res, status, message) {
  return res.status(status).json({ error: CODES[status] ?? 'internal_error', message });
}

/** The last middleware: known statuses keep theirs, other 4xx become 400, the rest 500. */
export function errorMiddleware(err, req, res, _next) {
  const status = err.status ?? err.statusCode;
  if (CODES[status]) return sendError(res, status, err.message);
  if (status >= 400 && status < 500) return sendError(res, 400, err.message);
  console.error(`${req.method} ${req.originalUrl}:`, err.message);
  return sendError(res, 500, 'internal error');
}
