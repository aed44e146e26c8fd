// The worker_threads pool that runs the CPU kernels off the event loop,
// sized from the CPU budget: one worker per CPU, started up front so the
// first heavy request does not pay for a thread start.

import { availableParallelism } from 'node:os';

import Piscina from 'piscina';

/** A pool of `threads` workers running src/worker.js. */
export function kernelPool(threads = budget()) {
  return new Piscina({
    filename: new URL('./worker.js', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // Piscina's default queue is unbounded: a request waits for a free worker
    // (the 'auto' bound, threads², would refuse the second waiting request on
    // one CPU). Shedding load belongs in front of the service, not here.
  });
}

/** CPUS from the environment (the budget shootout gives), else the machine's. */
export function budget() {
  const cpus = Number.parseInt(process.env.CPUS ?? '', 10);
  return Number.isInteger(cpus) && cpus > 0 ? cpus : availableParallelism();
}
