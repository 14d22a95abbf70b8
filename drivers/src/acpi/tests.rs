//! Discovery against real QEMU tables and synthetic ones, and the register sequences
//! against simulated ports.

use alloc::vec;
use alloc::vec::Vec;

use super::pm::{PortIo, SCI_EN, SLP_EN, sleep_control};
use super::tables::{SDT_CHECKSUM_OFFSET, parse_rsdp};
use super::*;

/// Physical memory made of a few byte regions; everything else is unreadable.
#[derive(Default)]
struct Mem {
    regions: Vec<(u64, Vec<u8>)>,
}

impl Mem {
    fn with(mut self, pa: u64, bytes: &[u8]) -> Self {
        self.regions.push((pa, bytes.to_vec()));
        self
    }
}

impl PhysMem for Mem {
    fn read(&self, pa: u64, buf: &mut [u8]) -> bool {
        self.regions.iter().any(|(base, bytes)| {
            let Some(off) = pa.checked_sub(*base).and_then(|o| usize::try_from(o).ok()) else {
                return false;
            };
            match bytes.get(off..).and_then(|rest| rest.get(..buf.len())) {
                Some(src) => {
                    buf.copy_from_slice(src);
                    true
                }
                None => false,
            }
        })
    }
}

// Dumped from QEMU 7.2 with SeaBIOS (`pmemsave` of a guest stopped in the BIOS): the
// RSDP, and the physically contiguous FACS, DSDT, FADT, MADT, ... RSDT block.
const Q35_RSDP: (u64, &[u8]) = (0xF_59E0, include_bytes!("testdata/qemu-q35-rsdp.bin"));
const Q35_TABLES: (u64, &[u8]) = (0x7FE_0000, include_bytes!("testdata/qemu-q35-tables.bin"));
const PC_RSDP: (u64, &[u8]) = (0xF_59D0, include_bytes!("testdata/qemu-pc-rsdp.bin"));
const PC_TABLES: (u64, &[u8]) = (0x7FE_0000, include_bytes!("testdata/qemu-pc-tables.bin"));

fn qemu(rsdp: (u64, &[u8]), tables: (u64, &[u8])) -> Mem {
    Mem::default().with(rsdp.0, rsdp.1).with(tables.0, tables.1)
}

const QEMU_Q35: AcpiPower = AcpiPower {
    pm1a_cnt: 0x604,
    pm1b_cnt: None,
    s5: Some(SleepType { a: 0, b: 0 }),
    reset: Some(ResetReg {
        space: ResetSpace::Io,
        address: 0xCF9,
        value: 0x0F,
    }),
    smi_cmd: 0xB2,
    acpi_enable: 0x02,
    century_reg: Some(0x32),
};

#[test]
fn qemu_q35_tables() {
    let mem = qemu(Q35_RSDP, Q35_TABLES);
    assert_eq!(discover(&mem, Q35_RSDP.0), Some(QEMU_Q35));
}

#[test]
fn qemu_pc_tables() {
    // Revision 1 FADT: no reset register, and Linux ignores its CENTURY field.
    let expected = AcpiPower {
        pm1a_cnt: 0x604,
        pm1b_cnt: None,
        s5: Some(SleepType { a: 0, b: 0 }),
        reset: None,
        smi_cmd: 0xB2,
        acpi_enable: 0xF1,
        century_reg: None,
    };
    assert_eq!(
        discover(&qemu(PC_RSDP, PC_TABLES), PC_RSDP.0),
        Some(expected)
    );
}

#[test]
fn scans_bios_area_without_a_hint_or_with_a_bad_one() {
    let mut bios = vec![0u8; 0x2_0000];
    let at = usize::try_from(Q35_RSDP.0 - 0xE_0000).unwrap();
    bios[at..at + Q35_RSDP.1.len()].copy_from_slice(Q35_RSDP.1);
    let mem = Mem::default()
        .with(0xE_0000, &bios)
        .with(Q35_TABLES.0, Q35_TABLES.1);
    assert_eq!(discover(&mem, 0), Some(QEMU_Q35));
    assert_eq!(
        discover(&mem, 0xE_0000),
        Some(QEMU_Q35),
        "hint without an RSDP"
    );
    assert_eq!(
        discover(&mem, 0xDEAD_0000),
        Some(QEMU_Q35),
        "unreadable hint"
    );
}

#[test]
fn rsdp_off_a_16_byte_boundary_is_not_found_by_the_scan() {
    let mut bios = vec![0u8; 0x2_0000];
    bios[0x1008..0x1008 + Q35_RSDP.1.len()].copy_from_slice(Q35_RSDP.1);
    let mem = Mem::default()
        .with(0xE_0000, &bios)
        .with(Q35_TABLES.0, Q35_TABLES.1);
    assert_eq!(discover(&mem, 0), None);
}

#[test]
fn survives_corrupted_and_truncated_qemu_tables() {
    // Flip bytes all over the tables (a xorshift stream keeps it deterministic) and cut
    // the table block short: discovery may fail but must never panic.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..400 {
        let mut tables = Q35_TABLES.1.to_vec();
        for _ in 0..1 + round % 8 {
            let at = (next() % tables.len() as u64) as usize;
            tables[at] = next() as u8;
        }
        let keep = if round % 5 == 0 {
            (next() % tables.len() as u64) as usize
        } else {
            tables.len()
        };
        let mem = Mem::default()
            .with(Q35_RSDP.0, Q35_RSDP.1)
            .with(Q35_TABLES.0, &tables[..keep]);
        let _ = discover(&mem, Q35_RSDP.0);
    }
}

// --- Synthetic tables -------------------------------------------------------------

fn fix_checksum(table: &mut [u8], checksum_at: usize, covered: usize) {
    table[checksum_at] = 0;
    let sum = table[..covered].iter().fold(0u8, |s, b| s.wrapping_add(*b));
    table[checksum_at] = sum.wrapping_neg();
}

fn sdt(signature: &[u8; 4], revision: u8, body: &[u8]) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(signature);
    t.extend_from_slice(&(36 + body.len() as u32).to_le_bytes());
    t.push(revision);
    t.push(0); // checksum
    t.extend_from_slice(b"KERNEL");
    t.extend_from_slice(b"TESTTABL");
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(b"TEST");
    t.extend_from_slice(&1u32.to_le_bytes());
    t.extend_from_slice(body);
    let len = t.len();
    fix_checksum(&mut t, SDT_CHECKSUM_OFFSET, len);
    t
}

fn rsdp(revision: u8, rsdt: u32, xsdt: u64) -> Vec<u8> {
    let mut r = Vec::new();
    r.extend_from_slice(b"RSD PTR ");
    r.push(0);
    r.extend_from_slice(b"KERNEL");
    r.push(revision);
    r.extend_from_slice(&rsdt.to_le_bytes());
    if revision >= 2 {
        r.extend_from_slice(&36u32.to_le_bytes());
        r.extend_from_slice(&xsdt.to_le_bytes());
        r.extend_from_slice(&[0, 0, 0, 0]); // extended checksum, reserved
        fix_checksum(&mut r, 8, 20);
        fix_checksum(&mut r, 32, 36);
    } else {
        fix_checksum(&mut r, 8, 20);
    }
    r
}

fn put(bytes: &mut [u8], at: usize, value: &[u8]) {
    bytes[at..at + value.len()].copy_from_slice(value);
}

fn gas(space: u8, address: u64) -> [u8; 12] {
    let mut g = [0u8; 12];
    g[0] = space;
    g[1] = 16;
    put(&mut g, 4, &address.to_le_bytes());
    g
}

/// A FADT body (the bytes after the header), `len` bytes of table in total, with the
/// fields these tests care about; offsets from ACPI 6.5 table 5.9.
struct FadtSpec {
    revision: u8,
    len: usize,
    dsdt: u32,
    x_dsdt: u64,
    smi_cmd: u32,
    acpi_enable: u8,
    pm1a_cnt: u32,
    pm1b_cnt: u32,
    x_pm1a_cnt: [u8; 12],
    x_pm1b_cnt: [u8; 12],
    century: u8,
    flags: u32,
    reset_reg: [u8; 12],
    reset_value: u8,
}

const RESET_REG_SUP: u32 = 1 << 10;
const HW_REDUCED_ACPI: u32 = 1 << 20;

impl Default for FadtSpec {
    fn default() -> Self {
        FadtSpec {
            revision: 6,
            len: 276,
            dsdt: 0,
            x_dsdt: 0,
            smi_cmd: 0xB2,
            acpi_enable: 0xA0,
            pm1a_cnt: 0x1004,
            pm1b_cnt: 0,
            x_pm1a_cnt: [0; 12],
            x_pm1b_cnt: [0; 12],
            century: 0x32,
            flags: RESET_REG_SUP,
            reset_reg: gas(1, 0xCF9),
            reset_value: 0x06,
        }
    }
}

impl FadtSpec {
    fn build(&self) -> Vec<u8> {
        let mut f = vec![0u8; 276];
        put(&mut f, 40, &self.dsdt.to_le_bytes());
        put(&mut f, 48, &self.smi_cmd.to_le_bytes());
        f[52] = self.acpi_enable;
        put(&mut f, 64, &self.pm1a_cnt.to_le_bytes());
        put(&mut f, 68, &self.pm1b_cnt.to_le_bytes());
        f[89] = 2; // PM1_CNT_LEN
        f[108] = self.century;
        put(&mut f, 112, &self.flags.to_le_bytes());
        put(&mut f, 116, &self.reset_reg);
        f[128] = self.reset_value;
        put(&mut f, 140, &self.x_dsdt.to_le_bytes());
        put(&mut f, 172, &self.x_pm1a_cnt);
        put(&mut f, 184, &self.x_pm1b_cnt);
        sdt(b"FACP", self.revision, &f[36..self.len])
    }
}

fn dsdt_with(aml: &[u8]) -> Vec<u8> {
    // Some unrelated AML first, with a "_S5_" reference that is not a definition.
    let mut body = vec![
        0x10, 0x0B, b'\\', b'_', b'S', b'B', b'_', 0x70, b'_', b'S', b'5', b'_', 0x60,
    ];
    body.extend_from_slice(aml);
    sdt(b"DSDT", 2, &body)
}

/// `Name (\_S5, Package () { 0x05, 0x06, Zero, Zero })`
const S5_BYTE_PREFIX: &[u8] = &[
    0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x06, 0x00, 0x00,
];
/// `Name (_S5, Package (0x04) { One, Zero, Zero, Zero })`
const S5_CONST_OPS: &[u8] = &[
    0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0x01, 0x00, 0x00, 0x00,
];

const RSDP_AT: u64 = 0xF_0000;
const RSDT_AT: u64 = 0x10_0000;
const XSDT_AT: u64 = 0x10_1000;
const FADT_AT: u64 = 0x10_2000;
const DSDT_AT: u64 = 0x10_3000;
const OTHER_AT: u64 = 0x10_4000;
const FADT2_AT: u64 = 0x10_5000;

fn xsdt(entries: &[u64]) -> Vec<u8> {
    sdt(
        b"XSDT",
        1,
        &entries
            .iter()
            .flat_map(|e| e.to_le_bytes())
            .collect::<Vec<_>>(),
    )
}

fn rsdt(entries: &[u32]) -> Vec<u8> {
    sdt(
        b"RSDT",
        1,
        &entries
            .iter()
            .flat_map(|e| e.to_le_bytes())
            .collect::<Vec<_>>(),
    )
}

/// A v2 RSDP → XSDT { 0, APIC, FACP } → DSDT machine.
fn machine(fadt: &FadtSpec, dsdt: &[u8]) -> Mem {
    Mem::default()
        .with(RSDP_AT, &rsdp(2, RSDT_AT as u32, XSDT_AT))
        .with(XSDT_AT, &xsdt(&[0, OTHER_AT, FADT_AT]))
        .with(OTHER_AT, &sdt(b"APIC", 1, &[0; 8]))
        .with(FADT_AT, &fadt.build())
        .with(DSDT_AT, dsdt)
}

#[test]
fn xsdt_machine_with_x_fields_and_byte_prefix_s5() {
    let fadt = FadtSpec {
        dsdt: 0x0BAD_0000,
        x_dsdt: DSDT_AT,
        pm1a_cnt: 0x1004,
        x_pm1a_cnt: gas(1, 0x1804),
        pm1b_cnt: 0x2004,
        ..FadtSpec::default()
    };
    let expected = AcpiPower {
        pm1a_cnt: 0x1804,
        pm1b_cnt: Some(0x2004),
        s5: Some(SleepType { a: 5, b: 6 }),
        reset: Some(ResetReg {
            space: ResetSpace::Io,
            address: 0xCF9,
            value: 0x06,
        }),
        smi_cmd: 0xB2,
        acpi_enable: 0xA0,
        century_reg: Some(0x32),
    };
    assert_eq!(
        discover(&machine(&fadt, &dsdt_with(S5_BYTE_PREFIX)), RSDP_AT),
        Some(expected)
    );
}

#[test]
fn legacy_fields_when_x_fields_are_absent_or_unusable() {
    let fadt = FadtSpec {
        dsdt: DSDT_AT as u32,
        // Memory-space and out-of-range I/O X_ blocks fall back to the legacy ports.
        x_pm1a_cnt: gas(0, 0xFED0_0004),
        pm1b_cnt: 0x2004,
        x_pm1b_cnt: gas(1, 0x1_0000),
        ..FadtSpec::default()
    };
    let power = discover(&machine(&fadt, &dsdt_with(S5_CONST_OPS)), RSDP_AT).unwrap();
    assert_eq!((power.pm1a_cnt, power.pm1b_cnt), (0x1004, Some(0x2004)));
    assert_eq!(power.s5, Some(SleepType { a: 1, b: 0 }));
}

#[test]
fn falls_back_to_rsdt_when_xsdt_checksum_is_bad() {
    let mut bad_xsdt = xsdt(&[FADT_AT]);
    bad_xsdt[SDT_CHECKSUM_OFFSET] ^= 1;
    let via_rsdt = FadtSpec {
        dsdt: DSDT_AT as u32,
        pm1a_cnt: 0x4004,
        ..FadtSpec::default()
    };
    let mem = Mem::default()
        .with(RSDP_AT, &rsdp(2, RSDT_AT as u32, XSDT_AT))
        .with(XSDT_AT, &bad_xsdt)
        .with(RSDT_AT, &rsdt(&[FADT2_AT as u32]))
        .with(
            FADT_AT,
            &FadtSpec {
                dsdt: DSDT_AT as u32,
                ..FadtSpec::default()
            }
            .build(),
        )
        .with(FADT2_AT, &via_rsdt.build())
        .with(DSDT_AT, &dsdt_with(S5_CONST_OPS));
    assert_eq!(discover(&mem, RSDP_AT).map(|p| p.pm1a_cnt), Some(0x4004));
}

#[test]
fn v1_rsdp_ignores_xsdt_field() {
    let fadt = FadtSpec {
        dsdt: DSDT_AT as u32,
        ..FadtSpec::default()
    };
    let mem = Mem::default()
        .with(RSDP_AT, &rsdp(0, RSDT_AT as u32, 0))
        .with(RSDT_AT, &rsdt(&[OTHER_AT as u32, FADT_AT as u32]))
        .with(OTHER_AT, &sdt(b"HPET", 1, &[0; 20]))
        .with(FADT_AT, &fadt.build())
        .with(DSDT_AT, &dsdt_with(S5_BYTE_PREFIX));
    assert_eq!(
        discover(&mem, RSDP_AT).map(|p| p.s5),
        Some(Some(SleepType { a: 5, b: 6 }))
    );
}

#[test]
fn ebda_is_searched_before_the_bios_area() {
    let fadt_a = FadtSpec {
        dsdt: DSDT_AT as u32,
        pm1a_cnt: 0xA004,
        ..FadtSpec::default()
    };
    let fadt_b = FadtSpec {
        dsdt: DSDT_AT as u32,
        pm1a_cnt: 0xB004,
        ..FadtSpec::default()
    };
    let ebda_rsdp = rsdp(0, RSDT_AT as u32, 0);
    let bios_rsdp = rsdp(0, OTHER_AT as u32, 0);
    let mut ebda = vec![0u8; 0x400];
    ebda[0x30..0x30 + 20].copy_from_slice(&ebda_rsdp);
    let mut bios = vec![0u8; 0x2_0000];
    bios[0x100..0x100 + 20].copy_from_slice(&bios_rsdp);
    let mem = Mem::default()
        .with(0x40E, &0x9FC0u16.to_le_bytes())
        .with(0x9_FC00, &ebda)
        .with(0xE_0000, &bios)
        .with(RSDT_AT, &rsdt(&[FADT_AT as u32]))
        .with(OTHER_AT, &rsdt(&[FADT2_AT as u32]))
        .with(FADT_AT, &fadt_a.build())
        .with(FADT2_AT, &fadt_b.build())
        .with(DSDT_AT, &dsdt_with(S5_CONST_OPS));
    assert_eq!(discover(&mem, 0).map(|p| p.pm1a_cnt), Some(0xA004));
    // Without the EBDA pointer only the BIOS-area RSDP is found.
    let mut without = mem;
    without.regions.remove(0);
    assert_eq!(discover(&without, 0).map(|p| p.pm1a_cnt), Some(0xB004));
}

#[test]
fn rsdp_validation() {
    let v2 = rsdp(2, 0x1000, 0x2000);
    assert!(parse_rsdp(&v2).is_some());
    let mut bad = v2.clone();
    bad[24] ^= 1; // xsdt address: only the extended checksum covers it
    assert_eq!(parse_rsdp(&bad), None);
    let mut bad = v2.clone();
    bad[16] ^= 1; // rsdt address: breaks the v1 checksum
    assert_eq!(parse_rsdp(&bad), None);
    let mut bad = v2.clone();
    bad[0] = b'X';
    assert_eq!(parse_rsdp(&bad), None);
    assert_eq!(parse_rsdp(&v2[..20]), None, "v2 RSDP cut short");
    let v1 = rsdp(0, 0x1000, 0);
    assert_eq!(parse_rsdp(&v1).map(|r| (r.rsdt, r.xsdt)), Some((0x1000, 0)));
}

#[test]
fn reset_register_conditions() {
    let reset = |spec: FadtSpec| {
        let spec = FadtSpec {
            dsdt: DSDT_AT as u32,
            ..spec
        };
        discover(&machine(&spec, &dsdt_with(S5_CONST_OPS)), RSDP_AT)
            .unwrap()
            .reset
    };
    assert_eq!(
        reset(FadtSpec {
            flags: 0,
            ..FadtSpec::default()
        }),
        None,
        "RESET_REG_SUP clear"
    );
    assert_eq!(
        reset(FadtSpec {
            revision: 1,
            ..FadtSpec::default()
        }),
        None,
        "FADT revision 1"
    );
    assert_eq!(
        reset(FadtSpec {
            reset_reg: gas(1, 0),
            ..FadtSpec::default()
        }),
        None
    );
    assert_eq!(
        reset(FadtSpec {
            reset_reg: gas(1, 0x1_0000),
            ..FadtSpec::default()
        }),
        None
    );
    assert_eq!(
        reset(FadtSpec {
            reset_reg: gas(3, 0xCF9),
            ..FadtSpec::default()
        }),
        None
    );
    assert_eq!(
        reset(FadtSpec {
            reset_reg: gas(0, 0xFEC0_0000),
            ..FadtSpec::default()
        }),
        Some(ResetReg {
            space: ResetSpace::Memory,
            address: 0xFEC0_0000,
            value: 6
        })
    );
    let pci = 0x1F_u64 << 32 | 0x3 << 16 | 0xAC;
    assert_eq!(
        reset(FadtSpec {
            reset_reg: gas(2, pci),
            ..FadtSpec::default()
        }),
        Some(ResetReg {
            space: ResetSpace::PciConfig,
            address: pci,
            value: 6
        })
    );
    let bad_device = 0x20_u64 << 32;
    assert_eq!(
        reset(FadtSpec {
            reset_reg: gas(2, bad_device),
            ..FadtSpec::default()
        }),
        None
    );
}

#[test]
fn short_fadt_reads_missing_fields_as_zero() {
    // A 116-byte revision 1 FADT stops before RESET_REG and the X_ fields.
    let fadt = FadtSpec {
        revision: 1,
        len: 116,
        dsdt: DSDT_AT as u32,
        ..FadtSpec::default()
    };
    let power = discover(&machine(&fadt, &dsdt_with(S5_CONST_OPS)), RSDP_AT).unwrap();
    assert_eq!(
        (power.pm1a_cnt, power.reset, power.century_reg),
        (0x1004, None, None)
    );
    // One that ends before PM1a_CNT_BLK has no PM1a at all.
    let fadt = FadtSpec {
        revision: 1,
        len: 64,
        dsdt: DSDT_AT as u32,
        ..FadtSpec::default()
    };
    assert_eq!(
        discover(&machine(&fadt, &dsdt_with(S5_CONST_OPS)), RSDP_AT),
        None
    );
}

#[test]
fn unusable_s5_still_allows_reset() {
    let fadt = FadtSpec {
        dsdt: DSDT_AT as u32,
        ..FadtSpec::default()
    };
    let mut bad_sum = dsdt_with(S5_CONST_OPS);
    *bad_sum.last_mut().unwrap() ^= 1;
    let too_big: &[u8] = &[
        0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x02, 0x0A, 0x08, 0x0A, 0x00,
    ];
    for dsdt in [
        bad_sum,
        dsdt_with(too_big),
        dsdt_with(&[]),
        sdt(b"SSDT", 2, S5_CONST_OPS),
    ] {
        let power = discover(&machine(&fadt, &dsdt), RSDP_AT).unwrap();
        assert_eq!(power.s5, None);
        assert!(power.reset.is_some());
    }
}

#[test]
fn rejected_machines() {
    let ok = FadtSpec {
        dsdt: DSDT_AT as u32,
        ..FadtSpec::default()
    };
    let dsdt = dsdt_with(S5_CONST_OPS);
    assert!(discover(&machine(&ok, &dsdt), RSDP_AT).is_some());

    let hw_reduced = FadtSpec {
        flags: HW_REDUCED_ACPI,
        dsdt: DSDT_AT as u32,
        ..FadtSpec::default()
    };
    assert_eq!(discover(&machine(&hw_reduced, &dsdt), RSDP_AT), None);
    let no_pm1a = FadtSpec {
        pm1a_cnt: 0,
        dsdt: DSDT_AT as u32,
        ..FadtSpec::default()
    };
    assert_eq!(discover(&machine(&no_pm1a, &dsdt), RSDP_AT), None);

    // machine() puts the FADT in region 3.
    let mut bad_sum = ok.build();
    bad_sum[100] ^= 0xFF;
    let mut mem = machine(&ok, &dsdt);
    mem.regions[3] = (FADT_AT, bad_sum);
    assert_eq!(discover(&mem, RSDP_AT), None, "FADT checksum");

    for len in [0u32, 35, 0xFFFF_FFFF] {
        let mut bad_len = ok.build();
        put(&mut bad_len, 4, &len.to_le_bytes());
        let mut mem = machine(&ok, &dsdt);
        mem.regions[3] = (FADT_AT, bad_len);
        assert_eq!(discover(&mem, RSDP_AT), None, "length {len:#x}");
    }
    assert_eq!(discover(&Mem::default(), 0), None, "no memory at all");
}

// --- Register sequences -------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Io {
    Out8(u16, u8),
    Out16(u16, u16),
    Out32(u16, u32),
}

/// Simulated chipset: fixed PM1 register contents, and SCI_EN appearing on PM1a once
/// `enable` is written to the SMI command port (if set).
struct FakePorts {
    pm1a: (u16, u16),
    pm1b: Option<(u16, u16)>,
    enable: Option<(u16, u8)>,
    writes: Vec<Io>,
}

impl FakePorts {
    fn new(pm1a: (u16, u16)) -> Self {
        FakePorts {
            pm1a,
            pm1b: None,
            enable: None,
            writes: Vec::new(),
        }
    }
}

impl PortIo for FakePorts {
    fn read_u16(&mut self, port: u16) -> u16 {
        match self.pm1b {
            Some((p, v)) if p == port => v,
            _ if port == self.pm1a.0 => self.pm1a.1,
            _ => 0xFFFF,
        }
    }
    fn write_u8(&mut self, port: u16, value: u8) {
        if self.enable == Some((port, value)) {
            self.pm1a.1 |= SCI_EN;
        }
        self.writes.push(Io::Out8(port, value));
    }
    fn write_u16(&mut self, port: u16, value: u16) {
        self.writes.push(Io::Out16(port, value));
    }
    fn write_u32(&mut self, port: u16, value: u32) {
        self.writes.push(Io::Out32(port, value));
    }
}

#[test]
fn sleep_control_keeps_other_bits() {
    // Bit 9 and SCI_EN survive; a stale SLP_TYP and SLP_EN are replaced.
    assert_eq!(
        sleep_control(0x0201 | 0x1C00 | SLP_EN, 5, 6),
        (0x0201 | 5 << 10, 0x0201 | 6 << 10)
    );
    assert_eq!(sleep_control(0x0000, 0, 7), (0x0000, 0x1C00));
}

#[test]
fn power_off_on_qemu_q35_writes_pm1a_twice_per_attempt() {
    let mut io = FakePorts::new((0x604, SCI_EN));
    QEMU_Q35.power_off_with(&mut io);
    let typ = Io::Out16(0x604, SCI_EN);
    let go = Io::Out16(0x604, SCI_EN | SLP_EN);
    assert_eq!(io.writes, [typ, go, go]);
}

#[test]
fn power_off_with_pm1b_and_acpi_enable() {
    let power = AcpiPower {
        pm1a_cnt: 0x1004,
        pm1b_cnt: Some(0x2004),
        s5: Some(SleepType { a: 7, b: 3 }),
        reset: None,
        smi_cmd: 0xB2,
        acpi_enable: 0xA0,
        century_reg: None,
    };
    let mut io = FakePorts::new((0x1004, 0x0200));
    io.pm1b = Some((0x2004, 0x0000));
    io.enable = Some((0xB2, 0xA0));
    power.power_off_with(&mut io);
    let (a, b) = (0x0201 | 7 << 10, 0x0201 | 3 << 10);
    assert_eq!(
        io.writes,
        [
            Io::Out8(0xB2, 0xA0),
            Io::Out16(0x1004, a),
            Io::Out16(0x2004, b),
            Io::Out16(0x1004, a | SLP_EN),
            Io::Out16(0x2004, b | SLP_EN),
            Io::Out16(0x1004, a | SLP_EN),
            Io::Out16(0x2004, b | SLP_EN),
        ]
    );
}

#[test]
fn acpi_enable_decisions() {
    let legacy = AcpiPower {
        acpi_enable: 0xF1,
        ..QEMU_Q35
    };
    let mut io = FakePorts::new((0x604, 0));
    io.enable = Some((0xB2, 0xF1));
    assert!(legacy.enable_acpi_with(&mut io));
    assert_eq!(io.writes, [Io::Out8(0xB2, 0xF1)]);

    let mut already = FakePorts::new((0x604, SCI_EN));
    assert!(legacy.enable_acpi_with(&mut already));
    assert!(already.writes.is_empty());

    let mut no_smi = FakePorts::new((0x604, 0));
    assert!(
        AcpiPower {
            smi_cmd: 0,
            ..legacy
        }
        .enable_acpi_with(&mut no_smi)
    );
    assert!(no_smi.writes.is_empty());

    let mut unsupported = FakePorts::new((0x604, 0));
    assert!(
        !AcpiPower {
            acpi_enable: 0,
            ..legacy
        }
        .enable_acpi_with(&mut unsupported)
    );
    assert!(unsupported.writes.is_empty());

    let mut firmware_ignores = FakePorts::new((0x604, 0));
    assert!(
        !legacy.enable_acpi_with(&mut firmware_ignores),
        "bounded wait gives up"
    );
}

#[test]
fn power_off_without_usable_s5_touches_nothing() {
    for s5 in [None, Some(SleepType { a: 8, b: 0 })] {
        let mut io = FakePorts::new((0x604, SCI_EN));
        AcpiPower { s5, ..QEMU_Q35 }.power_off_with(&mut io);
        assert!(io.writes.is_empty());
    }
}

#[test]
fn reset_writes() {
    let mut io = FakePorts::new((0x604, 0));
    assert!(QEMU_Q35.reset_with(&mut io));
    assert_eq!(io.writes, [Io::Out8(0xCF9, 0x0F)]);

    // Bus 0, device 0x1F, function 3, register 0xAD: aligned dword address, byte lane 1.
    let pci = ResetReg {
        space: ResetSpace::PciConfig,
        address: 0x1F_u64 << 32 | 0x3 << 16 | 0xAD,
        value: 4,
    };
    let mut io = FakePorts::new((0x604, 0));
    assert!(
        AcpiPower {
            reset: Some(pci),
            ..QEMU_Q35
        }
        .reset_with(&mut io)
    );
    assert_eq!(
        io.writes,
        [Io::Out32(0xCF8, 0x8000_FBAC), Io::Out8(0xCFD, 4)]
    );

    let mmio = ResetReg {
        space: ResetSpace::Memory,
        address: 0xFEC0_0000,
        value: 1,
    };
    for reset in [None, Some(mmio)] {
        let mut io = FakePorts::new((0x604, 0));
        assert!(!AcpiPower { reset, ..QEMU_Q35 }.reset_with(&mut io));
        assert!(io.writes.is_empty());
    }
}

#[test]
fn madt_of_qemu_pc_routes_the_pit_to_gsi_2_and_pci_lines_level_triggered() {
    let madt = discover_madt(&qemu(PC_RSDP, PC_TABLES), PC_RSDP.0).expect("MADT");
    assert_eq!(madt.lapic_address, 0xFEE0_0000);
    assert!(madt.pcat_compat);
    assert_eq!(madt.io_apics, [IoApic { id: 0, address: 0xFEC0_0000, gsi_base: 0 }]);
    assert_eq!(madt.isa_irq(0).0, 2);
    assert_eq!(madt.isa_irq(4), (4, Signal::ISA));
    // QEMU's pc machine declares its PCI interrupt lines (5, 9, 10, 11) level, active high.
    let pci = Signal { level_triggered: true, active_low: false };
    for irq in [5, 9, 10, 11] {
        assert_eq!(madt.isa_irq(irq), (irq as u32, pci), "IRQ {irq}");
    }
}

#[test]
fn madt_of_qemu_q35() {
    let madt = discover_madt(&qemu(Q35_RSDP, Q35_TABLES), Q35_RSDP.0).expect("MADT");
    assert_eq!(madt.io_apics.len(), 1);
    assert_eq!(madt.isa_irq(0).0, 2);
}

#[test]
fn madt_with_bad_entry_lengths_is_rejected_not_looped_on() {
    let mut body = vec![0u8; 8];
    put(&mut body, 0, &0xFEE0_0000u32.to_le_bytes());
    // An I/O APIC entry, then an entry claiming length 0.
    body.extend_from_slice(&[1, 12, 0, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0]);
    body.extend_from_slice(&[2, 0, 0, 0]);
    assert_eq!(madt::parse_madt(&sdt(b"APIC", 1, &body)), None);
    body.truncate(8 + 12);
    body.extend_from_slice(&[2, 200, 0, 0]);
    assert_eq!(madt::parse_madt(&sdt(b"APIC", 1, &body)), None);
    body.truncate(8 + 12);
    let madt = madt::parse_madt(&sdt(b"APIC", 1, &body)).expect("well-formed");
    assert_eq!(madt.io_apics[0].address, 0xFEC0_0000);
    // Without an I/O APIC there is nothing to route through.
    body.truncate(8);
    assert_eq!(madt::parse_madt(&sdt(b"APIC", 1, &body)), None);
}
