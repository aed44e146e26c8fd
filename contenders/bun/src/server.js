// Entry point: listens on $HOST:$PORT (127.0.0.1 unless told) and stops gracefully on SIGTERM.
//
// Bun runs JavaScript on one thread per process. With orders in PostgreSQL
// (a store every process shares) and CPUS above 1, the service runs one
// process per CPU on one port with SO_REUSEPORT, as Bun's guide to using
// every core does (Bun.spawn + `reusePort`); with orders in memory (other
// processes would not see them) or one CPU, one process
// (docs/contenders.md, "Process model").

import { serve } from './app.js';
import { memoryStore, postgresStore } from './store.js';

const port = Number(process.env.PORT ?? 8080);
const hostname = process.env.HOST || '127.0.0.1';
const upstreamUrl = (process.env.UPSTREAM_URL ?? 'http://127.0.0.1:4100').replace(/\/+$/, '');
// Orders live in PostgreSQL when DATABASE_URL is set, else in memory.
const databaseUrl = process.env.DATABASE_URL;
const cpus = Math.max(1, Number(process.env.CPUS ?? 1) || 1);
const processes = databaseUrl ? cpus : 1;
const child = process.env.BUN_SERVICE_CHILD === '1';

if (processes > 1 && !child) {
  runPrimary();
} else {
  runServer();
}

function runPrimary() {
  console.error(`bun: ${processes} processes (reusePort, CPUS=${cpus})`);
  let stopping = false;
  const children = [];
  for (let i = 0; i < processes; i++) {
    children.push(
      Bun.spawn([process.execPath, ...process.argv.slice(1)], {
        env: { ...process.env, BUN_SERVICE_CHILD: '1' },
        stdio: ['ignore', 'inherit', 'inherit'],
        onExit(proc, code, signal) {
          if (!stopping) {
            // A process that dies is a failure of the service, not something to hide.
            console.error(`bun: process ${proc.pid} exited (${signal ?? code}); stopping`);
            for (const other of children) other.kill('SIGTERM');
            process.exit(1);
          }
        },
      }),
    );
  }
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, async () => {
      stopping = true;
      for (const proc of children) proc.kill('SIGTERM');
      await Promise.all(children.map((proc) => proc.exited));
      process.exit(0);
    });
  }
}

function runServer() {
  // The pool size is the service's; each process takes its share.
  const max = Math.max(1, Math.ceil(Number(process.env.DB_POOL_SIZE ?? 10) / processes));
  const store = databaseUrl ? postgresStore({ url: databaseUrl, max }) : memoryStore();
  const server = serve({ port, hostname, upstreamUrl, store, reusePort: processes > 1 });
  if (!child) {
    console.error(`bun listening on ${server.url} (bun ${Bun.version}, one process, parallelism=${navigator.hardwareConcurrency})`);
  }

  // SIGTERM may come twice (to the process group, and from the primary).
  let closing = false;
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, async () => {
      if (closing) return;
      closing = true;
      // Finish what is in flight, then exit.
      await server.stop();
      await store.close();
      process.exit(0);
    });
  }
}
