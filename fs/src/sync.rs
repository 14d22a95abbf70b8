//! The filesystem code's locks. They sleep when contended: a holder may wait for disk I/O (an
//! ext2 inode read under the inode-cache lock), and on a kernel that only switches threads when
//! one blocks, a waiter that spun would never let that holder run again.
//!
//! Sleeping goes through hooks the kernel installs with [`set_parking`], keyed by the lock's
//! address (like a futex). Until then (early boot, host tests) a contended lock spins.

use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// How a contended lock sleeps.
pub struct Parking {
    /// Sleeps until `unpark_all(key)`, unless `blocked()` — checked after the caller is queued,
    /// so a wake between the check and the sleep is not lost — is already false.
    pub park: fn(key: usize, blocked: &dyn Fn() -> bool),
    /// Wakes every thread parked on `key`.
    pub unpark_all: fn(key: usize),
}

static PARKING: spin::Once<Parking> = spin::Once::new();

/// Installs the kernel's sleep/wake hooks (once, at boot).
pub fn set_parking(parking: Parking) {
    PARKING.call_once(|| parking);
}

fn park(key: usize, blocked: &dyn Fn() -> bool) {
    match PARKING.get() {
        Some(p) => (p.park)(key, blocked),
        #[cfg(test)]
        None => std::thread::yield_now(),
        #[cfg(not(test))]
        None => core::hint::spin_loop(),
    }
}

fn unpark_all(key: usize) {
    if let Some(p) = PARKING.get() {
        (p.unpark_all)(key);
    }
}

pub type Mutex<T> = lock_api::Mutex<RawMutex, T>;
pub type RwLock<T> = lock_api::RwLock<RawRwLock, T>;
pub type RwLockReadGuard<'a, T> = lock_api::RwLockReadGuard<'a, RawRwLock, T>;
pub type RwLockWriteGuard<'a, T> = lock_api::RwLockWriteGuard<'a, RawRwLock, T>;

const LOCKED: u8 = 1;
/// Someone is (or is about to be) parked: the unlocker must wake them.
const PARKED: u8 = 2;

pub struct RawMutex {
    state: AtomicU8,
}

impl RawMutex {
    fn key(&self) -> usize {
        self as *const Self as usize
    }

    #[cold]
    fn lock_contended(&self) {
        loop {
            let s = self.state.load(Ordering::Relaxed);
            if s & LOCKED == 0 {
                // Keep PARKED: others may still be asleep, and our unlock must wake them.
                if self.state.compare_exchange_weak(s, s | LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                    return;
                }
                continue;
            }
            if s & PARKED == 0
                && self.state.compare_exchange_weak(s, s | PARKED, Ordering::Relaxed, Ordering::Relaxed).is_err()
            {
                continue;
            }
            park(self.key(), &|| self.state.load(Ordering::Relaxed) == LOCKED | PARKED);
        }
    }
}

// SAFETY: `state` admits one holder at a time (LOCKED set by a successful CAS, cleared by unlock),
// with Acquire on taking and Release on giving up.
unsafe impl lock_api::RawMutex for RawMutex {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawMutex = RawMutex { state: AtomicU8::new(0) };
    type GuardMarker = lock_api::GuardSend;

    fn lock(&self) {
        if self.state.compare_exchange(0, LOCKED, Ordering::Acquire, Ordering::Relaxed).is_err() {
            self.lock_contended();
        }
    }

    fn try_lock(&self) -> bool {
        let s = self.state.load(Ordering::Relaxed);
        s & LOCKED == 0 && self.state.compare_exchange(s, s | LOCKED, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    unsafe fn unlock(&self) {
        if self.state.swap(0, Ordering::Release) & PARKED != 0 {
            unpark_all(self.key());
        }
    }
}

const WRITER: usize = 1;
const RW_PARKED: usize = 2;
const ONE_READER: usize = 4;

/// Readers share, a writer excludes everyone. Readers are not held back by a waiting writer:
/// locks here are held briefly, or across one disk request.
pub struct RawRwLock {
    state: AtomicUsize,
}

impl RawRwLock {
    fn key(&self) -> usize {
        self as *const Self as usize
    }

    /// Takes the lock once `free(state)` says so (adding `take`), parking meanwhile.
    fn acquire(&self, free: fn(usize) -> bool, take: usize) {
        loop {
            let s = self.state.load(Ordering::Relaxed);
            if free(s) {
                if self.state.compare_exchange_weak(s, s + take, Ordering::Acquire, Ordering::Relaxed).is_ok() {
                    return;
                }
                continue;
            }
            if s & RW_PARKED == 0
                && self.state.compare_exchange_weak(s, s | RW_PARKED, Ordering::Relaxed, Ordering::Relaxed).is_err()
            {
                continue;
            }
            park(self.key(), &|| {
                let s = self.state.load(Ordering::Relaxed);
                s & RW_PARKED != 0 && !free(s)
            });
        }
    }

    fn reader_may_enter(s: usize) -> bool {
        s & WRITER == 0
    }

    fn writer_may_enter(s: usize) -> bool {
        s & !RW_PARKED == 0
    }
}

// SAFETY: a writer enters only when no reader or writer holds the lock and readers only when no
// writer does, each by a CAS on `state` (Acquire), leaving with Release.
unsafe impl lock_api::RawRwLock for RawRwLock {
    #[allow(clippy::declare_interior_mutable_const)]
    const INIT: RawRwLock = RawRwLock { state: AtomicUsize::new(0) };
    type GuardMarker = lock_api::GuardSend;

    fn lock_shared(&self) {
        if !self.try_lock_shared() {
            self.acquire(Self::reader_may_enter, ONE_READER);
        }
    }

    fn try_lock_shared(&self) -> bool {
        let s = self.state.load(Ordering::Relaxed);
        Self::reader_may_enter(s)
            && self.state.compare_exchange(s, s + ONE_READER, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    unsafe fn unlock_shared(&self) {
        let before = self.state.fetch_sub(ONE_READER, Ordering::Release);
        // The last reader out wakes the parked; if someone slipped in meanwhile, their unlock will.
        if before == ONE_READER | RW_PARKED
            && self.state.compare_exchange(RW_PARKED, 0, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            unpark_all(self.key());
        }
    }

    fn lock_exclusive(&self) {
        if self.state.compare_exchange(0, WRITER, Ordering::Acquire, Ordering::Relaxed).is_err() {
            self.acquire(Self::writer_may_enter, WRITER);
        }
    }

    fn try_lock_exclusive(&self) -> bool {
        let s = self.state.load(Ordering::Relaxed);
        Self::writer_may_enter(s) && self.state.compare_exchange(s, s | WRITER, Ordering::Acquire, Ordering::Relaxed).is_ok()
    }

    unsafe fn unlock_exclusive(&self) {
        if self.state.swap(0, Ordering::Release) & RW_PARKED != 0 {
            unpark_all(self.key());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::thread;

    use super::*;

    #[test]
    fn mutex_excludes_across_threads() {
        let m = Arc::new(Mutex::new(0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let m = m.clone();
                thread::spawn(move || {
                    for _ in 0..20_000 {
                        let mut g = m.lock();
                        let v = *g;
                        *g = v + 1;
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(*m.lock(), 80_000);
        assert!(m.try_lock().is_some());
    }

    #[test]
    fn rwlock_readers_share_and_writers_exclude() {
        let l = RwLock::new(0u64);
        {
            let a = l.read();
            let b = l.read();
            assert_eq!(*a + *b, 0);
            assert!(l.try_write().is_none());
        }
        {
            let _w = l.write();
            assert!(l.try_read().is_none());
            assert!(l.try_write().is_none());
        }
        assert!(l.try_write().is_some());
        let l = Arc::new(l);
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let l = l.clone();
                thread::spawn(move || {
                    for _ in 0..10_000 {
                        if i % 2 == 0 {
                            *l.write() += 1;
                        } else {
                            let v = *l.read();
                            assert!(v <= 20_000);
                        }
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(*l.read(), 20_000);
    }
}
