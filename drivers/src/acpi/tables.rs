//! Locating and validating the static ACPI tables: RSDP, RSDT/XSDT, FADT and DSDT.
//!
//! Everything here works on bytes fetched through [`PhysMem`]; nothing maps memory or
//! touches hardware, so a malformed or hostile firmware table can only make discovery
//! fail, never panic.

use alloc::vec::Vec;

use super::{PhysMem, ResetReg, ResetSpace};

/// Size of the header every system description table starts with.
pub(crate) const SDT_HEADER_LEN: usize = 36;
/// Largest table we are willing to copy; real DSDTs are well under a megabyte, and a
/// corrupt length field must not make us try to allocate gigabytes.
const MAX_TABLE_LEN: usize = 4 << 20;

const RSDP_SIGNATURE: &[u8; 8] = b"RSD PTR ";
/// Bytes covered by the ACPI 1.0 checksum (ACPI_RSDP_CHECKSUM_LENGTH).
const RSDP_V1_LEN: usize = 20;
/// Bytes covered by the ACPI 2.0+ extended checksum (ACPI_RSDP_XCHECKSUM_LENGTH).
const RSDP_V2_LEN: usize = 36;
/// The RSDP sits on a 16-byte boundary (ACPI_RSDP_SCAN_STEP).
const RSDP_SCAN_STEP: u64 = 16;
/// Real-mode segment of the Extended BIOS Data Area, stored in the BIOS data area.
const EBDA_PTR_LOCATION: u64 = 0x40E;
/// Only the first KiB of the EBDA is searched (ACPI_EBDA_WINDOW_SIZE).
const EBDA_WINDOW_SIZE: u64 = 1024;
/// The BIOS read-only area searched after the EBDA (ACPI_HI_RSDP_WINDOW_*).
const BIOS_WINDOW: (u64, u64) = (0xE_0000, 0x10_0000);

/// Generic Address Structure address spaces (ACPI 6.5 table 5.25).
const GAS_SYSTEM_MEMORY: u8 = 0;
const GAS_SYSTEM_IO: u8 = 1;
const GAS_PCI_CONFIG: u8 = 2;

/// FADT flag: RESET_REG describes a working reset register (ACPI_FADT_RESET_REGISTER).
const FADT_RESET_REG_SUP: u32 = 1 << 10;
/// FADT flag: no fixed hardware, hence no PM1 blocks (ACPI_FADT_HW_REDUCED).
const FADT_HW_REDUCED_ACPI: u32 = 1 << 20;
/// FADT revision that introduced RESET_REG (Linux `acpi_reboot` checks this).
const FADT_RESET_MIN_REVISION: u8 = 2;
/// FADT revision from which Linux trusts the CENTURY field (FADT2_REVISION_ID).
const FADT_CENTURY_MIN_REVISION: u8 = 3;

// FADT field offsets (ACPI 6.5 table 5.9).
const FADT_DSDT: usize = 40;
const FADT_SMI_CMD: usize = 48;
const FADT_ACPI_ENABLE: usize = 52;
const FADT_PM1A_CNT_BLK: usize = 64;
const FADT_PM1B_CNT_BLK: usize = 68;
const FADT_CENTURY: usize = 108;
const FADT_FLAGS: usize = 112;
const FADT_RESET_REG: usize = 116;
const FADT_RESET_VALUE: usize = 128;
const FADT_X_DSDT: usize = 140;
const FADT_X_PM1A_CNT_BLK: usize = 172;
const FADT_X_PM1B_CNT_BLK: usize = 184;
/// Everything up to and including X_PM1b_CNT_BLK; later fields are not used.
const FADT_USED_LEN: usize = 196;

/// Offset of the checksum byte in an SDT header, exposed for the tests' table builder.
#[cfg(test)]
pub(crate) const SDT_CHECKSUM_OFFSET: usize = 9;

pub(crate) fn le_u16(bytes: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        bytes.get(off..off.checked_add(2)?)?.try_into().ok()?,
    ))
}

pub(crate) fn le_u32(bytes: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        bytes.get(off..off.checked_add(4)?)?.try_into().ok()?,
    ))
}

pub(crate) fn le_u64(bytes: &[u8], off: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        bytes.get(off..off.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// ACPI checksums make the byte sum of the covered range zero modulo 256.
pub(crate) fn checksum_ok(bytes: &[u8]) -> bool {
    bytes.iter().fold(0u8, |sum, b| sum.wrapping_add(*b)) == 0
}

/// Where the RSDP points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rsdp {
    pub rsdt: u32,
    /// Present only in revision 2+ RSDPs; 0 when absent.
    pub xsdt: u64,
}

/// Validate an RSDP image the way `acpi_tb_validate_rsdp` does: signature, the v1
/// checksum, and for revision 2+ also the extended checksum.
pub(crate) fn parse_rsdp(bytes: &[u8]) -> Option<Rsdp> {
    if bytes.get(..8)? != RSDP_SIGNATURE || !checksum_ok(bytes.get(..RSDP_V1_LEN)?) {
        return None;
    }
    let revision = *bytes.get(15)?;
    let rsdt = le_u32(bytes, 16)?;
    if revision < 2 {
        return Some(Rsdp { rsdt, xsdt: 0 });
    }
    if !checksum_ok(bytes.get(..RSDP_V2_LEN)?) {
        return None;
    }
    Some(Rsdp {
        rsdt,
        xsdt: le_u64(bytes, 24)?,
    })
}

fn read_rsdp(mem: &dyn PhysMem, pa: u64) -> Option<Rsdp> {
    let mut buf = [0u8; RSDP_V2_LEN];
    if mem.read(pa, &mut buf) {
        return parse_rsdp(&buf);
    }
    // A v1 RSDP may end right at the edge of readable memory.
    let v1 = buf.get_mut(..RSDP_V1_LEN)?;
    if !mem.read(pa, v1) {
        return None;
    }
    parse_rsdp(v1)
}

fn scan_window(mem: &dyn PhysMem, start: u64, end: u64) -> Option<Rsdp> {
    let mut pa = start;
    while pa < end {
        let mut sig = [0u8; 8];
        if mem.read(pa, &mut sig)
            && &sig == RSDP_SIGNATURE
            && let Some(rsdp) = read_rsdp(mem, pa)
        {
            return Some(rsdp);
        }
        pa += RSDP_SCAN_STEP;
    }
    None
}

/// Search for the RSDP like `acpi_find_root_pointer`: first KiB of the EBDA, then the
/// BIOS area 0xE0000-0xFFFFF, on 16-byte boundaries, accepting only valid checksums.
fn scan_rsdp(mem: &dyn PhysMem) -> Option<Rsdp> {
    let mut seg = [0u8; 2];
    if mem.read(EBDA_PTR_LOCATION, &mut seg) {
        let ebda = u64::from(u16::from_le_bytes(seg)) << 4;
        // Linux ignores EBDA pointers into the BIOS data area or past conventional memory.
        if ebda > 0x400
            && ebda < 0xA_0000
            && let Some(rsdp) = scan_window(mem, ebda, ebda + EBDA_WINDOW_SIZE)
        {
            return Some(rsdp);
        }
    }
    scan_window(mem, BIOS_WINDOW.0, BIOS_WINDOW.1)
}

/// Use the boot loader's RSDP address if it holds a valid RSDP, else scan for one.
pub(crate) fn find_rsdp(mem: &dyn PhysMem, hint: u64) -> Option<Rsdp> {
    if hint != 0
        && let Some(rsdp) = read_rsdp(mem, hint)
    {
        return Some(rsdp);
    }
    scan_rsdp(mem)
}

/// Copy a whole table, checking its signature, length bounds and checksum.
pub(crate) fn load_table(mem: &dyn PhysMem, pa: u64, signature: &[u8; 4]) -> Option<Vec<u8>> {
    if pa == 0 {
        return None;
    }
    let mut header = [0u8; SDT_HEADER_LEN];
    if !mem.read(pa, &mut header) || header.get(..4)? != signature {
        return None;
    }
    let len = usize::try_from(le_u32(&header, 4)?).ok()?;
    if !(SDT_HEADER_LEN..=MAX_TABLE_LEN).contains(&len) {
        return None;
    }
    let mut table = Vec::new();
    table.try_reserve_exact(len).ok()?;
    table.resize(len, 0);
    if !mem.read(pa, &mut table) || !checksum_ok(&table) {
        return None;
    }
    Some(table)
}

/// Physical addresses listed by the root table, preferring the XSDT as Linux does
/// (`acpi_tb_parse_root_table`) and falling back to the RSDT if the XSDT is unusable.
pub(crate) fn root_entries(mem: &dyn PhysMem, rsdp: &Rsdp) -> Option<Vec<u64>> {
    if rsdp.xsdt != 0
        && let Some(xsdt) = load_table(mem, rsdp.xsdt, b"XSDT")
    {
        return Some(entries(&xsdt, 8));
    }
    let rsdt = load_table(mem, u64::from(rsdp.rsdt), b"RSDT")?;
    Some(entries(&rsdt, 4))
}

fn entries(table: &[u8], width: usize) -> Vec<u64> {
    table
        .get(SDT_HEADER_LEN..)
        .unwrap_or_default()
        .chunks_exact(width)
        .filter_map(|entry| match width {
            8 => le_u64(entry, 0),
            _ => le_u32(entry, 0).map(u64::from),
        })
        .filter(|&pa| pa != 0)
        .collect()
}

/// The FADT fields power management needs, already resolved to usable values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fadt {
    pub dsdt: u64,
    pub smi_cmd: u16,
    pub acpi_enable: u8,
    pub pm1a_cnt: Option<u16>,
    pub pm1b_cnt: Option<u16>,
    pub century: Option<u8>,
    pub reset: Option<ResetReg>,
}

/// A Generic Address Structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Gas {
    space: u8,
    address: u64,
}

fn gas(fadt: &[u8], off: usize) -> Gas {
    Gas {
        space: fadt.get(off).copied().unwrap_or(0),
        address: le_u64(fadt, off + 4).unwrap_or(0),
    }
}

/// Resolve a PM1 control block to an I/O port. Like `acpi_tb_convert_fadt` a non-zero
/// 64-bit X_ address supersedes the 32-bit one; we only drive I/O-space blocks, so an
/// X_ block in another space falls back to the legacy field, which is always I/O.
fn pm1_port(legacy: u32, x: Gas) -> Option<u16> {
    if x.address != 0
        && x.space == GAS_SYSTEM_IO
        && let Ok(port) = u16::try_from(x.address)
    {
        return Some(port);
    }
    u16::try_from(legacy).ok().filter(|&port| port != 0)
}

fn reset_reg(fadt: &[u8], revision: u8, flags: u32) -> Option<ResetReg> {
    if revision < FADT_RESET_MIN_REVISION || flags & FADT_RESET_REG_SUP == 0 {
        return None;
    }
    let reg = gas(fadt, FADT_RESET_REG);
    let value = fadt.get(FADT_RESET_VALUE).copied().unwrap_or(0);
    let space = match reg.space {
        GAS_SYSTEM_IO if reg.address <= u64::from(u16::MAX) => ResetSpace::Io,
        GAS_SYSTEM_MEMORY => ResetSpace::Memory,
        GAS_PCI_CONFIG => {
            // Device in bits 32-47, function in 16-31, register offset in 0-15; the
            // register must be on bus 0 and reachable through config mechanism #1.
            let device = (reg.address >> 32) & 0xFFFF;
            let function = (reg.address >> 16) & 0xFFFF;
            let offset = reg.address & 0xFFFF;
            if device >= 32 || function >= 8 || offset >= 256 || reg.address >> 48 != 0 {
                return None;
            }
            ResetSpace::PciConfig
        }
        _ => return None,
    };
    (reg.address != 0).then_some(ResetReg {
        space,
        address: reg.address,
        value,
    })
}

/// Extract what we need from a checksummed FADT. Fields past the table's length read as
/// zero, mirroring how `acpi_tb_create_local_fadt` pads short (older revision) FADTs.
pub(crate) fn parse_fadt(table: &[u8]) -> Option<Fadt> {
    if table.get(..4)? != b"FACP" {
        return None;
    }
    let len = usize::try_from(le_u32(table, 4)?).ok()?.min(table.len());
    let mut f = [0u8; FADT_USED_LEN];
    let n = len.min(FADT_USED_LEN);
    f.get_mut(..n)?.copy_from_slice(table.get(..n)?);
    let revision = f[8];
    let u32_at = |off| le_u32(&f, off).unwrap_or(0);
    let flags = u32_at(FADT_FLAGS);

    let x_dsdt = le_u64(&f, FADT_X_DSDT).unwrap_or(0);
    let dsdt = if x_dsdt != 0 {
        x_dsdt
    } else {
        u64::from(u32_at(FADT_DSDT))
    };
    let hw_reduced = flags & FADT_HW_REDUCED_ACPI != 0;
    let (pm1a_cnt, pm1b_cnt) = if hw_reduced {
        (None, None)
    } else {
        (
            pm1_port(u32_at(FADT_PM1A_CNT_BLK), gas(&f, FADT_X_PM1A_CNT_BLK)),
            pm1_port(u32_at(FADT_PM1B_CNT_BLK), gas(&f, FADT_X_PM1B_CNT_BLK)),
        )
    };
    let century = f[FADT_CENTURY];
    Some(Fadt {
        dsdt,
        // An SMI_CMD beyond the 16-bit port space cannot be an I/O port: treat as absent.
        smi_cmd: u16::try_from(u32_at(FADT_SMI_CMD)).unwrap_or(0),
        acpi_enable: f[FADT_ACPI_ENABLE],
        pm1a_cnt,
        pm1b_cnt,
        century: (revision >= FADT_CENTURY_MIN_REVISION && century != 0).then_some(century),
        reset: reset_reg(&f, revision, flags),
    })
}
