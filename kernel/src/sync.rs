//! Kernel locks. `SpinLock` disables interrupts while held so an interrupt handler on the same
//! CPU can never spin on a lock its own CPU holds.

use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicUsize, Ordering};

use x86_64::instructions::interrupts;

/// Spin locks held on this CPU (single CPU for now; per-CPU with SMP). A thread must not sleep
/// while it holds one: its interrupts are off and another thread could spin on it forever.
static HELD: AtomicUsize = AtomicUsize::new(0);

pub fn spin_locks_held() -> usize {
    HELD.load(Ordering::Relaxed)
}

pub struct SpinLock<T> {
    inner: spin::Mutex<T>,
}

pub struct SpinLockGuard<'a, T> {
    guard: Option<spin::MutexGuard<'a, T>>,
    irq_was_enabled: bool,
}

impl<T> SpinLock<T> {
    pub const fn new(value: T) -> Self {
        Self { inner: spin::Mutex::new(value) }
    }

    pub fn lock(&self) -> SpinLockGuard<'_, T> {
        let irq_was_enabled = interrupts::are_enabled();
        interrupts::disable();
        let guard = self.inner.lock();
        HELD.fetch_add(1, Ordering::Relaxed);
        SpinLockGuard { guard: Some(guard), irq_was_enabled }
    }
}

impl<T> Deref for SpinLockGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.guard.as_ref().expect("guard present until drop")
    }
}

impl<T> DerefMut for SpinLockGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.guard.as_mut().expect("guard present until drop")
    }
}

impl<T> Drop for SpinLockGuard<'_, T> {
    fn drop(&mut self) {
        self.guard = None;
        HELD.fetch_sub(1, Ordering::Relaxed);
        if self.irq_was_enabled {
            interrupts::enable();
        }
    }
}
