//! The virtual filesystem and the filesystems behind it.
//!
//! `vfs` holds the filesystem-independent layer (inodes, dentries, mounts, path walk, open file
//! descriptions, permissions); `tmpfs`, `devfs` and the initramfs unpacker (`cpio`, `gzip`,
//! `initramfs`) are the first filesystems on it, and `boot` ties them into the root the kernel
//! starts with. Everything is host-testable: no hardware, and no `unsafe` outside the lock
//! implementations in `sync`.
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

extern crate alloc;

pub mod blockdev;
pub mod boot;
pub mod clock;
pub mod cpio;
pub mod devfs;
pub mod devices;
pub mod ext2;
pub mod ext4;
pub mod gzip;
pub mod initramfs;
pub mod procfs;
#[allow(unsafe_code)]
pub mod sync;
pub mod tmpfs;
pub mod vfs;

#[cfg(test)]
mod testutil;

pub use linux_abi::{Errno, SysResult};
