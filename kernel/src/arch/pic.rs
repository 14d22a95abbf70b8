//! The legacy chips: the two 8259 PICs (remapped to vectors 32–47 and fully masked; they route
//! interrupts only on machines without an I/O APIC, see `irq`), and the PIT as the periodic tick.

use x86_64::instructions::port::Port;

pub const IRQ_BASE: u8 = 32;
pub const IRQ_TIMER: u8 = 0;
pub const IRQ_COM1: u8 = 4;
/// Scheduler tick rate (Linux's common CONFIG_HZ).
pub const HZ: u64 = 250;
const PIT_HZ: u64 = 1_193_182;

fn outb(port: u16, value: u8) {
    // SAFETY: only called with the PIC and PIT ports, which this module owns.
    unsafe { Port::<u8>::new(port).write(value) }
}

fn inb(port: u16) -> u8 {
    // SAFETY: as in outb.
    unsafe { Port::<u8>::new(port).read() }
}

/// Remaps the PICs to IRQ_BASE, masks every line, and starts the PIT at HZ.
pub fn init() {
    // ICW1: edge triggered, cascade, expect ICW4.
    outb(0x20, 0x11);
    outb(0xa0, 0x11);
    outb(0x21, IRQ_BASE);
    outb(0xa1, IRQ_BASE + 8);
    outb(0x21, 4); // slave on IRQ2
    outb(0xa1, 2);
    outb(0x21, 0x01); // 8086 mode
    outb(0xa1, 0x01);
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    // PIT channel 0, lobyte/hibyte, mode 2 (rate generator).
    let divisor = (PIT_HZ / HZ) as u16;
    outb(0x43, 0x34);
    outb(0x40, divisor as u8);
    outb(0x40, (divisor >> 8) as u8);
}

pub fn unmask(irq: u8) {
    if irq < 8 {
        outb(0x21, inb(0x21) & !(1 << irq));
    } else {
        outb(0xa1, inb(0xa1) & !(1 << (irq - 8)));
        outb(0x21, inb(0x21) & !(1 << 2));
    }
}

pub fn mask(irq: u8) {
    if irq < 8 {
        outb(0x21, inb(0x21) | (1 << irq));
    } else if irq < 16 {
        outb(0xa1, inb(0xa1) | (1 << (irq - 8)));
    }
}

pub fn end_of_interrupt(irq: u8) {
    if irq >= 8 {
        outb(0xa0, 0x20);
    }
    outb(0x20, 0x20);
}
