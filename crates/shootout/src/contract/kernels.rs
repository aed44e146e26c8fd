//! The contract's CPU kernels, computed by the harness itself.
//!
//! The verifier and the load generator's response checks never trust a
//! contender's answer: they recompute it here. All arithmetic is on wrapping
//! unsigned 32-bit integers, exactly as `docs/contract.md` specifies.

use serde::{Deserialize, Serialize};

/// The xorshift32 stream every kernel draws from.
#[derive(Debug, Clone)]
pub struct Stream {
    x: u32,
}

impl Stream {
    /// `x = seed XOR 0x9E3779B9`, with 0 replaced by 1 (xorshift's fixed point).
    pub fn new(seed: u32) -> Self {
        let x = seed ^ 0x9E37_79B9;
        Self {
            x: if x == 0 { 1 } else { x },
        }
    }

    /// One draw: `x ^= x << 13; x ^= x >> 17; x ^= x << 5`.
    pub fn draw(&mut self) -> u32 {
        let mut x = self.x;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.x = x;
        x
    }
}

/// FNV-1a over the low byte of `n` draws of the stream.
pub fn hash(seed: u32, n: u32) -> u32 {
    let mut stream = Stream::new(seed);
    let mut h: u32 = 0x811C_9DC5;
    for _ in 0..n {
        let x = stream.draw();
        h = (h ^ (x & 0xFF)).wrapping_mul(0x0100_0193);
    }
    h
}

/// One record of the JSON kernel, fields in contract order.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Record {
    id: u32,
    sku: String,
    qty: u32,
    unit_price_cents: u32,
}

/// The result of the JSON kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JsonKernel {
    /// UTF-8 length of the serialized array.
    pub bytes: u64,
    /// Σ qty × unit_price_cents over the parsed records.
    pub total_cents: u64,
}

/// Builds `n` records, serializes them, parses them back and sums the parsed copy.
pub fn json(seed: u32, n: u32) -> JsonKernel {
    let mut stream = Stream::new(seed);
    let records: Vec<Record> = (0..n)
        .map(|id| {
            let (a, b, c) = (stream.draw(), stream.draw(), stream.draw());
            Record {
                id,
                sku: format!("SKU-{}", a % 1000),
                qty: 1 + b % 5,
                unit_price_cents: c % 10_000,
            }
        })
        .collect();
    let text = serde_json::to_string(&records).expect("records always serialize");
    let parsed: Vec<Record> = serde_json::from_str(&text).expect("our own output parses");
    JsonKernel {
        bytes: text.len() as u64,
        total_cents: parsed
            .iter()
            .map(|r| u64::from(r.qty) * u64::from(r.unit_price_cents))
            .sum(),
    }
}

/// Largest `n` accepted by `/cpu/hash`.
pub const HASH_MAX_N: u32 = 10_000_000;
/// Largest `n` accepted by `/cpu/json`.
pub const JSON_MAX_N: u32 = 100_000;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::vectors::Vectors;

    #[test]
    fn hash_matches_shared_vectors() {
        let vectors = Vectors::load_default().expect("contract/vectors.json");
        assert!(vectors.hash.len() >= 5);
        for v in &vectors.hash {
            assert_eq!(hash(v.seed, v.n), v.hash, "hash({}, {})", v.seed, v.n);
        }
    }

    #[test]
    fn json_matches_shared_vectors() {
        let vectors = Vectors::load_default().expect("contract/vectors.json");
        assert!(vectors.json.len() >= 3);
        for v in &vectors.json {
            let got = json(v.seed, v.n);
            assert_eq!(
                (got.bytes, got.total_cents),
                (v.bytes, v.total_cents),
                "json({}, {})",
                v.seed,
                v.n
            );
        }
    }

    #[test]
    fn zero_state_is_avoided() {
        // seed == 0x9E3779B9 would start xorshift at its fixed point 0.
        let mut s = Stream::new(0x9E37_79B9);
        assert_ne!(s.draw(), 0);
    }
}
