// Entry point: listens on $HOST:$PORT (127.0.0.1 unless told) and shuts down gracefully on SIGTERM.
//
// Node.js runs JavaScript on one thread, so a service is deployed as one
// process per CPU. With CPUS above 1 and a shared store (PostgreSQL), the
// primary forks one worker per CPU with node:cluster and the workers share
// the port. Orders kept in memory cannot be shared between processes, so
// without a database the service stays one process whatever its budget.

import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import v8 from 'node:v8';

import { buildApp } from './app.js';
import { memoryStore, postgresStore } from './store.js';

const port = Number(process.env.PORT ?? 8080);
const upstreamUrl = (process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4100').replace(/\/+$/, '');
const databaseUrl = process.env.DATABASE_URL;
const cpus = Math.max(1, Number(process.env.CPUS ?? 1) || 1);
const workers = databaseUrl ? cpus : 1;

if (workers > 1 && cluster.isPrimary) {
  runPrimary();
} else {
  await runWorker();
}

function runPrimary(): void {
  console.error(`node-fastify-ts: ${workers} worker processes (node:cluster, CPUS=${cpus})`);
  let stopping = false;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    // A worker that dies is a failure of the service, not something to hide.
    console.error(`node-fastify-ts: worker ${worker.process.pid} exited (${signal ?? code}); stopping`);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    });
  }
}

async function runWorker(): Promise<void> {
  // The pool size is the service's; each worker takes its share.
  const poolSize = Math.max(1, Math.ceil(Number(process.env.DB_POOL_SIZE ?? 10) / workers));
  const store = databaseUrl ? postgresStore({ connectionString: databaseUrl, max: poolSize }) : memoryStore();
  const app = buildApp({ upstreamUrl, store });
  try {
    const address = await app.listen({ host: process.env.HOST || '127.0.0.1', port });
    if (workers === 1) {
      console.error(`node-fastify-ts listening on ${address} (node ${process.version}, one process, heap_limit_mb=${Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20)}, parallelism=${availableParallelism()})`);
    }
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
  // SIGTERM may come twice (to the process group, and from the primary).
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      void app.close().then(() => process.exit(0));
    });
  }
}
