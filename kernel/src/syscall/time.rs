//! Time: clock_gettime/getres/settime, gettimeofday, time, nanosleep, clock_nanosleep, alarm,
//! setitimer/getitimer, timer_create family, times.

use linux_abi::uapi::time::{Itimerspec, Itimerval, TIMER_ABSTIME, Timespec, Timeval};
use linux_abi::uapi::timer::{self, Sigevent};
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::arch::cpu::uptime_ns;
use crate::mm::user;
use crate::process::itimer::{self, Notify, PosixTimer, Timer};
use crate::process::current;
use crate::sched::wait::sleep_until;
use crate::time::{Clock, deadline_from_clock};

const NSEC: u64 = 1_000_000_000;

fn ts_of(ns: u64) -> Timespec {
    Timespec { tv_sec: (ns / NSEC) as i64, tv_nsec: (ns % NSEC) as i64 }
}

fn read_ts(addr: u64) -> SysResult<u64> {
    user::read::<Timespec>(addr)?.as_nanos().ok_or(Errno::EINVAL)
}

/// The CPU-time clock of a given process or thread (clock_getcpuclockid,
/// pthread_getcpuclockid): a negative id, `~pid << 3 | type`, bit 2 set for a thread (which must
/// be in the caller's thread group), pid 0 for the caller. Its value in ns.
fn cpu_clock_ns(id: i32) -> SysResult<u64> {
    const CPUCLOCK_VIRT: i32 = 1;
    const CPUCLOCK_MAX: i32 = 3;
    const CPUCLOCK_PERTHREAD: i32 = 4;
    let (pid, kind) = (!(id >> 3) as u32, id & 3);
    if kind >= CPUCLOCK_MAX {
        return Err(Errno::EINVAL);
    }
    let me = current();
    let threads = if id & CPUCLOCK_PERTHREAD != 0 {
        let t = if pid == 0 { crate::process::current_arc() } else { crate::process::tasks::thread(pid).ok_or(Errno::EINVAL)? };
        if !alloc::sync::Arc::ptr_eq(&t.process, &me.process) {
            return Err(Errno::EINVAL);
        }
        alloc::vec![t]
    } else {
        let pid = if pid == 0 { me.process.pid } else { pid };
        crate::process::tasks::process(pid).ok_or(Errno::EINVAL)?.threads()
    };
    let ordering = core::sync::atomic::Ordering::Relaxed;
    Ok(threads
        .iter()
        .map(|t| t.utime.load(ordering) + if kind == CPUCLOCK_VIRT { 0 } else { t.stime.load(ordering) })
        .sum())
}

pub fn sys_clock_gettime(f: &mut TrapFrame) -> SysResult<usize> {
    let id = f.arg(0) as i32;
    let now = if id < 0 { cpu_clock_ns(id)? } else { Clock::from_id(id)?.now() };
    user::write(f.arg(1), &ts_of(now))?;
    Ok(0)
}

pub fn sys_clock_getres(f: &mut TrapFrame) -> SysResult<usize> {
    let id = f.arg(0) as i32;
    if id < 0 {
        cpu_clock_ns(id)?;
    } else {
        Clock::from_id(id)?;
    }
    if f.arg(1) != 0 {
        // hrtimer resolution (1 ns), or the tick for the _COARSE clocks, as Linux reports.
        let coarse = matches!(id, crate::time::CLOCK_REALTIME_COARSE | crate::time::CLOCK_MONOTONIC_COARSE);
        let res = if coarse { NSEC / crate::arch::pic::HZ } else { 1 };
        user::write(f.arg(1), &ts_of(res))?;
    }
    Ok(0)
}

pub fn sys_clock_settime(f: &mut TrapFrame) -> SysResult<usize> {
    if Clock::from_id(f.arg(0) as i32)? != Clock::Realtime {
        return Err(Errno::EINVAL);
    }
    let ns = read_ts(f.arg(1))?;
    if current().process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    crate::time::set_realtime_ns(ns as i64);
    Ok(0)
}

pub fn sys_gettimeofday(f: &mut TrapFrame) -> SysResult<usize> {
    if f.arg(0) != 0 {
        let ns = crate::time::realtime_ns() as u64;
        user::write(f.arg(0), &Timeval { tv_sec: (ns / NSEC) as i64, tv_usec: ((ns % NSEC) / 1000) as i64 })?;
    }
    if f.arg(1) != 0 {
        // struct timezone: minuteswest, dsttime — always UTC.
        user::write(f.arg(1), &[0i32; 2])?;
    }
    Ok(0)
}

pub fn sys_time(f: &mut TrapFrame) -> SysResult<usize> {
    let secs = crate::time::realtime_ns() / NSEC as i64;
    if f.arg(0) != 0 {
        user::write(f.arg(0), &secs)?;
    }
    Ok(secs as usize)
}

/// Sleeps until `deadline` (uptime); on a signal, writes the time left to `rem` if given.
fn sleep_interruptible(deadline: u64, rem: u64) -> SysResult<usize> {
    match sleep_until(deadline) {
        Ok(()) => Ok(0),
        Err(Errno::ERESTARTSYS) => {
            if rem != 0 {
                user::write(rem, &ts_of(deadline.saturating_sub(uptime_ns())))?;
            }
            // Linux restarts via restart_syscall with the remaining time; EINTR is what a
            // handler-interrupted sleep reports.
            Err(Errno::EINTR)
        }
        Err(e) => Err(e),
    }
}

pub fn sys_nanosleep(f: &mut TrapFrame) -> SysResult<usize> {
    let ns = read_ts(f.arg(0))?;
    sleep_interruptible(uptime_ns().saturating_add(ns), f.arg(1))
}

pub fn sys_clock_nanosleep(f: &mut TrapFrame) -> SysResult<usize> {
    let (id, flags, req, rem) = (f.arg(0) as i32, f.arg(1), f.arg(2), f.arg(3));
    let clock = Clock::from_id(id)?;
    if matches!(clock, Clock::ThreadCpu) {
        return Err(Errno::EINVAL);
    }
    if clock == Clock::ProcessCpu {
        // Sleeping on CPU time is honoured by Linux but not implemented here.
        return Err(Errno::EINVAL);
    }
    let ns = read_ts(req)?;
    if flags & TIMER_ABSTIME as u64 != 0 {
        match sleep_until(deadline_from_clock(clock, ns)) {
            Err(Errno::ERESTARTSYS) => Err(Errno::EINTR),
            other => other.map(|_| 0),
        }
    } else {
        sleep_interruptible(uptime_ns().saturating_add(ns), rem)
    }
}

fn tv_ns(tv: &Timeval) -> SysResult<u64> {
    if tv.tv_sec < 0 || !(0..1_000_000).contains(&tv.tv_usec) {
        return Err(Errno::EINVAL);
    }
    Ok(tv.tv_sec as u64 * NSEC + tv.tv_usec as u64 * 1000)
}

fn tv_of(ns: u64) -> Timeval {
    // Linux rounds a non-zero remainder up to a whole microsecond so a running timer never
    // reads as zero.
    let us = ns.div_ceil(1000);
    Timeval { tv_sec: (us / 1_000_000) as i64, tv_usec: (us % 1_000_000) as i64 }
}

const ITIMER_REAL: u64 = timer::ITIMER_REAL as u64;
const ITIMER_VIRTUAL: u64 = timer::ITIMER_VIRTUAL as u64;
const ITIMER_PROF: u64 = timer::ITIMER_PROF as u64;

/// The current value of timer `which` as (remaining, interval).
fn get_itimer(which: u64) -> SysResult<(u64, u64)> {
    let p = &current().process;
    let t = p.itimers.lock();
    let timer = match which {
        ITIMER_REAL => return Ok((t.real.value.map_or(0, |d| d.saturating_sub(uptime_ns())), t.real.interval)),
        ITIMER_VIRTUAL => t.virt,
        ITIMER_PROF => t.prof,
        _ => return Err(Errno::EINVAL),
    };
    Ok((timer.value.unwrap_or(0), timer.interval))
}

fn set_itimer(which: u64, value: u64, interval: u64) -> SysResult<(u64, u64)> {
    let old = get_itimer(which)?;
    let p = &current().process;
    let mut t = p.itimers.lock();
    let armed = (value > 0).then_some(value);
    match which {
        ITIMER_REAL => {
            let deadline = armed.map(|v| uptime_ns().saturating_add(v));
            t.real = Timer { value: deadline, interval };
            drop(t);
            match deadline {
                Some(d) => itimer::arm(p.pid, -1, d),
                None => itimer::disarm(p.pid, -1),
            }
        }
        ITIMER_VIRTUAL => t.virt = Timer { value: armed, interval },
        _ => t.prof = Timer { value: armed, interval },
    }
    Ok(old)
}

pub fn sys_getitimer(f: &mut TrapFrame) -> SysResult<usize> {
    let (value, interval) = get_itimer(f.arg(0))?;
    user::write(f.arg(1), &Itimerval { it_interval: tv_of(interval), it_value: tv_of(value) })?;
    Ok(0)
}

pub fn sys_setitimer(f: &mut TrapFrame) -> SysResult<usize> {
    let (which, new, old) = (f.arg(0), f.arg(1), f.arg(2));
    let (value, interval) = if new != 0 {
        let v: Itimerval = user::read(new)?;
        (tv_ns(&v.it_value)?, tv_ns(&v.it_interval)?)
    } else {
        (0, 0)
    };
    let (ov, oi) = set_itimer(which, value, interval)?;
    if old != 0 {
        user::write(old, &Itimerval { it_interval: tv_of(oi), it_value: tv_of(ov) })?;
    }
    Ok(0)
}

pub fn sys_alarm(f: &mut TrapFrame) -> SysResult<usize> {
    let (left, _) = set_itimer(ITIMER_REAL, f.arg(0) as u32 as u64 * NSEC, 0)?;
    // Seconds left, rounded to nearest (and at least 1 if any time was left), as Linux.
    Ok(if left == 0 { 0 } else { ((left + NSEC / 2) / NSEC).max(1) as usize })
}

pub fn sys_timer_create(f: &mut TrapFrame) -> SysResult<usize> {
    let (id, sevp, out) = (f.arg(0) as i32, f.arg(1), f.arg(2));
    let clock = Clock::from_id(id)?;
    if !matches!(clock, Clock::Realtime | Clock::Monotonic) {
        return Err(Errno::EINVAL);
    }
    let t = current();
    let notify = if sevp == 0 {
        Notify::Signal { sig: linux_abi::uapi::signal::SIGALRM, value: 0 }
    } else {
        match user::read::<Sigevent>(sevp)?.notification()? {
            timer::Notify::None => Notify::None,
            timer::Notify::Signal { signo, value } => Notify::Signal { sig: signo, value },
            timer::Notify::Thread { signo, tid, value } => {
                // The target thread must belong to the caller's process.
                if crate::process::tasks::thread(tid as u32).is_none_or(|x| x.process.pid != t.process.pid) {
                    return Err(Errno::EINVAL);
                }
                Notify::Thread { sig: signo, value, tid: tid as u32 }
            }
        }
    };
    let mut timers = t.process.itimers.lock();
    let tid = timers.next_id;
    timers.next_id += 1;
    timers.posix.insert(tid, PosixTimer { clock: id, notify, timer: Timer::default(), overrun: 0 });
    drop(timers);
    if let Err(e) = user::write(out, &tid) {
        t.process.itimers.lock().posix.remove(&tid);
        return Err(e);
    }
    Ok(0)
}

fn posix_remaining(pt: &PosixTimer) -> u64 {
    pt.timer.value.map_or(0, |d| d.saturating_sub(uptime_ns()))
}

pub fn sys_timer_settime(f: &mut TrapFrame) -> SysResult<usize> {
    let (id, flags, new, old) = (f.arg(0) as i32, f.arg(1), f.arg(2), f.arg(3));
    let spec: Itimerspec = user::read(new)?;
    let value = spec.it_value.as_nanos().ok_or(Errno::EINVAL)?;
    let interval = spec.it_interval.as_nanos().ok_or(Errno::EINVAL)?;
    let p = &current().process;
    let mut timers = p.itimers.lock();
    let pt = timers.posix.get_mut(&id).ok_or(Errno::EINVAL)?;
    let prev = Itimerspec { it_interval: ts_of(pt.timer.interval), it_value: ts_of(posix_remaining(pt)) };
    let clock = Clock::from_id(pt.clock)?;
    let deadline = (value > 0).then(|| {
        if flags & TIMER_ABSTIME as u64 != 0 { deadline_from_clock(clock, value) } else { uptime_ns().saturating_add(value) }
    });
    pt.timer = Timer { value: deadline, interval };
    pt.overrun = 0;
    drop(timers);
    match deadline {
        Some(d) => itimer::arm(p.pid, id, d),
        None => itimer::disarm(p.pid, id),
    }
    if old != 0 {
        user::write(old, &prev)?;
    }
    Ok(0)
}

pub fn sys_timer_gettime(f: &mut TrapFrame) -> SysResult<usize> {
    let p = &current().process;
    let spec = {
        let timers = p.itimers.lock();
        let pt = timers.posix.get(&(f.arg(0) as i32)).ok_or(Errno::EINVAL)?;
        Itimerspec { it_interval: ts_of(pt.timer.interval), it_value: ts_of(posix_remaining(pt)) }
    };
    user::write(f.arg(1), &spec)?;
    Ok(0)
}

pub fn sys_timer_getoverrun(f: &mut TrapFrame) -> SysResult<usize> {
    let timers = current().process.itimers.lock();
    timers.posix.get(&(f.arg(0) as i32)).map(|pt| pt.overrun as usize).ok_or(Errno::EINVAL)
}

pub fn sys_timer_delete(f: &mut TrapFrame) -> SysResult<usize> {
    let p = &current().process;
    let id = f.arg(0) as i32;
    p.itimers.lock().posix.remove(&id).ok_or(Errno::EINVAL)?;
    itimer::disarm(p.pid, id);
    Ok(0)
}

/// clock_t ticks (USER_HZ = 100) from ns.
fn clock_t(ns: u64) -> u64 {
    ns / (NSEC / 100)
}

pub fn sys_times(f: &mut TrapFrame) -> SysResult<usize> {
    let p = &current().process;
    let (mut u, mut s) = (0, 0);
    for t in p.threads() {
        u += t.utime.load(core::sync::atomic::Ordering::Relaxed);
        s += t.stime.load(core::sync::atomic::Ordering::Relaxed);
    }
    let (cu, cs) = *p.children_times.lock();
    if f.arg(0) != 0 {
        user::write(f.arg(0), &[clock_t(u), clock_t(s), clock_t(cu), clock_t(cs)])?;
    }
    // Linux returns jiffies since boot (offset by INITIAL_JIFFIES, which wraps in 5 minutes).
    Ok(clock_t(uptime_ns()) as usize)
}
