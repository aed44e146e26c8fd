// Runs in a worker thread: one CPU kernel per task.

import { hash, json, trees } from './kernels.js';

export default function run({ kernel, seed, n }) {
  if (kernel === 'hash') return hash(seed, n);
  if (kernel === 'trees') return trees(seed, n);
  return json(seed, n);
}
