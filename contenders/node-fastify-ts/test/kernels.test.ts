import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';

import { hash, json, trees } from '../src/kernels.js';

interface Vectors {
  hash: { seed: number; n: number; hash: number }[];
  json: { seed: number; n: number; bytes: number; total_cents: number }[];
  trees: { seed: number; depth: number; nodes: number; check: number }[];
}

// Compiled to dist/test/: the contract is four folders up.
const vectors = JSON.parse(await readFile(new URL('../../../../contract/vectors.json', import.meta.url), 'utf8')) as Vectors;

test('hash kernel matches the shared vectors', () => {
  assert.ok(vectors.hash.length > 0);
  for (const v of vectors.hash) assert.equal(hash(v.seed, v.n), v.hash, `hash(${v.seed}, ${v.n})`);
});

test('json kernel matches the shared vectors', () => {
  assert.ok(vectors.json.length > 0);
  for (const v of vectors.json) {
    assert.deepEqual(json(v.seed, v.n), { bytes: v.bytes, totalCents: v.total_cents }, `json(${v.seed}, ${v.n})`);
  }
});

test('trees kernel matches the shared vectors', () => {
  assert.ok(vectors.trees.length > 0);
  for (const v of vectors.trees) {
    assert.deepEqual(trees(v.seed, v.depth), { nodes: v.nodes, check: v.check }, `trees(${v.seed}, ${v.depth})`);
  }
});
