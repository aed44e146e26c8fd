//! Where orders live: in memory (ids handed out in sequence, orders kept by
//! id), or in PostgreSQL through a deadpool pool of tokio-postgres
//! connections when `DATABASE_URL` is set (contract/schema.sql).

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use deadpool_postgres::{Pool, PoolConfig, Runtime};
use serde::Serialize;
use tokio_postgres::NoTls;

/// An order as stored and as returned by the API.
#[derive(Clone, Serialize)]
pub struct Order {
    pub id: String,
    pub customer_id: String,
    pub currency: String,
    pub items_count: usize,
    pub total_cents: u64,
    pub fraud_score: u32,
    pub status: String,
}

/// One line of an order, as stored.
pub struct Item {
    pub sku: String,
    pub qty: i32,
    pub unit_price_cents: i64,
}

pub enum Store {
    Memory(Memory),
    Postgres(Pool),
}

/// A store that failed (the database, never the input).
#[derive(Debug)]
pub struct StoreError(pub String);

impl<E: std::fmt::Display> From<E> for StoreError {
    fn from(e: E) -> Self {
        Self(e.to_string())
    }
}

#[derive(Default)]
pub struct Memory {
    next_id: AtomicU64,
    orders: RwLock<HashMap<String, Order>>,
}

const COLUMNS: &str =
    "id::text, customer_id, currency, items_count, total_cents, fraud_score, status";

fn order_of(row: &tokio_postgres::Row) -> Order {
    Order {
        id: row.get(0),
        customer_id: row.get(1),
        currency: row.get(2),
        items_count: row.get::<_, i32>(3) as usize,
        total_cents: row.get::<_, i64>(4) as u64,
        fraud_score: row.get::<_, i64>(5) as u32,
        status: row.get(6),
    }
}

impl Store {
    /// PostgreSQL at `url`, with at most `size` connections.
    pub fn postgres(url: &str, size: usize) -> Result<Self, StoreError> {
        let mut config = deadpool_postgres::Config::new();
        config.url = Some(url.to_owned());
        config.pool = Some(PoolConfig::new(size.max(1)));
        Ok(Store::Postgres(
            config.create_pool(Some(Runtime::Tokio1), NoTls)?,
        ))
    }

    /// Whether it can list a customer's orders (the database can).
    pub fn lists(&self) -> bool {
        matches!(self, Store::Postgres(_))
    }

    /// Stores `order` (its id is ignored) with its items, in one transaction
    /// for the database, and returns it with its id.
    pub async fn insert(&self, mut order: Order, items: &[Item]) -> Result<Order, StoreError> {
        match self {
            Store::Memory(m) => {
                let id = m.next_id.fetch_add(1, Ordering::Relaxed) + 1;
                order.id = format!("ord-{id}");
                m.orders
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .insert(order.id.clone(), order.clone());
                Ok(order)
            }
            Store::Postgres(pool) => {
                let mut client = pool.get().await?;
                let tx = client.transaction().await?;
                let insert_order = tx
                    .prepare_cached(
                        "INSERT INTO orders (customer_id, currency, items_count, total_cents, fraud_score, status)
                         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    )
                    .await?;
                let insert_items = tx
                    .prepare_cached(
                        "INSERT INTO order_items (order_id, line, sku, qty, unit_price_cents)
                         SELECT $1, t.line, t.sku, t.qty, t.price
                           FROM unnest($2::text[], $3::int[], $4::bigint[]) WITH ORDINALITY AS t(sku, qty, price, line)",
                    )
                    .await?;
                let row = tx
                    .query_one(
                        &insert_order,
                        &[
                            &order.customer_id,
                            &order.currency,
                            &(order.items_count as i32),
                            &(order.total_cents as i64),
                            &i64::from(order.fraud_score),
                            &order.status,
                        ],
                    )
                    .await?;
                let id: i64 = row.get(0);
                let skus: Vec<&str> = items.iter().map(|i| i.sku.as_str()).collect();
                let qtys: Vec<i32> = items.iter().map(|i| i.qty).collect();
                let prices: Vec<i64> = items.iter().map(|i| i.unit_price_cents).collect();
                tx.execute(&insert_items, &[&id, &skus, &qtys, &prices])
                    .await?;
                tx.commit().await?;
                order.id = id.to_string();
                Ok(order)
            }
        }
    }

    pub async fn get(&self, id: &str) -> Result<Option<Order>, StoreError> {
        match self {
            Store::Memory(m) => Ok(m
                .orders
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .get(id)
                .cloned()),
            Store::Postgres(pool) => {
                // Not an id this store ever gave out.
                let Some(id) = id.parse::<i64>().ok().filter(|&n| n > 0) else {
                    return Ok(None);
                };
                let client = pool.get().await?;
                let select = client
                    .prepare_cached(&format!("SELECT {COLUMNS} FROM orders WHERE id = $1"))
                    .await?;
                Ok(client
                    .query_opt(&select, &[&id])
                    .await?
                    .as_ref()
                    .map(order_of))
            }
        }
    }

    /// A customer's latest orders, newest first (database only).
    pub async fn list(&self, customer_id: &str, limit: i64) -> Result<Vec<Order>, StoreError> {
        match self {
            Store::Memory(_) => Ok(Vec::new()),
            Store::Postgres(pool) => {
                let client = pool.get().await?;
                let select = client
                    .prepare_cached(&format!(
                        "SELECT {COLUMNS} FROM orders WHERE customer_id = $1 ORDER BY orders.id DESC LIMIT $2"
                    ))
                    .await?;
                let rows = client.query(&select, &[&customer_id, &limit]).await?;
                Ok(rows.iter().map(order_of).collect())
            }
        }
    }
}
