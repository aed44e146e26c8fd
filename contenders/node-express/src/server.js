// Entry point: listens on $HOST:$PORT (127.0.0.1 unless told) and shuts down gracefully on SIGTERM.
// One process, or one per CPU in database mode (src/cluster.js).

import http from 'node:http';
import { availableParallelism } from 'node:os';
import v8 from 'node:v8';

import { buildApp } from './app.js';
import { processCount, serveWith } from './cluster.js';
import { memoryStore, postgresStore } from './store.js';

const port = Number(process.env.PORT ?? 8080);
const upstreamUrl = (process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4100').replace(/\/+$/, '');
// Orders live in PostgreSQL when DATABASE_URL is set, else in memory.
const databaseUrl = process.env.DATABASE_URL;
const processes = processCount(Boolean(databaseUrl));

await serveWith('node-express', processes, () => {
  // The pool size is the service's; each process takes its share.
  const store = databaseUrl
    ? postgresStore({ url: databaseUrl, max: Math.max(1, Math.ceil(Number(process.env.DB_POOL_SIZE ?? 10) / processes)) })
    : memoryStore();

  // A request head, and the whole request, must arrive within 10 s
  // (slowloris, slow bodies: docs/contract.md). Node.js checks its
  // timeouts only every connectionsCheckingInterval (30 s by default).
  const timeouts = { headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 1_000 };
  const server = http.createServer(timeouts, buildApp({ upstreamUrl, store }));
  server.on('error', (err) => {
    console.error(err);
    process.exit(1);
  });
  const host = process.env.HOST || '127.0.0.1';
  server.listen(port, host, () => {
    if (processes === 1) {
      console.error(`node-express listening on http://${host}:${port} (node ${process.version}, one process, heap_limit_mb=${Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20)}, parallelism=${availableParallelism()})`);
    }
  });

  // SIGTERM may come twice (to the process group, and from the primary).
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      // Stop accepting, finish what is in flight, then drop idle keep-alive connections.
      server.close(() => store.close().finally(() => process.exit(0)));
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2000).unref();
    });
  }
});
