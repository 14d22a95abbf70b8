//! Parking by address: hashed wait queues for the filesystem crate's sleeping locks, which cannot
//! hold a kernel wait queue themselves (as Linux's wait_on_bit hashes a word to a queue).

use super::wait::{WaitOpts, WaitQueue};

const BUCKETS: usize = 64;
static QUEUES: [WaitQueue; BUCKETS] = [const { WaitQueue::new() }; BUCKETS];

fn bucket(key: usize) -> &'static WaitQueue {
    // Locks are at least word-aligned; mix in higher bits so neighbours spread out.
    &QUEUES[((key >> 3) ^ (key >> 9)) % BUCKETS]
}

/// Sleeps until `unpark_all(key)` while `blocked()`. Where sleeping is impossible (no thread yet,
/// or a spin lock held) it returns at once and the lock's caller retries: on one CPU that only
/// happens at boot, before anything could hold the lock across a sleep.
fn park(key: usize, blocked: &dyn Fn() -> bool) {
    if crate::process::current_thread().is_none() || crate::sync::spin_locks_held() > 0 {
        core::hint::spin_loop();
        return;
    }
    let opts = WaitOpts { interruptible: false, deadline: None };
    let _ = bucket(key).wait(opts, || (!blocked()).then_some(()));
}

/// Wakes every thread parked on `key` (and any others sharing its bucket, which re-check and
/// sleep again).
fn unpark_all(key: usize) {
    bucket(key).wake_all();
}

pub fn install_fs_parking() {
    fs::sync::set_parking(fs::sync::Parking { park, unpark_all });
}
