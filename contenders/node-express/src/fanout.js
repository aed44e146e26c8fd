// GET /fanout?n=K&ms=M&token=T (docs/contract.md, "Fan-out"): K calls to the
// upstream's /delay with fetch (Node's built-in undici client and its
// keep-alive pool), all in flight at once (Promise.all). The first call that
// fails aborts the others and decides the answer: 502, or 504 when the
// shared deadline ran out.

import { HttpError, UPSTREAM_GRACE_MS, upstreamError } from './errors.js';
import { tokenParam, uintParam } from './params.js';

const MAX_CALLS = 16;

/** The handler of GET /fanout, calling the upstream at `upstreamUrl`. */
export function fanoutHandler({ upstreamUrl }) {
  return async (req, res) => {
    const n = uintParam(req.query, 'n', MAX_CALLS);
    if (n < 1) throw new HttpError(400, `n must be an integer in 1..=${MAX_CALLS}`);
    const ms = uintParam(req.query, 'ms', 10_000);
    const token = tokenParam(req.query, 'token');
    const failed = new AbortController();
    const signal = AbortSignal.any([AbortSignal.timeout(ms + UPSTREAM_GRACE_MS), failed.signal]);
    const call = async (i) => {
      const response = await fetch(`${upstreamUrl}/delay?ms=${ms}&token=${token}-${i}`, { signal });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`status ${response.status}`);
      }
      const reply = await response.json();
      if (typeof reply?.token !== 'string') throw new Error('the reply has no token');
      return reply.token;
    };
    let tokens;
    try {
      tokens = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          call(i).catch((err) => {
            failed.abort(err);
            throw err;
          }),
        ),
      );
    } catch (err) {
      throw upstreamError(err, 'upstream');
    }
    res.json({ n, tokens });
  };
}
