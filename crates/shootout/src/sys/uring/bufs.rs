//! Provided buffers for multishot receives: a ring of fixed-size buffers the
//! kernel picks from when data arrives on any connection. A multishot
//! receive stays armed across requests, so a connection's receive is queued
//! once instead of once per request (no poll armed and torn down per reply,
//! about 5% of the generator's CPU in `perf`); the bytes are copied out of
//! the picked buffer and the buffer goes back to the ring at once.

use std::alloc::{Layout, alloc_zeroed, dealloc};
use std::sync::atomic::{AtomicU16, Ordering};

use io_uring::IoUring;
use io_uring::types::BufRingEntry;

/// The buffer group the receives pick from.
pub const GROUP: u16 = 0;
/// Bytes per buffer: a small reply fits in one.
const SIZE: usize = 4096;

/// The registered ring of buffers and the memory behind it.
pub struct Bufs {
    /// `count` entries, page-aligned, shared with the kernel.
    entries: *mut BufRingEntry,
    layout: Layout,
    /// The buffers themselves, `SIZE` bytes each; never moved or resized.
    data: Box<[u8]>,
    count: u16,
    /// Our copy of the ring's tail (the kernel reads the shared one).
    tail: u16,
}

impl Bufs {
    /// Registers `count` buffers (a power of two, at most 32768) with `ring`.
    pub fn register(ring: &IoUring, count: u16) -> std::io::Result<Self> {
        assert!(
            count.is_power_of_two(),
            "buffer count must be a power of two"
        );
        let layout = Layout::from_size_align(usize::from(count) * 16, 4096)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        // SAFETY: the layout has a non-zero size.
        let entries = unsafe { alloc_zeroed(layout) }.cast::<BufRingEntry>();
        if entries.is_null() {
            return Err(std::io::ErrorKind::OutOfMemory.into());
        }
        let mut bufs = Self {
            entries,
            layout,
            data: vec![0; usize::from(count) * SIZE].into_boxed_slice(),
            count,
            tail: 0,
        };
        // SAFETY: `entries` holds `count` entries and lives until `Drop`,
        // which unregisters the group first (see `Ring`'s Drop for the order).
        unsafe {
            ring.submitter()
                .register_buf_ring_with_flags(entries as u64, count, GROUP, 0)?;
        }
        for bid in 0..count {
            bufs.give_back(bid);
        }
        bufs.publish();
        Ok(bufs)
    }

    /// The first `len` bytes of buffer `bid`, which the kernel filled and
    /// gave to a completion; valid until [`Bufs::give_back`].
    pub fn get(&self, bid: u16, len: usize) -> &[u8] {
        let at = usize::from(bid) * SIZE;
        &self.data[at..at + len.min(SIZE)]
    }

    /// Queues buffer `bid` for reuse; [`Bufs::publish`] hands it to the kernel.
    pub fn give_back(&mut self, bid: u16) {
        let mask = self.count - 1;
        let addr = self.data.as_ptr() as u64 + (usize::from(bid) * SIZE) as u64;
        // SAFETY: the index is below `count`; the kernel reads only entries
        // between its head and the published tail, and this one is past it.
        let entry = unsafe { &mut *self.entries.add(usize::from(self.tail & mask)) };
        entry.set_addr(addr);
        entry.set_len(SIZE as u32);
        entry.set_bid(bid);
        self.tail = self.tail.wrapping_add(1);
    }

    /// Makes the buffers given back visible to the kernel.
    pub fn publish(&self) {
        // SAFETY: the tail is a u16 inside the first entry, read by the
        // kernel: written with release ordering as liburing does.
        unsafe {
            let tail = BufRingEntry::tail(self.entries).cast::<AtomicU16>();
            (*tail).store(self.tail, Ordering::Release);
        }
    }

    /// Unregisters the group; call before dropping while the ring lives.
    pub fn unregister(&self, ring: &IoUring) -> std::io::Result<()> {
        ring.submitter().unregister_buf_ring(GROUP)
    }
}

impl Drop for Bufs {
    fn drop(&mut self) {
        // SAFETY: allocated in `register` with this layout.
        unsafe { dealloc(self.entries.cast(), self.layout) };
    }
}
