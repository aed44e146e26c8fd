//! After a trial, in SQL: every order the service acknowledged with a 2xx is
//! in the database with the total and item count that was sent, and no
//! other order exists. A missing order is a lost write, a different one an
//! altered write, an extra one a phantom (unless a request that got no
//! answer may have created it).

use std::collections::HashMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio_postgres::Client;

/// Examples kept of each kind of difference.
const EXAMPLES: usize = 5;

/// The audit of one trial.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Audit {
    /// Orders the service answered 2xx to.
    pub acknowledged: u64,
    /// Orders found in the database.
    pub found: u64,
    /// Acknowledged, but not in the database.
    pub lost: u64,
    /// In the database, but with another total, item count, or item rows
    /// that do not add up.
    pub altered: u64,
    /// In the database, but never acknowledged.
    pub unacknowledged: u64,
    /// Create requests that got no answer (they may have been stored).
    pub unanswered: u64,
    /// Some of the differences, in words.
    pub examples: Vec<String>,
}

impl Audit {
    /// Orders that exist but were never acknowledged, beyond what
    /// unanswered requests could explain.
    pub fn phantom(&self) -> u64 {
        self.unacknowledged.saturating_sub(self.unanswered)
    }

    /// Nothing lost, altered or invented.
    pub fn clean(&self) -> bool {
        self.lost == 0 && self.altered == 0 && self.phantom() == 0
    }

    /// One line for warnings and sanity failures.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "{} acknowledged, {} in the database: {} lost, {} altered, {} never acknowledged ({} requests unanswered)",
            self.acknowledged,
            self.found,
            self.lost,
            self.altered,
            self.unacknowledged,
            self.unanswered
        );
        if !self.examples.is_empty() {
            line.push_str("; e.g. ");
            line.push_str(&self.examples.join("; "));
        }
        line
    }
}

/// What was sent for one acknowledged order.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sent {
    total_cents: i64,
    items: i64,
}

fn sent(body: &[u8]) -> Option<Sent> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let items = v.get("items")?.as_array()?;
    let mut total = 0i64;
    for item in items {
        total += item.get("qty")?.as_i64()? * item.get("unit_price_cents")?.as_i64()?;
    }
    Some(Sent {
        total_cents: total,
        items: items.len() as i64,
    })
}

/// Compares `acknowledged` (id, body sent) with the `orders` and
/// `order_items` tables `client` sees.
pub async fn audit(
    client: &Client,
    acknowledged: &[(String, Vec<u8>)],
    unanswered: u64,
) -> Result<Audit, tokio_postgres::Error> {
    let rows = client
        .query(
            "SELECT o.id::text, o.total_cents, o.items_count::bigint,
                    count(i.line), coalesce(sum(i.qty::bigint * i.unit_price_cents), 0)::bigint
               FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
              GROUP BY o.id",
            &[],
        )
        .await?;
    let mut stored: HashMap<String, (i64, i64, i64, i64)> = rows
        .iter()
        .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3), r.get(4))))
        .collect();
    let mut a = Audit {
        acknowledged: acknowledged.len() as u64,
        found: stored.len() as u64,
        unanswered,
        ..Audit::default()
    };
    let note = |a: &mut Audit, text: String| {
        if a.examples.len() < EXAMPLES {
            a.examples.push(text);
        }
    };
    for (id, body) in acknowledged {
        let Some((total, count, lines, sum)) = stored.remove(id) else {
            a.lost += 1;
            note(&mut a, format!("order {id} acknowledged but not stored"));
            continue;
        };
        let want = sent(body);
        let matches = want.as_ref().is_some_and(|w| {
            w.total_cents == total && w.items == count && lines == count && sum == total
        });
        if !matches {
            a.altered += 1;
            note(
                &mut a,
                format!(
                    "order {id}: stored total {total}, {count} items, {lines} item rows summing to {sum}; sent {want:?}"
                ),
            );
        }
    }
    a.unacknowledged = stored.len() as u64;
    for id in stored.keys().take(EXAMPLES) {
        note(&mut a, format!("order {id} stored but never acknowledged"));
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unanswered_requests_explain_unacknowledged_orders_and_no_more() {
        let a = Audit {
            unacknowledged: 3,
            unanswered: 2,
            ..Audit::default()
        };
        assert_eq!(a.phantom(), 1);
        assert!(!a.clean());
        let b = Audit {
            unacknowledged: 2,
            unanswered: 2,
            ..Audit::default()
        };
        assert!(b.clean());
    }

    #[test]
    fn the_sent_order_is_read_from_its_body() {
        let body = br#"{"customer_id":"c","currency":"USD","items":[{"sku":"a","qty":2,"unit_price_cents":5},{"sku":"b","qty":1,"unit_price_cents":7}]}"#;
        assert_eq!(
            sent(body),
            Some(Sent {
                total_cents: 17,
                items: 2
            })
        );
    }
}
