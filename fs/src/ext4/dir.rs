//! Directory contents, read once per directory (the filesystem never changes) into a table:
//! entries in on-disk order for `readdir`, and a sorted index for lookup. The inode numbers
//! come from here; `ext4-view` does not expose them.

use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

use super::blockmap;
use super::disk::Disk;
use super::layout::{Geometry, RawInode, le32};
use crate::SysResult;

pub(super) struct Entry {
    pub ino: u32,
    /// `d_type` (`DT_*`).
    pub dtype: u8,
    pub name: Box<[u8]>,
}

pub(super) struct DirTable {
    /// The inode `..` names.
    pub parent: Option<u32>,
    /// Every entry but `.` and `..`, in on-disk order: `readdir` cookies index this.
    pub entries: Vec<Entry>,
    /// `entries` indices sorted by name.
    by_name: Vec<u32>,
}

/// `ext4_filetype_table`: directory entry file type to `d_type`; unknown is `DT_UNKNOWN`.
fn dtype(file_type: u8) -> u8 {
    const TABLE: [u8; 8] = [0, 8, 4, 2, 6, 1, 12, 10];
    TABLE.get(file_type as usize).copied().unwrap_or(0)
}

/// `ext4_rec_len_from_disk`: 64 KiB blocks keep the two high bits in the low ones.
fn rec_len(raw: u16, block_size: u32) -> usize {
    if block_size < 65536 {
        raw as usize
    } else if raw == 65535 || raw == 0 {
        block_size as usize
    } else {
        (raw & 65532) as usize | ((raw & 3) as usize) << 16
    }
}

/// `EXT4_DIR_REC_LEN`: an entry's header and name, rounded up to 4 bytes.
fn min_rec_len(name_len: usize) -> usize {
    (name_len + 8 + 3) & !3
}

impl DirTable {
    pub(super) fn read(disk: &Disk, geo: &Geometry, dir: &RawInode) -> SysResult<DirTable> {
        let bs = geo.block_size as u64;
        let nblocks = dir.size.div_ceil(bs);
        let mut table = DirTable {
            parent: None,
            entries: Vec::new(),
            by_name: Vec::new(),
        };
        let mut block = vec![0u8; bs as usize];
        for run in blockmap::runs(disk, geo, dir, nblocks)? {
            // Unwritten blocks read as zeros: no entries there.
            if run.unwritten {
                continue;
            }
            let count = run.len.min(nblocks.saturating_sub(run.logical));
            for i in 0..count {
                disk.read(geo.offset(run.physical + i)?, &mut block)?;
                table.parse_block(&block, geo);
            }
        }
        let mut order: Vec<u32> = (0..table.entries.len() as u32).collect();
        order.sort_by(|&a, &b| {
            table.entries[a as usize]
                .name
                .cmp(&table.entries[b as usize].name)
        });
        table.by_name = order;
        Ok(table)
    }

    /// Add the entries of one block. A damaged entry ends the block, as `ext4_readdir` skips
    /// to the next block after `ext4_check_dir_entry` fails.
    fn parse_block(&mut self, block: &[u8], geo: &Geometry) {
        let size = block.len();
        let mut off = 0usize;
        while off + 8 <= size {
            let ino = le32(block, off);
            let rlen = rec_len(le32(block, off + 4) as u16, geo.block_size);
            let name_len = block[off + 6] as usize;
            let next = off + rlen;
            let bad = rlen < min_rec_len(1)
                || !rlen.is_multiple_of(4)
                || rlen < min_rec_len(name_len)
                || next > size
                || (next > size - min_rec_len(1) && next != size)
                || ino > geo.inodes_count;
            if bad {
                log::warn!("ext4: bad directory entry at offset {off}");
                return;
            }
            let name = &block[off + 8..off + 8 + name_len];
            if ino != 0 {
                match name {
                    b"." => {}
                    b".." => {
                        self.parent.get_or_insert(ino);
                    }
                    _ => self.entries.push(Entry {
                        ino,
                        dtype: dtype(block[off + 7]),
                        name: name.into(),
                    }),
                }
            }
            off = next;
        }
    }

    pub(super) fn find(&self, name: &[u8]) -> Option<&Entry> {
        let i = self
            .by_name
            .partition_point(|&i| &*self.entries[i as usize].name < name);
        let e = &self.entries[*self.by_name.get(i)? as usize];
        (&*e.name == name).then_some(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geo() -> Geometry {
        let mut sb = vec![0u8; super::super::layout::SUPERBLOCK_SIZE];
        sb[0x38..0x3A].copy_from_slice(&0xEF53u16.to_le_bytes());
        sb[0x00..0x04].copy_from_slice(&1024u32.to_le_bytes());
        sb[0x04..0x08].copy_from_slice(&8192u32.to_le_bytes());
        sb[0x14..0x18].copy_from_slice(&1u32.to_le_bytes());
        sb[0x20..0x24].copy_from_slice(&8192u32.to_le_bytes());
        sb[0x28..0x2C].copy_from_slice(&1024u32.to_le_bytes());
        Geometry::parse(&sb).unwrap()
    }

    fn entry(block: &mut [u8], off: usize, ino: u32, rec: u16, ft: u8, name: &[u8]) {
        block[off..off + 4].copy_from_slice(&ino.to_le_bytes());
        block[off + 4..off + 6].copy_from_slice(&rec.to_le_bytes());
        block[off + 6] = name.len() as u8;
        block[off + 7] = ft;
        block[off + 8..off + 8 + name.len()].copy_from_slice(name);
    }

    fn table(blocks: &[Vec<u8>]) -> DirTable {
        let mut t = DirTable {
            parent: None,
            entries: Vec::new(),
            by_name: Vec::new(),
        };
        for b in blocks {
            t.parse_block(b, &geo());
        }
        let mut order: Vec<u32> = (0..t.entries.len() as u32).collect();
        order.sort_by(|&a, &b| t.entries[a as usize].name.cmp(&t.entries[b as usize].name));
        t.by_name = order;
        t
    }

    #[test]
    fn parses_entries_skipping_dots_and_empty_slots() {
        let mut b = vec![0u8; 1024];
        entry(&mut b, 0, 12, 12, 2, b".");
        entry(&mut b, 12, 2, 12, 2, b"..");
        entry(&mut b, 24, 0, 16, 1, b"gone");
        entry(&mut b, 40, 13, 16, 7, b"link");
        entry(&mut b, 56, 14, 1024 - 56, 1, b"zeta");
        let t = table(&[b]);
        assert_eq!(t.parent, Some(2));
        let names: Vec<&[u8]> = t.entries.iter().map(|e| &*e.name).collect();
        assert_eq!(names, [&b"link"[..], b"zeta"]);
        assert_eq!(t.find(b"zeta").map(|e| (e.ino, e.dtype)), Some((14, 8)));
        assert_eq!(t.find(b"link").map(|e| e.dtype), Some(10));
        assert!(t.find(b"gone").is_none());
        assert!(t.find(b"zz").is_none());
    }

    #[test]
    fn damaged_entry_ends_only_its_block() {
        let mut a = vec![0u8; 1024];
        entry(&mut a, 0, 20, 16, 1, b"ok");
        entry(&mut a, 16, 21, 6, 1, b"x"); // rec_len below the minimum
        let mut b = vec![0u8; 1024];
        entry(&mut b, 0, 22, 1024, 1, b"next");
        let mut c = vec![0u8; 1024];
        entry(&mut c, 0, 5000, 1024, 1, b"far"); // inode past s_inodes_count
        let t = table(&[a, b, c]);
        let names: Vec<&[u8]> = t.entries.iter().map(|e| &*e.name).collect();
        assert_eq!(names, [&b"ok"[..], b"next"]);
    }

    #[test]
    fn big_block_rec_len() {
        assert_eq!(rec_len(0, 65536), 65536);
        assert_eq!(rec_len(65535, 65536), 65536);
        assert_eq!(rec_len(12 | 1, 65536), 12 | 65536);
        assert_eq!(rec_len(12, 4096), 12);
    }
}
