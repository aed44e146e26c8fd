// Entry point: listens on $HOST:$PORT (127.0.0.1 unless told) and stops gracefully on SIGTERM.

import { serve } from './app.js';
import { memoryStore, postgresStore } from './store.js';

const port = Number(process.env.PORT ?? 8080);
const hostname = process.env.HOST || '127.0.0.1';
const upstreamUrl = (process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4100').replace(/\/+$/, '');
// Orders live in PostgreSQL when DATABASE_URL is set, else in memory.
const databaseUrl = process.env.DATABASE_URL;
const store = databaseUrl
  ? postgresStore({ url: databaseUrl, max: Number(process.env.DB_POOL_SIZE ?? 10) })
  : memoryStore();

const server = serve({ port, hostname, upstreamUrl, store });
console.error(`bun listening on ${server.url} (bun ${Bun.version}, parallelism=${navigator.hardwareConcurrency})`);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    // Finish what is in flight, then exit.
    await server.stop();
    await store.close();
    process.exit(0);
  });
}
