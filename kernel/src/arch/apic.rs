//! The local APIC (end-of-interrupt, spurious vector) and the I/O APIC (one redirection entry per
//! interrupt input), both through uncached MMIO mappings.

use core::ptr::{read_volatile, write_volatile};

use drivers::acpi::Signal;

use crate::sync::SpinLock;

/// Where spurious local-APIC interrupts land; they need no EOI and are ignored.
pub const SPURIOUS_VECTOR: u8 = 0xff;

// Local APIC registers (SDM vol. 3 table 11-1).
const LAPIC_ID: u64 = 0x20;
const LAPIC_TPR: u64 = 0x80;
const LAPIC_EOI: u64 = 0xb0;
const LAPIC_SVR: u64 = 0xf0;
const LAPIC_LVT_LINT0: u64 = 0x350;
const LAPIC_LVT_ERROR: u64 = 0x370;
const SVR_ENABLE: u32 = 1 << 8;
const LVT_MASKED: u32 = 1 << 16;

// I/O APIC registers: an index register and a data window.
const IOREGSEL: u64 = 0x00;
const IOWIN: u64 = 0x10;
const IOAPIC_VER: u32 = 0x01;
const IOAPIC_REDTBL: u32 = 0x10;
const RTE_ACTIVE_LOW: u32 = 1 << 13;
const RTE_LEVEL: u32 = 1 << 15;
const RTE_MASKED: u32 = 1 << 16;

pub struct LocalApic {
    base: u64,
}

impl LocalApic {
    /// Maps and software-enables the local APIC at physical `pa`. LINT0 (where firmware wires the
    /// 8259s in virtual-wire mode) is masked: every device interrupt now comes via the I/O APIC.
    pub fn init(pa: u64) -> Option<LocalApic> {
        let base = crate::mm::paging::map_mmio(pa, 0x1000)?;
        let lapic = LocalApic { base };
        lapic.write(LAPIC_TPR, 0);
        lapic.write(LAPIC_LVT_LINT0, LVT_MASKED);
        lapic.write(LAPIC_LVT_ERROR, LVT_MASKED);
        lapic.write(LAPIC_SVR, SVR_ENABLE | SPURIOUS_VECTOR as u32);
        Some(lapic)
    }

    pub fn id(&self) -> u8 {
        (self.read(LAPIC_ID) >> 24) as u8
    }

    pub fn end_of_interrupt(&self) {
        self.write(LAPIC_EOI, 0);
    }

    fn read(&self, reg: u64) -> u32 {
        // SAFETY: `base` maps the local APIC's 4 KiB register page; `reg` is one of its registers.
        unsafe { read_volatile((self.base + reg) as *const u32) }
    }

    fn write(&self, reg: u64, value: u32) {
        // SAFETY: as in read.
        unsafe { write_volatile((self.base + reg) as *mut u32, value) }
    }
}

pub struct IoApic {
    base: u64,
    pub gsi_base: u32,
    pub pins: u32,
    /// IOREGSEL and IOWIN are a pair: one access at a time.
    lock: SpinLock<()>,
}

impl IoApic {
    /// Maps the I/O APIC at physical `pa` and masks every input.
    pub fn init(pa: u64, gsi_base: u32) -> Option<IoApic> {
        let base = crate::mm::paging::map_mmio(pa, 0x1000)?;
        let mut io = IoApic { base, gsi_base, pins: 0, lock: SpinLock::new(()) };
        io.pins = ((io.read(IOAPIC_VER) >> 16) & 0xff) + 1;
        for pin in 0..io.pins {
            io.write(IOAPIC_REDTBL + 2 * pin, RTE_MASKED);
        }
        Some(io)
    }

    pub fn serves(&self, gsi: u32) -> bool {
        gsi.checked_sub(self.gsi_base).is_some_and(|pin| pin < self.pins)
    }

    /// Routes `gsi` to `vector` on the CPU with local APIC `dest` (fixed delivery, physical
    /// destination), masked until `set_masked(gsi, false)`.
    pub fn route(&self, gsi: u32, vector: u8, signal: Signal, dest: u8) {
        let pin = gsi - self.gsi_base;
        let mut low = vector as u32 | RTE_MASKED;
        if signal.level_triggered {
            low |= RTE_LEVEL;
        }
        if signal.active_low {
            low |= RTE_ACTIVE_LOW;
        }
        let _g = self.lock.lock();
        self.write(IOAPIC_REDTBL + 2 * pin + 1, (dest as u32) << 24);
        self.write(IOAPIC_REDTBL + 2 * pin, low);
    }

    pub fn set_masked(&self, gsi: u32, masked: bool) {
        let reg = IOAPIC_REDTBL + 2 * (gsi - self.gsi_base);
        let _g = self.lock.lock();
        let low = self.read(reg);
        self.write(reg, if masked { low | RTE_MASKED } else { low & !RTE_MASKED });
    }

    fn read(&self, reg: u32) -> u32 {
        // SAFETY: `base` maps the I/O APIC's register page; IOREGSEL selects, IOWIN transfers.
        unsafe {
            write_volatile((self.base + IOREGSEL) as *mut u32, reg);
            read_volatile((self.base + IOWIN) as *const u32)
        }
    }

    fn write(&self, reg: u32, value: u32) {
        // SAFETY: as in read.
        unsafe {
            write_volatile((self.base + IOREGSEL) as *mut u32, reg);
            write_volatile((self.base + IOWIN) as *mut u32, value);
        }
    }
}
