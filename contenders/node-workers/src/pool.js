// The worker_threads pool that runs the CPU kernels off the event loop.
// With CPUS (the budget shootout gives) it has one worker per CPU, started
// up front so the first heavy request does not pay for a thread start.
// Without it (a pod under a CPU quota, told nothing) Piscina sizes the pool
// itself, from os.availableParallelism(); the start-up line reports what
// it chose.

import Piscina from 'piscina';

/** A pool of `threads` workers running src/worker.js; Piscina's own sizing when undefined. */
export function kernelPool(threads = budget()) {
  const filename = new URL('./worker.js', import.meta.url).href;
  if (threads === undefined) return new Piscina({ filename });
  return new Piscina({
    filename,
    minThreads: threads,
    maxThreads: threads,
    // Piscina's default queue is unbounded: a request waits for a free worker
    // (the 'auto' bound, threads², would refuse the second waiting request on
    // one CPU). Shedding load belongs in front of the service, not here.
  });
}

/** CPUS from the environment, when the harness gave a budget. */
export function budget() {
  const cpus = Number.parseInt(process.env.CPUS ?? '', 10);
  return Number.isInteger(cpus) && cpus > 0 ? cpus : undefined;
}
