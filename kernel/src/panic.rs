//! Kernel panics and fatal kernel faults: a report with registers and a frame-pointer backtrace,
//! then the `panic=` policy (reboot after N seconds, at once if negative, never if 0).

use core::sync::atomic::{AtomicI64, Ordering};

use crate::arch::TrapFrame;
use crate::arch::trap::exception_name;
use crate::kprintln;

static PANIC_TIMEOUT: AtomicI64 = AtomicI64::new(0);

pub fn set_timeout(seconds: i64) {
    PANIC_TIMEOUT.store(seconds, Ordering::Relaxed);
}

/// Walks the saved-RBP chain while it stays in the kernel's half of the address space.
fn backtrace(mut rbp: u64) {
    kprintln!("Call Trace:");
    for _ in 0..32 {
        if rbp < crate::mm::PHYS_OFFSET || !rbp.is_multiple_of(8) {
            break;
        }
        // SAFETY: rbp is a kernel-half, aligned address that the frame chain points at; kernel code
        // is built with frame pointers so [rbp] is the caller's rbp and [rbp+8] the return address.
        // A corrupt chain could still point at unmapped memory: we are already panicking.
        let (next, ret) = unsafe { (*(rbp as *const u64), *((rbp + 8) as *const u64)) };
        if ret == 0 {
            break;
        }
        kprintln!("  [<{:016x}>]", ret);
        if next <= rbp {
            break;
        }
        rbp = next;
    }
}

fn dump_frame(f: &TrapFrame) {
    kprintln!("RIP: {:04x}:{:016x} RSP: {:04x}:{:016x} EFLAGS: {:08x}", f.cs, f.rip, f.ss, f.rsp, f.rflags);
    kprintln!("RAX: {:016x} RBX: {:016x} RCX: {:016x}", f.rax, f.rbx, f.rcx);
    kprintln!("RDX: {:016x} RSI: {:016x} RDI: {:016x}", f.rdx, f.rsi, f.rdi);
    kprintln!("RBP: {:016x} R08: {:016x} R09: {:016x}", f.rbp, f.r8, f.r9);
    kprintln!("R10: {:016x} R11: {:016x} R12: {:016x}", f.r10, f.r11, f.r12);
    kprintln!("R13: {:016x} R14: {:016x} R15: {:016x}", f.r13, f.r14, f.r15);
}

/// An exception in kernel mode that nothing could handle.
pub fn kernel_fault(frame: &TrapFrame, cr2: Option<u64>) -> ! {
    kprintln!("BUG: {} in kernel mode (error code {:#x})", exception_name(frame.vector), frame.orig_rax);
    if let Some(addr) = cr2 {
        kprintln!("CR2: {:016x}", addr);
    }
    dump_frame(frame);
    backtrace(frame.rbp);
    halt_or_reboot(format_args!("Fatal exception"))
}

/// Prints Linux's panic line and applies the `panic=` policy.
pub fn halt_or_reboot(reason: core::fmt::Arguments) -> ! {
    crate::console::print_timestamped(format_args!("Kernel panic - not syncing: {}", reason));
    let timeout = PANIC_TIMEOUT.load(Ordering::Relaxed);
    // As Linux: a negative panic= restarts at once, before the end marker.
    if timeout < 0 {
        crate::arch::cpu::reboot();
    }
    crate::console::print_timestamped(format_args!("---[ end Kernel panic - not syncing: {} ]---", reason));
    if timeout > 0 {
        kprintln!("Rebooting in {} seconds..", timeout);
        let until = crate::arch::cpu::uptime_ns() + timeout as u64 * 1_000_000_000;
        while crate::arch::cpu::uptime_ns() < until {
            core::hint::spin_loop();
        }
        crate::arch::cpu::reboot();
    }
    crate::arch::cpu::halt_forever()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    x86_64::instructions::interrupts::disable();
    kprintln!("BUG: kernel panic: {}", info);
    let rbp: u64;
    // SAFETY: reading the frame pointer register has no side effects.
    unsafe { core::arch::asm!("mov {}, rbp", out(reg) rbp) };
    backtrace(rbp);
    halt_or_reboot(format_args!("kernel BUG"))
}
