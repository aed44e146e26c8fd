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

/// The result of the binary-trees kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreesKernel {
    /// Nodes of the tree: 2^(depth+1) - 1.
    pub nodes: u32,
    /// Σ of the nodes' values, summed by walking the tree.
    pub check: u32,
}

/// One node of the binary-trees kernel, each allocated on its own.
struct Node {
    value: u32,
    children: Option<(Box<Node>, Box<Node>)>,
}

impl Node {
    /// A perfect tree of `depth`: both children first (left, then right),
    /// then the node itself takes the next draw's low byte.
    fn make(depth: u32, stream: &mut Stream) -> Box<Node> {
        let children = (depth > 0).then(|| {
            let left = Node::make(depth - 1, stream);
            (left, Node::make(depth - 1, stream))
        });
        Box::new(Node {
            value: stream.draw() & 0xFF,
            children,
        })
    }

    /// (nodes, Σ values) of the subtree.
    fn walk(&self) -> (u32, u32) {
        match &self.children {
            None => (1, self.value),
            Some((l, r)) => {
                let (ln, lc) = l.walk();
                let (rn, rc) = r.walk();
                (1 + ln + rn, self.value + lc + rc)
            }
        }
    }
}

/// Binary trees, after the Computer Language Benchmarks Game: builds a
/// perfect binary tree of `depth` from the stream, one allocation per node,
/// and walks it.
pub fn trees(seed: u32, depth: u32) -> TreesKernel {
    let mut stream = Stream::new(seed);
    let (nodes, check) = Node::make(depth, &mut stream).walk();
    TreesKernel { nodes, check }
}

/// Largest `depth` accepted by `/cpu/trees`.
pub const TREES_MAX_DEPTH: u32 = 20;
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
    fn trees_matches_shared_vectors() {
        let vectors = Vectors::load_default().expect("contract/vectors.json");
        assert!(vectors.trees.len() >= 5);
        for v in &vectors.trees {
            let got = trees(v.seed, v.depth);
            assert_eq!(
                (got.nodes, got.check),
                (v.nodes, v.check),
                "trees({}, {})",
                v.seed,
                v.depth
            );
        }
    }

    #[test]
    fn trees_by_hand() {
        // depth 0: one node, the first draw's low byte.
        let first = Stream::new(5).draw() & 0xFF;
        assert_eq!(
            trees(5, 0),
            TreesKernel {
                nodes: 1,
                check: first
            }
        );
        // depth 1: three nodes, the first three draws (left, right, root).
        let mut s = Stream::new(5);
        let sum: u32 = (0..3).map(|_| s.draw() & 0xFF).sum();
        assert_eq!(
            trees(5, 1),
            TreesKernel {
                nodes: 3,
                check: sum
            }
        );
        assert_eq!(trees(1, TREES_MAX_DEPTH).nodes, (1 << 21) - 1);
    }

    #[test]
    fn zero_state_is_avoided() {
        // seed == 0x9E3779B9 would start xorshift at its fixed point 0.
        let mut s = Stream::new(0x9E37_79B9);
        assert_ne!(s.draw(), 0);
    }
}
