//! Syscall dispatch. The table (generated from Linux's syscall_64.tbl, see table.rs) maps numbers to
//! handlers; each family lives in its own file. Handlers take the user register frame, decode their
//! arguments with `abi/linux` types and return `SysResult<usize>`; the result becomes RAX here.

mod fs;
pub mod futex;
pub mod info;
mod lock;
mod memory;
mod namespace;
mod poll;
mod process;
mod random;
mod signal;
mod socket;
mod table;
mod time;
mod xattr;

use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;

pub type Handler = fn(&mut TrapFrame) -> SysResult<usize>;

/// Every handler the generated table refers to, by its Linux name.
mod handlers {
    pub use super::fs::*;
    pub use super::futex::*;
    pub use super::info::*;
    pub use super::lock::*;
    pub use super::memory::*;
    pub use super::namespace::*;
    pub use super::poll::*;
    pub use super::process::*;
    pub use super::random::*;
    pub use super::signal::*;
    pub use super::socket::*;
    pub use super::time::*;
    pub use super::xattr::*;
}

impl TrapFrame {
    /// Syscall argument `n` (0–5) in the x86_64 convention: rdi, rsi, rdx, r10, r8, r9.
    pub fn arg(&self, n: usize) -> u64 {
        match n {
            0 => self.rdi,
            1 => self.rsi,
            2 => self.rdx,
            3 => self.r10,
            4 => self.r8,
            _ => self.r9,
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn dispatch(frame: &mut TrapFrame) {
    let nr = frame.orig_rax as usize;
    let result = match table::TABLE.get(nr).copied().flatten() {
        Some(handler) => handler(frame),
        None => {
            let name = linux_abi::syscalls::info(nr).map_or("?", |i| i.name);
            log::debug!("syscall {nr} ({name}) not implemented");
            Err(Errno::ENOSYS)
        }
    };
    frame.rax = match result {
        Ok(v) => v as u64,
        Err(e) => {
            // Failed calls at `loglevel=9` (debug 10): a minimal strace for bring-up.
            log::trace!("{}: syscall {} ({}) = -{:?}", crate::process::current().tid, nr, linux_abi::syscalls::info(nr).map_or("?", |i| i.name), e);
            e.as_return() as u64
        }
    };
    crate::sched::exit_to_user(frame);
}

/// Rejects flag bits outside `known` with EINVAL (for flags Linux honours that we do not).
pub fn check_flags(flags: u64, known: u64) -> SysResult<()> {
    if flags & !known != 0 { Err(Errno::EINVAL) } else { Ok(()) }
}

pub use info::RELEASE;
