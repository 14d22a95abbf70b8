//! Wait queues: a thread that must block registers here, re-checks its condition, and sleeps until
//! a waker (or a signal, or its timeout) makes it runnable. Every blocking wait in the kernel goes
//! through `WaitQueue::wait`, so every one is interruptible and bounded the same way.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use linux_abi::{Errno, SysResult};

use super::state;
use crate::arch::cpu::uptime_ns;
use crate::process::{Thread, current_arc};
use crate::sync::SpinLock;

pub struct WaitQueue {
    waiters: SpinLock<Vec<Arc<Thread>>>,
}

/// How a wait may end besides its condition becoming true.
#[derive(Clone, Copy)]
pub struct WaitOpts {
    /// Return ERESTARTSYS when a signal is pending for the thread.
    pub interruptible: bool,
    /// Absolute deadline (uptime ns): ETIMEDOUT after it.
    pub deadline: Option<u64>,
}

impl WaitOpts {
    pub const INTERRUPTIBLE: WaitOpts = WaitOpts { interruptible: true, deadline: None };

    pub fn until(deadline: Option<u64>) -> WaitOpts {
        WaitOpts { interruptible: true, deadline }
    }
}

impl WaitQueue {
    pub const fn new() -> Self {
        WaitQueue { waiters: SpinLock::new(Vec::new()) }
    }

    /// Blocks until `cond()` returns `Some`, a signal arrives (if interruptible) or the deadline
    /// passes. `cond` runs with the thread already registered, so a wake between the check and
    /// the sleep is never lost.
    pub fn wait<T>(&self, opts: WaitOpts, mut cond: impl FnMut() -> Option<T>) -> SysResult<T> {
        let me = current_arc();
        let _timer = opts.deadline.map(|d| super::timer::wake_at(d, &me));
        loop {
            me.sched.state.store(state::SLEEPING, Ordering::Release);
            self.waiters.lock().push(me.clone());
            let outcome = if let Some(v) = cond() {
                Some(Ok(v))
            } else if opts.interruptible && me.signal_pending() {
                Some(Err(Errno::ERESTARTSYS))
            } else if opts.deadline.is_some_and(|d| uptime_ns() >= d) {
                Some(Err(Errno::ETIMEDOUT))
            } else {
                None
            };
            if let Some(result) = outcome {
                me.sched.state.store(state::RUNNING, Ordering::Release);
                self.remove(&me);
                return result;
            }
            if crate::sync::spin_locks_held() > 0 {
                warn_sleeping_with_spin_lock();
            }
            super::schedule();
            self.remove(&me);
        }
    }

    fn remove(&self, t: &Arc<Thread>) {
        self.waiters.lock().retain(|w| !Arc::ptr_eq(w, t));
    }

    /// Wakes every waiter; each re-checks its own condition.
    pub fn wake_all(&self) {
        // Drained in place, keeping the vector's capacity: the next wait need not allocate.
        for t in self.waiters.lock().drain(..) {
            super::wake(&t);
        }
    }
}

/// A bug report, once: sleeping with a spin lock held can deadlock (see `crate::sync`).
#[cold]
fn warn_sleeping_with_spin_lock() {
    static ONCE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
    if !ONCE.swap(true, Ordering::Relaxed) {
        log::error!("BUG: sleeping with a spin lock held");
    }
}

/// Sleeps without a wait queue until the deadline or a signal (nanosleep).
pub fn sleep_until(deadline: u64) -> SysResult<()> {
    static NOBODY: WaitQueue = WaitQueue::new();
    match NOBODY.wait(WaitOpts::until(Some(deadline)), || None::<()>) {
        Err(Errno::ETIMEDOUT) => Ok(()),
        other => other,
    }
}

/// Wakes a specific thread if it is sleeping anywhere (signal delivery).
pub fn kick(t: &Arc<Thread>) {
    super::wake(t);
}
