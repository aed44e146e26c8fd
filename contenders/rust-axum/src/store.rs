//! The in-memory order store: ids handed out in sequence, orders kept by id.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

/// An order as stored and as returned by the API.
#[derive(Clone, Serialize)]
pub struct Order {
    pub id: String,
    pub customer_id: String,
    pub currency: String,
    pub items_count: usize,
    pub total_cents: u64,
    pub fraud_score: u32,
    pub status: &'static str,
}

#[derive(Default)]
pub struct Store {
    next_id: AtomicU64,
    orders: RwLock<HashMap<String, Order>>,
}

impl Store {
    /// Stores the order `make` builds from a new id, and returns it.
    pub fn insert(&self, make: impl FnOnce(String) -> Order) -> Order {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        let order = make(format!("ord-{id}"));
        self.orders
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(order.id.clone(), order.clone());
        order
    }

    pub fn get(&self, id: &str) -> Option<Order> {
        self.orders
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(id)
            .cloned()
    }
}
