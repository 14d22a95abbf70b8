//! uapi structures and constants, laid out exactly as Linux x86_64 defines them.
//!
//! Structs derive zerocopy's traits so syscall code can copy them to and from
//! user memory as bytes; each carries a compile-time size check against the
//! size Linux gives it.

pub mod dirent;
pub mod fcntl;
pub mod futex;
pub mod mman;
pub mod poll;
pub mod prctl;
pub mod random;
pub mod resource;
pub mod sched;
pub mod sigframe;
pub mod siginfo;
pub mod signal;
pub mod stat;
pub mod statfs;
pub mod sysinfo;
pub mod termios;
pub mod time;
pub mod timer;
pub mod ucontext;
pub mod uio;
pub mod utsname;
pub mod wait;
