//! Per-CPU data reached through the GS base while in the kernel. The SYSCALL entry uses fixed
//! offsets into it, so its layout is `repr(C)` and the offsets are checked at compile time.

use core::cell::UnsafeCell;
use core::mem::offset_of;

use x86_64::registers::model_specific::{GsBase, KernelGsBase};

#[repr(C)]
pub struct PerCpu {
    self_ptr: u64,
    /// Top of the running thread's kernel stack: SYSCALL switches to it.
    kernel_rsp: u64,
    /// User RSP parked by the SYSCALL entry before the stack switch.
    user_rsp: u64,
    cpu_id: u64,
    /// The running thread (`process::Thread`), or null before the first one starts.
    current: u64,
}

pub const KERNEL_RSP_OFFSET: usize = offset_of!(PerCpu, kernel_rsp);
pub const USER_RSP_OFFSET: usize = offset_of!(PerCpu, user_rsp);
const _: () = assert!(KERNEL_RSP_OFFSET == 8 && USER_RSP_OFFSET == 16);

struct PerCpuCell(UnsafeCell<PerCpu>);

// SAFETY: each CPU only touches its own PerCpu, with interrupts disabled when it writes.
unsafe impl Sync for PerCpuCell {}

static BSP: PerCpuCell = PerCpuCell(UnsafeCell::new(PerCpu {
    self_ptr: 0,
    kernel_rsp: 0,
    user_rsp: 0,
    cpu_id: 0,
    current: 0,
}));

pub fn init_bsp() {
    let p = BSP.0.get();
    // SAFETY: boot is single-threaded; GS base now points at this CPU's block, and the user GS
    // base (swapped in by SWAPGS on return to user mode) starts at zero as on Linux.
    unsafe {
        (*p).self_ptr = p as u64;
        GsBase::write(x86_64::VirtAddr::new(p as u64));
        KernelGsBase::write(x86_64::VirtAddr::new(0));
    }
}

fn this_cpu() -> *mut PerCpu {
    // Single CPU for now; with SMP this reads gs:[0] (self_ptr).
    BSP.0.get()
}

pub fn set_kernel_rsp(top: u64) {
    // SAFETY: the owning CPU writes its own block with interrupts disabled (context switch).
    unsafe { (*this_cpu()).kernel_rsp = top };
    super::gdt::set_kernel_stack(top);
}

pub fn set_current(thread: *const ()) {
    // SAFETY: as in set_kernel_rsp.
    unsafe { (*this_cpu()).current = thread as u64 };
}

pub fn current() -> *const () {
    // SAFETY: plain read of this CPU's own block.
    unsafe { (*this_cpu()).current as *const () }
}
