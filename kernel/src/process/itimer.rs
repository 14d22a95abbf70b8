//! Interval timers (setitimer/alarm) and POSIX timers (timer_create): per-process state plus one
//! global ordered list of armed real-time deadlines that the tick expires. ITIMER_VIRTUAL and
//! ITIMER_PROF count CPU time sampled at the tick.

use alloc::collections::BTreeMap;

use linux_abi::uapi::resource::{RLIM_INFINITY, RLIMIT_CPU};
use linux_abi::uapi::siginfo::SI_TIMER;
use linux_abi::uapi::signal::{SIGALRM, SIGKILL, SIGPROF, SIGVTALRM, SIGXCPU};

use super::signal::{SigInfo, kernel_info, send_to_process, send_to_thread};
use super::{Pid, tasks};
use crate::sync::SpinLock;

/// One timer's state: remaining time until expiry (or absolute deadline for armed real timers)
/// and the reload interval, in ns. `None` = disarmed.
#[derive(Clone, Copy, Default, Debug)]
pub struct Timer {
    pub value: Option<u64>,
    pub interval: u64,
}

/// Where a POSIX timer's expiry goes (struct sigevent, decoded).
#[derive(Clone, Copy, Debug)]
pub enum Notify {
    None,
    Signal { sig: u32, value: u64 },
    Thread { sig: u32, value: u64, tid: Pid },
}

#[derive(Clone, Copy, Debug)]
pub struct PosixTimer {
    pub clock: i32,
    pub notify: Notify,
    pub timer: Timer,
    pub overrun: u32,
}

#[derive(Default)]
pub struct ITimers {
    /// ITIMER_REAL: `value` is an absolute uptime deadline.
    pub real: Timer,
    /// ITIMER_VIRTUAL / ITIMER_PROF: `value` is remaining CPU ns.
    pub virt: Timer,
    pub prof: Timer,
    pub posix: BTreeMap<i32, PosixTimer>,
    pub next_id: i32,
    /// CPU time (ns) charged to the process so far, checked against RLIMIT_CPU.
    pub cpu_ns: u64,
}

impl ITimers {
    pub fn cancel_all(&mut self) {
        self.real = Timer::default();
        self.virt = Timer::default();
        self.prof = Timer::default();
        self.posix.clear();
    }
}

/// What an armed deadline belongs to: ITIMER_REAL (timer id -1) or a POSIX timer id.
type Key = (u64, Pid, i32);
static ARMED: SpinLock<BTreeMap<Key, ()>> = SpinLock::new(BTreeMap::new());

/// Arms (or re-arms) the real-time deadline of `pid`'s timer `id` (-1 = ITIMER_REAL).
pub fn arm(pid: Pid, id: i32, deadline: u64) {
    let mut armed = ARMED.lock();
    armed.retain(|&(_, p, i), _| !(p == pid && i == id));
    armed.insert((deadline, pid, id), ());
}

pub fn disarm(pid: Pid, id: i32) {
    ARMED.lock().retain(|&(_, p, i), _| !(p == pid && i == id));
}

/// Called from the tick: fires expired real-time timers and charges CPU timers of the
/// interrupted process.
pub fn tick(now: u64) {
    loop {
        let expired = {
            let mut armed = ARMED.lock();
            match armed.first_key_value() {
                Some((&k, _)) if k.0 <= now => {
                    armed.remove(&k);
                    Some(k)
                }
                _ => None,
            }
        };
        let Some((deadline, pid, id)) = expired else { break };
        fire(pid, id, deadline, now);
    }
}

fn fire(pid: Pid, id: i32, deadline: u64, now: u64) {
    let Some(p) = tasks::process(pid) else { return };
    let mut timers = p.itimers.lock();
    if id < 0 {
        let t = &mut timers.real;
        if t.value != Some(deadline) {
            return;
        }
        t.value = (t.interval > 0).then(|| next_deadline(deadline, t.interval, now));
        let reload = t.value;
        drop(timers);
        if let Some(d) = reload {
            arm(pid, -1, d);
        }
        send_to_process(&p, SIGALRM, kernel_info(SIGALRM));
        return;
    }
    let Some(pt) = timers.posix.get_mut(&id) else { return };
    if pt.timer.value != Some(deadline) {
        return;
    }
    let interval = pt.timer.interval;
    let missed = now.saturating_sub(deadline).checked_div(interval).unwrap_or(0);
    pt.overrun = missed.min(i32::MAX as u64) as u32;
    pt.timer.value = (interval > 0).then(|| deadline + (missed + 1) * interval);
    let (notify, reload) = (pt.notify, pt.timer.value);
    drop(timers);
    if let Some(d) = reload {
        arm(pid, id, d);
    }
    let overrun = timers_overrun(&p, id);
    let info = |sig: u32, value: u64| SigInfo::timer(sig, id, overrun, value);
    match notify {
        Notify::None => {}
        Notify::Signal { sig, value } => {
            if !merge_overrun(&mut p.shared_pending.lock(), sig, id, 1 + missed) {
                send_to_process(&p, sig, info(sig, value));
            }
        }
        Notify::Thread { sig, value, tid } => {
            if let Some(t) = tasks::thread(tid)
                && !merge_overrun(&mut t.sig.lock().pending, sig, id, 1 + missed)
            {
                send_to_thread(&t, sig, info(sig, value));
            }
        }
    }
}

/// A timer whose signal is still queued does not queue another: the queued one counts the new
/// expiries as overruns (Linux's send_sigqueue on the timer's preallocated sigqueue).
fn merge_overrun(q: &mut super::signal::SigPending, sig: u32, id: i32, expiries: u64) -> bool {
    let Some(info) =
        q.queue.iter_mut().find(|i| i.signo() == sig && i.code() == SI_TIMER && i.timer_id() == id)
    else {
        return false;
    };
    info.set_overrun((info.overrun() as u64 + expiries).min(i32::MAX as u64) as i32);
    true
}

fn timers_overrun(p: &super::Process, id: i32) -> i32 {
    p.itimers.lock().posix.get(&id).map_or(0, |t| t.overrun as i32)
}

fn next_deadline(deadline: u64, interval: u64, now: u64) -> u64 {
    let missed = (now.saturating_sub(deadline)) / interval;
    deadline + (missed + 1) * interval
}

/// Charges one tick of CPU time to the running process's virtual/prof timers.
pub fn charge(p: &alloc::sync::Arc<super::Process>, ns: u64, user: bool) {
    let mut fire_virt = false;
    let fire_prof;
    let cpu_ns;
    {
        let mut t = p.itimers.lock();
        t.cpu_ns += ns;
        cpu_ns = t.cpu_ns;
        let step = |timer: &mut Timer| -> bool {
            let Some(left) = timer.value else { return false };
            if left > ns {
                timer.value = Some(left - ns);
                return false;
            }
            timer.value = (timer.interval > 0).then_some(timer.interval);
            true
        };
        if user {
            fire_virt = step(&mut t.virt);
        }
        fire_prof = step(&mut t.prof);
    }
    if fire_virt {
        send_to_process(p, SIGVTALRM, kernel_info(SIGVTALRM));
    }
    if fire_prof {
        send_to_process(p, SIGPROF, kernel_info(SIGPROF));
    }
    check_rlimit_cpu(p, cpu_ns);
}

/// RLIMIT_CPU, as Linux's check_process_timers: SIGKILL at the hard limit; SIGXCPU at the soft
/// limit, which then moves up one second (so SIGXCPU repeats every CPU second until the hard
/// limit).
fn check_rlimit_cpu(p: &alloc::sync::Arc<super::Process>, cpu_ns: u64) {
    let secs = cpu_ns / 1_000_000_000;
    let sig = {
        let mut limits = p.limits.lock();
        let l = &mut limits.0[RLIMIT_CPU as usize];
        if l.max != RLIM_INFINITY && secs >= l.max {
            SIGKILL
        } else if l.cur != RLIM_INFINITY && secs >= l.cur.max(1) {
            if l.cur < l.max {
                l.cur = l.cur.max(1) + 1;
            }
            SIGXCPU
        } else {
            return;
        }
    };
    send_to_process(p, sig, kernel_info(sig));
}
