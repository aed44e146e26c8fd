// The process model of the Node.js contenders (docs/contenders.md,
// "Process model"): JavaScript runs on one thread per process, so with a
// shared store (PostgreSQL) and a budget above one CPU the service runs one
// process per CPU, forked by node:cluster, sharing the port; with orders in
// memory (other processes would not see them) or one CPU, one process.

import cluster from 'node:cluster';

/** How many processes serve: CPUS when orders live in a shared store, else 1. */
export function processCount(sharedStore) {
  const cpus = Math.max(1, Number(process.env.CPUS ?? 1) || 1);
  return sharedStore ? cpus : 1;
}

/**
 * Runs `worker` in this process, or, as the primary of a cluster of
 * `count` processes, forks them and stops them all on SIGTERM.
 */
export async function serveWith(name, count, worker) {
  if (count === 1 || !cluster.isPrimary) return worker();
  console.error(`${name}: ${count} worker processes (node:cluster, CPUS=${count})`);
  let stopping = false;
  for (let i = 0; i < count; i++) cluster.fork();
  cluster.on('exit', (child, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers).length === 0) process.exit(0);
      return;
    }
    // A worker that dies is a failure of the service, not something to hide.
    console.error(`${name}: worker ${child.process.pid} exited (${signal ?? code}); stopping`);
    process.exit(1);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.once(signal, () => {
      stopping = true;
      for (const child of Object.values(cluster.workers)) child.process.kill('SIGTERM');
    });
  }
}
