// GET /fanout?n=K&ms=M&token=T (docs/contract.md, "Fan-out"): K calls to the
// upstream's /delay through the app's undici pool, all in flight at once
// (Promise.all). The first call that fails aborts the others and decides
// the answer: 502, or 504 when the shared deadline ran out.

import { HttpError, UPSTREAM_GRACE_MS, upstreamError } from './errors.js';
import { tokenParam, uintParam } from './params.js';
import { replies } from './schemas.js';

const MAX_CALLS = 16;

const fanoutReply = {
  type: 'object',
  required: ['n', 'tokens'],
  properties: { n: { type: 'integer' }, tokens: { type: 'array', items: { type: 'string' } } },
};

/** Registers GET /fanout on `app`, calling the upstream through `upstream` (an undici Pool). */
export function fanoutRoutes(app, { upstream }) {
  app.get('/fanout', { schema: { response: replies(200, fanoutReply) } }, async (request) => {
    const n = uintParam(request.query, 'n', MAX_CALLS);
    if (n < 1) throw new HttpError(400, `n must be an integer in 1..=${MAX_CALLS}`);
    const ms = uintParam(request.query, 'ms', 10_000);
    const token = tokenParam(request.query, 'token');
    const failed = new AbortController();
    const signal = AbortSignal.any([AbortSignal.timeout(ms + UPSTREAM_GRACE_MS), failed.signal]);
    const call = async (i) => {
      const { statusCode, body } = await upstream.request({ method: 'GET', path: `/delay?ms=${ms}&token=${token}-${i}`, signal });
      if (statusCode !== 200) {
        await body.dump();
        throw new Error(`status ${statusCode}`);
      }
      const reply = await body.json();
      if (typeof reply?.token !== 'string') throw new Error('the reply has no token');
      return reply.token;
    };
    try {
      const tokens = await Promise.all(
        Array.from({ length: n }, (_, i) =>
          call(i).catch((err) => {
            failed.abort(err);
            throw err;
          }),
        ),
      );
      return { n, tokens };
    } catch (err) {
      throw upstreamError(err, 'upstream');
    }
  });
}
