// The contract's CPU kernels (docs/contract.md) in plain JavaScript: 32-bit
// unsigned arithmetic through Math.imul and >>> 0, no native crypto, no caching.

/** @returns {() => number} the xorshift32 stream for `seed`. */
export function stream(seed) {
  let x = (seed ^ 0x9e3779b9) >>> 0;
  if (x === 0) x = 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** FNV-1a over the low byte of `n` draws. */
export function hash(seed, n) {
  const draw = stream(seed);
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    h = Math.imul(h ^ (draw() & 0xff), 0x01000193) >>> 0;
  }
  return h;
}

/** Serializes `n` records with JSON.stringify, parses them back, sums the parsed copy. */
export function json(seed, n) {
  const draw = stream(seed);
  const records = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = draw();
    const b = draw();
    const c = draw();
    records[i] = { id: i, sku: `SKU-${a % 1000}`, qty: 1 + (b % 5), unit_price_cents: c % 10000 };
  }
  const text = JSON.stringify(records);
  let totalCents = 0;
  for (const r of JSON.parse(text)) totalCents += r.qty * r.unit_price_cents;
  return { bytes: Buffer.byteLength(text, 'utf8'), totalCents };
}
