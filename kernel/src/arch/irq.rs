//! Interrupt routing. Device interrupts reach the CPU through the I/O APIC when the firmware's MADT
//! describes one — ISA IRQs remapped as it says (QEMU wires the PIT to GSI 2), PCI lines
//! level-triggered — with the 8259s masked; without an MADT they stay on the 8259s. Drivers name
//! an interrupt by its *line*: a GSI under the I/O APIC, an ISA IRQ under the 8259s. Line `n`
//! arrives at vector `VECTOR_BASE + n`.

use alloc::vec::Vec;

use drivers::acpi::{Madt, Signal};

use super::apic::{IoApic, LocalApic};
use super::pic;

pub const VECTOR_BASE: u8 = 32;
/// Lines with a vector of their own: one I/O APIC's 24 inputs (the 8259s have 16).
pub const LINES: u8 = 24;

struct Apics {
    lapic: LocalApic,
    io: Vec<IoApic>,
    madt: Madt,
}

static APICS: spin::Once<Apics> = spin::Once::new();

/// Switches to the APICs if the MADT describes them (call once, after paging is up).
pub fn init(madt: Option<Madt>) {
    let Some(madt) = madt else {
        log::info!("no ACPI MADT: interrupts through the 8259 PICs");
        return;
    };
    let Some(lapic) = LocalApic::init(madt.lapic_address) else { return };
    let io: Vec<IoApic> = madt.io_apics.iter().filter_map(|a| IoApic::init(a.address as u64, a.gsi_base)).collect();
    if io.is_empty() {
        return;
    }
    // Every 8259 line is already masked (pic::init); they stay so.
    log::info!("IOAPIC[0]: GSI {}-{} at {:#x}", io[0].gsi_base, io[0].gsi_base + io[0].pins - 1, madt.io_apics[0].address);
    APICS.call_once(|| Apics { lapic, io, madt });
}

fn claim(gsi: u32, signal: Signal) -> Option<u8> {
    let Some(apics) = APICS.get() else {
        return (gsi < 16).then_some(gsi as u8);
    };
    let line = u8::try_from(gsi).ok().filter(|&l| l < LINES)?;
    let io = apics.io.iter().find(|io| io.serves(gsi))?;
    io.route(gsi, VECTOR_BASE + line, signal, apics.lapic.id());
    Some(line)
}

/// The line of ISA IRQ `irq`, routed (masked) with the polarity and trigger the MADT gives it.
pub fn claim_isa(irq: u8) -> Option<u8> {
    let (gsi, signal) = route(irq, Signal::ISA);
    claim(gsi, signal)
}

/// The line of a PCI device whose interrupt-line register holds `irq` (the ISA IRQ its INTx pin
/// was routed to by firmware). PCI interrupts are level-triggered; QEMU's MADT says so for its
/// PCI lines, and that override wins when present.
pub fn claim_pci(irq: u8) -> Option<u8> {
    let (gsi, signal) = route(irq, Signal { level_triggered: true, active_low: true });
    claim(gsi, signal)
}

fn route(irq: u8, default: Signal) -> (u32, Signal) {
    match APICS.get() {
        Some(a) => a.madt.route(irq, default),
        None => (irq as u32, default),
    }
}

/// The line ISA IRQ `irq` arrives on (no routing change).
pub fn isa_line(irq: u8) -> u8 {
    route(irq, Signal::ISA).0 as u8
}

fn ioapic_for(line: u8) -> Option<&'static IoApic> {
    APICS.get()?.io.iter().find(|io| io.serves(line as u32))
}

pub fn unmask(line: u8) {
    match APICS.get() {
        Some(_) => ioapic_for(line).into_iter().for_each(|io| io.set_masked(line as u32, false)),
        None => pic::unmask(line),
    }
}

pub fn mask(line: u8) {
    match APICS.get() {
        Some(_) => ioapic_for(line).into_iter().for_each(|io| io.set_masked(line as u32, true)),
        None => pic::mask(line),
    }
}

pub fn end_of_interrupt(line: u8) {
    match APICS.get() {
        Some(a) => a.lapic.end_of_interrupt(),
        None => pic::end_of_interrupt(line),
    }
}
