//! futex(2): WAIT/WAKE (+BITSET), REQUEUE/CMP_REQUEUE, WAKE_OP; private and shared; relative and
//! absolute timeouts. Waiters are keyed by (address space, address) — or by physical address in a
//! MAP_SHARED mapping, so processes sharing memory meet on the same key.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use linux_abi::uapi::futex::*;
use linux_abi::uapi::time::Timespec;
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::arch::cpu::uptime_ns;
use crate::mm::{PAGE_SIZE, page_align_down, user};
use crate::process::current;
use crate::sched::wait::{WaitOpts, WaitQueue};
use crate::sync::SpinLock;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Key {
    Private(usize, u64),
    Shared(u64),
}

struct Waiter {
    bitset: u32,
    woken: AtomicBool,
    wq: WaitQueue,
}

static FUTEXES: SpinLock<BTreeMap<Key, Vec<Arc<Waiter>>>> = SpinLock::new(BTreeMap::new());

fn key_for(uaddr: u64, private: bool) -> SysResult<Key> {
    if !uaddr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    crate::arch::usercopy::check_user_range(uaddr, 4)?;
    let mm = current().process.mm();
    if !private {
        let mut space = mm.lock();
        if space.find(uaddr).is_some_and(|v| v.shared) {
            let page = page_align_down(uaddr);
            if space.translate(page).is_none() {
                space.handle_fault(uaddr, false, false).map_err(|_| Errno::EFAULT)?;
            }
            let pa = space.translate(page).ok_or(Errno::EFAULT)?;
            return Ok(Key::Shared(pa + uaddr % PAGE_SIZE));
        }
    }
    Ok(Key::Private(Arc::as_ptr(&mm) as usize, uaddr))
}

fn wake_key(key: Key, n: u32, bitset: u32) -> u32 {
    let mut table = FUTEXES.lock();
    let Some(list) = table.get_mut(&key) else { return 0 };
    let mut woken = 0;
    list.retain(|w| {
        if woken < n && w.bitset & bitset != 0 {
            w.woken.store(true, Ordering::Release);
            w.wq.wake_all();
            woken += 1;
            false
        } else {
            true
        }
    });
    if list.is_empty() {
        table.remove(&key);
    }
    woken
}

/// Linux's exit_robust_list: every lock on the exiting thread's robust list (the
/// `set_robust_list` head at `head`), and the one it was about to take or release, that it still
/// owns gets FUTEX_OWNER_DIED, and one waiter is woken, so the next locker sees EOWNERDEAD.
pub fn exit_robust_list(head: u64, tid: u32) {
    const LIST_LIMIT: usize = 2048;
    if head == 0 {
        return;
    }
    let (Ok(mut entry), Ok(offset), Ok(pending)) =
        (user::read::<u64>(head), user::read::<i64>(head + 8), user::read::<u64>(head + 16))
    else {
        return;
    };
    let mut seen = 0;
    while entry != head && seen < LIST_LIMIT {
        // The low bit of an entry marks a PI futex; the word is `offset` bytes from the entry.
        let Ok(next) = user::read::<u64>(entry & !1) else { return };
        if entry != pending {
            futex_death((entry & !1).wrapping_add(offset as u64), tid);
        }
        entry = next;
        seen += 1;
    }
    if pending != 0 {
        futex_death((pending & !1).wrapping_add(offset as u64), tid);
    }
}

fn futex_death(uaddr: u64, tid: u32) {
    const TID_MASK: u32 = 0x3fff_ffff;
    const WAITERS: u32 = 0x8000_0000;
    const OWNER_DIED: u32 = 0x4000_0000;
    if !uaddr.is_multiple_of(4) {
        return;
    }
    let Ok(val) = user::read::<u32>(uaddr) else { return };
    if val & TID_MASK != tid {
        return;
    }
    // Linux uses a cmpxchg here. While the kernel runs on one CPU without kernel preemption,
    // no user thread runs between this read and write, so the plain pair is as atomic.
    if user::write(uaddr, &((val & WAITERS) | OWNER_DIED)).is_ok() && val & WAITERS != 0 {
        wake_address(uaddr, 1);
    }
}

/// Wakes up to `n` waiters on `uaddr` of the current address space (clear-child-tid on exit).
pub fn wake_address(uaddr: u64, n: u32) {
    if let Ok(key) = key_for(uaddr, false) {
        wake_key(key, n, FUTEX_BITSET_MATCH_ANY);
    }
}

fn wait(uaddr: u64, private: bool, val: u32, deadline: Option<u64>, bitset: u32) -> SysResult<usize> {
    if bitset == 0 {
        return Err(Errno::EINVAL);
    }
    let key = key_for(uaddr, private)?;
    let me = Arc::new(Waiter { bitset, woken: AtomicBool::new(false), wq: WaitQueue::new() });
    {
        // Reading the value and queueing happen under the table lock, so a waker that changes
        // the value and then wakes cannot slip in between.
        let mut table = FUTEXES.lock();
        let current: u32 = user::read(uaddr)?;
        if current != val {
            return Err(Errno::EAGAIN);
        }
        table.entry(key).or_default().push(me.clone());
    }
    let result = me.wq.wait(WaitOpts::until(deadline), || me.woken.load(Ordering::Acquire).then_some(()));
    if result.is_err() {
        let mut table = FUTEXES.lock();
        if let Some(list) = table.get_mut(&key) {
            list.retain(|w| !Arc::ptr_eq(w, &me));
            if list.is_empty() {
                table.remove(&key);
            }
        }
    }
    match result {
        Ok(()) => Ok(0),
        // A wake that raced with the timeout or signal still counts.
        Err(_) if me.woken.load(Ordering::Acquire) => Ok(0),
        Err(Errno::ERESTARTSYS) if deadline.is_some() => Err(Errno::EINTR),
        Err(e) => Err(e),
    }
}

fn requeue(uaddr: u64, uaddr2: u64, private: bool, n: u32, n2: u32, expect: Option<u32>) -> SysResult<usize> {
    let (k1, k2) = (key_for(uaddr, private)?, key_for(uaddr2, private)?);
    let mut table = FUTEXES.lock();
    if let Some(v) = expect {
        let cur: u32 = user::read(uaddr)?;
        if cur != v {
            return Err(Errno::EAGAIN);
        }
    }
    let mut list = table.remove(&k1).unwrap_or_default();
    let wake = (n as usize).min(list.len());
    for w in list.drain(..wake) {
        w.woken.store(true, Ordering::Release);
        w.wq.wake_all();
    }
    let moved = (n2 as usize).min(list.len());
    let rest = list.split_off(moved);
    if !list.is_empty() {
        table.entry(k2).or_default().extend(list);
    }
    if !rest.is_empty() {
        table.insert(k1, rest);
    }
    Ok(wake + if expect.is_some() { moved } else { 0 })
}

fn wake_op(uaddr: u64, uaddr2: u64, private: bool, n: u32, n2: u32, val3: u32) -> SysResult<usize> {
    let op = WakeOp::decode(val3);
    let (k1, k2) = (key_for(uaddr, private)?, key_for(uaddr2, private)?);
    // The read-modify-write is atomic with respect to other futex users: it happens under the
    // table lock with interrupts off (single CPU).
    let old = {
        let _table = FUTEXES.lock();
        let old: u32 = user::read(uaddr2)?;
        user::write(uaddr2, &op.apply(old)?)?;
        old
    };
    let mut woken = wake_key(k1, n, FUTEX_BITSET_MATCH_ANY);
    if op.compare(old)? {
        woken += wake_key(k2, n2, FUTEX_BITSET_MATCH_ANY);
    }
    Ok(woken as usize)
}

fn timeout(addr: u64, absolute: bool, realtime: bool) -> SysResult<Option<u64>> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: Timespec = user::read(addr)?;
    let ns = ts.as_nanos().ok_or(Errno::EINVAL)?;
    Ok(Some(if absolute {
        crate::time::deadline_from_clock(if realtime { crate::time::Clock::Realtime } else { crate::time::Clock::Monotonic }, ns)
    } else {
        uptime_ns().saturating_add(ns)
    }))
}

pub fn sys_futex(f: &mut TrapFrame) -> SysResult<usize> {
    let (uaddr, op, val, utime, uaddr2, val3) = (f.arg(0), f.arg(1) as u32, f.arg(2) as u32, f.arg(3), f.arg(4), f.arg(5) as u32);
    let private = op & FUTEX_PRIVATE_FLAG != 0;
    let realtime = op & FUTEX_CLOCK_REALTIME != 0;
    let cmd = op & FUTEX_CMD_MASK;
    // FUTEX_CLOCK_REALTIME only goes with the absolute-timeout waits (not plain FUTEX_WAIT).
    if realtime && cmd != FUTEX_WAIT_BITSET {
        return Err(Errno::ENOSYS);
    }
    // For REQUEUE/CMP_REQUEUE/WAKE_OP the timeout slot carries val2.
    let val2 = utime as u32;
    match cmd {
        FUTEX_WAIT => wait(uaddr, private, val, timeout(utime, false, false)?, FUTEX_BITSET_MATCH_ANY),
        FUTEX_WAIT_BITSET => wait(uaddr, private, val, timeout(utime, true, realtime)?, val3),
        FUTEX_WAKE => Ok(wake_key(key_for(uaddr, private)?, val, FUTEX_BITSET_MATCH_ANY) as usize),
        FUTEX_WAKE_BITSET => {
            if val3 == 0 {
                return Err(Errno::EINVAL);
            }
            Ok(wake_key(key_for(uaddr, private)?, val, val3) as usize)
        }
        FUTEX_REQUEUE => requeue(uaddr, uaddr2, private, val, val2, None),
        FUTEX_CMP_REQUEUE => requeue(uaddr, uaddr2, private, val, val2, Some(val3)),
        FUTEX_WAKE_OP => wake_op(uaddr, uaddr2, private, val, val2, val3),
        // PI futexes and the rest are not implemented.
        _ => Err(Errno::ENOSYS),
    }
}
