//! Kernel locks. `SpinLock` disables interrupts while held so an interrupt handler on the same
//! CPU can never spin on a lock its own CPU holds.

use core::ops::{Deref, DerefMut};

use x86_64::instructions::interrupts;

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
        SpinLockGuard { guard: Some(self.inner.lock()), irq_was_enabled }
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
        if self.irq_was_enabled {
            interrupts::enable();
        }
    }
}
