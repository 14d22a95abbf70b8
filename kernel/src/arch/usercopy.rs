//! Copies between kernel and user memory that survive bad user pointers. The copy is one
//! `rep movsb` whose address is listed in the exception table (`.ex_table`); a page fault there that
//! the memory manager cannot resolve resumes at the fixup, which reports the bytes left.
//! Everything above this module uses `UserPtr`/`copy_*_user` and gets `EFAULT`, never a fault.

use core::arch::global_asm;

use linux_abi::{Errno, SysResult};

/// First address past the user half (Linux's TASK_SIZE_MAX: one guard page below 2^47).
pub const USER_END: u64 = 0x0000_7fff_ffff_f000;

global_asm!(
    r#"
    .text
    .global __copy_user
    /* rdi = dst, rsi = src, rdx = len; returns the number of bytes NOT copied. */
__copy_user:
    mov %rdx, %rcx
1:  rep movsb
    xor %eax, %eax
    ret
2:  mov %rcx, %rax
    ret

    .section .ex_table, "a"
    .p2align 3
    .quad 1b, 2b
    .text
"#,
    options(att_syntax)
);

// SAFETY: defined by the global_asm above (routine and exception-table bounds from the linker).
unsafe extern "C" {
    fn __copy_user(dst: *mut u8, src: *const u8, len: usize) -> usize;
    static __ex_table_start: u64;
    static __ex_table_end: u64;
}

/// If `rip` is a user-access instruction, the address to resume at after a fault.
pub fn fixup_for(rip: u64) -> Option<u64> {
    let start = &raw const __ex_table_start;
    let end = &raw const __ex_table_end;
    let count = (end as usize - start as usize) / 16;
    // SAFETY: the linker script bounds .ex_table with these symbols; entries are pairs of u64.
    let table = unsafe { core::slice::from_raw_parts(start, count * 2) };
    table.chunks_exact(2).find(|e| e[0] == rip).map(|e| e[1])
}

/// Checks that `[addr, addr + len)` lies in the user half.
pub fn check_user_range(addr: u64, len: usize) -> SysResult<()> {
    match addr.checked_add(len as u64) {
        Some(end) if end <= USER_END => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

/// Copies from user memory; returns how many bytes were copied before a fault (== len on success).
pub fn copy_from_user_partial(dst: &mut [u8], src: u64) -> SysResult<usize> {
    if dst.is_empty() {
        return Ok(0);
    }
    check_user_range(src, dst.len())?;
    // SAFETY: dst is a valid kernel buffer; src is a user-half range, and any fault on it is caught
    // by the exception table (the page-fault handler never touches kernel memory for it).
    let left = unsafe { __copy_user(dst.as_mut_ptr(), src as *const u8, dst.len()) };
    Ok(dst.len() - left)
}

/// Copies to user memory; returns how many bytes were copied before a fault.
pub fn copy_to_user_partial(dst: u64, src: &[u8]) -> SysResult<usize> {
    if src.is_empty() {
        return Ok(0);
    }
    check_user_range(dst, src.len())?;
    // SAFETY: as in copy_from_user_partial, with the roles swapped.
    let left = unsafe { __copy_user(dst as *mut u8, src.as_ptr(), src.len()) };
    Ok(src.len() - left)
}

pub fn copy_from_user(dst: &mut [u8], src: u64) -> SysResult<()> {
    if copy_from_user_partial(dst, src)? == dst.len() { Ok(()) } else { Err(Errno::EFAULT) }
}

pub fn copy_to_user(dst: u64, src: &[u8]) -> SysResult<()> {
    if copy_to_user_partial(dst, src)? == src.len() { Ok(()) } else { Err(Errno::EFAULT) }
}
