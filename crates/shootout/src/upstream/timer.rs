//! A precise timer for async code.
//!
//! tokio's timer wheel has millisecond granularity and rounds deadlines up,
//! so `sleep(10ms)` takes 10–11 ms. The upstream simulator's `/delay` must
//! take what it says (the load generator's accuracy targets are checked
//! against it), so one shared thread keeps a heap of deadlines, sleeps to the
//! nearest with 1 µs timer slack, and wakes each waiter's task. No request
//! thread ever blocks.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

struct Entry {
    due: Instant,
    seq: u64,
    wake: oneshot::Sender<()>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(other.due, other.seq))
    }
}

struct Wheel {
    heap: Mutex<(BinaryHeap<Reverse<Entry>>, u64)>,
    changed: Condvar,
}

fn wheel() -> &'static Wheel {
    static WHEEL: OnceLock<&'static Wheel> = OnceLock::new();
    WHEEL.get_or_init(|| {
        let wheel: &'static Wheel = Box::leak(Box::new(Wheel {
            heap: Mutex::new((BinaryHeap::new(), 0)),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("precise-timer".into())
            .spawn(move || run(wheel))
            .expect("spawn the timer thread");
        wheel
    })
}

fn run(wheel: &'static Wheel) {
    crate::sys::set_timer_slack_1us();
    let mut guard = wheel.heap.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        let now = Instant::now();
        while guard.0.peek().is_some_and(|Reverse(e)| e.due <= now) {
            if let Some(Reverse(entry)) = guard.0.pop() {
                let _ = entry.wake.send(());
            }
        }
        guard = match guard.0.peek() {
            Some(Reverse(next)) => {
                let wait = next.due.saturating_duration_since(now);
                wheel
                    .changed
                    .wait_timeout(guard, wait)
                    .unwrap_or_else(|p| p.into_inner())
                    .0
            }
            None => wheel.changed.wait(guard).unwrap_or_else(|p| p.into_inner()),
        };
    }
}

/// Sleeps for `duration`, waking within tens of microseconds of the deadline.
pub async fn sleep(duration: Duration) {
    if duration.is_zero() {
        return;
    }
    let due = Instant::now() + duration;
    let (tx, rx) = oneshot::channel();
    {
        let wheel = wheel();
        let mut guard = wheel.heap.lock().unwrap_or_else(|p| p.into_inner());
        guard.1 += 1;
        let seq = guard.1;
        let earliest = guard.0.peek().is_none_or(|Reverse(e)| due < e.due);
        guard.0.push(Reverse(Entry { due, seq, wake: tx }));
        if earliest {
            wheel.changed.notify_one();
        }
    }
    let _ = rx.await;
}

/// Microseconds since the Unix epoch on this host's wall clock (the
/// upstream's `GET /clock`, load shards' barriers).
pub fn unix_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn never_wakes_early_and_keeps_order() {
        let start = Instant::now();
        let (a, b) = tokio::join!(
            async {
                sleep(Duration::from_millis(30)).await;
                Instant::now()
            },
            async {
                sleep(Duration::from_millis(10)).await;
                Instant::now()
            }
        );
        assert!(b.duration_since(start) >= Duration::from_millis(10));
        assert!(a.duration_since(start) >= Duration::from_millis(30));
        assert!(b < a);
    }
}
