//! Just enough AML to read `\_S5_` out of a DSDT without an interpreter.
//!
//! Firmware declares the S5 (soft-off) sleep type values as a static object,
//! `Name (_S5, Package () { SLP_TYPa, SLP_TYPb, ... })`, which encodes as
//!
//! ```text
//! NameOp [RootChar] "_S5_" PackageOp PkgLength NumElements Element...
//! ```
//!
//! with each element a ZeroOp/OneOp/OnesOp constant or a Byte/Word/DWord/QWord-prefixed
//! integer. Anything else (a `Method (_S5)`, elements that are references) is beyond a
//! table scan and yields `None` rather than a guess.

use super::tables::{le_u16, le_u32, le_u64};

const NAME_OP: u8 = 0x08;
const ROOT_CHAR: u8 = b'\\';
const PACKAGE_OP: u8 = 0x12;
const ZERO_OP: u8 = 0x00;
const ONE_OP: u8 = 0x01;
const ONES_OP: u8 = 0xFF;
const BYTE_PREFIX: u8 = 0x0A;
const WORD_PREFIX: u8 = 0x0B;
const DWORD_PREFIX: u8 = 0x0C;
const QWORD_PREFIX: u8 = 0x0E;

const S5_NAME: &[u8; 4] = b"_S5_";

/// SLP_TYP values for the two PM1 control blocks, as `acpi_get_sleep_type_data`
/// returns them (truncated to a byte, not yet range-checked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SleepType {
    /// SLP_TYPa, written to PM1a_CNT.
    pub a: u8,
    /// SLP_TYPb, written to PM1b_CNT when that block exists.
    pub b: u8,
}

/// Find the `\_S5_` package in a DSDT's AML body (the bytes after the table header).
///
/// Every occurrence of the name is tried, since the bytes "_S5_" can also appear as a
/// reference or inside unrelated data; the first that decodes as a named package of
/// integers wins.
pub fn find_s5(aml: &[u8]) -> Option<SleepType> {
    aml.windows(S5_NAME.len())
        .enumerate()
        .filter(|(_, window)| window == S5_NAME)
        .find_map(|(at, _)| {
            is_name_definition(aml, at).then(|| parse_sleep_package(aml, at + S5_NAME.len()))?
        })
}

/// Is the NameSeg at `at` the name being defined by a NameOp (`Name (_S5, ...)` or
/// `Name (\_S5, ...)`)?
fn is_name_definition(aml: &[u8], at: usize) -> bool {
    let before = |n: usize| at.checked_sub(n).and_then(|i| aml.get(i)).copied();
    before(1) == Some(NAME_OP) || (before(1) == Some(ROOT_CHAR) && before(2) == Some(NAME_OP))
}

/// Decode `PackageOp PkgLength NumElements Element...` starting at `pos` and pick the
/// sleep types the way ACPICA does: one integer packs SLP_TYPa in bits 0-7 and SLP_TYPb
/// in bits 8-15; with two or more, the first two elements are SLP_TYPa and SLP_TYPb.
fn parse_sleep_package(aml: &[u8], pos: usize) -> Option<SleepType> {
    if *aml.get(pos)? != PACKAGE_OP {
        return None;
    }
    let pkg_start = pos + 1;
    let (pkg_len, len_bytes) = pkg_length(aml.get(pkg_start..)?)?;
    // PkgLength counts its own encoding and everything after it in the package.
    let pkg_end = pkg_start.checked_add(pkg_len)?;
    let body = aml.get(pkg_start + len_bytes..pkg_end)?;
    let (&count, mut elements) = body.split_first()?;
    let first = integer(&mut elements)?;
    match count {
        0 => None,
        1 => Some(SleepType {
            a: first as u8,
            b: (first >> 8) as u8,
        }),
        _ => {
            let second = integer(&mut elements)?;
            Some(SleepType {
                a: first as u8,
                b: second as u8,
            })
        }
    }
}

/// Decode a PkgLength, returning (length, bytes used by the encoding).
///
/// The lead byte's top two bits count the bytes that follow. With none, its low six
/// bits are the length; otherwise its low nibble is the least significant and each
/// following byte adds eight more bits.
pub(crate) fn pkg_length(bytes: &[u8]) -> Option<(usize, usize)> {
    let (&lead, rest) = bytes.split_first()?;
    let follow = usize::from(lead >> 6);
    if follow == 0 {
        return Some((usize::from(lead & 0x3F), 1));
    }
    let mut len = usize::from(lead & 0x0F);
    for (i, &b) in rest.get(..follow)?.iter().enumerate() {
        len |= usize::from(b) << (4 + 8 * i);
    }
    // A length too short to cover its own encoding is malformed.
    (len > follow).then_some((len, follow + 1))
}

/// Consume one constant integer data object from the front of `bytes`.
fn integer(bytes: &mut &[u8]) -> Option<u64> {
    let (&op, rest) = bytes.split_first()?;
    let (value, used) = match op {
        ZERO_OP => (0, 0),
        ONE_OP => (1, 0),
        ONES_OP => (u64::MAX, 0),
        BYTE_PREFIX => (u64::from(*rest.first()?), 1),
        WORD_PREFIX => (u64::from(le_u16(rest, 0)?), 2),
        DWORD_PREFIX => (u64::from(le_u32(rest, 0)?), 4),
        QWORD_PREFIX => (le_u64(rest, 0)?, 8),
        _ => return None,
    };
    *bytes = rest.get(used..)?;
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_encoding_all_zero_ops() {
        // What QEMU emits: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }).
        let aml = [
            0x10, 0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0, 0, 0, 0,
        ];
        assert_eq!(find_s5(&aml), Some(SleepType { a: 0, b: 0 }));
    }

    #[test]
    fn byte_prefix_encoding_with_root_prefix() {
        // Name (\_S5, Package () { 0x05, 0x07, Zero, Zero })
        let aml = [
            0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x08, 0x04, 0x0A, 0x05, 0x0A, 0x07, 0, 0,
        ];
        assert_eq!(find_s5(&aml), Some(SleepType { a: 5, b: 7 }));
    }

    #[test]
    fn mixed_constants_and_wide_prefixes() {
        let aml = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x02, 0x01, 0x0B, 0x06, 0x00,
        ];
        assert_eq!(find_s5(&aml), Some(SleepType { a: 1, b: 6 }));
        let aml = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x08, 0x02, 0x0C, 7, 0, 0, 0, 0x00,
        ];
        assert_eq!(find_s5(&aml), Some(SleepType { a: 7, b: 0 }));
    }

    #[test]
    fn single_integer_packs_both_types() {
        // Package () { 0x0705 }: SLP_TYPa in the low byte, SLP_TYPb in the next.
        let aml = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x05, 0x01, 0x0B, 0x05, 0x07,
        ];
        assert_eq!(find_s5(&aml), Some(SleepType { a: 5, b: 7 }));
    }

    #[test]
    fn multi_byte_pkg_length() {
        // Two-byte PkgLength 0x0007 (lead 0x47, follow 0x00) around the same package.
        let aml = [
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x47, 0x00, 0x02, 0x0A, 3, 0x0A, 4,
        ];
        assert_eq!(find_s5(&aml), Some(SleepType { a: 3, b: 4 }));
    }

    #[test]
    fn pkg_length_decoding() {
        assert_eq!(pkg_length(&[0x3F]), Some((0x3F, 1)));
        assert_eq!(pkg_length(&[0x4A, 0x12]), Some((0x12A, 2)));
        assert_eq!(pkg_length(&[0x85, 0x34, 0x12]), Some((0x12345, 3)));
        assert_eq!(
            pkg_length(&[0xC1, 0x32, 0x54, 0x76]),
            Some((0x0765_4321, 4))
        );
        assert_eq!(pkg_length(&[0x81, 0x00]), None, "truncated encoding");
        assert_eq!(
            pkg_length(&[0x41, 0x00]),
            None,
            "shorter than its own encoding"
        );
        assert_eq!(pkg_length(&[]), None);
    }

    #[test]
    fn skips_references_and_takes_the_definition() {
        // A method body mentioning \_S5_ first (no NameOp before it), then the object.
        let aml = [
            0x70, b'\\', b'_', b'S', b'5', b'_', 0x60, // Store (\_S5, Local0)
            0x08, b'_', b'S', b'5', b'_', 0x12, 0x05, 0x02, 0x0A, 0x02, 0x01,
        ];
        assert_eq!(find_s5(&aml), Some(SleepType { a: 2, b: 1 }));
    }

    #[test]
    fn rejects_malformed_packages() {
        let cases: &[&[u8]] = &[
            b"",
            b"_S5_",
            &[0x08, b'_', b'S', b'5', b'_'],
            // Method (_S5) instead of a package.
            &[0x14, 0x06, b'_', b'S', b'5', b'_', 0x00, 0xA4, 0x00],
            // NameOp but an integer, not a package.
            &[0x08, b'_', b'S', b'5', b'_', 0x0A, 0x05],
            // PkgLength runs past the end of the table.
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x3F, 0x02, 0x00, 0x00],
            // Zero elements.
            &[0x08, b'_', b'S', b'5', b'_', 0x12, 0x02, 0x00],
            // BytePrefix with its byte cut off by the package end.
            &[
                0x08, b'_', b'S', b'5', b'_', 0x12, 0x04, 0x02, 0x00, 0x0A, 0x05,
            ],
            // Second element is a name reference, not an integer.
            &[
                0x08, b'_', b'S', b'5', b'_', 0x12, 0x07, 0x02, 0x00, b'A', b'B', b'C', b'D',
            ],
        ];
        for aml in cases {
            assert_eq!(find_s5(aml), None, "{aml:02x?}");
        }
    }

    #[test]
    fn never_panics_on_truncations_of_a_valid_package() {
        let aml = [
            0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x4D, 0x00, 0x02, 0x0E, 1, 0, 0, 0, 0, 0, 0,
            0, 0x00,
        ];
        assert_eq!(find_s5(&aml), Some(SleepType { a: 1, b: 0 }));
        for end in 0..aml.len() {
            assert_eq!(find_s5(&aml[..end]), None, "cut at {end}");
        }
    }
}
