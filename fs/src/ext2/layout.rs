//! On-disk constants of ext2 (Linux `fs/ext2/ext2.h`) and little-endian field access.
//!
//! Fields are read and written in place in block buffers. The accessors never index out of
//! bounds: a field that does not fit reads as zero and is not written, so a damaged length can
//! only give wrong values (which the callers validate), never a panic.

pub const EXT2_SUPER_MAGIC: u16 = 0xEF53;
/// Byte offset of the primary superblock on the device.
pub const SUPERBLOCK_OFFSET: u64 = 1024;
pub const SUPERBLOCK_SIZE: usize = 1024;
/// `EXT2_MAX_BLOCK_LOG_SIZE`: 64 KiB blocks.
pub const MAX_BLOCK_LOG_SIZE: u32 = 16;

pub const ROOT_INO: u32 = 2;
pub const GOOD_OLD_REV: u32 = 0;
pub const DYNAMIC_REV: u32 = 1;
pub const GOOD_OLD_INODE_SIZE: usize = 128;
pub const GOOD_OLD_FIRST_INO: u32 = 11;
/// `EXT2_LINK_MAX`.
pub const LINK_MAX: u32 = 32000;
/// `EXT2_NAME_LEN`.
pub const NAME_LEN: usize = 255;
/// `EXT2_DFL_MAX_MNT_COUNT`.
pub const DFL_MAX_MNT_COUNT: u16 = 20;

// s_state
pub const VALID_FS: u16 = 0x0001;
pub const ERROR_FS: u16 = 0x0002;

// s_errors
pub const ERRORS_CONTINUE: u16 = 1;

// s_default_mount_opts
pub const DEFM_BSDGROUPS: u32 = 0x0002;
pub const DEFM_UID16: u32 = 0x0010;

pub const FEATURE_COMPAT_HAS_JOURNAL: u32 = 0x0004;

pub const FEATURE_RO_COMPAT_SPARSE_SUPER: u32 = 0x0001;
pub const FEATURE_RO_COMPAT_LARGE_FILE: u32 = 0x0002;
pub const FEATURE_RO_COMPAT_BTREE_DIR: u32 = 0x0004;
/// What ext2 can write (`EXT2_FEATURE_RO_COMPAT_SUPP`).
pub const FEATURE_RO_COMPAT_SUPP: u32 =
    FEATURE_RO_COMPAT_SPARSE_SUPER | FEATURE_RO_COMPAT_LARGE_FILE | FEATURE_RO_COMPAT_BTREE_DIR;

pub const FEATURE_INCOMPAT_FILETYPE: u32 = 0x0002;
pub const FEATURE_INCOMPAT_META_BG: u32 = 0x0010;
/// What ext2 can read at all (`EXT2_FEATURE_INCOMPAT_SUPP`).
pub const FEATURE_INCOMPAT_SUPP: u32 = FEATURE_INCOMPAT_FILETYPE | FEATURE_INCOMPAT_META_BG;

/// Superblock field offsets (`struct ext2_super_block`).
pub mod sb {
    pub const INODES_COUNT: usize = 0;
    pub const BLOCKS_COUNT: usize = 4;
    pub const R_BLOCKS_COUNT: usize = 8;
    pub const FREE_BLOCKS_COUNT: usize = 12;
    pub const FREE_INODES_COUNT: usize = 16;
    pub const FIRST_DATA_BLOCK: usize = 20;
    pub const LOG_BLOCK_SIZE: usize = 24;
    pub const LOG_FRAG_SIZE: usize = 28;
    pub const BLOCKS_PER_GROUP: usize = 32;
    pub const INODES_PER_GROUP: usize = 40;
    pub const MTIME: usize = 44;
    pub const WTIME: usize = 48;
    pub const MNT_COUNT: usize = 52;
    pub const MAX_MNT_COUNT: usize = 54;
    pub const MAGIC: usize = 56;
    pub const STATE: usize = 58;
    pub const ERRORS: usize = 60;
    pub const REV_LEVEL: usize = 76;
    pub const DEF_RESUID: usize = 80;
    pub const DEF_RESGID: usize = 82;
    pub const FIRST_INO: usize = 84;
    pub const INODE_SIZE: usize = 88;
    pub const FEATURE_COMPAT: usize = 92;
    pub const FEATURE_INCOMPAT: usize = 96;
    pub const FEATURE_RO_COMPAT: usize = 100;
    pub const UUID: usize = 104;
    pub const DEFAULT_MOUNT_OPTS: usize = 256;
    pub const FIRST_META_BG: usize = 260;
}

/// Group descriptor layout (`struct ext2_group_desc`).
pub mod gd {
    pub const SIZE: usize = 32;
    pub const BLOCK_BITMAP: usize = 0;
    pub const INODE_BITMAP: usize = 4;
    pub const INODE_TABLE: usize = 8;
    pub const FREE_BLOCKS_COUNT: usize = 12;
    pub const FREE_INODES_COUNT: usize = 14;
    pub const USED_DIRS_COUNT: usize = 16;
}

/// Inode field offsets (`struct ext2_inode`).
pub mod ino {
    pub const MODE: usize = 0;
    pub const UID: usize = 2;
    pub const SIZE: usize = 4;
    pub const ATIME: usize = 8;
    pub const CTIME: usize = 12;
    pub const MTIME: usize = 16;
    pub const DTIME: usize = 20;
    pub const GID: usize = 24;
    pub const LINKS_COUNT: usize = 26;
    pub const BLOCKS: usize = 28;
    pub const FLAGS: usize = 32;
    pub const BLOCK: usize = 40;
    pub const GENERATION: usize = 100;
    pub const FILE_ACL: usize = 104;
    pub const SIZE_HIGH: usize = 108;
    pub const UID_HIGH: usize = 120;
    pub const GID_HIGH: usize = 122;
}

/// Pointers in an inode: 12 direct, then single, double and triple indirect.
pub const N_BLOCKS: usize = 15;
pub const NDIR_BLOCKS: usize = 12;
pub const IND_BLOCK: usize = 12;
pub const DIND_BLOCK: usize = 13;
pub const TIND_BLOCK: usize = 14;

// i_flags
pub const SECRM_FL: u32 = 0x0000_0001;
pub const UNRM_FL: u32 = 0x0000_0002;
pub const COMPR_FL: u32 = 0x0000_0004;
pub const SYNC_FL: u32 = 0x0000_0008;
pub const IMMUTABLE_FL: u32 = 0x0000_0010;
pub const APPEND_FL: u32 = 0x0000_0020;
pub const NODUMP_FL: u32 = 0x0000_0040;
pub const NOATIME_FL: u32 = 0x0000_0080;
pub const COMPRBLK_FL: u32 = 0x0000_0200;
pub const NOCOMP_FL: u32 = 0x0000_0400;
/// `EXT2_BTREE_FL` / `EXT2_INDEX_FL`: ext2 clears it whenever it changes a directory, since it
/// does not maintain the hash index.
pub const INDEX_FL: u32 = 0x0000_1000;
pub const JOURNAL_DATA_FL: u32 = 0x0000_4000;
pub const NOTAIL_FL: u32 = 0x0000_8000;
pub const DIRSYNC_FL: u32 = 0x0001_0000;
pub const TOPDIR_FL: u32 = 0x0002_0000;
/// Flags a new inode inherits from its directory (`EXT2_FL_INHERITED`).
pub const FL_INHERITED: u32 = SECRM_FL
    | UNRM_FL
    | COMPR_FL
    | SYNC_FL
    | NODUMP_FL
    | NOATIME_FL
    | COMPRBLK_FL
    | NOCOMP_FL
    | JOURNAL_DATA_FL
    | NOTAIL_FL
    | DIRSYNC_FL;
/// Flags that are meaningful on regular files (`EXT2_REG_FLMASK`).
pub const REG_FLMASK: u32 = !(DIRSYNC_FL | TOPDIR_FL);
/// Flags that are meaningful on other non-directories (`EXT2_OTHER_FLMASK`).
pub const OTHER_FLMASK: u32 = NODUMP_FL | NOATIME_FL;

// Directory entry file types (`EXT2_FT_*`).
pub const FT_UNKNOWN: u8 = 0;
pub const FT_REG_FILE: u8 = 1;
pub const FT_DIR: u8 = 2;
pub const FT_CHRDEV: u8 = 3;
pub const FT_BLKDEV: u8 = 4;
pub const FT_FIFO: u8 = 5;
pub const FT_SOCK: u8 = 6;
pub const FT_SYMLINK: u8 = 7;

pub fn get_u8(b: &[u8], off: usize) -> u8 {
    b.get(off).copied().unwrap_or(0)
}

pub fn get_u16(b: &[u8], off: usize) -> u16 {
    match b.get(off..off.saturating_add(2)) {
        Some(&[x, y]) => u16::from_le_bytes([x, y]),
        _ => 0,
    }
}

pub fn get_u32(b: &[u8], off: usize) -> u32 {
    match b.get(off..off.saturating_add(4)) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => 0,
    }
}

pub fn set_u8(b: &mut [u8], off: usize, v: u8) {
    if let Some(x) = b.get_mut(off) {
        *x = v;
    }
}

pub fn set_u16(b: &mut [u8], off: usize, v: u16) {
    if let Some(s) = b.get_mut(off..off.saturating_add(2)) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

pub fn set_u32(b: &mut [u8], off: usize, v: u32) {
    if let Some(s) = b.get_mut(off..off.saturating_add(4)) {
        s.copy_from_slice(&v.to_le_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accessors_stay_in_bounds() {
        let mut b = [0u8; 6];
        set_u32(&mut b, 1, 0x0403_0201);
        assert_eq!(b, [0, 1, 2, 3, 4, 0]);
        assert_eq!(get_u32(&b, 1), 0x0403_0201);
        assert_eq!(get_u16(&b, 2), 0x0302);
        assert_eq!(get_u32(&b, 4), 0, "a field past the end reads as zero");
        set_u32(&mut b, 4, u32::MAX);
        set_u16(&mut b, usize::MAX, 1);
        assert_eq!(b, [0, 1, 2, 3, 4, 0], "nor is it written");
        assert_eq!(get_u8(&b, 9), 0);
    }
}
