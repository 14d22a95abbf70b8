//! Sockets: AF_INET/AF_INET6 over smoltcp and AF_UNIX, against a NIC trait.
//!
//! Nothing is implemented yet; every socket syscall is listed as missing in `docs/syscalls.md`
//! and returns `-ENOSYS` through the generated table.
#![cfg_attr(not(test), no_std)]
