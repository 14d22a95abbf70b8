//! Kernel context switch: callee-saved registers on the old stack, stack pointers swapped.
//! A new thread's stack is prepared so that its first switch "returns" into `thread_start`, which
//! leaves through `trap_return` with the thread's user frame.

use core::arch::naked_asm;

/// Saves the current context, storing its stack pointer in `*prev_rsp`, and resumes the one
/// whose stack pointer is `next_rsp`.
///
/// # Safety
/// `next_rsp` must be a stack pointer saved by this function or prepared by `prepare_stack`, on
/// a kernel stack that stays allocated while that context can run; interrupts must be disabled.
#[unsafe(naked)]
pub unsafe extern "C" fn switch_context(prev_rsp: *mut u64, next_rsp: u64) {
    naked_asm!(
        "push rbp",
        "push rbx",
        "push r12",
        "push r13",
        "push r14",
        "push r15",
        "mov [rdi], rsp",
        "mov rsp, rsi",
        "pop r15",
        "pop r14",
        "pop r13",
        "pop r12",
        "pop rbx",
        "pop rbp",
        "ret",
    )
}

/// First code a new thread runs: finish the scheduler's bookkeeping, then enter user mode.
#[unsafe(naked)]
unsafe extern "C" fn thread_start() {
    naked_asm!(
        "call {finish}",
        "jmp trap_return",
        finish = sym crate::sched::finish_switch,
    )
}

/// Lays out a fresh kernel stack whose top holds the user frame (already written by the caller
/// at `frame_addr`): below it the return address `thread_start` and six zeroed callee-saved
/// registers. Returns the stack pointer to hand to `switch_context`.
///
/// # Safety
/// `frame_addr` must be the address of the TrapFrame at the top of an exclusively owned kernel
/// stack with at least 64 bytes free below it.
pub unsafe fn prepare_stack(frame_addr: u64) -> u64 {
    let sp = frame_addr - 8 * 7;
    let slots = sp as *mut u64;
    // SAFETY: per the contract these 7 words are ours, below the frame.
    unsafe {
        for i in 0..6 {
            slots.add(i).write(0);
        }
        slots.add(6).write(thread_start as *const () as u64);
    }
    sp
}
