//! SYSCALL/SYSRET. The entry switches to the thread's kernel stack (from per-CPU data), builds a
//! `TrapFrame` identical to an exception's, and calls `syscall::dispatch`. The exit takes SYSRET
//! when the frame allows it (RCX == RIP, R11 == RFLAGS, canonical RIP, as Linux checks) and IRET
//! otherwise, e.g. after execve or a signal frame that must restore RCX/R11.

use core::arch::naked_asm;

use x86_64::VirtAddr;
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;
use x86_64::structures::gdt::SegmentSelector;

use super::gdt;
use super::percpu::{KERNEL_RSP_OFFSET, USER_RSP_OFFSET};

#[unsafe(naked)]
unsafe extern "C" fn syscall_entry() {
    naked_asm!(
        "swapgs",
        "mov gs:[{user_rsp}], rsp",
        "mov rsp, gs:[{kernel_rsp}]",
        "push {user_ds}",
        "push qword ptr gs:[{user_rsp}]",
        "push r11",
        "push {user_cs}",
        "push rcx",
        "push rax",               // orig_rax
        "push {vector}",
        "push rax",
        "push rbx",
        "push rcx",
        "push rdx",
        "push rsi",
        "push rdi",
        "push rbp",
        "push r8",
        "push r9",
        "push r10",
        "push r11",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov rdi, rsp",
        "cld",
        "call {dispatch}",
        "cli",
        // SYSRET only when it restores exactly what the frame says.
        "mov rcx, [rsp + 17*8]",  // rip
        "cmp rcx, [rsp + 12*8]",  // frame.rcx
        "jne 2f",
        "mov r11, [rsp + 19*8]",  // rflags
        "cmp r11, [rsp + 4*8]",   // frame.r11
        "jne 2f",
        "shr rcx, 47",            // non-canonical or kernel RIP would fault in ring 0 on SYSRET
        "jnz 2f",
        "test r11, 0x10100",      // RF/TF need IRET semantics
        "jnz 2f",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop r11",
        "pop r10",
        "pop r9",
        "pop r8",
        "pop rbp",
        "pop rdi",
        "pop rsi",
        "pop rdx",
        "pop rcx",
        "pop rbx",
        "pop rax",
        "mov rsp, [rsp + 5*8]",   // user rsp (past vector, orig_rax, rip, cs, rflags)
        "swapgs",
        "sysretq",
        "2:",
        "jmp trap_return",
        user_rsp = const USER_RSP_OFFSET,
        kernel_rsp = const KERNEL_RSP_OFFSET,
        user_ds = const gdt::USER_DS as u64,
        user_cs = const gdt::USER_CS as u64,
        vector = const super::trap::SYSCALL_VECTOR,
        dispatch = sym crate::syscall::dispatch,
    )
}


pub fn init() {
    // SAFETY: programming the SYSCALL MSRs with the fixed GDT layout and a valid entry point.
    unsafe {
        Efer::update(|f| f.insert(EferFlags::SYSTEM_CALL_EXTENSIONS | EferFlags::NO_EXECUTE_ENABLE));
        LStar::write(VirtAddr::new(syscall_entry as *const () as u64));
        // Mask IF (entry runs with interrupts off until the stack switch is done), TF, DF, AC, NT.
        SFMask::write(
            RFlags::INTERRUPT_FLAG
                | RFlags::TRAP_FLAG
                | RFlags::DIRECTION_FLAG
                | RFlags::ALIGNMENT_CHECK
                | RFlags::NESTED_TASK,
        );
        Star::write(
            SegmentSelector(gdt::USER_CS),
            SegmentSelector(gdt::USER_DS),
            SegmentSelector(gdt::KERNEL_CS),
            SegmentSelector(gdt::KERNEL_DS),
        )
        .expect("GDT layout matches SYSCALL/SYSRET");
    }
}
