//! A Linux-ABI compatible kernel for x86_64: boots through PVH like Linux under QEMU and runs an
//! unmodified Linux userland. See docs/architecture.md for the layers and the syscall path.
#![no_std]
#![no_main]

extern crate alloc;

mod arch;
mod block;
mod boot_info;
mod console;
mod init;
mod locks;
mod mm;
mod panic;
mod pipe;
mod power;
mod process;
mod procfs;
mod rand;
mod sched;
mod sync;
mod sysfs;
pub mod syscall;
mod time;
mod tty;
mod uts;
mod vfs;

/// Called by the PVH entry (arch/boot.rs) on the boot stack with the start-info physical address.
#[unsafe(no_mangle)]
extern "C" fn kernel_start(start_info: u64) -> ! {
    console::init();
    arch::cpu::init_bsp();
    arch::gdt::init();
    arch::idt::init();
    arch::percpu::init_bsp();
    arch::pic::init();
    let info = boot_info::parse(start_info);
    mm::init(&info);
    init::early_params(&info);
    arch::irq::init(drivers::acpi::discover_madt(&power::read_phys, info.rsdp));
    rand::init();
    time::init();
    power::init(info.rsdp);
    sched::park::install_fs_parking();
    block::probe();
    arch::syscall_entry::init();
    init::start(&info)
}
