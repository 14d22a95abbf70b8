//! x86_64: the only code that touches the CPU directly. Everything above it sees safe types.

pub mod apic;
pub mod boot;
pub mod cpu;
pub mod gdt;
pub mod idt;
pub mod irq;
pub mod percpu;
pub mod pic;
pub mod switch;
pub mod syscall_entry;
pub mod trap;
pub mod usercopy;

pub use trap::TrapFrame;
