//! The register frame every kernel entry (exception, interrupt, SYSCALL) builds on the kernel
//! stack, the common entry/exit assembly, and exception dispatch.

use core::arch::global_asm;

use super::{gdt, irq};

/// Saved user (or interrupted kernel) registers, laid out like Linux's `pt_regs`: the syscall
/// number shares the slot of the CPU's error code (`orig_rax`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    /// CPU error code for exceptions; the syscall number for SYSCALL entries.
    pub orig_rax: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}

pub const FRAME_CS_OFFSET: usize = core::mem::offset_of!(TrapFrame, cs);
const _: () = assert!(FRAME_CS_OFFSET == 144 && core::mem::size_of::<TrapFrame>() == 176);

/// `vector` value of frames built by the SYSCALL entry.
pub const SYSCALL_VECTOR: u64 = 0x100;

impl TrapFrame {
    pub fn is_user(&self) -> bool {
        self.cs & 3 == 3
    }

    /// A fresh user-mode frame entering at `rip` with stack `rsp`, all other registers zero.
    pub fn new_user(rip: u64, rsp: u64) -> Self {
        TrapFrame {
            rip,
            rsp,
            cs: gdt::USER_CS as u64,
            ss: gdt::USER_DS as u64,
            rflags: 0x202, // IF
            ..Default::default()
        }
    }
}

global_asm!(
    r#"
    .macro PUSH_GPRS
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    .endm

    .macro POP_GPRS
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    .endm

    .text
    .global trap_common
trap_common:
    PUSH_GPRS
    testb $3, 144(%rsp)
    jz 1f
    swapgs
1:  mov %rsp, %rdi
    cld
    call trap_dispatch

    .global trap_return
trap_return:
    cli
    testb $3, 144(%rsp)
    jz 1f
    swapgs
1:  POP_GPRS
    add $16, %rsp
    iretq

    /* 256 stubs of 16 bytes each: push a zero error code where the CPU pushes none, then the
       vector number. */
    .p2align 4
    .global trap_stubs
trap_stubs:
    .set vec, 0
    .rept 256
    .p2align 4
    .if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
    .else
    push $0
    .endif
    push $vec
    jmp trap_common
    .set vec, vec + 1
    .endr
"#,
    options(att_syntax)
);

/// Starts executing a prepared frame (which must sit at the top of the current kernel stack).
pub fn enter_frame(frame: *const TrapFrame) -> ! {
    // SAFETY: `frame` is a complete TrapFrame on the current thread's kernel stack; trap_return pops
    // it and irets. Nothing on this stack below the frame is needed afterwards.
    unsafe {
        core::arch::asm!(
            "mov rsp, {0}",
            "jmp trap_return",
            in(reg) frame,
            options(noreturn)
        )
    }
}

pub mod vector {
    pub const DIVIDE_ERROR: u64 = 0;
    pub const DEBUG: u64 = 1;
    pub const BREAKPOINT: u64 = 3;
    pub const INVALID_OPCODE: u64 = 6;
    pub const DOUBLE_FAULT: u64 = 8;
    pub const PAGE_FAULT: u64 = 14;
    pub const X87_FPU: u64 = 16;
    pub const ALIGNMENT_CHECK: u64 = 17;
    pub const SIMD_FP: u64 = 19;
}

const EXCEPTION_NAMES: [&str; 32] = [
    "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
    "invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
    "invalid TSS", "segment not present", "stack segment fault", "general protection fault",
    "page fault", "reserved", "x87 FPU error", "alignment check", "machine check",
    "SIMD floating-point exception", "virtualization exception", "control protection",
    "reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
    "hypervisor injection", "VMM communication", "security exception", "reserved",
];

pub fn exception_name(vector: u64) -> &'static str {
    EXCEPTION_NAMES.get(vector as usize).copied().unwrap_or("interrupt")
}

#[unsafe(no_mangle)]
extern "C" fn trap_dispatch(frame: &mut TrapFrame) {
    match frame.vector {
        vector::PAGE_FAULT => crate::mm::fault::handle_page_fault(frame),
        v if v < 32 => {
            if frame.is_user() {
                crate::process::signal::user_exception(frame);
            } else {
                crate::panic::kernel_fault(frame, None);
            }
        }
        v if v < (irq::VECTOR_BASE + irq::LINES) as u64 => {
            let line = (v - irq::VECTOR_BASE as u64) as u8;
            if line == irq::isa_line(super::pic::IRQ_TIMER) {
                crate::process::account_tick(frame.is_user());
                crate::sched::timer::tick();
            } else if line == irq::isa_line(super::pic::IRQ_COM1) {
                crate::tty::serial_interrupt();
            } else {
                crate::block::interrupt(line);
            }
            irq::end_of_interrupt(line);
        }
        v if v == super::apic::SPURIOUS_VECTOR as u64 => {}
        _ => log::warn!("unexpected interrupt vector {}", frame.vector),
    }
    if frame.is_user() {
        crate::sched::exit_to_user(frame);
    }
}
