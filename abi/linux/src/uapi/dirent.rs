//! getdents64 records (`struct linux_dirent64`, fs/readdir.c) and `DT_*` types.

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::stat::S_IFMT;

pub const DT_UNKNOWN: u8 = 0;
pub const DT_FIFO: u8 = 1;
pub const DT_CHR: u8 = 2;
pub const DT_DIR: u8 = 4;
pub const DT_BLK: u8 = 6;
pub const DT_REG: u8 = 8;
pub const DT_LNK: u8 = 10;
pub const DT_SOCK: u8 = 12;
pub const DT_WHT: u8 = 14;

/// The fixed head of `struct linux_dirent64`; `d_name` (NUL-terminated) follows at
/// byte 19. Packed because the name starts right after `d_type`, not at C's padded
/// `sizeof` of 24.
#[repr(C, packed)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Dirent64Header {
    pub d_ino: u64,
    pub d_off: i64,
    pub d_reclen: u16,
    pub d_type: u8,
}
const _: () = assert!(size_of::<Dirent64Header>() == 19);

/// `offsetof(struct linux_dirent64, d_name)`.
pub const DIRENT64_NAME_OFFSET: usize = size_of::<Dirent64Header>();

/// Record length filldir64 uses: header + name + NUL, rounded up to 8 bytes.
/// `None` only if the sum would overflow (names are at most 255 bytes in practice).
pub const fn dirent64_reclen(name_len: usize) -> Option<usize> {
    match DIRENT64_NAME_OFFSET.checked_add(name_len) {
        Some(n) => match n.checked_add(1 + 7) {
            Some(m) => Some(m & !7),
            None => None,
        },
        None => None,
    }
}

/// `fs_umode_to_dtype`: the `DT_*` value of a mode's file-type bits.
pub const fn dtype_from_mode(mode: u32) -> u8 {
    ((mode & S_IFMT) >> 12) as u8
}

/// Serialises one getdents64 record into the front of `buf`, zero-padding to
/// `d_reclen`. Returns the record length, or `None` if `buf` is too small (the
/// caller then stops, as filldir64 does) or `d_reclen` would not fit a `u16`.
pub fn write_dirent64(
    buf: &mut [u8],
    ino: u64,
    off: i64,
    d_type: u8,
    name: &[u8],
) -> Option<usize> {
    let reclen = dirent64_reclen(name.len())?;
    let d_reclen = u16::try_from(reclen).ok()?;
    let rec = buf.get_mut(..reclen)?;
    let header = Dirent64Header {
        d_ino: ino,
        d_off: off,
        d_reclen,
        d_type,
    };
    let (head, tail) = rec.split_at_mut(DIRENT64_NAME_OFFSET);
    head.copy_from_slice(header.as_bytes());
    let (name_part, pad) = tail.split_at_mut(name.len());
    name_part.copy_from_slice(name);
    pad.fill(0);
    Some(reclen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::stat::{S_IFDIR, S_IFLNK, S_IFREG, S_IFSOCK};

    #[test]
    fn reclen_matches_filldir64() {
        // ALIGN(19 + len + 1, 8)
        assert_eq!(dirent64_reclen(0), Some(24));
        assert_eq!(dirent64_reclen(1), Some(24));
        assert_eq!(dirent64_reclen(4), Some(24));
        assert_eq!(dirent64_reclen(5), Some(32));
        assert_eq!(dirent64_reclen(255), Some(280));
        assert_eq!(dirent64_reclen(usize::MAX), None);
    }

    #[test]
    fn dtype_is_mode_type_shifted() {
        assert_eq!(dtype_from_mode(S_IFDIR | 0o755), DT_DIR);
        assert_eq!(dtype_from_mode(S_IFREG | 0o644), DT_REG);
        assert_eq!(dtype_from_mode(S_IFLNK | 0o777), DT_LNK);
        assert_eq!(dtype_from_mode(S_IFSOCK), DT_SOCK);
        assert_eq!(dtype_from_mode(0o644), DT_UNKNOWN);
    }

    #[test]
    fn record_bytes() {
        let mut buf = [0xaau8; 40];
        let n = write_dirent64(&mut buf, 0x0102, 7, DT_REG, b"hello").unwrap();
        assert_eq!(n, 32);
        assert_eq!(&buf[0..8], &0x0102u64.to_le_bytes());
        assert_eq!(&buf[8..16], &7i64.to_le_bytes());
        assert_eq!(&buf[16..18], &32u16.to_le_bytes());
        assert_eq!(buf[18], DT_REG);
        assert_eq!(&buf[19..24], b"hello");
        assert!(buf[24..32].iter().all(|&b| b == 0));
        assert_eq!(buf[32], 0xaa, "must not write past the record");
    }

    #[test]
    fn record_that_does_not_fit_is_refused() {
        let mut buf = [0u8; 31];
        assert_eq!(write_dirent64(&mut buf, 1, 1, DT_DIR, b"hello"), None);
    }
}
