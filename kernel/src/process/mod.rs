//! Processes and threads. A thread owns registers, kernel stack, FPU state, signal mask and
//! pending signals, TLS bases and clear-child-tid; a process (thread group) owns — possibly
//! shared with others through clone flags — the address space, fd table, filesystem context and
//! signal actions, plus its identity (pids, credentials, limits) and its place in the tree.

pub mod exec;
pub mod exit;
pub mod fdtable;
pub mod fork;
pub mod fpu;
pub mod itimer;
pub mod limits;
pub mod sigframe;
pub mod signal;
pub mod tasks;
pub mod wait;

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::mm::address_space::AddressSpace;
use crate::mm::{PAGE_SIZE, frame, phys_to_virt};
use crate::sched::SchedInfo;
use crate::sched::wait::WaitQueue;
use crate::sync::SpinLock;
use fdtable::FdTable;
use fpu::FpuState;
use limits::Limits;
use signal::{SigPending, SignalActions, ThreadSignals};

pub type Pid = u32;

/// Kernel stack: 2^KSTACK_ORDER pages (32 KiB).
const KSTACK_ORDER: usize = 3;

pub struct KernelStack {
    base_pa: u64,
}

impl KernelStack {
    fn new() -> Option<Self> {
        Some(KernelStack { base_pa: frame::alloc_order(KSTACK_ORDER)? })
    }

    pub fn top(&self) -> u64 {
        phys_to_virt(self.base_pa) + (PAGE_SIZE << KSTACK_ORDER)
    }
}

impl Drop for KernelStack {
    fn drop(&mut self) {
        frame::free_order(self.base_pa, KSTACK_ORDER);
    }
}

/// User and group identities (real, effective, saved, filesystem) and supplementary groups.
#[derive(Clone, Debug, Default)]
pub struct Credentials {
    pub uid: u32,
    pub euid: u32,
    pub suid: u32,
    pub fsuid: u32,
    pub gid: u32,
    pub egid: u32,
    pub sgid: u32,
    pub fsgid: u32,
    pub groups: Vec<u32>,
}

impl Credentials {
    /// What the VFS checks permissions against.
    pub fn fs_creds(&self) -> fs::vfs::Credentials {
        fs::vfs::Credentials { uid: self.fsuid, gid: self.fsgid, groups: self.groups.clone() }
    }
}

/// Root, working directory and umask (`CLONE_FS` shares these).
#[derive(Clone)]
pub struct FsContext {
    pub root: fs::vfs::Path,
    pub cwd: fs::vfs::Path,
    pub umask: u32,
}

/// A process's address space. Its lock is a sleeping one (Linux's `mmap_lock`): a page fault
/// on a file mapping reads the disk while holding it. The page-table root never changes, so
/// switching to the address space needs no lock.
pub struct Mm {
    root: u64,
    space: crate::sched::mutex::Mutex<AddressSpace>,
}

impl Mm {
    pub fn new(space: AddressSpace) -> Arc<Mm> {
        Arc::new(Mm { root: space.page_table_root(), space: crate::sched::mutex::Mutex::new(space) })
    }

    pub fn lock(&self) -> crate::sched::mutex::MutexGuard<'_, AddressSpace> {
        self.space.lock()
    }

    pub fn page_table_root(&self) -> u64 {
        self.root
    }
}

pub type Files = SpinLock<FdTable>;

/// prctl settings. Linux keeps the parent-death signal and the timer slack per thread; this
/// kernel keeps them per process.
#[derive(Clone, Copy, Debug)]
pub struct PrctlState {
    /// PR_SET_PDEATHSIG: sent to this process when its parent exits (0 = none).
    pub pdeath_signal: u32,
    /// PR_SET_DUMPABLE: 0 or 1 (SUID_DUMP_USER).
    pub dumpable: u32,
    pub no_new_privs: bool,
    pub keepcaps: bool,
    /// PR_SET_CHILD_SUBREAPER: orphaned descendants are reparented here rather than to init.
    pub child_subreaper: bool,
    pub timer_slack_ns: u64,
}

/// The default timer slack (Linux's init_task.timer_slack_ns).
pub const DEFAULT_TIMER_SLACK_NS: u64 = 50_000;

impl Default for PrctlState {
    fn default() -> Self {
        PrctlState {
            pdeath_signal: 0,
            dumpable: 1,
            no_new_privs: false,
            keepcaps: false,
            child_subreaper: false,
            timer_slack_ns: DEFAULT_TIMER_SLACK_NS,
        }
    }
}

impl PrctlState {
    /// What a fork child starts with: no parent-death signal, not a subreaper.
    pub fn forked(&self) -> Self {
        PrctlState { pdeath_signal: 0, child_subreaper: false, ..*self }
    }

    /// After execve: dumpable again, keepcaps cleared; no_new_privs and the rest kept.
    pub fn execed(&self) -> Self {
        PrctlState { dumpable: 1, keepcaps: false, ..*self }
    }
}

/// A process's place in the tree and its lifecycle, guarded by one lock.
pub struct Relations {
    pub parent: Weak<Process>,
    pub children: Vec<Arc<Process>>,
    pub threads: Vec<Arc<Thread>>,
    pub pgid: Pid,
    pub sid: Pid,
    /// Set when the last thread is gone: the status wait() will report.
    pub zombie: Option<exit::WaitStatus>,
    /// exit_group in progress: every thread exits with this status.
    pub group_exit: Option<exit::WaitStatus>,
    /// Stopped by this signal and not yet reported to a WUNTRACED waiter.
    pub stop_report: Option<u32>,
    /// Continued and not yet reported to a WCONTINUED waiter.
    pub continue_report: bool,
    /// The group is stopped (job control).
    pub stopped: bool,
}

pub struct Process {
    pub pid: Pid,
    mm: SpinLock<Arc<Mm>>,
    files: SpinLock<Arc<Files>>,
    pub fs: Arc<SpinLock<FsContext>>,
    sighand: SpinLock<Arc<SpinLock<SignalActions>>>,
    pub limits: SpinLock<Limits>,
    pub creds: SpinLock<Credentials>,
    /// `comm`: the executable's base name, at most 15 bytes.
    pub comm: SpinLock<[u8; 16]>,
    pub rel: SpinLock<Relations>,
    /// Signal sent to the parent when this process ends (clone's exit_signal; SIGCHLD for fork).
    pub exit_signal: u32,
    /// Woken when a child changes state (wait4/waitid sleep here).
    pub child_event: WaitQueue,
    /// Signals sent to the process as a whole.
    pub shared_pending: SpinLock<SigPending>,
    /// Set once the process has called execve (setpgid on a child then fails with EACCES).
    pub did_exec: AtomicBool,
    pub itimers: SpinLock<itimer::ITimers>,
    /// Accumulated CPU time of reaped children (ns): user, system.
    pub children_times: SpinLock<(u64, u64)>,
    /// The executable (/proc/PID/exe).
    pub exe: SpinLock<Option<fs::vfs::Path>>,
    /// Uptime (ns) at creation.
    pub start_ns: u64,
    pub prctl: SpinLock<PrctlState>,
    /// The nice value (-20..=19), shared by the threads (Linux keeps one per thread).
    pub nice: core::sync::atomic::AtomicI32,
}

impl Process {
    pub fn mm(&self) -> Arc<Mm> {
        self.mm.lock().clone()
    }

    pub fn set_mm(&self, mm: Arc<Mm>) -> Arc<Mm> {
        core::mem::replace(&mut *self.mm.lock(), mm)
    }

    pub fn files(&self) -> Arc<Files> {
        self.files.lock().clone()
    }

    pub fn set_files(&self, files: Arc<Files>) -> Arc<Files> {
        core::mem::replace(&mut *self.files.lock(), files)
    }

    pub fn sighand(&self) -> Arc<SpinLock<SignalActions>> {
        self.sighand.lock().clone()
    }

    pub fn set_sighand(&self, s: Arc<SpinLock<SignalActions>>) {
        *self.sighand.lock() = s;
    }

    pub fn parent(&self) -> Option<Arc<Process>> {
        self.rel.lock().parent.upgrade()
    }

    pub fn ppid(&self) -> Pid {
        self.parent().map_or(0, |p| p.pid)
    }

    pub fn pgid(&self) -> Pid {
        self.rel.lock().pgid
    }

    pub fn sid(&self) -> Pid {
        self.rel.lock().sid
    }

    pub fn threads(&self) -> Vec<Arc<Thread>> {
        self.rel.lock().threads.clone()
    }

    pub fn comm_str(&self) -> alloc::string::String {
        let c = *self.comm.lock();
        let n = c.iter().position(|&b| b == 0).unwrap_or(16);
        alloc::string::String::from_utf8_lossy(&c[..n]).into_owned()
    }
}

pub struct Thread {
    pub tid: Pid,
    pub process: Arc<Process>,
    kstack: KernelStack,
    pub sched: SchedInfo,
    pub fpu: FpuState,
    pub fs_base: AtomicU64,
    pub gs_base: AtomicU64,
    pub clear_child_tid: AtomicU64,
    pub robust_list: AtomicU64,
    pub sig: SpinLock<ThreadSignals>,
    /// Mirrors "some unblocked signal may be pending" for cheap checks on the return path.
    pub sig_hint: AtomicBool,
    /// Another thread's execve is replacing the image: exit at the next return to user mode.
    pub killed: AtomicBool,
    /// CPU time consumed (ns): user, system — sampled at ticks.
    pub utime: AtomicU64,
    pub stime: AtomicU64,
    /// vfork: the parent sleeps until this child execs or exits.
    pub vfork_done: SpinLock<Option<Arc<exit::Completion>>>,
}

impl Thread {
    pub fn kernel_stack_top(&self) -> u64 {
        self.kstack.top()
    }

    /// The user register frame at the top of this thread's kernel stack.
    pub fn user_frame(&self) -> *mut TrapFrame {
        (self.kstack.top() - size_of::<TrapFrame>() as u64) as *mut TrapFrame
    }

    /// Saves the per-thread CPU state that is not on the kernel stack (before switching away).
    pub fn arch_save(&self) {
        self.fpu.save();
    }

    /// Loads this thread's CPU state: kernel stack for traps, TLS bases, FPU, address space.
    pub fn arch_load(&self) {
        use x86_64::VirtAddr;
        use x86_64::registers::model_specific::{FsBase, KernelGsBase};
        crate::arch::percpu::set_kernel_rsp(self.kernel_stack_top());
        FsBase::write(VirtAddr::new(self.fs_base.load(Ordering::Relaxed)));
        KernelGsBase::write(VirtAddr::new(self.gs_base.load(Ordering::Relaxed)));
        self.fpu.restore();
        let root = self.process.mm().page_table_root();
        let (cur, _) = x86_64::registers::control::Cr3::read();
        if cur.start_address().as_u64() != root {
            // SAFETY: every user page-table tree shares the kernel half.
            unsafe { crate::mm::paging::switch_to(root) };
        }
    }

    pub fn signal_pending(&self) -> bool {
        signal::has_deliverable(self)
    }

    /// A new thread sharing nothing yet: fields the callers (fork, boot) fill in.
    fn new(tid: Pid, process: Arc<Process>, fpu: FpuState) -> SysResult<Thread> {
        Ok(Thread {
            tid,
            process,
            kstack: KernelStack::new().ok_or(Errno::ENOMEM)?,
            sched: SchedInfo::new(crate::sched::state::RUNNABLE),
            fpu,
            fs_base: AtomicU64::new(0),
            gs_base: AtomicU64::new(0),
            clear_child_tid: AtomicU64::new(0),
            robust_list: AtomicU64::new(0),
            sig: SpinLock::new(ThreadSignals::default()),
            sig_hint: AtomicBool::new(false),
            killed: AtomicBool::new(false),
            utime: AtomicU64::new(0),
            stime: AtomicU64::new(0),
            vfork_done: SpinLock::new(None),
        })
    }
}

/// The thread running on this CPU (None during boot).
pub fn current_thread() -> Option<&'static Thread> {
    let p = crate::arch::percpu::current() as *const Thread;
    // SAFETY: percpu.current holds a strong reference to the running thread, which therefore
    // outlives anything the running thread does; it is only replaced by the scheduler.
    unsafe { p.as_ref() }
}

/// The current thread, for syscall handlers (which always run in one).
pub fn current() -> &'static Thread {
    current_thread().expect("syscall without a current thread")
}

/// A counted reference to the current thread (for wait queues and timers).
pub fn current_arc() -> Arc<Thread> {
    let p = crate::arch::percpu::current() as *const Thread;
    // SAFETY: see current_thread; we add one to the count before building the Arc.
    unsafe {
        Arc::increment_strong_count(p);
        Arc::from_raw(p)
    }
}

/// Creates PID 1 around a fresh address space with the given filesystem context.
pub fn new_init(fs: FsContext) -> SysResult<Arc<Thread>> {
    let pid = tasks::alloc_pid()?;
    let process = Arc::new(Process {
        pid,
        mm: SpinLock::new(Mm::new(AddressSpace::new()?)),
        files: SpinLock::new(Arc::new(SpinLock::new(FdTable::new()))),
        fs: Arc::new(SpinLock::new(fs)),
        sighand: SpinLock::new(Arc::new(SpinLock::new(SignalActions::default()))),
        limits: SpinLock::new(Limits::default()),
        creds: SpinLock::new(Credentials::default()),
        comm: SpinLock::new(*b"init\0\0\0\0\0\0\0\0\0\0\0\0"),
        rel: SpinLock::new(Relations {
            parent: Weak::new(),
            children: Vec::new(),
            threads: Vec::new(),
            // Linux's PID 1 inherits process group 0 and session 0 from the idle task.
            pgid: 0,
            sid: 0,
            zombie: None,
            group_exit: None,
            stop_report: None,
            continue_report: false,
            stopped: false,
        }),
        exit_signal: linux_abi::uapi::signal::SIGCHLD,
        child_event: WaitQueue::new(),
        shared_pending: SpinLock::new(SigPending::default()),
        did_exec: AtomicBool::new(false),
        itimers: SpinLock::new(itimer::ITimers::default()),
        children_times: SpinLock::new((0, 0)),
        exe: SpinLock::new(None),
        start_ns: crate::arch::cpu::uptime_ns(),
        prctl: SpinLock::new(PrctlState::default()),
        nice: core::sync::atomic::AtomicI32::new(0),
    });
    let thread = Arc::new(Thread::new(pid, process.clone(), FpuState::new().ok_or(Errno::ENOMEM)?)?);
    process.rel.lock().threads.push(thread.clone());
    tasks::register(&process, &thread);
    Ok(thread)
}

/// Charges one tick to the running thread's user or system time (and CPU interval timers).
pub fn account_tick(user: bool) {
    if crate::sched::IDLE.load(Ordering::Relaxed) {
        crate::sched::timer::IDLE_TICKS.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let Some(t) = current_thread() else { return };
    let ns = 1_000_000_000 / crate::arch::pic::HZ;
    if user {
        t.utime.fetch_add(ns, Ordering::Relaxed);
    } else {
        t.stime.fetch_add(ns, Ordering::Relaxed);
    }
    itimer::charge(&t.process, ns, user);
}
