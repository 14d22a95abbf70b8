//! Signals: per-thread and per-process pending sets, sending (kill/tkill/faults/SIGCHLD), and
//! delivery on the way back to user mode — default actions (terminate, stop, continue, ignore),
//! handlers run on a frame laid out like Linux's rt_sigframe, and syscall restart rules.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::Ordering;

use linux_abi::uapi::signal::*;

use super::exit::{WaitStatus, exit_group};
use super::{Process, Thread, current, current_arc, tasks};
use crate::arch::TrapFrame;
use crate::arch::trap::{exception_name, vector};
use crate::mm::address_space::FaultError;

pub use linux_abi::uapi::siginfo::SigInfo;
use linux_abi::uapi::siginfo::{
    BUS_ADRERR, CLD_CONTINUED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, FPE_FLTINV, FPE_INTDIV, ILL_ILLOPN, SEGV_ACCERR,
    SEGV_MAPERR, SI_KERNEL, TRAP_BRKPT,
};

/// A signal the kernel itself raises (SI_KERNEL).
pub fn kernel_info(sig: u32) -> SigInfo {
    SigInfo::kill(sig, SI_KERNEL, 0, 0)
}

/// SIGCHLD information about `p` (CPU times in USER_HZ ticks).
pub fn child_info(p: &Process, code: i32, status: i32) -> SigInfo {
    let uid = p.creds.lock().uid;
    let (u, s) = p.threads().iter().fold((0u64, 0u64), |(u, s), t| {
        (u + t.utime.load(Ordering::Relaxed), s + t.stime.load(Ordering::Relaxed))
    });
    SigInfo::chld(SIGCHLD, code, p.pid as i32, uid, status, (u / 10_000_000) as i64, (s / 10_000_000) as i64)
}

pub fn child_exit_info(p: &Process, status: WaitStatus) -> SigInfo {
    match status {
        WaitStatus::Exited(c) => child_info(p, CLD_EXITED, c as i32),
        WaitStatus::Signaled(s) => child_info(p, CLD_KILLED, s as i32),
    }
}

/// Pending signals: a set plus the queued information (several entries only for real-time
/// signals; a standard signal pending twice is one signal).
#[derive(Default)]
pub struct SigPending {
    pub set: SigSet,
    pub queue: VecDeque<SigInfo>,
}

impl SigPending {
    fn add(&mut self, info: SigInfo) {
        let sig = info.signo();
        if sig < SIGRTMIN && self.set.contains(sig) {
            return;
        }
        self.set.add(sig);
        self.queue.push_back(info);
    }

    /// Takes the lowest pending signal not in `blocked` (standard signals first, as Linux).
    fn take(&mut self, blocked: SigSet) -> Option<SigInfo> {
        let ready = self.set.difference(blocked);
        let sig = ready.first()?;
        let idx = self.queue.iter().position(|i| i.signo() == sig);
        let info = idx.and_then(|i| self.queue.remove(i)).unwrap_or_else(|| kernel_info(sig));
        if !self.queue.iter().any(|i| i.signo() == sig) {
            self.set.remove(sig);
        }
        Some(info)
    }

    fn discard(&mut self, sig: u32) {
        self.set.remove(sig);
        self.queue.retain(|i| i.signo() != sig);
    }
}

#[derive(Default)]
pub struct ThreadSignals {
    pub mask: SigSet,
    pub pending: SigPending,
    pub altstack: StackT,
    /// Mask to restore after a handler returns from sigsuspend/ppoll/pselect.
    pub saved_mask: Option<SigSet>,
    /// The mask in force before rt_sigtimedwait unblocked the signals it waits for (Linux's
    /// real_blocked): those stay "blocked" for deciding whether an ignored signal is dropped.
    pub real_blocked: SigSet,
}

impl ThreadSignals {
    /// Blocked now, or by the caller of a sigtimedwait in progress.
    pub fn blocks(&self, sig: u32) -> bool {
        self.mask.contains(sig) || self.real_blocked.contains(sig)
    }
}

#[derive(Clone)]
pub struct SignalActions(pub [KernelSigaction; NSIG as usize]);

impl Default for SignalActions {
    fn default() -> Self {
        SignalActions([KernelSigaction::default(); NSIG as usize])
    }
}

impl SignalActions {
    /// execve: handled signals go back to SIG_DFL; ignored ones stay ignored (POSIX).
    pub fn reset_for_exec(&mut self) {
        for a in self.0.iter_mut() {
            if a.handler != SIG_IGN {
                *a = KernelSigaction::default();
            }
        }
    }

    pub fn get(&self, sig: u32) -> KernelSigaction {
        self.0[sig as usize - 1]
    }
}

/// What SIG_DFL does for each signal.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Default_ {
    Terminate,
    Core,
    Stop,
    Continue,
    Ignore,
}

fn default_action(sig: u32) -> Default_ {
    match sig {
        SIGCHLD | SIGURG | SIGWINCH => Default_::Ignore,
        SIGCONT => Default_::Continue,
        SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU => Default_::Stop,
        SIGQUIT | SIGILL | SIGTRAP | SIGABRT | SIGBUS | SIGFPE | SIGSEGV | SIGXCPU | SIGXFSZ | SIGSYS => {
            Default_::Core
        }
        _ => Default_::Terminate,
    }
}

fn is_ignored(p: &Process, sig: u32) -> bool {
    let act = p.sighand().lock().get(sig);
    act.handler == SIG_IGN || (act.handler == SIG_DFL && default_action(sig) == Default_::Ignore)
}

/// Init only gets the signals it has handlers for, SIGKILL and SIGSTOP from user space included
/// (Linux's SIGNAL_UNKILLABLE): a `kill(0, SIGKILL)` from a child in its process group must not
/// bring the system down. The kernel's own SIGKILL/SIGSTOP (exit_group of its other threads, the
/// RLIMIT_CPU hard limit) and faults (`force`) still reach it.
fn init_refuses(p: &Process, info: &SigInfo) -> bool {
    let sig = info.signo();
    let kernel_only = matches!(sig, SIGKILL | SIGSTOP) && info.code() == SI_KERNEL;
    p.pid == 1 && !kernel_only && p.sighand().lock().get(sig).handler == SIG_DFL
}

/// True when the thread has a signal to act on at its next return to user mode.
pub fn has_deliverable(t: &Thread) -> bool {
    // A thread being ended by another's execve (de_thread) must leave any interruptible wait.
    if t.killed.load(Ordering::Acquire) || t.process.rel.lock().group_exit.is_some() {
        return true;
    }
    let s = t.sig.lock();
    let shared = t.process.shared_pending.lock().set;
    !s.pending.set.union(shared).difference(s.mask).is_empty()
}

/// Side effects of sending that happen at once (Linux's prepare_signal): SIGCONT resumes a
/// stopped process and drops pending stops; a stop signal drops a pending SIGCONT; SIGKILL
/// resumes so the process can die.
fn prepare(p: &Arc<Process>, sig: u32) {
    if sig == SIGCONT || sig == SIGKILL {
        let was_stopped = {
            let mut rel = p.rel.lock();
            let was = rel.stopped;
            rel.stopped = false;
            if was && sig == SIGCONT {
                rel.continue_report = true;
                rel.stop_report = None;
            }
            was
        };
        for stop in [SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU] {
            p.shared_pending.lock().discard(stop);
            for t in p.threads() {
                t.sig.lock().pending.discard(stop);
            }
        }
        for t in p.threads() {
            crate::sched::resume_stopped(&t);
        }
        if was_stopped && sig == SIGCONT && let Some(parent) = p.parent() {
            notify_parent_stop(p, &parent, CLD_CONTINUED, SIGCONT as i32);
        }
    } else if matches!(sig, SIGSTOP | SIGTSTP | SIGTTIN | SIGTTOU) {
        p.shared_pending.lock().discard(SIGCONT);
        for t in p.threads() {
            t.sig.lock().pending.discard(SIGCONT);
        }
    }
}

/// Wakes `t` if it is blocked interruptibly, so it notices the signal.
fn kick(t: &Arc<Thread>) {
    t.sig_hint.store(true, Ordering::Release);
    crate::sched::wait::kick(t);
}

fn leader_blocks(p: &Process, sig: u32) -> bool {
    let threads = p.threads();
    let leader = threads.iter().find(|t| t.tid == p.pid).or(threads.first());
    leader.is_some_and(|t| t.sig.lock().blocks(sig))
}

/// Sends a process-directed signal (kill).
pub fn send_to_process(p: &Arc<Process>, sig: u32, info: SigInfo) {
    if sig == 0 {
        return;
    }
    if init_refuses(p, &info) {
        return;
    }
    prepare(p, sig);
    // An ignored signal is dropped at once, unless blocked (by the thread-group leader, as
    // Linux's sig_ignored looks at the task the signal is sent to): a handler may be installed
    // before it is unblocked, and sigwait may take it.
    if is_ignored(p, sig) && sig != SIGKILL && !leader_blocks(p, sig) {
        return;
    }
    p.shared_pending.lock().add(info);
    // Pick a thread that does not block it (SIGKILL: everyone).
    let threads = p.threads();
    for t in &threads {
        if sig == SIGKILL || !t.sig.lock().mask.contains(sig) {
            kick(t);
            if sig != SIGKILL {
                break;
            }
        }
    }
}

/// Sends a thread-directed signal (tkill/tgkill, faults).
pub fn send_to_thread(t: &Arc<Thread>, sig: u32, info: SigInfo) {
    if sig == 0 {
        return;
    }
    if init_refuses(&t.process, &info) {
        return;
    }
    prepare(&t.process, sig);
    if is_ignored(&t.process, sig) && sig != SIGKILL && !t.sig.lock().blocks(sig) {
        return;
    }
    t.sig.lock().pending.add(info);
    kick(t);
}

/// Synchronous fault signals cannot be blocked or ignored (force_sig_info): unblock, reset an
/// ignore to default, and queue.
pub fn force(t: &Arc<Thread>, info: SigInfo) {
    let sig = info.signo();
    {
        let sighand = t.process.sighand();
        let mut acts = sighand.lock();
        let blocked = t.sig.lock().mask.contains(sig);
        if acts.0[sig as usize - 1].handler == SIG_IGN || blocked {
            acts.0[sig as usize - 1].handler = SIG_DFL;
        }
    }
    t.sig.lock().mask.remove(sig);
    t.sig.lock().pending.add(info);
    t.sig_hint.store(true, Ordering::Release);
}

fn notify_parent_stop(p: &Arc<Process>, parent: &Arc<Process>, code: i32, status: i32) {
    let act = parent.sighand().lock().get(SIGCHLD);
    if !SaFlags::from_bits_truncate(act.flags).contains(SaFlags::NOCLDSTOP) {
        send_to_process(parent, SIGCHLD, child_info(p, code, status));
    }
    parent.child_event.wake_all();
}

/// Stops the whole process with `sig` (job-control stop) and sleeps until SIGCONT/SIGKILL.
fn group_stop(t: &Arc<Thread>, sig: u32) {
    let p = &t.process;
    let first = {
        let mut rel = p.rel.lock();
        let first = !rel.stopped;
        rel.stopped = true;
        rel.stop_report = Some(sig);
        rel.continue_report = false;
        first
    };
    if first && let Some(parent) = p.parent() {
        notify_parent_stop(p, &parent, CLD_STOPPED, sig as i32);
    }
    for other in p.threads() {
        if !Arc::ptr_eq(&other, t) {
            kick(&other);
        }
    }
    // Sleep in STOPPED until SIGCONT (prepare → resume_stopped) or SIGKILL.
    while p.rel.lock().stopped {
        t.sched.state.store(crate::sched::state::STOPPED, Ordering::Release);
        if !p.rel.lock().stopped {
            t.sched.state.store(crate::sched::state::RUNNING, Ordering::Release);
            break;
        }
        crate::sched::schedule();
    }
}

/// Removes `sig` from every pending set of the process (it became ignored).
pub fn discard_everywhere(p: &Process, sig: u32) {
    p.shared_pending.lock().discard(sig);
    for t in p.threads() {
        t.sig.lock().pending.discard(sig);
    }
}

/// Takes a pending signal from `wanted` regardless of the mask (rt_sigtimedwait).
pub fn take_from(t: &Thread, wanted: SigSet) -> Option<SigInfo> {
    let not_wanted = SigSet(!wanted.0);
    if let Some(i) = t.sig.lock().pending.take(not_wanted) {
        return Some(i);
    }
    t.process.shared_pending.lock().take(not_wanted)
}

fn dequeue(t: &Thread) -> Option<SigInfo> {
    let mut s = t.sig.lock();
    let mask = s.mask;
    if let Some(i) = s.pending.take(mask) {
        return Some(i);
    }
    drop(s);
    t.process.shared_pending.lock().take(mask)
}

/// Linux's will_become_orphaned_pgrp(pgrp, NULL): no living member of the group has a parent,
/// other than init, in another group of the same session.
fn is_orphaned_pgrp(pgid: super::Pid) -> bool {
    !tasks::all_processes().iter().any(|p| {
        let (pg, sid, zombie) = {
            let r = p.rel.lock();
            (r.pgid, r.sid, r.zombie.is_some())
        };
        if pg != pgid || zombie {
            return false;
        }
        p.parent().is_some_and(|q| {
            if q.pid == 1 {
                return false;
            }
            let r = q.rel.lock();
            r.pgid != pgid && r.sid == sid
        })
    })
}

/// Runs on every return to user mode: acts on pending signals (and group exit).
pub fn do_signal(frame: &mut TrapFrame) {
    let t = current_arc();
    if t.killed.load(Ordering::Acquire) {
        drop(t);
        super::exit::exit_thread(WaitStatus::Signaled(SIGKILL));
    }
    let group_exit = t.process.rel.lock().group_exit;
    if let Some(status) = group_exit {
        drop(t);
        super::exit::exit_thread(status);
    }
    let mut delivered = false;
    while let Some(info) = dequeue(&t) {
        let sig = info.signo();
        let act = t.process.sighand().lock().get(sig);
        if act.handler == SIG_IGN {
            continue;
        }
        if act.handler == SIG_DFL {
            match default_action(sig) {
                Default_::Ignore | Default_::Continue => continue,
                // A terminal stop in an orphaned process group is discarded: nobody could
                // continue it (Linux's get_signal, is_current_pgrp_orphaned).
                Default_::Stop if sig != SIGSTOP && is_orphaned_pgrp(t.process.pgid()) => continue,
                Default_::Stop => {
                    group_stop(&t, sig);
                    continue;
                }
                Default_::Terminate | Default_::Core => {
                    drop(t);
                    exit_group(WaitStatus::Signaled(sig));
                }
            }
        }
        super::sigframe::fix_syscall_restart(frame, Some(&act));
        if super::sigframe::deliver(&t, frame, &info, &act).is_err() {
            // No room for the frame (or no restorer): Linux forces SIGSEGV, with the default
            // action if SIGSEGV itself could not be delivered.
            if sig == SIGSEGV {
                t.process.sighand().lock().0[SIGSEGV as usize - 1].handler = SIG_DFL;
            }
            force(&t, kernel_info(SIGSEGV));
            continue;
        }
        if SaFlags::from_bits_truncate(act.flags).contains(SaFlags::RESETHAND) {
            t.process.sighand().lock().0[sig as usize - 1] = KernelSigaction::default();
        }
        let mut s = t.sig.lock();
        let blocked = linux_abi::uapi::sigframe::handler_blocked_mask(s.mask.0, act.mask.0, sig, SaFlags::from_bits_truncate(act.flags));
        s.mask = SigSet(blocked);
        t.sig_hint.store(true, Ordering::Relaxed);
        // As Linux, a frame is set up for every signal still deliverable under the handler's
        // mask before returning: later frames go on top, so their handlers run first.
        delivered = true;
    }
    if delivered {
        return;
    }
    super::sigframe::fix_syscall_restart(frame, None);
    // sigsuspend and friends restore their caller's mask once nothing was delivered.
    let mut s = t.sig.lock();
    if let Some(m) = s.saved_mask.take() {
        s.mask = m;
    }
    t.sig_hint.store(false, Ordering::Relaxed);
}

/// Logs a fatal fault the way Linux's show_unhandled_signals does (only when it will kill).
fn log_fault(frame: &TrapFrame, sig: u32, what: &str, addr: Option<u64>) {
    let t = current();
    let handled = t.process.sighand().lock().get(sig).handler > SIG_IGN;
    if handled {
        return;
    }
    let name = t.process.comm_str();
    match addr {
        Some(a) => log::info!(
            "{}[{}]: {} at {:x} ip {:016x} sp {:016x} error {:x}",
            name, t.tid, what, a, frame.rip, frame.rsp, frame.orig_rax
        ),
        None => log::info!("{}[{}]: {} ip:{:x} sp:{:x} error:{:x}", name, t.tid, what, frame.rip, frame.rsp, frame.orig_rax),
    }
}

pub fn user_page_fault(frame: &TrapFrame, addr: u64, why: FaultError) {
    let t = current_arc();
    let info = match why {
        FaultError::Bus => SigInfo::fault(SIGBUS, BUS_ADRERR, addr),
        FaultError::OutOfMemory => {
            log::warn!("Out of memory: Killed process {} ({})", t.process.pid, t.process.comm_str());
            kernel_info(SIGKILL)
        }
        FaultError::AccessDenied => SigInfo::fault(SIGSEGV, SEGV_ACCERR, addr),
        FaultError::NotMapped => SigInfo::fault(SIGSEGV, SEGV_MAPERR, addr),
    };
    log_fault(frame, info.signo(), if info.signo() == SIGBUS { "bus error" } else { "segfault" }, Some(addr));
    force(&t, info);
}

pub fn user_exception(frame: &TrapFrame) {
    let (sig, code) = match frame.vector {
        vector::DIVIDE_ERROR => (SIGFPE, FPE_INTDIV),
        vector::X87_FPU | vector::SIMD_FP => (SIGFPE, FPE_FLTINV),
        vector::INVALID_OPCODE => (SIGILL, ILL_ILLOPN),
        vector::DEBUG => (SIGTRAP, TRAP_BRKPT),
        // int3 in user mode: Linux's do_int3_user forces a plain SIGTRAP (SI_KERNEL, no address).
        vector::BREAKPOINT => (SIGTRAP, SI_KERNEL),
        vector::ALIGNMENT_CHECK => (SIGBUS, BUS_ADRERR),
        _ => (SIGSEGV, SI_KERNEL),
    };
    log_fault(frame, sig, exception_name(frame.vector), None);
    let addr = if sig == SIGSEGV || code == SI_KERNEL { 0 } else { frame.rip };
    force(&current_arc(), SigInfo::fault(sig, code, addr));
}

/// AT_MINSIGSTKSZ: what a signal frame needs on this CPU.
pub static MINSIGSTKSZ: spin::Lazy<usize> = spin::Lazy::new(super::sigframe::frame_size);

/// Looks up the target of kill(pid): a process, a group, or everyone.
pub fn kill_targets(pid: i32, caller: &Process) -> alloc::vec::Vec<Arc<Process>> {
    let all = tasks::all_processes();
    let alive = |p: &Arc<Process>| p.rel.lock().zombie.is_none();
    match pid {
        p if p > 0 => tasks::process(p as u32).into_iter().collect(),
        0 => {
            let g = caller.pgid();
            all.into_iter().filter(|p| p.pgid() == g && alive(p)).collect()
        }
        -1 => all.into_iter().filter(|p| p.pid != 1 && p.pid != caller.pid && alive(p)).collect(),
        p => all.into_iter().filter(|q| q.pgid() == (-p) as u32 && alive(q)).collect(),
    }
}
