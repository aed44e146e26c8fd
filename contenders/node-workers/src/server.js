// Entry point: listens on $HOST:$PORT (127.0.0.1 unless told) and shuts down gracefully on SIGTERM.
// One process: its CPU budget goes to the kernel pool's threads. Orders live
// in PostgreSQL when DATABASE_URL is set, else in memory.

import { availableParallelism } from 'node:os';
import v8 from 'node:v8';
import { buildApp } from './app.js';
import { kernelPool } from './pool.js';
import { memoryStore, postgresStore } from './store.js';

const port = Number(process.env.PORT ?? 8080);
const upstreamUrl = (process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4100').replace(/\/+$/, '');

const databaseUrl = process.env.DATABASE_URL;
const store = databaseUrl
  ? postgresStore({ connectionString: databaseUrl, max: Number(process.env.DB_POOL_SIZE ?? 10) })
  : memoryStore();

const kernels = kernelPool();
const app = buildApp({ upstreamUrl, kernels, store });
app.addHook('onClose', async () => kernels.destroy());

try {
  const address = await app.listen({ host: process.env.HOST || '127.0.0.1', port });
  console.error(`node-workers listening on ${address} (node ${process.version}, kernel_workers=${kernels.options.maxThreads}, heap_limit_mb=${Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20)}, parallelism=${availableParallelism()})`);
} catch (err) {
  console.error(err);
  process.exit(1);
}

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    await app.close();
    process.exit(0);
  });
}
