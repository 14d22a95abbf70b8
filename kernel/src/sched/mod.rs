//! The scheduler: a round-robin run queue of threads, preemption on the timer tick when returning
//! to user mode, and blocking through wait queues. Single CPU for now; the run queue lock and the
//! per-CPU current pointer are where SMP will split.

pub mod mutex;
pub mod park;
pub mod timer;
pub mod wait;

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::arch::percpu;
use crate::process::Thread;
use crate::sync::SpinLock;

/// Thread states (stored in `Thread::state`).
pub mod state {
    /// On the CPU.
    pub const RUNNING: u8 = 0;
    /// On the run queue.
    pub const RUNNABLE: u8 = 1;
    /// Blocked in a wait queue or a timed sleep; `wake` makes it runnable.
    pub const SLEEPING: u8 = 2;
    /// Stopped by a signal (SIGSTOP/SIGTSTP/...): only SIGCONT/SIGKILL resume it.
    pub const STOPPED: u8 = 3;
    /// Finished: never runs again.
    pub const DEAD: u8 = 4;
}

static RUN_QUEUE: SpinLock<VecDeque<Arc<Thread>>> = SpinLock::new(VecDeque::new());
static NEED_RESCHED: AtomicBool = AtomicBool::new(false);
/// The CPU is idling in `schedule` (ticks then count as idle time).
pub static IDLE: AtomicBool = AtomicBool::new(false);
pub static CONTEXT_SWITCHES: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
pub static FORKS: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
/// The previous thread of an in-flight switch, released by `finish_switch` on the new stack.
static PREV: SpinLock<Option<Arc<Thread>>> = SpinLock::new(None);

/// Per-thread scheduling data.
pub struct SchedInfo {
    pub state: AtomicU8,
    /// Saved kernel stack pointer while switched out.
    pub saved_rsp: core::cell::UnsafeCell<u64>,
}

// SAFETY: saved_rsp is only touched by the CPU switching the thread out/in, under the
// scheduler's interrupt-disabled section.
unsafe impl Sync for SchedInfo {}

impl SchedInfo {
    pub fn new(state: u8) -> Self {
        SchedInfo { state: AtomicU8::new(state), saved_rsp: core::cell::UnsafeCell::new(0) }
    }
}

/// Makes a sleeping (or new) thread runnable. Returns false if it was not waiting.
pub fn wake(t: &Arc<Thread>) -> bool {
    let s = &t.sched.state;
    if s.compare_exchange(state::SLEEPING, state::RUNNABLE, Ordering::AcqRel, Ordering::Acquire).is_ok() {
        RUN_QUEUE.lock().push_back(t.clone());
        NEED_RESCHED.store(true, Ordering::Relaxed);
        return true;
    }
    false
}

/// Starts a stopped thread again (SIGCONT).
pub fn resume_stopped(t: &Arc<Thread>) {
    if t.sched.state.compare_exchange(state::STOPPED, state::RUNNABLE, Ordering::AcqRel, Ordering::Acquire).is_ok() {
        RUN_QUEUE.lock().push_back(t.clone());
    }
}

/// Queues a brand-new thread.
pub fn runnable_count() -> usize {
    RUN_QUEUE.lock().len() + 1
}

pub fn spawn(t: Arc<Thread>) {
    FORKS.fetch_add(1, Ordering::Relaxed);
    t.sched.state.store(state::RUNNABLE, Ordering::Release);
    RUN_QUEUE.lock().push_back(t);
}

/// Asks for a reschedule at the next return to user mode (timer tick).
pub fn set_need_resched() {
    NEED_RESCHED.store(true, Ordering::Relaxed);
}

pub fn need_resched() -> bool {
    NEED_RESCHED.load(Ordering::Relaxed)
}

fn current_arc() -> Arc<Thread> {
    let p = percpu::current() as *const Thread;
    // SAFETY: percpu.current always holds one Arc reference (taken in `switch_to_thread`), so
    // incrementing the count and building another Arc from the same pointer is sound.
    unsafe {
        Arc::increment_strong_count(p);
        Arc::from_raw(p)
    }
}

/// Gives up the CPU. The current thread's state says what happens to it: RUNNING → back on the
/// run queue; SLEEPING/STOPPED → off the queue until woken; DEAD → never again.
pub fn schedule() {
    let irq = x86_64::instructions::interrupts::are_enabled();
    x86_64::instructions::interrupts::disable();
    NEED_RESCHED.store(false, Ordering::Relaxed);
    let prev = current_arc();
    if prev.sched.state.compare_exchange(state::RUNNING, state::RUNNABLE, Ordering::AcqRel, Ordering::Acquire).is_ok() {
        RUN_QUEUE.lock().push_back(prev.clone());
    }
    let next = loop {
        let candidate = RUN_QUEUE.lock().pop_front();
        match candidate {
            Some(t) => {
                // A thread woken and re-queued twice appears twice; skip stale entries.
                if t.sched.state.compare_exchange(state::RUNNABLE, state::RUNNING, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                    break t;
                }
            }
            None => {
                // Idle on the current stack until an interrupt makes something runnable.
                IDLE.store(true, Ordering::Relaxed);
                x86_64::instructions::interrupts::enable_and_hlt();
                x86_64::instructions::interrupts::disable();
                IDLE.store(false, Ordering::Relaxed);
            }
        }
    };
    if !Arc::ptr_eq(&prev, &next) {
        switch_to_thread(prev, next);
    }
    if irq {
        x86_64::instructions::interrupts::enable();
    }
}

/// Switches from `prev` (the current thread) to `next`.
fn switch_to_thread(prev: Arc<Thread>, next: Arc<Thread>) {
    CONTEXT_SWITCHES.fetch_add(1, Ordering::Relaxed);
    prev.arch_save();
    next.arch_load();
    let prev_rsp = prev.sched.saved_rsp.get();
    // SAFETY: next's saved rsp was stored by switch_context or prepared by prepare_stack.
    let next_rsp = unsafe { *next.sched.saved_rsp.get() };
    // percpu.current owns one reference to the running thread: next's goes in; prev's moves to
    // PREV, released by finish_switch once we are off prev's stack (a dead thread's stack is
    // freed then).
    let prev_ref = percpu::current() as *const Thread;
    percpu::set_current(Arc::into_raw(next) as *const ());
    // SAFETY: prev_ref is the reference percpu held; ownership moves into PREV.
    *PREV.lock() = Some(unsafe { Arc::from_raw(prev_ref) });
    // Our own clone must go now: if prev is dead this frame never resumes.
    drop(prev);
    // SAFETY: interrupts are disabled; both stacks stay alive (prev via PREV, next via percpu).
    unsafe { crate::arch::switch::switch_context(prev_rsp, next_rsp) };
    finish_switch();
}

/// Runs on the new thread's stack right after a switch: drops the reference to the previous
/// thread (freeing a dead thread's kernel stack now that nothing runs on it).
#[unsafe(no_mangle)]
pub extern "C" fn finish_switch() {
    let prev = PREV.lock().take();
    drop(prev);
}

/// Starts the first user thread (PID 1) from the boot stack; never returns.
pub fn start_first(t: Arc<Thread>) -> ! {
    t.sched.state.store(state::RUNNING, Ordering::Release);
    t.arch_load();
    let frame = t.user_frame();
    percpu::set_current(Arc::into_raw(t) as *const ());
    if let Some(line) = crate::arch::irq::claim_isa(crate::arch::pic::IRQ_TIMER) {
        crate::arch::irq::unmask(line);
    }
    crate::arch::trap::enter_frame(frame)
}

/// Runs on every return to user mode: preemption, then signals (and restarts of interrupted
/// syscalls, which need a look even when no signal is left).
pub fn exit_to_user(frame: &mut crate::arch::TrapFrame) {
    if need_resched() {
        schedule();
    }
    let t = crate::process::current();
    let restarting = frame.vector == crate::arch::trap::SYSCALL_VECTOR
        && (-(frame.rax as i64)) as i32 >= linux_abi::Errno::ERESTARTSYS.0
        && (-(frame.rax as i64)) as i32 <= linux_abi::Errno::ERESTART_RESTARTBLOCK.0;
    if restarting || t.sig_hint.load(Ordering::Acquire) {
        crate::process::signal::do_signal(frame);
    }
}
