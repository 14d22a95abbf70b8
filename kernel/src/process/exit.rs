//! Thread and process termination: clear-child-tid, zombies, reparenting (to a child subreaper or
//! init, with parent-death signals), SIGCHLD, and init's death ending the system as Linux does
//! ("Attempted to kill init!" and `panic=`).

use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, Ordering};

use linux_abi::uapi::siginfo::{SI_USER, SigInfo};
use linux_abi::uapi::signal::{SIG_IGN, SIGCHLD, SIGKILL, SaFlags};

use super::signal;
use super::{Process, current, current_arc, tasks};
use crate::sched::wait::{WaitOpts, WaitQueue};

/// How a process ended, encoded as wait(2) reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    Exited(u8),
    Signaled(u32),
}

impl WaitStatus {
    pub fn raw(self) -> u32 {
        match self {
            WaitStatus::Exited(code) => (code as u32) << 8,
            WaitStatus::Signaled(sig) => sig & 0x7f,
        }
    }
}

/// A one-shot event a thread can wait for (vfork's "child released the memory").
pub struct Completion {
    done: AtomicBool,
    wq: WaitQueue,
}

impl Completion {
    pub fn new() -> Self {
        Completion { done: AtomicBool::new(false), wq: WaitQueue::new() }
    }

    pub fn complete(&self) {
        self.done.store(true, Ordering::Release);
        self.wq.wake_all();
    }

    pub fn wait(&self) {
        let opts = WaitOpts { interruptible: false, deadline: None };
        let _ = self.wq.wait(opts, || self.done.load(Ordering::Acquire).then_some(()));
    }
}

/// The address space every exited process holds until it is reaped: empty, so the real one's
/// memory is released at exit time, not at wait time.
fn empty_mm() -> Arc<super::Mm> {
    static EMPTY: spin::Once<Arc<super::Mm>> = spin::Once::new();
    EMPTY
        .call_once(|| {
            super::Mm::new(crate::mm::address_space::AddressSpace::new().expect("memory for the empty address space"))
        })
        .clone()
}

/// Ends the calling thread. The last thread of a process turns it into a zombie.
pub fn exit_thread(status: WaitStatus) -> ! {
    let t = current_arc();
    crate::syscall::futex::exit_robust_list(t.robust_list.swap(0, Ordering::Relaxed), t.tid);
    let tid_addr = t.clear_child_tid.swap(0, Ordering::Relaxed);
    if tid_addr != 0 && crate::mm::user::write(tid_addr, &0u32).is_ok() {
        crate::syscall::futex::wake_address(tid_addr, 1);
    }
    if let Some(done) = t.vfork_done.lock().take() {
        done.complete();
    }
    let process = t.process.clone();
    let last = {
        let mut rel = process.rel.lock();
        rel.threads.retain(|x| !Arc::ptr_eq(x, &t));
        rel.threads.is_empty()
    };
    if t.tid != process.pid {
        tasks::unregister_thread(t.tid);
    }
    if last {
        let status = process.rel.lock().group_exit.unwrap_or(status);
        process_exit(&process, status);
    }
    t.sched.state.store(crate::sched::state::DEAD, Ordering::Release);
    drop(t);
    drop(process);
    crate::sched::schedule();
    unreachable!("a dead thread was scheduled")
}

/// exit_group: every thread of the process exits with `status`.
pub fn exit_group(status: WaitStatus) -> ! {
    let t = current();
    let others = {
        let mut rel = t.process.rel.lock();
        if rel.group_exit.is_none() {
            rel.group_exit = Some(status);
        }
        rel.threads.clone()
    };
    for other in others.iter().filter(|o| o.tid != t.tid) {
        signal::send_to_thread(other, SIGKILL, signal::kernel_info(SIGKILL));
    }
    // exit_thread never returns: anything still owned here would leak (this list holds us).
    drop(others);
    exit_thread(status)
}

/// The closest ancestor of `p` that set PR_SET_CHILD_SUBREAPER and has not exited.
fn subreaper_of(p: &Process) -> Option<Arc<Process>> {
    let mut cur = p.parent();
    while let Some(a) = cur {
        if a.prctl.lock().child_subreaper && a.rel.lock().zombie.is_none() {
            return Some(a);
        }
        cur = a.parent();
    }
    None
}

fn process_exit(p: &Arc<Process>, status: WaitStatus) {
    if p.pid == 1 {
        // The kernel's own state is intact here, so leave the disks clean before going down.
        crate::block::mount::unmount_all();
        crate::panic::halt_or_reboot(format_args!("Attempted to kill init! exitcode={:#010x}", status.raw()));
    }
    // Leave the address space before it goes away.
    // SAFETY: the kernel-only address space shares the kernel half.
    unsafe { crate::mm::paging::switch_to(empty_mm().page_table_root()) };
    drop(p.set_mm(empty_mm()));
    drop(p.set_files(Arc::new(crate::sync::SpinLock::new(super::fdtable::FdTable::new()))));
    p.itimers.lock().cancel_all();
    crate::tty::process_exit(p);

    // Children go to the nearest living child-subreaper ancestor, or to init; zombies among
    // them are the new parent's to reap now. Those that asked for a parent-death signal get it.
    let reaper = subreaper_of(p).or_else(tasks::init_process);
    let children = core::mem::take(&mut p.rel.lock().children);
    if let Some(reaper) = &reaper {
        let mut any_zombie = false;
        for c in children {
            let mut rel = c.rel.lock();
            rel.parent = Arc::downgrade(reaper);
            let zombie = rel.zombie.is_some();
            any_zombie |= zombie;
            drop(rel);
            let pdeath = c.prctl.lock().pdeath_signal;
            if pdeath != 0 && !zombie {
                signal::send_to_process(&c, pdeath, SigInfo::kill(pdeath, SI_USER, p.pid as i32, p.creds.lock().uid));
            }
            reaper.rel.lock().children.push(c);
        }
        if any_zombie {
            reaper.child_event.wake_all();
        }
    }

    p.rel.lock().zombie = Some(status);
    let parent = p.parent();
    let Some(parent) = parent else { return };
    // A parent that ignores SIGCHLD (or set SA_NOCLDWAIT) never sees zombies: reap at once.
    // With SA_NOCLDWAIT the SIGCHLD is still sent (Linux's do_notify_parent).
    let (autoreap, ignored) = if p.exit_signal == SIGCHLD {
        let act = parent.sighand().lock().0[SIGCHLD as usize - 1];
        let ignored = act.handler == SIG_IGN;
        (ignored || SaFlags::from_bits_truncate(act.flags).contains(SaFlags::NOCLDWAIT), ignored)
    } else {
        (false, false)
    };
    if p.exit_signal != 0 && !ignored {
        signal::send_to_process(&parent, p.exit_signal, signal::child_exit_info(p, status));
    }
    if autoreap {
        parent.rel.lock().children.retain(|c| !Arc::ptr_eq(c, p));
        tasks::unregister_process(p.pid);
    }
    parent.child_event.wake_all();
}
