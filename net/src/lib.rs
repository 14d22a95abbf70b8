//! Sockets. Today: the rtnetlink protocol (NETLINK_ROUTE) that libc's getifaddrs() and
//! if_nameindex() speak, answering from the interfaces the kernel has. AF_INET/AF_INET6 over
//! smoltcp and AF_UNIX are to come; the socket syscalls answer EAFNOSUPPORT for them.
#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod netlink;
