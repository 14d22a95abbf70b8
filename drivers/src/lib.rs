//! Device drivers and the tty layer.
#![cfg_attr(not(test), no_std)]

extern crate alloc;

pub mod acpi;
pub mod rtc;
pub mod partition;
pub mod pci;
pub mod serial;
pub mod tty;
