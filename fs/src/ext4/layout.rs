//! The on-disk records `ext4-view` does not expose: superblock counts, group descriptors and raw
//! inodes (link count, block count, device number, flags, block map). Offsets and decoding
//! follow Linux's `fs/ext4/ext4.h` and `ext4_iget`.

use alloc::vec;
use alloc::vec::Vec;

use super::disk::Disk;
use crate::vfs::types::*;
use crate::{Errno, SysResult};

pub(super) const EXT4_SUPER_MAGIC: u16 = 0xEF53;
pub(super) const ROOT_INO: u32 = 2;
const SUPERBLOCK_OFFSET: u64 = 1024;
pub(super) const SUPERBLOCK_SIZE: usize = 1024;
const GOOD_OLD_INODE_SIZE: usize = 128;

// Feature bits (`EXT4_FEATURE_*`).
const COMPAT_SPARSE_SUPER2: u32 = 0x200;
const INCOMPAT_RECOVER: u32 = 0x4;
const INCOMPAT_EXTENTS: u32 = 0x40;
const INCOMPAT_64BIT: u32 = 0x80;
const INCOMPAT_LARGEDIR: u32 = 0x4000;
const RO_COMPAT_SPARSE_SUPER: u32 = 0x1;
const RO_COMPAT_HUGE_FILE: u32 = 0x8;

// Inode flags (`EXT4_*_FL`).
pub(super) const HUGE_FILE_FL: u32 = 0x4_0000;
pub(super) const EXTENTS_FL: u32 = 0x8_0000;
pub(super) const ENCRYPT_FL: u32 = 0x800;
pub(super) const INLINE_DATA_FL: u32 = 0x1000_0000;

fn le16(b: &[u8], at: usize) -> u16 {
    b.get(at..at + 2)
        .map_or(0, |s| u16::from_le_bytes([s[0], s[1]]))
}

pub(super) fn le32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// What the mount needs from the superblock.
#[derive(Clone, Debug)]
pub(super) struct Geometry {
    pub block_size: u32,
    /// Blocks per allocation cluster (bigalloc), 1 otherwise.
    pub cluster_ratio: u64,
    pub blocks_count: u64,
    pub r_blocks_count: u64,
    pub first_data_block: u32,
    pub inodes_count: u32,
    pub inodes_per_group: u32,
    pub inode_size: u32,
    pub desc_size: u32,
    pub groups: u32,
    pub reserved_gdt_blocks: u32,
    pub overhead_clusters: u32,
    pub backup_bgs: [u32; 2],
    pub journal_inum: u32,
    pub feature_compat: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
}

impl Geometry {
    /// Read and check the superblock. Anything that makes the layout unusable is `EINVAL`, as
    /// a failed `ext4_fill_super` is.
    pub(super) fn read(disk: &Disk) -> SysResult<Geometry> {
        let mut sb = vec![0u8; SUPERBLOCK_SIZE];
        disk.read(SUPERBLOCK_OFFSET, &mut sb)
            .map_err(|_| Errno::EINVAL)?;
        Self::parse(&sb)
    }

    pub(super) fn parse(sb: &[u8]) -> SysResult<Geometry> {
        if le16(sb, 0x38) != EXT4_SUPER_MAGIC {
            return Err(Errno::EINVAL);
        }
        let log_block = le32(sb, 0x18);
        let log_cluster = le32(sb, 0x1C);
        // 1 KiB to 64 KiB (`EXT4_MAX_BLOCK_LOG_SIZE`).
        if log_block > 6 || log_cluster < log_block || log_cluster - log_block > 16 {
            return Err(Errno::EINVAL);
        }
        let block_size = 1024u32 << log_block;
        let feature_incompat = le32(sb, 0x60);
        let feature_ro_compat = le32(sb, 0x64);
        let is64 = feature_incompat & INCOMPAT_64BIT != 0;
        let hi = |at: usize| if is64 { (le32(sb, at) as u64) << 32 } else { 0 };
        let blocks_count = le32(sb, 0x04) as u64 | hi(0x150);
        let rev_level = le32(sb, 0x4C);
        let inode_size = if rev_level == 0 {
            GOOD_OLD_INODE_SIZE as u32
        } else {
            le16(sb, 0x58) as u32
        };
        if inode_size < GOOD_OLD_INODE_SIZE as u32
            || !inode_size.is_power_of_two()
            || inode_size > block_size
        {
            return Err(Errno::EINVAL);
        }
        let desc_size = if is64 { le16(sb, 0xFE) as u32 } else { 32 };
        if desc_size < 32
            || !desc_size.is_power_of_two()
            || desc_size > 1024
            || (is64 && desc_size < 64)
        {
            return Err(Errno::EINVAL);
        }
        let first_data_block = le32(sb, 0x14);
        let blocks_per_group = le32(sb, 0x20);
        let inodes_per_group = le32(sb, 0x28);
        let inodes_count = le32(sb, 0x00);
        // As `ext4_fill_super`: a group's bitmaps are one block each.
        if blocks_per_group == 0
            || blocks_per_group > block_size * 8
            || inodes_per_group < block_size / inode_size
            || inodes_per_group > block_size * 8
            || blocks_count <= first_data_block as u64
        {
            return Err(Errno::EINVAL);
        }
        let groups = (blocks_count - first_data_block as u64).div_ceil(blocks_per_group as u64);
        let groups = u32::try_from(groups).map_err(|_| Errno::EINVAL)?;
        if groups as u64 * inodes_per_group as u64 != inodes_count as u64 {
            return Err(Errno::EINVAL);
        }
        Ok(Geometry {
            block_size,
            cluster_ratio: 1u64 << (log_cluster - log_block),
            blocks_count,
            r_blocks_count: le32(sb, 0x08) as u64 | hi(0x154),
            first_data_block,
            inodes_count,
            inodes_per_group,
            inode_size,
            desc_size,
            groups,
            reserved_gdt_blocks: le16(sb, 0xCE) as u32,
            overhead_clusters: le32(sb, 0x248),
            backup_bgs: [le32(sb, 0x24C), le32(sb, 0x250)],
            journal_inum: le32(sb, 0xE0),
            feature_compat: le32(sb, 0x5C),
            feature_incompat,
            feature_ro_compat,
        })
    }

    /// The journal has transactions not yet written to their home blocks.
    pub(super) fn needs_recovery(&self) -> bool {
        self.feature_incompat & INCOMPAT_RECOVER != 0
    }

    pub(super) fn has_extents(&self) -> bool {
        self.feature_incompat & INCOMPAT_EXTENTS != 0
    }

    /// Byte offset of block `block`.
    pub(super) fn offset(&self, block: u64) -> SysResult<u64> {
        if block >= self.blocks_count {
            return Err(Errno::EIO);
        }
        Ok(block * self.block_size as u64)
    }

    /// `ext4_bg_has_super`: whether group `group` holds a superblock backup.
    fn group_has_super(&self, group: u32) -> bool {
        if group == 0 {
            return true;
        }
        if self.feature_compat & COMPAT_SPARSE_SUPER2 != 0 {
            return group == self.backup_bgs[0] || group == self.backup_bgs[1];
        }
        if group <= 1 || self.feature_ro_compat & RO_COMPAT_SPARSE_SUPER == 0 {
            return true;
        }
        if group & 1 == 0 {
            return false;
        }
        [3u32, 5, 7].iter().any(|&base| {
            let mut n = base;
            while n < group {
                n = n.saturating_mul(base);
            }
            n == group
        })
    }

    /// `ext4_calculate_overhead` without bigalloc: the blocks before the first group, each
    /// group's superblock and descriptor copies, bitmaps and inode table, and the journal.
    fn computed_overhead(&self, journal_blocks: u64) -> u64 {
        let desc_per_block = (self.block_size / self.desc_size) as u64;
        let gdb = (self.groups as u64).div_ceil(desc_per_block);
        let itb = (self.inodes_per_group as u64 * self.inode_size as u64)
            .div_ceil(self.block_size as u64);
        let mut overhead = self.first_data_block as u64;
        for group in 0..self.groups {
            let sb = self.group_has_super(group) as u64;
            overhead += sb + sb * (gdb + self.reserved_gdt_blocks as u64) + itb + 2;
        }
        overhead + journal_blocks
    }

    /// The overhead `statfs` subtracts, in blocks: the superblock's precomputed value when mkfs
    /// stored a sane one, else Linux's computation.
    pub(super) fn overhead_blocks(&self, journal_blocks: u64) -> u64 {
        let stored = self.overhead_clusters as u64 * self.cluster_ratio;
        if stored != 0 && stored <= self.blocks_count {
            stored
        } else {
            self.computed_overhead(journal_blocks)
        }
    }

    /// `ext4_calculate_resv_clusters`: 2% of the blocks, at most 4096 clusters, with extents.
    pub(super) fn reserved_clusters(&self) -> u64 {
        if !self.has_extents() {
            return 0;
        }
        ((self.blocks_count / self.cluster_ratio) / 50).min(4096)
    }
}

/// The group descriptors' inode table locations and free counts.
pub(super) struct Groups {
    inode_tables: Vec<u64>,
    pub free_clusters: u64,
    pub free_inodes: u64,
}

impl Groups {
    pub(super) fn read(disk: &Disk, geo: &Geometry) -> SysResult<Groups> {
        let table = (geo.first_data_block as u64 + 1) * geo.block_size as u64;
        let ds = geo.desc_size as usize;
        let len = (geo.groups as usize).checked_mul(ds).ok_or(Errno::EINVAL)?;
        let mut raw = vec![0u8; len];
        disk.read(table, &mut raw).map_err(|_| Errno::EINVAL)?;
        let wide = ds >= 64;
        let mut groups = Groups {
            inode_tables: Vec::with_capacity(geo.groups as usize),
            free_clusters: 0,
            free_inodes: 0,
        };
        for d in raw.chunks_exact(ds) {
            let hi32 = |at: usize| if wide { (le32(d, at) as u64) << 32 } else { 0 };
            let hi16 = |at: usize| if wide { (le16(d, at) as u64) << 16 } else { 0 };
            groups.inode_tables.push(le32(d, 0x08) as u64 | hi32(0x28));
            groups.free_clusters += le16(d, 0x0C) as u64 | hi16(0x2C);
            groups.free_inodes += le16(d, 0x0E) as u64 | hi16(0x2E);
        }
        Ok(groups)
    }

    /// Byte offset of inode `ino`'s record.
    fn inode_offset(&self, geo: &Geometry, ino: u32) -> SysResult<u64> {
        if ino == 0 || ino > geo.inodes_count {
            return Err(Errno::EIO);
        }
        let index = ino - 1;
        let table = *self
            .inode_tables
            .get((index / geo.inodes_per_group) as usize)
            .ok_or(Errno::EIO)?;
        let within = (index % geo.inodes_per_group) as u64 * geo.inode_size as u64;
        let itb =
            (geo.inodes_per_group as u64 * geo.inode_size as u64).div_ceil(geo.block_size as u64);
        if table
            .checked_add(itb)
            .is_none_or(|end| end > geo.blocks_count)
        {
            return Err(Errno::EIO);
        }
        Ok(table * geo.block_size as u64 + within)
    }
}

/// An inode as `ext4_iget` decodes it.
#[derive(Clone, Debug)]
pub(super) struct RawInode {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub size: u64,
    /// In 512-byte units.
    pub blocks: u64,
    pub flags: u32,
    pub file_acl: u64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
    pub crtime: Option<Timespec>,
    pub rdev: u64,
    /// `i_block`: block map, extent tree root or inline symlink target.
    pub i_block: [u8; 60],
}

impl RawInode {
    pub(super) fn read(
        disk: &Disk,
        geo: &Geometry,
        groups: &Groups,
        ino: u32,
    ) -> SysResult<RawInode> {
        let at = groups.inode_offset(geo, ino)?;
        let mut raw = vec![0u8; geo.inode_size as usize];
        disk.read(at, &mut raw)?;
        Self::parse(&raw, geo)
    }

    pub(super) fn parse(raw: &[u8], geo: &Geometry) -> SysResult<RawInode> {
        let mode = le16(raw, 0x00) as u32;
        let nlink = le16(raw, 0x1A) as u32;
        // Deleted or never used (`ext4_iget`: ESTALE for a name pointing there).
        if nlink == 0 {
            return Err(Errno::ESTALE);
        }
        if FileType::from_mode(mode).is_none() {
            log::warn!("ext4: bogus i_mode {mode:o}");
            return Err(Errno::EIO);
        }
        let extra_isize = if raw.len() > GOOD_OLD_INODE_SIZE {
            let n = le16(raw, 0x80) as usize;
            if GOOD_OLD_INODE_SIZE + n > raw.len() || !n.is_multiple_of(4) {
                log::warn!("ext4: bad extra_isize {n}");
                return Err(Errno::EIO);
            }
            n
        } else {
            0
        };
        // `EXT4_FITS_IN_INODE`: a field past `128 + i_extra_isize` is not there.
        let fits = |off: usize, len: usize| off + len <= GOOD_OLD_INODE_SIZE + extra_isize;
        let time = |base: usize, extra: usize| {
            let mut t = Timespec::new(le32(raw, base) as i32 as i64, 0);
            if fits(extra, 4) {
                let e = le32(raw, extra);
                t.sec += ((e & 3) as i64) << 32;
                t.nsec = e >> 2;
            }
            t
        };
        let flags = le32(raw, 0x20);
        let size_lo = le32(raw, 0x04) as u64;
        let size_hi = le32(raw, 0x6C) as u64;
        // `ext4_isize`: the high half counts for regular files, and for directories with largedir.
        let size = if mode & S_IFMT == S_IFREG || geo.feature_incompat & INCOMPAT_LARGEDIR != 0 {
            size_lo | size_hi << 32
        } else {
            size_lo
        };
        if size > i64::MAX as u64 {
            return Err(Errno::EIO);
        }
        let mut i_block = [0u8; 60];
        i_block.copy_from_slice(raw.get(0x28..0x64).ok_or(Errno::EIO)?);
        let mut rdev = 0;
        if matches!(mode & S_IFMT, S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK) {
            let (old, new) = (le32(&i_block, 0), le32(&i_block, 4));
            rdev = if old != 0 {
                // `old_decode_dev`: 8-bit major and minor.
                makedev((old >> 8) & 0xff, old & 0xff)
            } else {
                // `new_decode_dev`.
                makedev((new & 0xfff00) >> 8, (new & 0xff) | ((new >> 12) & 0xfff00))
            };
        }
        Ok(RawInode {
            mode,
            uid: le16(raw, 0x02) as u32 | (le16(raw, 0x78) as u32) << 16,
            gid: le16(raw, 0x18) as u32 | (le16(raw, 0x7A) as u32) << 16,
            nlink,
            size,
            blocks: inode_blocks(raw, geo, flags),
            flags,
            file_acl: le32(raw, 0x68) as u64 | (le16(raw, 0x76) as u64) << 32,
            atime: time(0x08, 0x8C),
            ctime: time(0x0C, 0x84),
            mtime: time(0x10, 0x88),
            crtime: fits(0x90, 4).then(|| time(0x90, 0x94)),
            rdev,
            i_block,
        })
    }

    pub(super) fn file_type(&self) -> FileType {
        FileType::from_mode(self.mode).unwrap_or(FileType::Regular)
    }

    pub(super) fn uses_extents(&self) -> bool {
        self.flags & EXTENTS_FL != 0
    }
}

/// `ext4_inode_blocks`: with huge_file the count has 48 bits and, for a `HUGE_FILE_FL` inode,
/// counts filesystem blocks instead of sectors.
fn inode_blocks(raw: &[u8], geo: &Geometry, flags: u32) -> u64 {
    let lo = le32(raw, 0x1C) as u64;
    if geo.feature_ro_compat & RO_COMPAT_HUGE_FILE == 0 {
        return lo;
    }
    let blocks = lo | (le16(raw, 0x74) as u64) << 32;
    if flags & HUGE_FILE_FL != 0 {
        blocks << (geo.block_size.trailing_zeros() - 9)
    } else {
        blocks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry() -> Geometry {
        let mut sb = vec![0u8; SUPERBLOCK_SIZE];
        sb[0x38..0x3A].copy_from_slice(&EXT4_SUPER_MAGIC.to_le_bytes());
        sb[0x00..0x04].copy_from_slice(&2048u32.to_le_bytes()); // inodes: 2 groups of 1024
        sb[0x04..0x08].copy_from_slice(&65536u32.to_le_bytes()); // blocks
        sb[0x18..0x1C].copy_from_slice(&2u32.to_le_bytes()); // 4 KiB
        sb[0x1C..0x20].copy_from_slice(&2u32.to_le_bytes());
        sb[0x20..0x24].copy_from_slice(&32768u32.to_le_bytes());
        sb[0x28..0x2C].copy_from_slice(&1024u32.to_le_bytes());
        sb[0x4C..0x50].copy_from_slice(&1u32.to_le_bytes());
        sb[0x58..0x5A].copy_from_slice(&256u16.to_le_bytes());
        sb[0x64..0x68]
            .copy_from_slice(&(RO_COMPAT_HUGE_FILE | RO_COMPAT_SPARSE_SUPER).to_le_bytes());
        Geometry::parse(&sb).unwrap()
    }

    #[test]
    fn superblock_checks() {
        let g = geometry();
        assert_eq!((g.block_size, g.groups, g.desc_size), (4096, 2, 32));
        let mut bad = vec![0u8; SUPERBLOCK_SIZE];
        assert_eq!(Geometry::parse(&bad).unwrap_err(), Errno::EINVAL);
        bad[0x38..0x3A].copy_from_slice(&EXT4_SUPER_MAGIC.to_le_bytes());
        bad[0x18] = 9; // 512 KiB blocks
        assert_eq!(Geometry::parse(&bad).unwrap_err(), Errno::EINVAL);
        // The inode count must be what the groups hold; bitmaps fit one block.
        let mut sb = vec![0u8; SUPERBLOCK_SIZE];
        let set =
            |sb: &mut Vec<u8>, at: usize, v: u32| sb[at..at + 4].copy_from_slice(&v.to_le_bytes());
        sb[0x38..0x3A].copy_from_slice(&EXT4_SUPER_MAGIC.to_le_bytes());
        set(&mut sb, 0x04, 65536);
        set(&mut sb, 0x18, 2);
        set(&mut sb, 0x1C, 2);
        set(&mut sb, 0x20, 32768);
        set(&mut sb, 0x28, 1024);
        set(&mut sb, 0x00, 2048);
        assert!(Geometry::parse(&sb).is_ok());
        set(&mut sb, 0x00, 2047);
        assert_eq!(Geometry::parse(&sb).unwrap_err(), Errno::EINVAL);
        set(&mut sb, 0x00, 2048);
        set(&mut sb, 0x20, 32769);
        assert_eq!(Geometry::parse(&sb).unwrap_err(), Errno::EINVAL);
    }

    #[test]
    fn sparse_super_backups() {
        let g = geometry();
        let with: Vec<u32> = (0..60).filter(|&n| g.group_has_super(n)).collect();
        assert_eq!(with, [0, 1, 3, 5, 7, 9, 25, 27, 49]);
    }

    fn inode(f: impl FnOnce(&mut [u8])) -> SysResult<RawInode> {
        let mut raw = vec![0u8; 256];
        raw[0..2].copy_from_slice(&(S_IFREG as u16 | 0o4755).to_le_bytes());
        raw[0x1A] = 1;
        raw[0x80] = 32; // extra_isize: through i_crtime_extra
        f(&mut raw);
        RawInode::parse(&raw, &geometry())
    }

    #[test]
    fn decodes_ids_times_and_sizes() {
        let i = inode(|r| {
            r[0x02..0x04].copy_from_slice(&0x5678u16.to_le_bytes());
            r[0x78..0x7A].copy_from_slice(&0x1234u16.to_le_bytes());
            r[0x04..0x08].copy_from_slice(&7u32.to_le_bytes());
            r[0x6C..0x70].copy_from_slice(&1u32.to_le_bytes());
            r[0x10..0x14].copy_from_slice(&(-5i32).to_le_bytes());
            r[0x88..0x8C].copy_from_slice(&((999u32 << 2) | 1).to_le_bytes());
            r[0x90..0x94].copy_from_slice(&100u32.to_le_bytes());
            r[0x1C..0x20].copy_from_slice(&3u32.to_le_bytes());
            r[0x74..0x76].copy_from_slice(&1u16.to_le_bytes());
        })
        .unwrap();
        assert_eq!(i.uid, 0x1234_5678);
        assert_eq!(i.size, (1 << 32) | 7);
        assert_eq!(i.mtime, Timespec::new(-5 + (1 << 32), 999));
        assert_eq!(i.crtime, Some(Timespec::new(100, 0)));
        assert_eq!(i.blocks, (1 << 32) | 3);
        assert_eq!(i.mode, S_IFREG | 0o4755);
    }

    #[test]
    fn extra_fields_only_within_extra_isize() {
        let i = inode(|r| {
            r[0x80] = 4;
            r[0x10..0x14].copy_from_slice(&(-5i32).to_le_bytes());
            r[0x88..0x8C].copy_from_slice(&((999u32 << 2) | 1).to_le_bytes());
        })
        .unwrap();
        assert_eq!(i.mtime, Timespec::new(-5, 0));
        assert_eq!(i.crtime, None);
        assert_eq!(inode(|r| r[0x80] = 200).unwrap_err(), Errno::EIO);
    }

    #[test]
    fn device_numbers_and_bad_inodes() {
        let chr = |old: u32, new: u32| {
            inode(|r| {
                r[0..2].copy_from_slice(&(S_IFCHR as u16 | 0o600).to_le_bytes());
                r[0x28..0x2C].copy_from_slice(&old.to_le_bytes());
                r[0x2C..0x30].copy_from_slice(&new.to_le_bytes());
            })
            .unwrap()
            .rdev
        };
        assert_eq!(chr(0x0103, 0), makedev(1, 3));
        // new_encode_dev(MKDEV(259, 70000)) = (minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)
        let enc = (70000 & 0xff) | (259 << 8) | ((70000 & !0xff) << 12);
        assert_eq!(chr(0, enc), makedev(259, 70000));
        assert_eq!(inode(|r| r[0x1A] = 0).unwrap_err(), Errno::ESTALE);
        assert_eq!(inode(|r| r[1] = 0).unwrap_err(), Errno::EIO);
    }
}
