//! The MADT ("APIC" table): where the local APIC and the I/O APICs live, and how ISA interrupts
//! map onto I/O APIC inputs (global system interrupts) when they do not map one-to-one.

use alloc::vec::Vec;

use super::PhysMem;
use super::tables::{SDT_HEADER_LEN, find_rsdp, le_u16, le_u32, load_table, root_entries};

// MADT body offsets and entry types (ACPI 6.5 section 5.2.12).
const MADT_LAPIC_ADDR: usize = SDT_HEADER_LEN;
const MADT_FLAGS: usize = SDT_HEADER_LEN + 4;
const MADT_ENTRIES: usize = SDT_HEADER_LEN + 8;
const MADT_PCAT_COMPAT: u32 = 1;
const ENTRY_IO_APIC: u8 = 1;
const ENTRY_SOURCE_OVERRIDE: u8 = 2;
const ENTRY_LAPIC_ADDR_OVERRIDE: u8 = 5;

/// An I/O APIC: its registers' physical address and the first GSI it serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IoApic {
    pub id: u8,
    pub address: u32,
    pub gsi_base: u32,
}

/// Electrical properties of an interrupt input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal {
    pub level_triggered: bool,
    pub active_low: bool,
}

impl Signal {
    /// ISA interrupts unless overridden: edge-triggered, active high.
    pub const ISA: Signal = Signal { level_triggered: false, active_low: false };

    /// MPS INTI flags: polarity in bits 0–1, trigger mode in bits 2–3 (0 = bus default).
    fn from_inti(flags: u16, default: Signal) -> Signal {
        let active_low = match flags & 3 {
            1 => false,
            3 => true,
            _ => default.active_low,
        };
        let level_triggered = match (flags >> 2) & 3 {
            1 => false,
            3 => true,
            _ => default.level_triggered,
        };
        Signal { level_triggered, active_low }
    }
}

/// An ISA IRQ wired to another GSI or with other electrical properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SourceOverride {
    pub irq: u8,
    pub gsi: u32,
    pub signal: Signal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Madt {
    pub lapic_address: u64,
    /// The machine also has 8259 PICs (which must be masked when the APICs take over).
    pub pcat_compat: bool,
    pub io_apics: Vec<IoApic>,
    pub overrides: Vec<SourceOverride>,
}

impl Madt {
    /// The GSI and signal of ISA IRQ `irq`.
    pub fn isa_irq(&self, irq: u8) -> (u32, Signal) {
        self.route(irq, Signal::ISA)
    }

    /// The GSI and signal of legacy IRQ `irq`: its override, else itself with `default` (the
    /// bus's own signalling: ISA edge, PCI level).
    pub fn route(&self, irq: u8, default: Signal) -> (u32, Signal) {
        match self.overrides.iter().find(|o| o.irq == irq) {
            Some(o) => (o.gsi, o.signal),
            None => (irq as u32, default),
        }
    }
}

/// Finds and parses the MADT. `None` if there is none or it is malformed.
pub fn discover_madt(mem: &dyn PhysMem, rsdp_hint: u64) -> Option<Madt> {
    let rsdp = find_rsdp(mem, rsdp_hint)?;
    root_entries(mem, &rsdp)?
        .into_iter()
        .filter_map(|pa| load_table(mem, pa, b"APIC"))
        .find_map(|table| parse_madt(&table))
}

pub(crate) fn parse_madt(table: &[u8]) -> Option<Madt> {
    let mut madt = Madt {
        lapic_address: le_u32(table, MADT_LAPIC_ADDR)? as u64,
        pcat_compat: le_u32(table, MADT_FLAGS)? & MADT_PCAT_COMPAT != 0,
        io_apics: Vec::new(),
        overrides: Vec::new(),
    };
    let mut off = MADT_ENTRIES;
    while off + 2 <= table.len() {
        let (kind, len) = (table[off], table[off + 1] as usize);
        // A zero or overlong length would loop forever or read past the table.
        let entry = table.get(off..off.checked_add(len)?).filter(|_| len >= 2)?;
        match kind {
            ENTRY_IO_APIC if len >= 12 => madt.io_apics.push(IoApic {
                id: entry[2],
                address: le_u32(entry, 4)?,
                gsi_base: le_u32(entry, 8)?,
            }),
            // Bus 0 is ISA, the only bus overrides are defined for.
            ENTRY_SOURCE_OVERRIDE if len >= 10 && entry[2] == 0 => madt.overrides.push(SourceOverride {
                irq: entry[3],
                gsi: le_u32(entry, 4)?,
                signal: Signal::from_inti(le_u16(entry, 8)?, Signal::ISA),
            }),
            ENTRY_LAPIC_ADDR_OVERRIDE if len >= 12 => {
                madt.lapic_address = u64::from_le_bytes(entry.get(4..12)?.try_into().ok()?);
            }
            _ => {}
        }
        off += len;
    }
    (!madt.io_apics.is_empty()).then_some(madt)
}
