//! The superblock: validation at mount and the geometry derived from it (Linux
//! `ext2_fill_super`), in Linux's order of checks so an image is refused for the same reason.

use super::layout::*;
use crate::{Errno, SysResult};

/// The fixed shape of a mounted filesystem, computed once from the superblock.
#[derive(Clone, Debug)]
pub(crate) struct Geometry {
    pub block_size: usize,
    pub blocks_count: u32,
    pub inodes_count: u32,
    pub r_blocks_count: u32,
    pub first_data_block: u32,
    pub blocks_per_group: u32,
    pub inodes_per_group: u32,
    pub inode_size: usize,
    pub first_ino: u32,
    pub groups_count: u32,
    pub desc_per_block: u32,
    /// Blocks of group descriptors.
    pub gdb_count: u32,
    /// Inode table blocks per group.
    pub itb_per_group: u32,
    /// Block pointers per indirect block, and its log2.
    pub addr_per_block: u32,
    pub addr_bits: u32,
    /// The block holding the primary superblock and the superblock's offset in it.
    pub sb_block: u64,
    pub sb_offset: usize,
    pub rev_level: u32,
    pub feature_incompat: u32,
    pub feature_ro_compat: u32,
    pub first_meta_bg: u32,
    /// Largest file size (`s_maxbytes`).
    pub max_size: u64,
    pub def_resuid: u32,
    pub def_resgid: u32,
    pub default_mount_opts: u32,
    pub errors: u16,
    pub uuid: [u8; 16],
}

/// What [`check`] found: the geometry, and whether the filesystem must be mounted read-only
/// although read-write was asked for (a revision level newer than ext2 knows).
pub(crate) struct Checked {
    pub geo: Geometry,
    pub force_readonly: bool,
}

/// Validate the 1 KiB superblock `raw` for a device of `dev_bytes` bytes in sectors of
/// `sector_size` bytes. Every refusal is `EINVAL`, as Linux's.
pub(crate) fn check(
    raw: &[u8],
    dev_bytes: u64,
    sector_size: usize,
    read_only: bool,
) -> SysResult<Checked> {
    let r32 = |off| get_u32(raw, off);
    let r16 = |off| get_u16(raw, off);
    if raw.len() < SUPERBLOCK_SIZE || r16(sb::MAGIC) != EXT2_SUPER_MAGIC {
        log::warn!("ext2: can't find an ext2 filesystem");
        return Err(Errno::EINVAL);
    }
    let incompat = r32(sb::FEATURE_INCOMPAT);
    let ro_compat = r32(sb::FEATURE_RO_COMPAT);
    let unsupported = incompat & !FEATURE_INCOMPAT_SUPP;
    if unsupported != 0 {
        log::warn!(
            "ext2: couldn't mount because of unsupported optional features ({unsupported:x})"
        );
        return Err(Errno::EINVAL);
    }
    let unsupported = ro_compat & !FEATURE_RO_COMPAT_SUPP;
    if !read_only && unsupported != 0 {
        log::warn!(
            "ext2: couldn't mount RDWR because of unsupported optional features ({unsupported:x})"
        );
        return Err(Errno::EINVAL);
    }
    let log_block_size = r32(sb::LOG_BLOCK_SIZE);
    if log_block_size > MAX_BLOCK_LOG_SIZE - 10 {
        log::warn!("ext2: invalid log block size: {log_block_size}");
        return Err(Errno::EINVAL);
    }
    let block_bits = 10 + log_block_size;
    let block_size = 1usize << block_bits;
    if block_size < sector_size || sector_size == 0 || !block_size.is_multiple_of(sector_size) {
        log::warn!("ext2: bad blocksize {block_size}");
        return Err(Errno::EINVAL);
    }
    let rev_level = r32(sb::REV_LEVEL);
    let (inode_size, first_ino) = if rev_level == GOOD_OLD_REV {
        (GOOD_OLD_INODE_SIZE, GOOD_OLD_FIRST_INO)
    } else {
        let size = r16(sb::INODE_SIZE) as usize;
        if size < GOOD_OLD_INODE_SIZE || !size.is_power_of_two() || size > block_size {
            log::warn!("ext2: unsupported inode size: {size}");
            return Err(Errno::EINVAL);
        }
        (size, r32(sb::FIRST_INO))
    };
    let blocks_per_group = r32(sb::BLOCKS_PER_GROUP);
    let inodes_per_group = r32(sb::INODES_PER_GROUP);
    let inodes_per_block = (block_size / inode_size) as u32;
    if inodes_per_group == 0 {
        log::warn!("ext2: can't find an ext2 filesystem");
        return Err(Errno::EINVAL);
    }
    let itb_per_group = inodes_per_group / inodes_per_block;
    if r32(sb::LOG_FRAG_SIZE) != log_block_size {
        log::warn!("ext2: fragsize != blocksize");
        return Err(Errno::EINVAL);
    }
    let bits_per_block = block_size as u64 * 8;
    if blocks_per_group as u64 > bits_per_block {
        log::warn!("ext2: #blocks per group too big: {blocks_per_group}");
        return Err(Errno::EINVAL);
    }
    if blocks_per_group as u64 <= itb_per_group as u64 + 3 {
        log::warn!("ext2: #blocks per group smaller than metadata size");
        return Err(Errno::EINVAL);
    }
    if inodes_per_group < inodes_per_block || inodes_per_group as u64 > bits_per_block {
        log::warn!("ext2: invalid #inodes per group: {inodes_per_group}");
        return Err(Errno::EINVAL);
    }
    let blocks_count = r32(sb::BLOCKS_COUNT);
    if dev_bytes >> block_bits < blocks_count as u64 {
        log::warn!("ext2: bad geometry: block count {blocks_count} exceeds size of device");
        return Err(Errno::EINVAL);
    }
    let first_data_block = r32(sb::FIRST_DATA_BLOCK);
    let groups_count = blocks_count
        .checked_sub(first_data_block)
        .and_then(|n| n.checked_sub(1))
        .map(|n| n / blocks_per_group + 1)
        .ok_or_else(|| {
            log::warn!("ext2: bad geometry: first data block past the end");
            Errno::EINVAL
        })?;
    let inodes_count = r32(sb::INODES_COUNT);
    if groups_count as u64 * inodes_per_group as u64 != inodes_count as u64 {
        log::warn!("ext2: invalid #inodes: {inodes_count}");
        return Err(Errno::EINVAL);
    }
    let desc_per_block = (block_size / gd::SIZE) as u32;
    let addr_per_block = (block_size / 4) as u32;
    let mut uuid = [0u8; 16];
    if let Some(u) = raw.get(sb::UUID..sb::UUID + 16) {
        uuid.copy_from_slice(u);
    }
    let geo = Geometry {
        block_size,
        blocks_count,
        inodes_count,
        r_blocks_count: r32(sb::R_BLOCKS_COUNT),
        first_data_block,
        blocks_per_group,
        inodes_per_group,
        inode_size,
        first_ino,
        groups_count,
        desc_per_block,
        gdb_count: groups_count.div_ceil(desc_per_block),
        itb_per_group,
        addr_per_block,
        addr_bits: addr_per_block.trailing_zeros(),
        sb_block: SUPERBLOCK_OFFSET / block_size as u64,
        sb_offset: (SUPERBLOCK_OFFSET % block_size as u64) as usize,
        rev_level,
        feature_incompat: incompat,
        feature_ro_compat: ro_compat,
        first_meta_bg: r32(sb::FIRST_META_BG),
        max_size: max_size(block_bits),
        def_resuid: r16(sb::DEF_RESUID) as u32,
        def_resgid: r16(sb::DEF_RESGID) as u32,
        default_mount_opts: r32(sb::DEFAULT_MOUNT_OPTS),
        errors: r16(sb::ERRORS),
        uuid,
    };
    let force_readonly = rev_level > DYNAMIC_REV;
    if force_readonly && !read_only {
        log::warn!("ext2: revision level too high, forcing read-only mode");
    }
    Ok(Checked {
        geo,
        force_readonly,
    })
}

/// Largest file with `2^bits`-byte blocks (`ext2_max_size`): bounded by the block tree and by
/// `i_blocks`, a 32-bit count of 512-byte sectors that includes the indirect blocks.
pub(crate) fn max_size(bits: u32) -> u64 {
    let ppb: u64 = 1 << (bits - 2);
    let mut upper_limit: u64 = ((1u64 << 32) - 1) >> (bits - 9);
    let mut res: u64 = NDIR_BLOCKS as u64 + ppb + ppb * ppb + ppb * ppb * ppb;
    let mut meta_blocks: u64 = 1 + (1 + ppb) + (1 + ppb + ppb * ppb);
    if res + meta_blocks > upper_limit {
        res = upper_limit;
        upper_limit -= NDIR_BLOCKS as u64;
        meta_blocks = 1;
        upper_limit -= ppb;
        if upper_limit < ppb * ppb {
            meta_blocks += 1 + upper_limit.div_ceil(ppb);
        } else {
            meta_blocks += 1 + ppb;
            upper_limit -= ppb * ppb;
            meta_blocks += 1 + upper_limit.div_ceil(ppb) + upper_limit.div_ceil(ppb * ppb);
        }
        res -= meta_blocks;
    }
    (res << bits).min(i64::MAX as u64)
}

impl Geometry {
    pub fn has_feature_ro_compat(&self, f: u32) -> bool {
        self.feature_ro_compat & f != 0
    }

    pub fn has_filetype(&self) -> bool {
        self.feature_incompat & FEATURE_INCOMPAT_FILETYPE != 0
    }

    /// First block of group `g`.
    pub fn group_first_block(&self, g: u32) -> u64 {
        g as u64 * self.blocks_per_group as u64 + self.first_data_block as u64
    }

    /// Last block of group `g` (the last group may be short).
    pub fn group_last_block(&self, g: u32) -> u64 {
        if g + 1 == self.groups_count {
            self.blocks_count as u64 - 1
        } else {
            self.group_first_block(g) + self.blocks_per_group as u64 - 1
        }
    }

    /// Whether group `g` holds a superblock backup (`ext2_bg_has_super`).
    pub fn group_has_super(&self, g: u32) -> bool {
        if !self.has_feature_ro_compat(FEATURE_RO_COMPAT_SPARSE_SUPER) || g <= 1 {
            return true;
        }
        [3u32, 5, 7].iter().any(|&base| {
            let mut n = base;
            while n < g {
                match n.checked_mul(base) {
                    Some(m) => n = m,
                    None => return false,
                }
            }
            n == g
        })
    }

    /// Where descriptor block `nr` lives (`descriptor_loc`): after the superblock, or with
    /// `META_BG` at the start of the first group of its meta group.
    pub fn descriptor_block(&self, nr: u32) -> u64 {
        if self.feature_incompat & FEATURE_INCOMPAT_META_BG == 0 || nr < self.first_meta_bg {
            return self.sb_block + nr as u64 + 1;
        }
        let bg = self.desc_per_block.saturating_mul(nr);
        self.group_first_block(bg) + self.group_has_super(bg) as u64
    }

    /// Blocks taken by filesystem structures (`ext2_statfs`'s overhead).
    pub fn overhead(&self) -> u64 {
        let mut overhead = self.first_data_block as u64;
        for g in 0..self.groups_count {
            if self.group_has_super(g) {
                overhead += 1 + self.gdb_count as u64;
            }
        }
        overhead + self.groups_count as u64 * (2 + self.itb_per_group as u64)
    }

    /// Whether `count` blocks from `start` lie in the data area (`ext2_data_block_valid`).
    pub fn data_blocks_valid(&self, start: u64, count: u64) -> bool {
        let Some(last) = start.checked_add(count.saturating_sub(1)) else {
            return false;
        };
        if count == 0 || start <= self.first_data_block as u64 || last >= self.blocks_count as u64 {
            return false;
        }
        // Never step over the superblock.
        !(start <= self.sb_block && last >= self.sb_block)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_sizes_match_linux() {
        // Block tree bound for 1 KiB blocks, i_blocks bound from 4 KiB on.
        assert_eq!(max_size(10), 16_843_020 << 10);
        assert_eq!(max_size(12), 536_346_110u64 << 12);
        assert_eq!(max_size(11), 134_480_396 << 11);
    }

    fn geo(sparse: bool) -> Geometry {
        let mut raw = [0u8; 1024];
        set_u16(&mut raw, sb::MAGIC, EXT2_SUPER_MAGIC);
        set_u32(&mut raw, sb::BLOCKS_COUNT, 8192 * 30);
        set_u32(&mut raw, sb::FIRST_DATA_BLOCK, 1);
        set_u32(&mut raw, sb::BLOCKS_PER_GROUP, 8192);
        set_u32(&mut raw, sb::INODES_PER_GROUP, 256);
        set_u32(&mut raw, sb::INODES_COUNT, 256 * 30);
        set_u32(&mut raw, sb::FEATURE_RO_COMPAT, if sparse { 1 } else { 0 });
        check(&raw, 1 << 30, 512, false).unwrap().geo
    }

    #[test]
    fn sparse_super_groups() {
        let g = geo(true);
        let with: alloc::vec::Vec<u32> = (0..30).filter(|&i| g.group_has_super(i)).collect();
        assert_eq!(with, [0, 1, 3, 5, 7, 9, 25, 27]);
        assert!((0..30).all(|i| geo(false).group_has_super(i)));
        assert_eq!(g.groups_count, 30);
        assert_eq!(g.descriptor_block(0), 2);
    }

    #[test]
    fn refusals() {
        let mut raw = [0u8; 1024];
        assert_eq!(check(&raw, 1 << 20, 512, true).err(), Some(Errno::EINVAL));
        set_u16(&mut raw, sb::MAGIC, EXT2_SUPER_MAGIC);
        set_u32(&mut raw, sb::BLOCKS_COUNT, 1024);
        set_u32(&mut raw, sb::FIRST_DATA_BLOCK, 1);
        set_u32(&mut raw, sb::BLOCKS_PER_GROUP, 8192);
        set_u32(&mut raw, sb::INODES_PER_GROUP, 128);
        set_u32(&mut raw, sb::INODES_COUNT, 128);
        assert!(check(&raw, 1 << 20, 512, false).is_ok());
        // Extents (an ext4 image) are refused outright.
        set_u32(&mut raw, sb::FEATURE_INCOMPAT, 0x40);
        assert_eq!(check(&raw, 1 << 20, 512, true).err(), Some(Errno::EINVAL));
        set_u32(&mut raw, sb::FEATURE_INCOMPAT, 0);
        // huge_file: read-only only.
        set_u32(&mut raw, sb::FEATURE_RO_COMPAT, 0x8);
        assert_eq!(check(&raw, 1 << 20, 512, false).err(), Some(Errno::EINVAL));
        assert!(check(&raw, 1 << 20, 512, true).is_ok());
        set_u32(&mut raw, sb::FEATURE_RO_COMPAT, 0);
        // The device is too small.
        assert_eq!(check(&raw, 1 << 19, 512, false).err(), Some(Errno::EINVAL));
        // Inode count disagrees with the groups.
        set_u32(&mut raw, sb::INODES_COUNT, 129);
        assert_eq!(check(&raw, 1 << 20, 512, false).err(), Some(Errno::EINVAL));
        set_u32(&mut raw, sb::INODES_COUNT, 128);
        // Rev 2 is mounted read-only.
        set_u32(&mut raw, sb::REV_LEVEL, 2);
        set_u16(&mut raw, sb::INODE_SIZE, 128);
        assert!(check(&raw, 1 << 20, 512, false).unwrap().force_readonly);
        set_u16(&mut raw, sb::INODE_SIZE, 100);
        assert_eq!(check(&raw, 1 << 20, 512, false).err(), Some(Errno::EINVAL));
    }
}
