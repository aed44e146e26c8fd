// Query-parameter rules shared by the endpoints.

import { HttpError } from './errors.js';

/** A parsed query string: Fastify gives a string, or an array when a name repeats. */
export type Query = Readonly<Record<string, string | string[] | undefined>>;

const UINT = /^[0-9]{1,10}$/;
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** A decimal integer matching ^[0-9]{1,10}$ within 0..=max. */
export function uintParam(query: Query, name: string, max: number): number {
  const raw = query[name];
  if (typeof raw === 'string' && UINT.test(raw)) {
    const value = Number(raw);
    if (value <= max) return value;
  }
  throw new HttpError(400, `${name} must be an integer in 0..=${max}`);
}

export function tokenParam(query: Query, name: string): string {
  const raw = query[name];
  if (typeof raw === 'string' && TOKEN.test(raw)) return raw;
  throw new HttpError(400, `${name} must be 1-64 characters of [A-Za-z0-9_-]`);
}
