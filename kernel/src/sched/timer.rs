//! The periodic tick and timed sleeps. Deadlines are absolute `uptime_ns` values; each tick wakes
//! the threads whose deadline has passed and asks for a reschedule (a 4 ms time slice at HZ=250).

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::cpu::uptime_ns;
use crate::process::Thread;
use crate::sync::SpinLock;

static NEXT_KEY: AtomicU64 = AtomicU64::new(0);
/// (deadline, unique key) → sleeper.
static SLEEPERS: SpinLock<BTreeMap<(u64, u64), Weak<Thread>>> = SpinLock::new(BTreeMap::new());

/// A registered wake-up; dropping it cancels the timer.
pub struct TimerHandle {
    key: (u64, u64),
}

impl Drop for TimerHandle {
    fn drop(&mut self) {
        SLEEPERS.lock().remove(&self.key);
    }
}

/// Wakes `t` at `deadline` (uptime ns) unless the handle is dropped first.
pub fn wake_at(deadline: u64, t: &Arc<Thread>) -> TimerHandle {
    let key = (deadline, NEXT_KEY.fetch_add(1, Ordering::Relaxed));
    SLEEPERS.lock().insert(key, Arc::downgrade(t));
    TimerHandle { key }
}

/// Timer interrupt: expire sleepers, account time, request preemption.
pub fn tick() {
    let now = uptime_ns();
    loop {
        let expired = {
            let mut s = SLEEPERS.lock();
            match s.first_key_value() {
                Some((&(deadline, _), _)) if deadline <= now => s.pop_first().map(|(_, t)| t),
                _ => None,
            }
        };
        let Some(t) = expired else { break };
        if let Some(t) = t.upgrade() {
            super::wake(&t);
        }
    }
    crate::process::itimer::tick(now);
    super::set_need_resched();
}
