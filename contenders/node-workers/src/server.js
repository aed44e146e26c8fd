// Entry point: listens on $HOST:$PORT (127.0.0.1 unless told) and shuts down gracefully on SIGTERM.
// One process whose CPU budget goes to the kernel pool's threads; in
// database mode one process per CPU (src/cluster.js), each with a kernel
// pool of one thread. Orders live in PostgreSQL when DATABASE_URL is set,
// else in memory.

import { availableParallelism } from 'node:os';
import v8 from 'node:v8';
import { buildApp } from './app.js';
import { processCount, serveWith } from './cluster.js';
import { budget, kernelPool } from './pool.js';
import { memoryStore, postgresStore } from './store.js';

const port = Number(process.env.PORT ?? 8080);
const upstreamUrl = (process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4100').replace(/\/+$/, '');

const databaseUrl = process.env.DATABASE_URL;
const processes = processCount(Boolean(databaseUrl));

await serveWith('node-workers', processes, async () => {
  // The pool size is the service's; each process takes its share.
  const store = databaseUrl
    ? postgresStore({ connectionString: databaseUrl, max: Math.max(1, Math.ceil(Number(process.env.DB_POOL_SIZE ?? 10) / processes)) })
    : memoryStore();

  // The CPUs are split between the processes; without a budget Piscina sizes the pool.
  const cpus = budget();
  const kernels = kernelPool(cpus === undefined ? undefined : Math.max(1, Math.floor(cpus / processes)));
  const app = buildApp({ upstreamUrl, kernels, store });
  app.addHook('onClose', async () => kernels.destroy());

  try {
    const address = await app.listen({ host: process.env.HOST || '127.0.0.1', port });
    if (processes === 1) {
      console.error(`node-workers listening on ${address} (node ${process.version}, one process, kernel_workers=${kernels.options.maxThreads}, heap_limit_mb=${Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20)}, parallelism=${availableParallelism()})`);
    }
  } catch (err) {
    console.error(err);
    process.exit(1);
  }

  // SIGTERM may come twice (to the process group, and from the primary).
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, async () => {
      if (closing) return;
      closing = true;
      await app.close();
      process.exit(0);
    });
  }
});
