//! poll, ppoll, select, pselect6 over every file's `poll()` readiness.
//!
//! Waiting re-checks readiness every scheduler tick (sleeping in between, so other threads run);
//! registering on each file's wait queue instead is the planned refinement.

use alloc::vec::Vec;

use linux_abi::uapi::poll::*;
use linux_abi::uapi::time::{Timespec, Timeval};
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::arch::cpu::uptime_ns;
use crate::mm::user;
use crate::process::current;

/// When to give up: `None` waits forever.
type Deadline = Option<u64>;

fn deadline_after(ns: u64) -> Deadline {
    Some(uptime_ns().saturating_add(ns))
}

/// How often a waiting poll re-checks readiness: one scheduler tick.
const RECHECK_NS: u64 = 1_000_000_000 / crate::arch::pic::HZ;

/// Re-evaluates `check` until it reports readiness, the deadline passes, or a signal arrives
/// (ERESTARTNOHAND: EINTR for a handler, a transparent restart otherwise, as Linux's poll).
fn wait_until<T>(deadline: Deadline, mut check: impl FnMut() -> SysResult<Option<T>>) -> SysResult<Option<T>> {
    loop {
        if let Some(v) = check()? {
            return Ok(Some(v));
        }
        let now = uptime_ns();
        if deadline.is_some_and(|d| now >= d) {
            return Ok(None);
        }
        let next = deadline.map_or(now + RECHECK_NS, |d| d.min(now + RECHECK_NS));
        if let Err(Errno::ERESTARTSYS) = crate::sched::wait::sleep_until(next) {
            return Err(Errno::ERESTARTNOHAND);
        }
    }
}

/// The events an open fd reports now, or POLLNVAL for a closed one.
fn revents(fd: i32) -> u16 {
    match current().process.files().lock().get(fd) {
        Ok(file) => file.poll(),
        Err(_) => POLLNVAL,
    }
}

fn do_poll(addr: u64, nfds: u64, deadline: Deadline) -> SysResult<usize> {
    let limit = current().process.limits.lock().get(linux_abi::uapi::resource::RLIMIT_NOFILE).map_or(1024, |l| l.cur);
    if nfds > limit {
        return Err(Errno::EINVAL);
    }
    let mut fds: Vec<PollFd> = (0..nfds).map(|i| user::read(addr + i * 8)).collect::<SysResult<_>>()?;
    let scan = |fds: &mut [PollFd]| {
        let mut ready = 0;
        for p in fds.iter_mut() {
            p.revents = 0;
            if p.fd < 0 {
                continue;
            }
            let wanted = p.events as u16 | POLLERR | POLLHUP | POLLNVAL;
            p.revents = (revents(p.fd) & wanted) as i16;
            if p.revents != 0 {
                ready += 1;
            }
        }
        ready
    };
    let ready = wait_until(deadline, || Ok(Some(scan(&mut fds)).filter(|&n| n > 0)))?.unwrap_or(0);
    for (i, p) in fds.iter().enumerate() {
        user::write(addr + 8 * i as u64 + 6, &p.revents)?;
    }
    Ok(ready)
}

fn timespec_deadline(addr: u64) -> SysResult<Deadline> {
    if addr == 0 {
        return Ok(None);
    }
    let ts: Timespec = user::read(addr)?;
    Ok(deadline_after(ts.as_nanos().ok_or(Errno::EINVAL)?))
}

/// ppoll/pselect6's temporary signal mask: installed for the wait; the old mask comes back on
/// return, or — when a signal interrupts the wait — after its handler runs (like sigsuspend),
/// so the signal the caller unblocked for the wait is delivered.
fn with_sigmask<T>(addr: u64, size: u64, wait: impl FnOnce() -> SysResult<T>) -> SysResult<T> {
    use linux_abi::uapi::signal::SigSet;
    if addr == 0 {
        return wait();
    }
    if size != 8 {
        return Err(Errno::EINVAL);
    }
    let mask = SigSet(user::read::<u64>(addr)?).difference(SigSet::UNBLOCKABLE);
    let t = current();
    let old = core::mem::replace(&mut t.sig.lock().mask, mask);
    t.sig_hint.store(true, core::sync::atomic::Ordering::Release);
    let result = wait();
    let mut s = t.sig.lock();
    if matches!(result, Err(Errno::ERESTARTNOHAND)) {
        s.saved_mask = Some(old);
    } else {
        s.mask = old;
    }
    result
}

pub fn sys_poll(f: &mut TrapFrame) -> SysResult<usize> {
    let timeout = f.arg(2) as i32;
    let deadline = if timeout < 0 { None } else { deadline_after(timeout as u64 * 1_000_000) };
    do_poll(f.arg(0), f.arg(1), deadline)
}

pub fn sys_ppoll(f: &mut TrapFrame) -> SysResult<usize> {
    let deadline = timespec_deadline(f.arg(2))?;
    let (fds, n) = (f.arg(0), f.arg(1));
    with_sigmask(f.arg(3), f.arg(4), || do_poll(fds, n, deadline))
}

/// One fd_set argument: its user address (0 = absent) and the bits read from it.
struct FdSet {
    addr: u64,
    bits: Vec<u64>,
}

impl FdSet {
    fn read(addr: u64, nfds: usize) -> SysResult<FdSet> {
        let words = nfds.div_ceil(64);
        let bits = if addr == 0 {
            alloc::vec![0; words]
        } else {
            (0..words).map(|i| user::read::<u64>(addr + 8 * i as u64)).collect::<SysResult<_>>()?
        };
        Ok(FdSet { addr, bits })
    }

    fn has(&self, fd: usize) -> bool {
        self.bits[fd / 64] & (1 << (fd % 64)) != 0
    }
}

fn do_select(nfds: u64, sets: [u64; 3], deadline: Deadline) -> SysResult<usize> {
    if nfds > FD_SETSIZE as u64 * 1024 {
        return Err(Errno::EINVAL);
    }
    let nfds = nfds as usize;
    let ins = [FdSet::read(sets[0], nfds)?, FdSet::read(sets[1], nfds)?, FdSet::read(sets[2], nfds)?];
    let classes = [SELECT_IN, SELECT_OUT, SELECT_EX];
    // A closed fd in any set is EBADF, checked once up front as Linux's max_select_fd does.
    for fd in 0..nfds {
        if ins.iter().any(|s| s.has(fd)) && revents(fd as i32) == POLLNVAL {
            return Err(Errno::EBADF);
        }
    }
    let words = nfds.div_ceil(64);
    let mut outs = [alloc::vec![0u64; words], alloc::vec![0u64; words], alloc::vec![0u64; words]];
    let scan = |outs: &mut [Vec<u64>; 3]| {
        let mut ready = 0;
        for out in outs.iter_mut() {
            out.fill(0);
        }
        for fd in 0..nfds {
            if !ins.iter().any(|s| s.has(fd)) {
                continue;
            }
            let ev = revents(fd as i32);
            for k in 0..3 {
                if ins[k].has(fd) && ev & classes[k] != 0 {
                    outs[k][fd / 64] |= 1 << (fd % 64);
                    ready += 1;
                }
            }
        }
        ready
    };
    let ready = wait_until(deadline, || Ok(Some(scan(&mut outs)).filter(|&n| n > 0)))?.unwrap_or(0);
    for k in 0..3 {
        if ins[k].addr != 0 {
            for (i, w) in outs[k].iter().enumerate() {
                user::write(ins[k].addr + 8 * i as u64, w)?;
            }
        }
    }
    Ok(ready)
}

pub fn sys_select(f: &mut TrapFrame) -> SysResult<usize> {
    let deadline = if f.arg(4) == 0 {
        None
    } else {
        let tv: Timeval = user::read(f.arg(4))?;
        if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
            return Err(Errno::EINVAL);
        }
        deadline_after(tv.tv_sec as u64 * 1_000_000_000 + tv.tv_usec as u64 * 1000)
    };
    do_select(f.arg(0), [f.arg(1), f.arg(2), f.arg(3)], deadline)
}

pub fn sys_pselect6(f: &mut TrapFrame) -> SysResult<usize> {
    // The sixth argument points at { const sigset_t *ss; size_t ss_len; }.
    let ss: [u64; 2] = if f.arg(5) != 0 { user::read(f.arg(5))? } else { [0, 0] };
    let deadline = timespec_deadline(f.arg(4))?;
    let (n, sets) = (f.arg(0), [f.arg(1), f.arg(2), f.arg(3)]);
    with_sigmask(ss[0], ss[1], || do_select(n, sets, deadline))
}
