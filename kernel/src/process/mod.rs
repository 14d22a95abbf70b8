//! Processes and threads. A thread owns registers, kernel stack, FPU state, signal mask, TLS base
//! and clear-child-tid; a process (thread group) owns the address space, fd table, filesystem
//! context, signal actions, limits and credentials. `clone` flags will choose what is shared.

pub mod exec;
pub mod exit;
pub mod fdtable;
pub mod fpu;
pub mod limits;
pub mod signal;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::mm::address_space::AddressSpace;
use crate::mm::{PAGE_SIZE, frame, phys_to_virt};
use crate::sync::SpinLock;
use fdtable::FdTable;
use fpu::FpuState;
use limits::Limits;
use signal::SignalActions;

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
pub struct FsContext {
    pub root: fs::vfs::Path,
    pub cwd: fs::vfs::Path,
    pub umask: u32,
}

pub struct Process {
    pub pid: Pid,
    pub mm: SpinLock<AddressSpace>,
    pub files: SpinLock<FdTable>,
    pub fs: SpinLock<FsContext>,
    pub sigactions: SpinLock<SignalActions>,
    pub limits: SpinLock<Limits>,
    pub creds: SpinLock<Credentials>,
    /// `comm`: the executable's base name, at most 15 bytes.
    pub comm: SpinLock<[u8; 16]>,
}

pub struct Thread {
    pub tid: Pid,
    pub process: Arc<Process>,
    kstack: KernelStack,
    pub fpu: FpuState,
    pub fs_base: AtomicU64,
    pub gs_base: AtomicU64,
    pub clear_child_tid: AtomicU64,
    pub robust_list: AtomicU64,
    pub sigmask: AtomicU64,
}

static NEXT_PID: AtomicU32 = AtomicU32::new(1);

impl Thread {
    pub fn kernel_stack_top(&self) -> u64 {
        self.kstack.top()
    }

    /// The user register frame at the top of this thread's kernel stack.
    pub fn user_frame(&self) -> *mut TrapFrame {
        (self.kstack.top() - size_of::<TrapFrame>() as u64) as *mut TrapFrame
    }
}

/// The thread running on this CPU (None during boot).
pub fn current_thread() -> Option<&'static Thread> {
    let p = crate::arch::percpu::current() as *const Thread;
    // SAFETY: percpu.current is set only by `run_first` from a leaked or otherwise live Arc<Thread>
    // that is not freed while it is current.
    unsafe { p.as_ref() }
}

/// The current thread, for syscall handlers (which always run in one).
pub fn current() -> &'static Thread {
    current_thread().expect("syscall without a current thread")
}

/// Creates PID 1 around a fresh address space with the given filesystem context.
pub fn new_init(fs: FsContext) -> SysResult<Arc<Thread>> {
    let pid = NEXT_PID.fetch_add(1, Ordering::Relaxed);
    let process = Arc::new(Process {
        pid,
        mm: SpinLock::new(AddressSpace::new()?),
        files: SpinLock::new(FdTable::new()),
        fs: SpinLock::new(fs),
        sigactions: SpinLock::new(SignalActions::default()),
        limits: SpinLock::new(Limits::default()),
        creds: SpinLock::new(Credentials::default()),
        comm: SpinLock::new(*b"init\0\0\0\0\0\0\0\0\0\0\0\0"),
    });
    Ok(Arc::new(Thread {
        tid: pid,
        process,
        kstack: KernelStack::new().ok_or(Errno::ENOMEM)?,
        fpu: FpuState::new().ok_or(Errno::ENOMEM)?,
        fs_base: AtomicU64::new(0),
        gs_base: AtomicU64::new(0),
        clear_child_tid: AtomicU64::new(0),
        robust_list: AtomicU64::new(0),
        sigmask: AtomicU64::new(0),
    }))
}

/// Makes `thread` current and enters user mode at its prepared frame. The scheduler replaces this
/// once there is more than one thread.
pub fn run_first(thread: Arc<Thread>) -> ! {
    let t = Arc::into_raw(thread);
    // SAFETY: `t` came from Arc::into_raw and is intentionally never released (PID 1 lives
    // until the machine stops).
    let t = unsafe { &*t };
    crate::arch::percpu::set_current(t as *const Thread as *const ());
    crate::arch::percpu::set_kernel_rsp(t.kernel_stack_top());
    // SAFETY: the address space's kernel half is the shared one.
    unsafe { crate::mm::paging::switch_to(t.process.mm.lock().page_table_root()) };
    t.fpu.restore();
    crate::arch::trap::enter_frame(t.user_frame())
}
