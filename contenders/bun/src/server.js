// Entry point: listens on 127.0.0.1:$PORT and stops gracefully on SIGTERM.

import { serve } from './app.js';

const port = Number(process.env.PORT ?? 8080);
const upstreamUrl = (process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4100').replace(/\/+$/, '');

const server = serve({ port, upstreamUrl });
console.error(`bun listening on ${server.url} (bun ${Bun.version})`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    // Finish what is in flight, then exit.
    await server.stop();
    process.exit(0);
  });
}
