//! The periodic tick and timed sleeps. Deadlines are absolute `uptime_ns` values; each tick wakes
//! the threads whose deadline has passed and asks for a reschedule (a 4 ms time slice at HZ=250).

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::sync::atomic::{AtomicU64, Ordering};

use crate::arch::cpu::uptime_ns;
use crate::process::Thread;
use crate::sync::SpinLock;

static NEXT_KEY: AtomicU64 = AtomicU64::new(0);
pub static IDLE_TICKS: AtomicU64 = AtomicU64::new(0);
/// Load averages in Linux's fixed point (FSHIFT 11), updated every 5 s (calc_global_load).
pub static AVENRUN: SpinLock<[u64; 3]> = SpinLock::new([0; 3]);
static NEXT_LOAD: AtomicU64 = AtomicU64::new(0);
const FIXED_1: u64 = 1 << 11;
const EXP: [u64; 3] = [1884, 2014, 2037];

fn calc_load(now: u64) {
    let next = NEXT_LOAD.load(Ordering::Relaxed);
    if now < next {
        return;
    }
    NEXT_LOAD.store(now + 5_000_000_000, Ordering::Relaxed);
    let active = (super::runnable_count() as u64 - if super::IDLE.load(Ordering::Relaxed) { 1 } else { 0 }) * FIXED_1;
    let mut avg = AVENRUN.lock();
    for (a, e) in avg.iter_mut().zip(EXP) {
        let newload = *a * e + active * (FIXED_1 - e);
        *a = (newload + FIXED_1 / 2) / FIXED_1;
    }
}
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
    calc_load(now);
    super::set_need_resched();
}
