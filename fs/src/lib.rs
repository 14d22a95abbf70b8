//! The virtual filesystem and the filesystems behind it.
#![cfg_attr(not(test), no_std)]

extern crate alloc;
