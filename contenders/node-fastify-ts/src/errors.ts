// The contract's error bodies: {"error":CODE,"message":TEXT}.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

/** A status the contract answers with, and its error code. */
const CODES: Readonly<Record<number, string>> = {
  400: 'bad_request',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  500: 'internal_error',
  502: 'bad_gateway',
  504: 'gateway_timeout',
};

/** The body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
}

export class HttpError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number, message: string) {
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
export function upstreamError(err: unknown, what: string): HttpError {
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof Error && err.name === 'TimeoutError'
    ? new HttpError(504, `${what} timed out: ${message}`)
    : new HttpError(502, `${what}: ${message}`);
}

export function sendError(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  const body: ErrorBody = { error: CODES[statusCode] ?? 'internal_error', message };
  return reply.code(statusCode).send(body);
}

/** Maps Fastify's own errors (validation, body parsing, size) onto the contract. */
export function errorHandler(error: FastifyError | HttpError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if ('validation' in error && error.validation) return sendError(reply, 400, error.message);
  const status = error.statusCode;
  if (status !== undefined && CODES[status] !== undefined) return sendError(reply, status, error.message);
  if (status !== undefined && status >= 400 && status < 500) return sendError(reply, 400, error.message);
  console.error(`${request.method} ${request.url}:`, error.message);
  return sendError(reply, 500, 'internal error');
}
