// Runs in a worker thread: one CPU kernel per task.

import { hash, json } from './kernels.js';

export default function run({ kernel, seed, n }) {
  return kernel === 'hash' ? hash(seed, n) : json(seed, n);
}
