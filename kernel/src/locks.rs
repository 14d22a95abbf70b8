//! Advisory file locks: flock(2) (whole file, per open file description) and fcntl record locks
//! (byte ranges, owned by a process — F_SETLK — or by an open file description — F_OFD_SETLK).
//! Locks are keyed by inode; an owner that is gone (closed description, exited process) no longer
//! conflicts, so no lock outlives its holder even without an explicit release. F_SETLKW fails
//! with EDEADLK when waiting would close a cycle of processes waiting for each other's locks.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use fs::vfs::{Inode, OpenFile};
use linux_abi::{Errno, SysResult};

use crate::process::{Pid, tasks};
use crate::sched::wait::{WaitOpts, WaitQueue};
use crate::sync::SpinLock;

#[derive(Clone)]
pub enum Owner {
    Process(Pid),
    Description(Weak<OpenFile>),
}

impl Owner {
    fn same(&self, other: &Owner) -> bool {
        match (self, other) {
            (Owner::Process(a), Owner::Process(b)) => a == b,
            (Owner::Description(a), Owner::Description(b)) => Weak::ptr_eq(a, b),
            _ => false,
        }
    }

    fn alive(&self) -> bool {
        match self {
            Owner::Process(p) => tasks::process(*p).is_some_and(|p| p.rel.lock().zombie.is_none()),
            Owner::Description(d) => d.strong_count() > 0,
        }
    }
}

#[derive(Clone)]
pub struct Lock {
    pub owner: Owner,
    pub write: bool,
    /// Inclusive byte range.
    pub start: u64,
    pub end: u64,
    /// flock(2) locks live in their own namespace, separate from record locks.
    pub flock: bool,
}

impl Lock {
    fn conflicts(&self, other: &Lock) -> bool {
        self.flock == other.flock
            && (self.write || other.write)
            && self.start <= other.end
            && other.start <= self.end
            && !self.owner.same(&other.owner)
    }
}

static LOCKS: SpinLock<BTreeMap<usize, Vec<Lock>>> = SpinLock::new(BTreeMap::new());
/// The record lock each process is sleeping for in F_SETLKW (file key, request): the edges
/// deadlock detection follows.
static WAITING: SpinLock<BTreeMap<Pid, (usize, Lock)>> = SpinLock::new(BTreeMap::new());
/// How far deadlock detection follows a chain (Linux's MAX_DEADLK_ITERATIONS).
const MAX_DEADLOCK_STEPS: usize = 10;

/// Linux's posix_locks_deadlock: would `me`, blocked by `blocker`, wait in a cycle? Follow
/// "the owner of the blocking lock waits for a lock held by …" until it comes back to `me`.
fn deadlock(all: &BTreeMap<usize, Vec<Lock>>, me: &Owner, blocker: &Lock) -> bool {
    let waiting = WAITING.lock();
    let mut b = blocker.clone();
    for _ in 0..=MAX_DEADLOCK_STEPS {
        let Owner::Process(p) = b.owner else { return false };
        let Some((k, req)) = waiting.get(&p) else { return false };
        let Some(next) = all.get(k).and_then(|list| list.iter().find(|l| l.conflicts(req))) else {
            return false;
        };
        if next.owner.same(me) {
            return true;
        }
        b = next.clone();
    }
    false
}
/// Woken whenever a lock is released; waiters re-check.
static RELEASED: WaitQueue = WaitQueue::new();

fn key(inode: &Arc<dyn Inode>) -> usize {
    Arc::as_ptr(inode) as *const () as usize
}

/// The first live lock that conflicts with `want`.
pub fn conflicting(inode: &Arc<dyn Inode>, want: &Lock) -> Option<Lock> {
    let mut all = LOCKS.lock();
    let list = all.get_mut(&key(inode))?;
    list.retain(|l| l.owner.alive());
    list.iter().find(|l| l.conflicts(want)).cloned()
}

/// Removes `owner`'s locks of the same kind over `[start, end]`, splitting partial overlaps.
fn carve(list: &mut Vec<Lock>, owner: &Owner, flock: bool, start: u64, end: u64) {
    let mut kept = Vec::with_capacity(list.len());
    for l in list.drain(..) {
        if l.flock != flock || !l.owner.same(owner) || l.end < start || l.start > end {
            kept.push(l);
            continue;
        }
        if l.start < start {
            kept.push(Lock { end: start - 1, ..l.clone() });
        }
        if l.end > end {
            kept.push(Lock { start: end + 1, ..l.clone() });
        }
    }
    *list = kept;
}

/// Sets (or with `unlock` removes) a lock; waits for conflicts to clear if `wait`.
pub fn set(inode: &Arc<dyn Inode>, want: Lock, unlock: bool, wait: bool) -> SysResult<()> {
    let try_set = || -> Option<SysResult<()>> {
        let mut all = LOCKS.lock();
        let list = all.entry(key(inode)).or_default();
        list.retain(|l| l.owner.alive());
        if !unlock && let Some(blocker) = list.iter().find(|l| l.conflicts(&want)).cloned() {
            if !wait {
                return Some(Err(Errno::EAGAIN));
            }
            if !want.flock && matches!(want.owner, Owner::Process(_)) && deadlock(&all, &want.owner, &blocker) {
                return Some(Err(Errno::EDEADLK));
            }
            return None;
        }
        carve(list, &want.owner, want.flock, want.start, want.end);
        if !unlock {
            list.push(want.clone());
        }
        if list.is_empty() {
            all.remove(&key(inode));
        }
        Some(Ok(()))
    };
    let result = match try_set() {
        Some(r) => r,
        None => {
            let waiter = match want.owner {
                Owner::Process(p) if !want.flock => Some(p),
                _ => None,
            };
            if let Some(p) = waiter {
                WAITING.lock().insert(p, (key(inode), want.clone()));
            }
            // Closed descriptions and exited owners release without a wake-up, so re-check each
            // tick as well.
            let tick = 1_000_000_000 / crate::arch::pic::HZ;
            let r = loop {
                let deadline = crate::arch::cpu::uptime_ns() + tick;
                match RELEASED.wait(WaitOpts::until(Some(deadline)), &try_set) {
                    Ok(r) => break r,
                    Err(Errno::ETIMEDOUT) => continue,
                    Err(e) => break Err(e),
                }
            };
            if let Some(p) = waiter {
                WAITING.lock().remove(&p);
            }
            r
        }
    };
    if unlock {
        RELEASED.wake_all();
    }
    result
}

/// close(2) of any descriptor releases the process's record locks on that file (POSIX).
pub fn release_process_locks(inode: &Arc<dyn Inode>, pid: Pid) {
    let mut all = LOCKS.lock();
    if let Some(list) = all.get_mut(&key(inode)) {
        list.retain(|l| l.flock || !matches!(l.owner, Owner::Process(p) if p == pid));
    }
    drop(all);
    RELEASED.wake_all();
}
