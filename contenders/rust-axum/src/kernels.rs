//! The contract's CPU kernels, in plain Rust: no native crypto, no caching.

use serde::{Deserialize, Serialize};

struct Stream(u32);

impl Stream {
    fn new(seed: u32) -> Self {
        let x = seed ^ 0x9E37_79B9;
        Self(if x == 0 { 1 } else { x })
    }

    fn draw(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

pub fn hash(seed: u32, n: u32) -> u32 {
    let mut stream = Stream::new(seed);
    let mut h: u32 = 0x811C_9DC5;
    for _ in 0..n {
        h = (h ^ (stream.draw() & 0xFF)).wrapping_mul(0x0100_0193);
    }
    h
}

#[derive(Serialize, Deserialize)]
struct Record {
    id: u32,
    sku: String,
    qty: u32,
    unit_price_cents: u32,
}

/// Returns `(bytes, total_cents)`.
pub fn json(seed: u32, n: u32) -> (usize, u64) {
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
    let text = serde_json::to_string(&records).expect("records serialize");
    let parsed: Vec<Record> = serde_json::from_str(&text).expect("own output parses");
    let total = parsed
        .iter()
        .map(|r| u64::from(r.qty) * u64::from(r.unit_price_cents))
        .sum();
    (text.len(), total)
}

/// A node of the binary-trees kernel, each one its own heap allocation.
struct Node {
    value: u32,
    children: Option<(Box<Node>, Box<Node>)>,
}

impl Node {
    /// A perfect tree of `depth`: left, then right, then the node's own draw.
    fn make(depth: u32, stream: &mut Stream) -> Box<Node> {
        let children = if depth > 0 {
            let left = Node::make(depth - 1, stream);
            let right = Node::make(depth - 1, stream);
            Some((left, right))
        } else {
            None
        };
        Box::new(Node {
            value: stream.draw() & 0xFF,
            children,
        })
    }

    /// `(nodes, sum of values)` of the subtree.
    fn walk(&self) -> (u32, u32) {
        match &self.children {
            None => (1, self.value),
            Some((left, right)) => {
                let (ln, lc) = left.walk();
                let (rn, rc) = right.walk();
                (1 + ln + rn, self.value + lc + rc)
            }
        }
    }
}

/// Binary trees: builds the tree of `depth` and walks it. Returns `(nodes, check)`.
pub fn trees(seed: u32, depth: u32) -> (u32, u32) {
    let mut stream = Stream::new(seed);
    Node::make(depth, &mut stream).walk()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn vectors() -> Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../contract/vectors.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("vectors file")).unwrap()
    }

    fn u32_of(v: &Value, key: &str) -> u32 {
        v[key].as_u64().unwrap() as u32
    }

    #[test]
    fn hash_vectors() {
        let v = vectors();
        for case in v["hash"].as_array().unwrap() {
            let (seed, n) = (u32_of(case, "seed"), u32_of(case, "n"));
            assert_eq!(
                super::hash(seed, n),
                u32_of(case, "hash"),
                "hash({seed},{n})"
            );
        }
    }

    #[test]
    fn trees_vectors() {
        let v = vectors();
        for case in v["trees"].as_array().unwrap() {
            let (seed, depth) = (u32_of(case, "seed"), u32_of(case, "depth"));
            let (nodes, check) = super::trees(seed, depth);
            assert_eq!(nodes, u32_of(case, "nodes"), "trees({seed},{depth})");
            assert_eq!(check, u32_of(case, "check"), "trees({seed},{depth})");
        }
    }

    #[test]
    fn json_vectors() {
        let v = vectors();
        for case in v["json"].as_array().unwrap() {
            let (seed, n) = (u32_of(case, "seed"), u32_of(case, "n"));
            let (bytes, total) = super::json(seed, n);
            assert_eq!(
                bytes as u64,
                case["bytes"].as_u64().unwrap(),
                "json({seed},{n})"
            );
            assert_eq!(
                total,
                case["total_cents"].as_u64().unwrap(),
                "json({seed},{n})"
            );
        }
    }
}
