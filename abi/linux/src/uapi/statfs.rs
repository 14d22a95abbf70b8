//! `struct statfs` as x86_64 returns it from statfs(2)/fstatfs(2) (`asm-generic/statfs.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct Statfs {
    pub f_type: i64,
    pub f_bsize: i64,
    pub f_blocks: u64,
    pub f_bfree: u64,
    pub f_bavail: u64,
    pub f_files: u64,
    pub f_ffree: u64,
    pub f_fsid: [i32; 2],
    pub f_namelen: i64,
    pub f_frsize: i64,
    /// ST_* mount flags (ST_RDONLY, ST_NOSUID, …, plus ST_VALID).
    pub f_flags: i64,
    pub f_spare: [i64; 4],
}
const _: () = assert!(size_of::<Statfs>() == 120);

/// `ST_VALID`: f_flags is meaningful (set by every modern kernel).
pub const ST_VALID: i64 = 0x0020;
