//! wait4/waitid: finding a child whose state change matches, reaping zombies, reporting stops
//! and continues, and sleeping on the process's child-event queue until one happens.

use alloc::sync::Arc;

use linux_abi::{Errno, SysResult};

use super::exit::WaitStatus;
use super::{Pid, Process, tasks};
use crate::sched::wait::WaitOpts;

/// Which children a wait call accepts.
#[derive(Clone, Copy)]
pub enum Selector {
    Any,
    Pid(Pid),
    Pgid(Pid),
}

#[derive(Clone, Copy)]
pub struct WaitFlags {
    pub exited: bool,
    pub stopped: bool,
    pub continued: bool,
    pub nohang: bool,
    /// WNOWAIT: report but leave the child waitable.
    pub nowait: bool,
    /// __WCLONE: only "clone" children (whose exit signal is not SIGCHLD); __WALL: all children.
    /// Without either, only children that signal SIGCHLD (Linux's eligible_child).
    pub clone_children: bool,
    pub all_children: bool,
}

/// What a wait reports about one child.
#[derive(Clone, Copy)]
pub enum Event {
    Exited(WaitStatus),
    Stopped(u32),
    Continued,
}

pub struct Reaped {
    pub pid: Pid,
    pub uid: u32,
    pub event: Event,
    pub utime_ns: u64,
    pub stime_ns: u64,
}

impl Reaped {
    /// The status word wait4 stores.
    pub fn status(&self) -> u32 {
        match self.event {
            Event::Exited(s) => s.raw(),
            Event::Stopped(sig) => 0x7f | (sig << 8),
            Event::Continued => 0xffff,
        }
    }
}

fn matches(sel: Selector, c: &Process) -> bool {
    match sel {
        Selector::Any => true,
        Selector::Pid(p) => c.pid == p,
        Selector::Pgid(g) => c.pgid() == g,
    }
}

fn cpu_times(c: &Process) -> (u64, u64) {
    let (mut u, mut s) = *c.children_times.lock();
    for t in c.threads() {
        u += t.utime.load(core::sync::atomic::Ordering::Relaxed);
        s += t.stime.load(core::sync::atomic::Ordering::Relaxed);
    }
    (u, s)
}

/// One pass over the children: Ok(Some) if one has something to report, Ok(None) if some match
/// but have nothing yet, ECHILD if none match.
fn scan(parent: &Arc<Process>, sel: Selector, f: WaitFlags) -> SysResult<Option<Reaped>> {
    let children = parent.rel.lock().children.clone();
    let mut any = false;
    let kind_ok = |c: &Process| f.all_children || (c.exit_signal != linux_abi::uapi::signal::SIGCHLD) == f.clone_children;
    for c in children.iter().filter(|c| matches(sel, c) && kind_ok(c)) {
        any = true;
        let uid = c.creds.lock().uid;
        let (utime_ns, stime_ns) = cpu_times(c);
        let mut rel = c.rel.lock();
        if let Some(status) = rel.zombie {
            if !f.exited {
                continue;
            }
            drop(rel);
            if !f.nowait {
                parent.rel.lock().children.retain(|x| !Arc::ptr_eq(x, c));
                let mut acc = parent.children_times.lock();
                acc.0 += utime_ns;
                acc.1 += stime_ns;
                drop(acc);
                tasks::unregister_process(c.pid);
            }
            return Ok(Some(Reaped { pid: c.pid, uid, event: Event::Exited(status), utime_ns, stime_ns }));
        }
        if f.stopped && let Some(sig) = rel.stop_report {
            if !f.nowait {
                rel.stop_report = None;
            }
            return Ok(Some(Reaped { pid: c.pid, uid, event: Event::Stopped(sig), utime_ns, stime_ns }));
        }
        if f.continued && rel.continue_report {
            if !f.nowait {
                rel.continue_report = false;
            }
            return Ok(Some(Reaped { pid: c.pid, uid, event: Event::Continued, utime_ns, stime_ns }));
        }
    }
    if any { Ok(None) } else { Err(Errno::ECHILD) }
}

/// Waits for a matching child; Ok(None) for WNOHANG with nothing to report.
pub fn wait_child(sel: Selector, f: WaitFlags) -> SysResult<Option<Reaped>> {
    let parent = super::current().process.clone();
    if let Some(r) = scan(&parent, sel, f)? {
        return Ok(Some(r));
    }
    if f.nohang {
        return Ok(None);
    }
    parent.child_event.wait(WaitOpts::INTERRUPTIBLE, || match scan(&parent, sel, f) {
        Ok(Some(r)) => Some(Ok(r)),
        Ok(None) => None,
        Err(e) => Some(Err(e)),
    })?
    .map(Some)
}
