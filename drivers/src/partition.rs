//! Partition tables: MBR (with extended/logical partitions) and GPT, numbered as Linux numbers
//! them (vda1–vda4 primary, vda5… logical; GPT entries by index + 1).

use alloc::vec::Vec;

pub const SECTOR: usize = 512;

/// A partition: Linux's number and its extent in 512-byte sectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partition {
    pub number: u32,
    pub start: u64,
    pub sectors: u64,
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8).map_or(0, |s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
}

fn is_extended(kind: u8) -> bool {
    matches!(kind, 0x05 | 0x0f | 0x85)
}

/// Reads the partitions of a disk of `sectors` sectors. `read` fills a 512-byte buffer from a
/// sector and returns false on error. Malformed tables yield what could be read, never a panic.
pub fn scan(sectors: u64, read: &mut dyn FnMut(u64, &mut [u8]) -> bool) -> Vec<Partition> {
    let mut mbr = [0u8; SECTOR];
    if !read(0, &mut mbr) || mbr[510] != 0x55 || mbr[511] != 0xaa {
        return Vec::new();
    }
    let entry = |i: usize| {
        let e = &mbr[446 + 16 * i..462 + 16 * i];
        (e[4], u32_at(e, 8) as u64, u32_at(e, 12) as u64)
    };
    if (0..4).any(|i| entry(i).0 == 0xee) {
        return scan_gpt(sectors, read);
    }
    let within = |start: u64, len: u64| len > 0 && start.checked_add(len).is_some_and(|e| e <= sectors);
    let mut parts = Vec::new();
    let mut extended = None;
    for i in 0..4 {
        let (kind, start, len) = entry(i);
        if kind == 0 || !within(start, len) {
            continue;
        }
        parts.push(Partition { number: i as u32 + 1, start, sectors: len });
        if is_extended(kind) && extended.is_none() {
            extended = Some(start);
        }
    }
    if let Some(base) = extended {
        // The EBR chain: each holds one logical partition (relative to the EBR) and a link
        // (relative to the extended partition's start). Bounded against loops.
        let mut ebr_at = base;
        let mut number = 5;
        for _ in 0..128 {
            let mut ebr = [0u8; SECTOR];
            if !read(ebr_at, &mut ebr) || ebr[510] != 0x55 || ebr[511] != 0xaa {
                break;
            }
            let (kind, rel, len) = (ebr[446 + 4], u32_at(&ebr, 446 + 8) as u64, u32_at(&ebr, 446 + 12) as u64);
            if kind != 0 && within(ebr_at + rel, len) {
                parts.push(Partition { number, start: ebr_at + rel, sectors: len });
                number += 1;
            }
            let (next_kind, next_rel) = (ebr[462 + 4], u32_at(&ebr, 462 + 8) as u64);
            if !is_extended(next_kind) || next_rel == 0 {
                break;
            }
            ebr_at = base + next_rel;
        }
    }
    parts
}

fn scan_gpt(sectors: u64, read: &mut dyn FnMut(u64, &mut [u8]) -> bool) -> Vec<Partition> {
    let mut hdr = [0u8; SECTOR];
    if !read(1, &mut hdr) || &hdr[0..8] != b"EFI PART" {
        return Vec::new();
    }
    let table = u64_at(&hdr, 72);
    let count = u32_at(&hdr, 80).min(1024) as u64;
    let size = u32_at(&hdr, 84) as u64;
    if !(128..=4096).contains(&size) || !size.is_multiple_of(8) {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let mut sector = [0u8; SECTOR];
    let mut loaded = u64::MAX;
    for i in 0..count {
        let byte = i * size;
        let (lba, off) = (table + byte / SECTOR as u64, (byte % SECTOR as u64) as usize);
        if lba != loaded {
            if !read(lba, &mut sector) {
                break;
            }
            loaded = lba;
        }
        // Entries of 128 bytes never straddle sectors; larger ones only use their first 48 bytes.
        let Some(e) = sector.get(off..off + 48) else { continue };
        if e[..16].iter().all(|&b| b == 0) {
            continue;
        }
        let (first, last) = (u64_at(e, 32), u64_at(e, 40));
        if first == 0 || last < first || last >= sectors {
            continue;
        }
        parts.push(Partition { number: i as u32 + 1, start: first, sectors: last - first + 1 });
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disk(n: usize) -> Vec<u8> {
        alloc::vec![0u8; n * SECTOR]
    }

    fn reader(d: &[u8]) -> impl FnMut(u64, &mut [u8]) -> bool + '_ {
        move |lba, buf| {
            let off = lba as usize * SECTOR;
            match d.get(off..off + SECTOR) {
                Some(s) => {
                    buf.copy_from_slice(s);
                    true
                }
                None => false,
            }
        }
    }

    fn mbr_entry(d: &mut [u8], base: usize, i: usize, kind: u8, start: u32, len: u32) {
        let e = base + 446 + 16 * i;
        d[e + 4] = kind;
        d[e + 8..e + 12].copy_from_slice(&start.to_le_bytes());
        d[e + 12..e + 16].copy_from_slice(&len.to_le_bytes());
        d[base + 510] = 0x55;
        d[base + 511] = 0xaa;
    }

    #[test]
    fn no_signature_no_partitions() {
        let d = disk(8);
        assert!(scan(8, &mut reader(&d)).is_empty());
    }

    #[test]
    fn primary_and_logical() {
        let mut d = disk(200);
        mbr_entry(&mut d, 0, 0, 0x83, 2, 20);
        mbr_entry(&mut d, 0, 1, 0x05, 50, 100);
        // EBR at 50: logical at 50+1 (len 10), next EBR at 50+30.
        mbr_entry(&mut d, 50 * SECTOR, 0, 0x83, 1, 10);
        mbr_entry(&mut d, 50 * SECTOR, 1, 0x05, 30, 40);
        mbr_entry(&mut d, 80 * SECTOR, 0, 0x83, 2, 5);
        let p = scan(200, &mut reader(&d));
        assert_eq!(
            p,
            [
                Partition { number: 1, start: 2, sectors: 20 },
                Partition { number: 2, start: 50, sectors: 100 },
                Partition { number: 5, start: 51, sectors: 10 },
                Partition { number: 6, start: 82, sectors: 5 },
            ]
        );
    }

    #[test]
    fn out_of_range_and_loops_are_ignored() {
        let mut d = disk(100);
        mbr_entry(&mut d, 0, 0, 0x83, 90, 20);
        mbr_entry(&mut d, 0, 1, 0x05, 10, 50);
        // An EBR linking to itself.
        mbr_entry(&mut d, 10 * SECTOR, 0, 0x83, 1, 2);
        mbr_entry(&mut d, 10 * SECTOR, 1, 0x05, 0, 5);
        let p = scan(100, &mut reader(&d));
        assert_eq!(p.len(), 2);
    }

    #[test]
    fn gpt() {
        let mut d = disk(100);
        mbr_entry(&mut d, 0, 0, 0xee, 1, 99);
        d[SECTOR..SECTOR + 8].copy_from_slice(b"EFI PART");
        d[SECTOR + 72..SECTOR + 80].copy_from_slice(&2u64.to_le_bytes());
        d[SECTOR + 80..SECTOR + 84].copy_from_slice(&4u32.to_le_bytes());
        d[SECTOR + 84..SECTOR + 88].copy_from_slice(&128u32.to_le_bytes());
        let e = 2 * SECTOR + 128; // entry 1 (entry 0 unused)
        d[e] = 1;
        d[e + 32..e + 40].copy_from_slice(&34u64.to_le_bytes());
        d[e + 40..e + 48].copy_from_slice(&63u64.to_le_bytes());
        let p = scan(100, &mut reader(&d));
        assert_eq!(p, [Partition { number: 2, start: 34, sectors: 30 }]);
    }
}
