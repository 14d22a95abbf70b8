//! The Linux x86_64 user/kernel contract, as data and pure functions.
//!
//! Everything here can be computed without hardware, so it is tested on the host.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod cmdline;
pub mod errno;
pub mod stack;
pub mod syscalls;
pub mod time_conv;
pub mod uapi;

pub use errno::{Errno, SysResult};
