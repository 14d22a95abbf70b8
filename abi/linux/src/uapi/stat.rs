//! File status: `struct stat` (`arch/x86/include/uapi/asm/stat.h`), `struct statx`
//! (`include/uapi/linux/stat.h`), mode bits and device numbers.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct stat` as x86_64 stat/fstat/lstat/newfstatat fill it.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Stat {
    pub st_dev: u64,
    pub st_ino: u64,
    pub st_nlink: u64,
    pub st_mode: u32,
    pub st_uid: u32,
    pub st_gid: u32,
    pub __pad0: u32,
    pub st_rdev: u64,
    pub st_size: i64,
    pub st_blksize: i64,
    /// Number of 512-byte blocks allocated.
    pub st_blocks: i64,
    pub st_atime: u64,
    pub st_atime_nsec: u64,
    pub st_mtime: u64,
    pub st_mtime_nsec: u64,
    pub st_ctime: u64,
    pub st_ctime_nsec: u64,
    pub __unused: [i64; 3],
}
const _: () = assert!(size_of::<Stat>() == 144);

/// `struct statx_timestamp`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct StatxTimestamp {
    pub tv_sec: i64,
    pub tv_nsec: u32,
    pub __reserved: i32,
}
const _: () = assert!(size_of::<StatxTimestamp>() == 16);

/// `struct statx` as of Linux 6.18 (fields up to `stx_atomic_write_unit_max_opt`).
/// Linux zeroes every field it does not fill, spares included.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Statx {
    pub stx_mask: u32,
    pub stx_blksize: u32,
    pub stx_attributes: u64,
    pub stx_nlink: u32,
    pub stx_uid: u32,
    pub stx_gid: u32,
    pub stx_mode: u16,
    pub __spare0: [u16; 1],
    pub stx_ino: u64,
    pub stx_size: u64,
    pub stx_blocks: u64,
    pub stx_attributes_mask: u64,
    pub stx_atime: StatxTimestamp,
    pub stx_btime: StatxTimestamp,
    pub stx_ctime: StatxTimestamp,
    pub stx_mtime: StatxTimestamp,
    pub stx_rdev_major: u32,
    pub stx_rdev_minor: u32,
    pub stx_dev_major: u32,
    pub stx_dev_minor: u32,
    pub stx_mnt_id: u64,
    pub stx_dio_mem_align: u32,
    pub stx_dio_offset_align: u32,
    pub stx_subvol: u64,
    pub stx_atomic_write_unit_min: u32,
    pub stx_atomic_write_unit_max: u32,
    pub stx_atomic_write_segments_max: u32,
    pub stx_dio_read_offset_align: u32,
    pub stx_atomic_write_unit_max_opt: u32,
    pub __spare2: [u32; 1],
    pub __spare3: [u64; 8],
}
const _: () = assert!(size_of::<Statx>() == 256);
const _: () = assert!(core::mem::offset_of!(Statx, stx_atime) == 0x40);
const _: () = assert!(core::mem::offset_of!(Statx, stx_rdev_major) == 0x80);
const _: () = assert!(core::mem::offset_of!(Statx, stx_mnt_id) == 0x90);
const _: () = assert!(core::mem::offset_of!(Statx, stx_subvol) == 0xa0);
const _: () = assert!(core::mem::offset_of!(Statx, __spare3) == 0xc0);

// statx `mask` bits: which fields the caller wants / the kernel filled.
pub const STATX_TYPE: u32 = 0x0000_0001;
pub const STATX_MODE: u32 = 0x0000_0002;
pub const STATX_NLINK: u32 = 0x0000_0004;
pub const STATX_UID: u32 = 0x0000_0008;
pub const STATX_GID: u32 = 0x0000_0010;
pub const STATX_ATIME: u32 = 0x0000_0020;
pub const STATX_MTIME: u32 = 0x0000_0040;
pub const STATX_CTIME: u32 = 0x0000_0080;
pub const STATX_INO: u32 = 0x0000_0100;
pub const STATX_SIZE: u32 = 0x0000_0200;
pub const STATX_BLOCKS: u32 = 0x0000_0400;
/// Everything `struct stat` has.
pub const STATX_BASIC_STATS: u32 = 0x0000_07ff;
pub const STATX_BTIME: u32 = 0x0000_0800;
pub const STATX_MNT_ID: u32 = 0x0000_1000;
pub const STATX_DIOALIGN: u32 = 0x0000_2000;
pub const STATX_MNT_ID_UNIQUE: u32 = 0x0000_4000;
pub const STATX_SUBVOL: u32 = 0x0000_8000;
pub const STATX_WRITE_ATOMIC: u32 = 0x0001_0000;
pub const STATX_DIO_READ_ALIGN: u32 = 0x0002_0000;
/// Reserved for a future struct statx expansion; statx(2) fails with EINVAL if set.
pub const STATX__RESERVED: u32 = 0x8000_0000;
/// Deprecated: basic stats plus btime.
pub const STATX_ALL: u32 = 0x0000_0fff;

// statx `stx_attributes` bits.
pub const STATX_ATTR_COMPRESSED: u64 = 0x0000_0004;
pub const STATX_ATTR_IMMUTABLE: u64 = 0x0000_0010;
pub const STATX_ATTR_APPEND: u64 = 0x0000_0020;
pub const STATX_ATTR_NODUMP: u64 = 0x0000_0040;
pub const STATX_ATTR_ENCRYPTED: u64 = 0x0000_0800;
pub const STATX_ATTR_AUTOMOUNT: u64 = 0x0000_1000;
pub const STATX_ATTR_MOUNT_ROOT: u64 = 0x0000_2000;
pub const STATX_ATTR_VERITY: u64 = 0x0010_0000;
pub const STATX_ATTR_DAX: u64 = 0x0020_0000;
pub const STATX_ATTR_WRITE_ATOMIC: u64 = 0x0040_0000;

// File type: a value in the S_IFMT field, not independent bits.
pub const S_IFMT: u32 = 0o170000;
pub const S_IFSOCK: u32 = 0o140000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFBLK: u32 = 0o060000;
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFCHR: u32 = 0o020000;
pub const S_IFIFO: u32 = 0o010000;

// Permission and special bits.
pub const S_ISUID: u32 = 0o4000;
pub const S_ISGID: u32 = 0o2000;
pub const S_ISVTX: u32 = 0o1000;
pub const S_IRWXU: u32 = 0o700;
pub const S_IRUSR: u32 = 0o400;
pub const S_IWUSR: u32 = 0o200;
pub const S_IXUSR: u32 = 0o100;
pub const S_IRWXG: u32 = 0o070;
pub const S_IRGRP: u32 = 0o040;
pub const S_IWGRP: u32 = 0o020;
pub const S_IXGRP: u32 = 0o010;
pub const S_IRWXO: u32 = 0o007;
pub const S_IROTH: u32 = 0o004;
pub const S_IWOTH: u32 = 0o002;
pub const S_IXOTH: u32 = 0o001;
/// All bits chmod may change.
pub const S_IALLUGO: u32 = S_ISUID | S_ISGID | S_ISVTX | S_IRWXU | S_IRWXG | S_IRWXO;

pub const fn s_isreg(mode: u32) -> bool {
    mode & S_IFMT == S_IFREG
}
pub const fn s_isdir(mode: u32) -> bool {
    mode & S_IFMT == S_IFDIR
}
pub const fn s_ischr(mode: u32) -> bool {
    mode & S_IFMT == S_IFCHR
}
pub const fn s_isblk(mode: u32) -> bool {
    mode & S_IFMT == S_IFBLK
}
pub const fn s_isfifo(mode: u32) -> bool {
    mode & S_IFMT == S_IFIFO
}
pub const fn s_islnk(mode: u32) -> bool {
    mode & S_IFMT == S_IFLNK
}
pub const fn s_issock(mode: u32) -> bool {
    mode & S_IFMT == S_IFSOCK
}

/// `new_encode_dev`: the `st_dev`/`st_rdev` encoding stat(2) uses on 64-bit
/// (12-bit major, 20-bit minor; matches glibc's `makedev` in that range).
pub const fn encode_dev(major: u32, minor: u32) -> u64 {
    let major = major & 0xfff;
    let minor = minor & 0xf_ffff;
    ((minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)) as u64
}

/// `new_decode_dev`: inverse of [`encode_dev`], returns `(major, minor)`.
pub const fn decode_dev(dev: u64) -> (u32, u32) {
    let dev = dev as u32;
    let major = (dev & 0xfff00) >> 8;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    (major, minor)
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn stat_field_offsets_match_x86_64() {
        assert_eq!(offset_of!(Stat, st_nlink), 16);
        assert_eq!(offset_of!(Stat, st_mode), 24);
        assert_eq!(offset_of!(Stat, st_rdev), 40);
        assert_eq!(offset_of!(Stat, st_size), 48);
        assert_eq!(offset_of!(Stat, st_blocks), 64);
        assert_eq!(offset_of!(Stat, st_atime), 72);
        assert_eq!(offset_of!(Stat, st_ctime_nsec), 112);
    }

    #[test]
    fn statx_field_offsets_match_uapi() {
        assert_eq!(offset_of!(Statx, stx_nlink), 0x10);
        assert_eq!(offset_of!(Statx, stx_mode), 0x1c);
        assert_eq!(offset_of!(Statx, stx_ino), 0x20);
        assert_eq!(offset_of!(Statx, stx_mtime), 0x70);
        assert_eq!(offset_of!(Statx, stx_dio_read_offset_align), 0xb4);
        assert_eq!(offset_of!(Statx, stx_atomic_write_unit_max_opt), 0xb8);
    }

    #[test]
    fn dev_encoding_matches_glibc_makedev() {
        // /dev/null is 1:3, /dev/tty is 5:0, /dev/ttyS0 is 4:64.
        assert_eq!(encode_dev(1, 3), 0x103);
        assert_eq!(encode_dev(4, 64), 0x440);
        // Large minors spill above the major: makedev(8, 0x12345) == 0x1230_0845.
        assert_eq!(encode_dev(8, 0x12345), 0x1230_0845);
        assert_eq!(decode_dev(0x1230_0845), (8, 0x12345));
        assert_eq!(decode_dev(encode_dev(0xabc, 0xfffff)), (0xabc, 0xfffff));
    }

    #[test]
    fn file_type_predicates() {
        assert!(s_isdir(S_IFDIR | 0o755));
        assert!(!s_isdir(S_IFREG));
        assert!(s_islnk(S_IFLNK) && !s_isreg(S_IFLNK));
        assert!(s_issock(S_IFSOCK) && s_isfifo(S_IFIFO) && s_ischr(S_IFCHR) && s_isblk(S_IFBLK));
    }
}
