//! cpio "newc" (`070701`) and "crc" (`070702`) archive entries, as `gen_init_cpio` and
//! `cpio -H newc` write them: a 110-byte ASCII-hex header, the NUL-terminated name padded so
//! the data starts 4-aligned, the data padded to 4 bytes.

use core::fmt;

pub const HEADER_LEN: usize = 110;
/// The name (with its NUL) and a symlink's target may not exceed `PATH_MAX`.
pub const PATH_MAX: u32 = 4096;
pub const TRAILER: &[u8] = b"TRAILER!!!";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpioError {
    /// `070707`: the old portable format.
    OldFormat,
    BadMagic,
    BadHex,
    Truncated,
    NameNotTerminated,
}

impl CpioError {
    pub fn message(self) -> &'static str {
        match self {
            CpioError::OldFormat => "incorrect cpio method used: use -H newc option",
            CpioError::BadMagic => "no cpio magic",
            CpioError::BadHex => "cpio header field is not hexadecimal",
            CpioError::Truncated => "truncated cpio archive",
            CpioError::NameNotTerminated => "cpio name without NUL terminator",
        }
    }
}

impl fmt::Display for CpioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Header {
    pub ino: u32,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub mtime: u32,
    pub filesize: u32,
    pub dev_major: u32,
    pub dev_minor: u32,
    pub rdev_major: u32,
    pub rdev_minor: u32,
    pub namesize: u32,
    pub check: u32,
    /// A "crc" archive: `check` is the sum of the data bytes.
    pub has_checksum: bool,
}

/// One archive entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry<'a> {
    pub header: Header,
    /// The name up to its NUL; `None` when Linux would skip the entry unread (a name length
    /// of 0 or over `PATH_MAX`).
    pub name: Option<&'a [u8]>,
    pub data: &'a [u8],
}

/// Parse a header (the first [`HEADER_LEN`] bytes of `bytes`).
pub fn parse_header(bytes: &[u8]) -> Result<Header, CpioError> {
    let h = bytes.get(..HEADER_LEN).ok_or(CpioError::Truncated)?;
    let has_checksum = match &h[..6] {
        b"070701" => false,
        b"070702" => true,
        b"070707" => return Err(CpioError::OldFormat),
        _ => return Err(CpioError::BadMagic),
    };
    let mut fields = [0u32; 13];
    for (i, field) in fields.iter_mut().enumerate() {
        let text = &h[6 + 8 * i..14 + 8 * i];
        *field = text.iter().try_fold(0u32, |acc, &c| {
            let digit = (c as char).to_digit(16).ok_or(CpioError::BadHex)?;
            Ok((acc << 4) | digit)
        })?;
    }
    let [
        ino,
        mode,
        uid,
        gid,
        nlink,
        mtime,
        filesize,
        dev_major,
        dev_minor,
        rdev_major,
        rdev_minor,
        namesize,
        check,
    ] = fields;
    Ok(Header {
        ino,
        mode,
        uid,
        gid,
        nlink,
        mtime,
        filesize,
        dev_major,
        dev_minor,
        rdev_major,
        rdev_minor,
        namesize,
        check,
        has_checksum,
    })
}

fn align4(n: usize) -> Option<usize> {
    n.checked_add(3).map(|n| n & !3)
}

/// Parse the entry whose header starts at `data[pos..]`. Returns it and where the next
/// header would start. Sizes pointing past the end of `data` are `Truncated`.
pub fn parse_entry(data: &[u8], pos: usize) -> Result<(Entry<'_>, usize), CpioError> {
    let header = parse_header(data.get(pos..).ok_or(CpioError::Truncated)?)?;
    let name_start = pos + HEADER_LEN;
    let name_end = name_start
        .checked_add(header.namesize as usize)
        .ok_or(CpioError::Truncated)?;
    let data_start = align4(name_end).ok_or(CpioError::Truncated)?;
    let data_end = data_start
        .checked_add(header.filesize as usize)
        .ok_or(CpioError::Truncated)?;
    let body = data.get(data_start..data_end).ok_or(CpioError::Truncated)?;
    let raw_name = data.get(name_start..name_end).ok_or(CpioError::Truncated)?;
    let next = align4(data_end)
        .ok_or(CpioError::Truncated)?
        .min(data.len());
    let name = if header.namesize == 0 || header.namesize > PATH_MAX {
        None
    } else {
        match raw_name.split_last() {
            Some((0, _)) => Some(&raw_name[..raw_name.iter().position(|&b| b == 0).unwrap_or(0)]),
            _ => return Err(CpioError::NameNotTerminated),
        }
    };
    Ok((
        Entry {
            header,
            name,
            data: body,
        },
        next,
    ))
}

/// The sum of the bytes a "crc" archive stores in `check`.
pub fn checksum(data: &[u8]) -> u32 {
    data.iter().fold(0u32, |sum, &b| sum.wrapping_add(b as u32))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use alloc::vec::Vec;

    /// A tiny newc/crc writer for tests.
    pub(crate) struct Writer {
        pub out: Vec<u8>,
        pub crc: bool,
        next_ino: u32,
    }

    pub(crate) struct Spec<'a> {
        pub name: &'a [u8],
        pub mode: u32,
        pub data: &'a [u8],
        pub uid: u32,
        pub gid: u32,
        pub nlink: u32,
        pub mtime: u32,
        pub ino: Option<u32>,
        pub rdev: (u32, u32),
    }

    impl<'a> Spec<'a> {
        pub fn new(name: &'a [u8], mode: u32, data: &'a [u8]) -> Self {
            Spec {
                name,
                mode,
                data,
                uid: 0,
                gid: 0,
                nlink: 1,
                mtime: 0,
                ino: None,
                rdev: (0, 0),
            }
        }
    }

    impl Writer {
        pub fn new() -> Self {
            Writer {
                out: Vec::new(),
                crc: false,
                next_ino: 100,
            }
        }

        pub fn entry(&mut self, s: Spec) -> &mut Self {
            let ino = s.ino.unwrap_or_else(|| {
                self.next_ino += 1;
                self.next_ino
            });
            let check = if self.crc { checksum(s.data) } else { 0 };
            let fields = [
                ino,
                s.mode,
                s.uid,
                s.gid,
                s.nlink,
                s.mtime,
                s.data.len() as u32,
                0,
                0,
                s.rdev.0,
                s.rdev.1,
                s.name.len() as u32 + 1,
                check,
            ];
            self.out
                .extend_from_slice(if self.crc { b"070702" } else { b"070701" });
            for f in fields {
                self.out
                    .extend_from_slice(alloc::format!("{f:08X}").as_bytes());
            }
            self.out.extend_from_slice(s.name);
            self.out.push(0);
            self.pad();
            self.out.extend_from_slice(s.data);
            self.pad();
            self
        }

        pub fn file(&mut self, name: &str, mode: u32, data: &[u8]) -> &mut Self {
            self.entry(Spec::new(name.as_bytes(), 0o100000 | mode, data))
        }

        pub fn dir(&mut self, name: &str, mode: u32) -> &mut Self {
            self.entry(Spec::new(name.as_bytes(), 0o040000 | mode, b""))
        }

        pub fn symlink(&mut self, name: &str, target: &str) -> &mut Self {
            self.entry(Spec::new(name.as_bytes(), 0o120777, target.as_bytes()))
        }

        pub fn trailer(&mut self) -> &mut Self {
            self.entry(Spec {
                ino: Some(0),
                ..Spec::new(TRAILER, 0, b"")
            })
        }

        fn pad(&mut self) {
            while !self.out.len().is_multiple_of(4) {
                self.out.push(0);
            }
        }
    }

    #[test]
    fn parses_what_the_writer_writes() {
        let mut w = Writer::new();
        w.file("bin/sh", 0o755, b"#!hello")
            .dir("etc", 0o700)
            .trailer();
        let (e, next) = parse_entry(&w.out, 0).unwrap();
        assert_eq!(e.name, Some(&b"bin/sh"[..]));
        assert_eq!(e.data, b"#!hello");
        assert_eq!(e.header.mode, 0o100755);
        assert_eq!(next % 4, 0);
        let (e, next) = parse_entry(&w.out, next).unwrap();
        assert_eq!((e.name, e.header.mode), (Some(&b"etc"[..]), 0o040700));
        let (e, next) = parse_entry(&w.out, next).unwrap();
        assert_eq!(e.name, Some(TRAILER));
        assert_eq!(next, w.out.len());
    }

    #[test]
    fn header_errors() {
        let mut w = Writer::new();
        w.file("a", 0o644, b"data");
        let mut bad = w.out.clone();
        bad[5] = b'7';
        assert_eq!(parse_entry(&bad, 0).map(|_| ()), Err(CpioError::OldFormat));
        bad[0] = b'x';
        assert_eq!(parse_entry(&bad, 0).map(|_| ()), Err(CpioError::BadMagic));
        let mut bad = w.out.clone();
        bad[20] = b'g';
        assert_eq!(parse_entry(&bad, 0).map(|_| ()), Err(CpioError::BadHex));
        let mut bad = w.out.clone();
        bad[HEADER_LEN + 1] = b'x'; // overwrite the name's NUL
        assert_eq!(
            parse_entry(&bad, 0).map(|_| ()),
            Err(CpioError::NameNotTerminated)
        );
        // An absurd file size points past the end.
        let mut bad = w.out.clone();
        bad[54..62].copy_from_slice(b"FFFFFFFF");
        assert_eq!(parse_entry(&bad, 0).map(|_| ()), Err(CpioError::Truncated));
        for len in 0..w.out.len() - 3 {
            assert!(
                parse_entry(&w.out[..len], 0).is_err(),
                "prefix {len} accepted"
            );
        }
    }

    #[test]
    fn unreadable_names_are_skipped_not_errors() {
        let mut w = Writer::new();
        w.file("a", 0o644, b"");
        let mut out = w.out.clone();
        out[94..102].copy_from_slice(b"00000000"); // namesize 0
        let (e, _) = parse_entry(&out, 0).unwrap();
        assert_eq!(e.name, None);
    }
}
