//! Typed access to user memory for syscall handlers. Every access goes through the fault-recovering
//! copy in `arch::usercopy`, so a bad pointer is `EFAULT`, never a kernel fault.

use alloc::vec::Vec;

use linux_abi::{Errno, SysResult};
use zerocopy::{FromBytes, Immutable, IntoBytes};

pub use crate::arch::usercopy::{copy_from_user, copy_from_user_partial, copy_to_user, copy_to_user_partial};

/// Reads a `T` from user address `addr`.
pub fn read<T: FromBytes + IntoBytes>(addr: u64) -> SysResult<T> {
    let mut value = T::new_zeroed();
    copy_from_user(value.as_mut_bytes(), addr)?;
    Ok(value)
}

/// Writes `value` to user address `addr`.
pub fn write<T: IntoBytes + Immutable>(addr: u64, value: &T) -> SysResult<()> {
    copy_to_user(addr, value.as_bytes())
}

/// Reads a NUL-terminated string of at most `max` bytes (excluding the NUL). Longer → `too_long`.
pub fn read_cstr(addr: u64, max: usize, too_long: Errno) -> SysResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 256];
    let mut at = addr;
    loop {
        // Never read across a page boundary in one go: the next page may legitimately be unmapped.
        let to_page_end = (4096 - (at % 4096)) as usize;
        let want = chunk.len().min(to_page_end);
        let got = copy_from_user_partial(&mut chunk[..want], at)?;
        if got == 0 {
            return Err(Errno::EFAULT);
        }
        if let Some(nul) = chunk[..got].iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..nul]);
            return if out.len() > max { Err(too_long) } else { Ok(out) };
        }
        out.extend_from_slice(&chunk[..got]);
        if out.len() > max {
            return Err(too_long);
        }
        at += got as u64;
    }
}

/// Reads a NULL-terminated array of string pointers (argv/envp) with Linux's limits: each string
/// below `max_str`, all of them together at most `max_total` bytes (E2BIG beyond).
pub fn read_cstr_array(addr: u64, max_str: usize, max_total: usize) -> SysResult<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    let mut total = 0usize;
    if addr == 0 {
        return Ok(out);
    }
    loop {
        let ptr: u64 = read(addr + 8 * out.len() as u64)?;
        if ptr == 0 {
            return Ok(out);
        }
        let s = read_cstr(ptr, max_str, Errno::E2BIG)?;
        total += s.len() + 1 + size_of::<u64>();
        if total > max_total {
            return Err(Errno::E2BIG);
        }
        out.push(s);
    }
}
