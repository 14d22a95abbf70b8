//! ACPI soft-off (S5) and reset, without an AML interpreter.
//!
//! [`discover`] follows RSDP → XSDT/RSDT → FADT → DSDT through a caller-supplied
//! [`PhysMem`], pulls the PM1 control ports, the reset register and the `\_S5_` sleep
//! types out of them, and returns an [`AcpiPower`] that drives the hardware through
//! port I/O. It covers what Linux's `acpi_power_off` and `acpi_reboot` need on PC
//! chipsets such as QEMU's q35 (ICH9) and pc (PIIX4); it skips `_PTS`/`_GTS` and GPE
//! setup, which need AML execution, and hardware-reduced platforms, which have no PM1
//! blocks.

mod aml;
mod madt;
mod pm;
mod tables;
#[cfg(test)]
mod tests;

pub use aml::{SleepType, find_s5};
pub use madt::{IoApic, Madt, Signal, SourceOverride, discover_madt};

use pm::{HwPorts, SLEEP_TYPE_MAX};
use tables::SDT_HEADER_LEN;

/// Read access to physical memory, provided by the kernel.
///
/// `read` fills `buf` from physical address `pa` onwards and returns false if any of
/// that range cannot be read. Closures of the same shape implement it.
pub trait PhysMem {
    fn read(&self, pa: u64, buf: &mut [u8]) -> bool;
}

impl<F: Fn(u64, &mut [u8]) -> bool> PhysMem for F {
    fn read(&self, pa: u64, buf: &mut [u8]) -> bool {
        self(pa, buf)
    }
}

/// Address space of the FADT reset register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetSpace {
    /// `address` is an I/O port (QEMU: 0xCF9).
    Io,
    /// `address` is a physical address; the kernel must map it and write the value
    /// itself, since this module does no memory-mapped I/O.
    Memory,
    /// A byte in PCI configuration space on bus 0: device in bits 32-47 of `address`,
    /// function in bits 16-31, register offset in bits 0-15.
    PciConfig,
}

/// The FADT RESET_REG and RESET_VALUE.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResetReg {
    pub space: ResetSpace,
    pub address: u64,
    pub value: u8,
}

/// Power-management facts gathered from the ACPI tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcpiPower {
    /// PM1a control block I/O port (QEMU q35 and pc under SeaBIOS: 0x604).
    pub pm1a_cnt: u16,
    /// PM1b control block I/O port, if the chipset has one.
    pub pm1b_cnt: Option<u16>,
    /// SLP_TYPa/SLP_TYPb for S5; `None` if the DSDT has no usable `\_S5_` or its values
    /// do not fit the 3-bit SLP_TYP field.
    pub s5: Option<SleepType>,
    /// The reset register, present only if FADT revision >= 2 sets RESET_REG_SUP (as
    /// `acpi_reboot` requires); QEMU's pc machine has a revision 1 FADT and so none.
    pub reset: Option<ResetReg>,
    /// SMI command port used to switch into ACPI mode; 0 if the platform has none.
    pub smi_cmd: u16,
    /// Value to write to `smi_cmd` to enter ACPI mode.
    pub acpi_enable: u8,
    /// CMOS index of the RTC century register, which Linux trusts only from FADT
    /// revision 3 on (`mc146818_get_time`); pass it to [`crate::rtc::read_rtc`].
    pub century_reg: Option<u8>,
}

/// Find the ACPI tables and extract power-off and reset information.
///
/// `rsdp_hint` is the RSDP's physical address from the boot protocol (PVH
/// `rsdp_paddr`); if it is 0 or does not hold a valid RSDP, the EBDA and the BIOS area
/// 0xE0000-0xFFFFF are scanned. Returns `None` if no valid RSDP, root table or FADT is
/// found, or the FADT has no PM1a control block.
pub fn discover(mem: &dyn PhysMem, rsdp_hint: u64) -> Option<AcpiPower> {
    let rsdp = tables::find_rsdp(mem, rsdp_hint)?;
    let fadt = tables::root_entries(mem, &rsdp)?
        .into_iter()
        .filter_map(|pa| tables::load_table(mem, pa, b"FACP"))
        .find_map(|table| tables::parse_fadt(&table))?;
    let s5 = tables::load_table(mem, fadt.dsdt, b"DSDT")
        .and_then(|dsdt| find_s5(dsdt.get(SDT_HEADER_LEN..)?))
        .filter(|s5| s5.a <= SLEEP_TYPE_MAX && s5.b <= SLEEP_TYPE_MAX);
    Some(AcpiPower {
        pm1a_cnt: fadt.pm1a_cnt?,
        pm1b_cnt: fadt.pm1b_cnt,
        s5,
        reset: fadt.reset,
        smi_cmd: fadt.smi_cmd,
        acpi_enable: fadt.acpi_enable,
        century_reg: fadt.century,
    })
}

impl AcpiPower {
    /// Switch the chipset into ACPI mode if firmware left it in legacy (SMM) mode:
    /// write ACPI_ENABLE to SMI_CMD and poll SCI_EN for a bounded time. Returns whether
    /// the machine is in ACPI mode.
    pub fn enable_acpi(&self) -> bool {
        self.enable_acpi_with(&mut HwPorts)
    }

    /// Enter S5 (soft off) by writing SLP_TYP and then SLP_EN to the PM1 control blocks.
    ///
    /// Returns only if the machine is still running afterwards (no `\_S5_`, or the
    /// hardware ignored the request), so the caller can fall back to halting. Call with
    /// interrupts disabled. QEMU acts on the request asynchronously, so the caller should
    /// halt rather than proceed when this returns on a VM.
    pub fn power_off(&self) {
        self.power_off_with(&mut HwPorts)
    }

    /// Write RESET_VALUE to the reset register. Returns false without touching hardware
    /// if there is no reset register or it is memory-mapped (see [`ResetSpace::Memory`]).
    /// Returning true means the write was issued; if the machine is still running
    /// shortly after, fall back to the 8042 or a triple fault as Linux does.
    pub fn reset(&self) -> bool {
        self.reset_with(&mut HwPorts)
    }
}
