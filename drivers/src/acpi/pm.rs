//! The PM1 control and reset register sequences, written against a small port-I/O
//! trait so the exact writes can be checked on the host.

use x86_64::instructions::port::{Port, PortRead, PortWrite};

use super::{AcpiPower, ResetSpace};

/// PM1_CNT.SCI_EN: the chipset routes power events to the OS as SCIs (ACPI mode)
/// instead of to SMM firmware (legacy mode).
pub(crate) const SCI_EN: u16 = 1 << 0;
/// PM1_CNT.SLP_TYP occupies bits 10-12.
pub(crate) const SLP_TYP_SHIFT: u16 = 10;
const SLP_TYP_MASK: u16 = 0x7 << SLP_TYP_SHIFT;
/// PM1_CNT.SLP_EN: write-only trigger for the sleep state selected by SLP_TYP.
pub(crate) const SLP_EN: u16 = 1 << 13;
/// SLP_TYP is three bits wide (ACPI_SLEEP_TYPE_MAX).
pub(crate) const SLEEP_TYPE_MAX: u8 = 0x7;

/// PCI configuration mechanism #1 address and data ports.
const PCI_CONFIG_ADDRESS: u16 = 0xCF8;
const PCI_CONFIG_DATA: u16 = 0xCFC;

/// Linux polls SCI_EN for up to 3 s after writing ACPI_ENABLE. With no timer here we
/// bound the poll by count instead: each poll is a port read, about a microsecond on
/// an LPC chipset, so this is a few seconds on hardware and less under emulation.
const ACPI_ENABLE_POLLS: u32 = 3_000_000;
/// How long to let slow chipsets act on SLP_EN before writing it again (Linux waits
/// 10 s), bounded the same way.
const POWER_OFF_POLLS: u32 = 10_000_000;

pub(crate) trait PortIo {
    fn read_u16(&mut self, port: u16) -> u16;
    fn write_u8(&mut self, port: u16, value: u8);
    fn write_u16(&mut self, port: u16, value: u16);
    fn write_u32(&mut self, port: u16, value: u32);
}

/// The machine's real I/O ports.
pub(crate) struct HwPorts;

fn port_read<T: PortRead>(port: u16) -> T {
    // SAFETY: only ACPI fixed-hardware registers named by the firmware's FADT are read;
    // reading them has no side effects and touches no memory Rust owns.
    unsafe { Port::new(port).read() }
}

fn port_write<T: PortWrite>(port: u16, value: T) {
    // SAFETY: the ports written are the FADT's PM1 control, SMI command and reset
    // registers and the PCI configuration ports; the writes change power state (the
    // point of the call) but cannot alter memory Rust owns.
    unsafe { Port::new(port).write(value) }
}

impl PortIo for HwPorts {
    fn read_u16(&mut self, port: u16) -> u16 {
        port_read(port)
    }
    fn write_u8(&mut self, port: u16, value: u8) {
        port_write(port, value)
    }
    fn write_u16(&mut self, port: u16, value: u16) {
        port_write(port, value)
    }
    fn write_u32(&mut self, port: u16, value: u32) {
        port_write(port, value)
    }
}

/// PM1 control values for (PM1a, PM1b) that select the given sleep types, keeping every
/// other bit of the current value as `acpi_enter_sleep_state` does.
pub(crate) fn sleep_control(current: u16, typ_a: u8, typ_b: u8) -> (u16, u16) {
    let base = current & !(SLP_TYP_MASK | SLP_EN);
    let with = |typ: u8| base | ((u16::from(typ) << SLP_TYP_SHIFT) & SLP_TYP_MASK);
    (with(typ_a), with(typ_b))
}

/// Config mechanism #1 address for a register on bus 0, from a PCI_Config GAS address
/// (device in bits 32-47, function in 16-31, offset in 0-15; validated at parse time).
fn pci_config_address(gas_address: u64) -> u32 {
    let device = ((gas_address >> 32) & 0x1F) as u32;
    let function = ((gas_address >> 16) & 0x7) as u32;
    let offset = (gas_address & 0xFC) as u32;
    0x8000_0000 | (device << 11) | (function << 8) | offset
}

impl AcpiPower {
    /// PM1 control as ACPICA reads it: the OR of the A and B blocks.
    fn pm1_control(&self, io: &mut impl PortIo) -> u16 {
        let b = self.pm1b_cnt.map_or(0, |port| io.read_u16(port));
        io.read_u16(self.pm1a_cnt) | b
    }

    fn write_pm1_control(&self, io: &mut impl PortIo, a: u16, b: u16) {
        io.write_u16(self.pm1a_cnt, a);
        if let Some(port) = self.pm1b_cnt {
            io.write_u16(port, b);
        }
    }

    /// `acpi_hw_get_mode`: without an SMI command port there is no legacy mode to be in.
    fn in_acpi_mode(&self, io: &mut impl PortIo) -> bool {
        self.smi_cmd == 0 || self.pm1_control(io) & SCI_EN != 0
    }

    pub(crate) fn enable_acpi_with(&self, io: &mut impl PortIo) -> bool {
        if self.in_acpi_mode(io) {
            return true;
        }
        // ACPI 2.0: a zero ACPI_ENABLE means the transition is not supported.
        if self.acpi_enable == 0 {
            return false;
        }
        io.write_u8(self.smi_cmd, self.acpi_enable);
        (0..ACPI_ENABLE_POLLS).any(|_| self.in_acpi_mode(io))
    }

    pub(crate) fn power_off_with(&self, io: &mut impl PortIo) {
        let Some(s5) = self.s5 else { return };
        if s5.a > SLEEP_TYPE_MAX || s5.b > SLEEP_TYPE_MAX {
            return;
        }
        // Linux switches to ACPI mode at boot; we do it here, and still try the write if
        // the firmware refuses, since some chipsets honour SLP_EN either way.
        self.enable_acpi_with(io);
        let (a, b) = sleep_control(self.pm1_control(io), s5.a, s5.b);
        // SLP_TYP and SLP_EN go in separate writes: some hardware latches SLP_TYP only
        // when it is written before SLP_EN (the ACPICA comment on "poorly implemented
        // hardware"). No cache flush is needed first: S5 does not preserve memory.
        self.write_pm1_control(io, a, b);
        self.write_pm1_control(io, a | SLP_EN, b | SLP_EN);
        for _ in 0..POWER_OFF_POLLS {
            io.read_u16(self.pm1a_cnt);
        }
        self.write_pm1_control(io, a | SLP_EN, b | SLP_EN);
    }

    pub(crate) fn reset_with(&self, io: &mut impl PortIo) -> bool {
        let Some(reg) = self.reset else { return false };
        match reg.space {
            ResetSpace::Io => match u16::try_from(reg.address) {
                Ok(port) => io.write_u8(port, reg.value),
                Err(_) => return false,
            },
            ResetSpace::PciConfig => {
                io.write_u32(PCI_CONFIG_ADDRESS, pci_config_address(reg.address));
                io.write_u8(PCI_CONFIG_DATA + (reg.address & 0x3) as u16, reg.value);
            }
            ResetSpace::Memory => return false,
        }
        true
    }
}
