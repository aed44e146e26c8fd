// The contract's CPU kernels (docs/contract.md) in TypeScript: no native
// crypto, no caching.
//
// The xorshift state is kept in a local int32 (`| 0`, shifts and xors stay in
// int32), so V8 keeps it in a register: a uint32 above 2^31 would be boxed as
// a heap number on every step. Values are turned unsigned (`>>> 0`) only
// where the contract needs them: the low byte, the modulos, the result.

/** The xorshift32 stream for `seed`: a function returning the next uint32. */
export function stream(seed: number): () => number {
  let x = (seed ^ 0x9e3779b9) | 0;
  if (x === 0) x = 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** FNV-1a over the low byte of `n` draws. */
export function hash(seed: number, n: number): number {
  let x = (seed ^ 0x9e3779b9) | 0;
  if (x === 0) x = 1;
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    h = Math.imul(h ^ (x & 0xff), 0x01000193);
  }
  return h >>> 0;
}

/** One record of the JSON kernel. */
interface JsonRecord {
  id: number;
  sku: string;
  qty: number;
  unit_price_cents: number;
}

export interface JsonResult {
  bytes: number;
  totalCents: number;
}

/** Serializes `n` records with JSON.stringify, parses them back, sums the parsed copy. */
export function json(seed: number, n: number): JsonResult {
  const draw = stream(seed);
  const records: JsonRecord[] = new Array<JsonRecord>(n);
  for (let i = 0; i < n; i++) {
    const a = draw();
    const b = draw();
    const c = draw();
    records[i] = { id: i, sku: `SKU-${a % 1000}`, qty: 1 + (b % 5), unit_price_cents: c % 10000 };
  }
  const text = JSON.stringify(records);
  let totalCents = 0;
  for (const r of JSON.parse(text) as JsonRecord[]) totalCents += r.qty * r.unit_price_cents;
  return { bytes: Buffer.byteLength(text, 'utf8'), totalCents };
}

/** A node of the binary-trees kernel: each one its own object. */
class TreeNode {
  constructor(
    readonly left: TreeNode | null,
    readonly right: TreeNode | null,
    readonly value: number,
  ) {}

  /** `[nodes, sum of values]` of the subtree. */
  walk(): [number, number] {
    if (this.left === null || this.right === null) return [1, this.value];
    const [ln, lc] = this.left.walk();
    const [rn, rc] = this.right.walk();
    return [1 + ln + rn, this.value + lc + rc];
  }
}

/** A perfect tree of `depth`: left, then right, then the node's own draw. */
function makeTree(depth: number, draw: () => number): TreeNode {
  if (depth === 0) return new TreeNode(null, null, draw() & 0xff);
  const left = makeTree(depth - 1, draw);
  const right = makeTree(depth - 1, draw);
  return new TreeNode(left, right, draw() & 0xff);
}

/** The result of the binary-trees kernel. */
export interface TreesResult {
  nodes: number;
  check: number;
}

/** Binary trees (Benchmarks Game): builds the tree of `depth` and walks it. */
export function trees(seed: number, depth: number): TreesResult {
  const [nodes, check] = makeTree(depth, stream(seed)).walk();
  return { nodes, check };
}
