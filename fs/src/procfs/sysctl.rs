//! The part of /proc/sys user space reads at boot and from `hostname`/`uname`-like tools:
//! `kernel/{domainname,hostname,osrelease,ostype,pid_max,version}` and `fs/file-max`, with the
//! read and write rules of `proc_dostring`, `proc_dointvec_minmax` and
//! `proc_doulongvec_minmax` (strict write mode, Linux's default).

use alloc::vec::Vec;

use super::ProcFs;
use super::node::{Node, emit_dots};
use super::root::PID_MAX_LIMIT;
use crate::vfs::io::WriteSrc;
use crate::vfs::types::DirSink;
use crate::{Errno, SysResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SysDir {
    Top,
    Kernel,
    Fs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sysctl {
    Domainname,
    Hostname,
    Osrelease,
    Ostype,
    PidMax,
    Version,
    FileMax,
}

// Entries sorted by name, as the sysctl tree keeps them.
const TOP: [(&[u8], Node); 2] = [
    (b"fs", Node::SysDir(SysDir::Fs)),
    (b"kernel", Node::SysDir(SysDir::Kernel)),
];
const KERNEL: [(&[u8], Node); 6] = [
    (b"domainname", Node::Sysctl(Sysctl::Domainname)),
    (b"hostname", Node::Sysctl(Sysctl::Hostname)),
    (b"osrelease", Node::Sysctl(Sysctl::Osrelease)),
    (b"ostype", Node::Sysctl(Sysctl::Ostype)),
    (b"pid_max", Node::Sysctl(Sysctl::PidMax)),
    (b"version", Node::Sysctl(Sysctl::Version)),
];
const FS: [(&[u8], Node); 1] = [(b"file-max", Node::Sysctl(Sysctl::FileMax))];

pub(crate) fn entries(dir: SysDir) -> &'static [(&'static [u8], Node)] {
    match dir {
        SysDir::Top => &TOP,
        SysDir::Kernel => &KERNEL,
        SysDir::Fs => &FS,
    }
}

pub(crate) fn lookup(dir: SysDir, name: &[u8]) -> SysResult<Node> {
    entries(dir)
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, node)| *node)
        .ok_or(Errno::ENOENT)
}

pub(crate) fn readdir(dir: SysDir, pos: u64, sink: &mut dyn DirSink) -> SysResult<()> {
    let node = Node::SysDir(dir);
    let Some(pos) = emit_dots(pos, sink, node.ino(), node.parent_ino()) else {
        return Ok(());
    };
    for (i, (name, child)) in entries(dir).iter().enumerate() {
        let cookie = 2 + i as u64;
        if cookie >= pos
            && !sink.push(
                child.ino(),
                cookie + 1,
                child.file_type().dirent_type(),
                name,
            )
        {
            break;
        }
    }
    Ok(())
}

/// Longest string value (`__NEW_UTS_LEN`); the table's `maxlen` is one more for the NUL.
const UTS_LEN: usize = linux_abi::uapi::utsname::NEW_UTS_LEN;
/// `pid_max` bounds (`RESERVED_PIDS + 1`, `PID_MAX_LIMIT`).
const PID_MAX_MIN: u64 = 301;
/// Bytes of a write that are looked at (`PAGE_SIZE - 1` for numbers).
const WRITE_WINDOW: usize = 4095;

impl Sysctl {
    pub(crate) fn perm(self) -> u32 {
        match self {
            Sysctl::Osrelease | Sysctl::Ostype | Sysctl::Version => 0o444,
            _ => 0o644,
        }
    }

    /// Numbers can only be read from offset 0 (`__do_proc_dointvec` answers 0 bytes after).
    pub(crate) fn is_numeric(self) -> bool {
        matches!(self, Sysctl::PidMax | Sysctl::FileMax)
    }
}

fn string_value(fs: &ProcFs, s: Sysctl) -> Vec<u8> {
    let uts = fs.provider.uts();
    match s {
        Sysctl::Domainname => uts.domainname,
        Sysctl::Hostname => uts.nodename,
        Sysctl::Osrelease => uts.release,
        Sysctl::Ostype => uts.sysname,
        _ => uts.version,
    }
}

pub(crate) fn read(fs: &ProcFs, s: Sysctl) -> Vec<u8> {
    let mut text = match s {
        Sysctl::PidMax => alloc::format!("{}", fs.provider.pid_max()).into_bytes(),
        Sysctl::FileMax => alloc::format!("{}", fs.provider.file_max()).into_bytes(),
        _ => {
            let mut v = string_value(fs, s);
            v.truncate(UTS_LEN + 1);
            v
        }
    };
    text.push(b'\n');
    text
}

/// A write at `offset`. Returns the bytes consumed, which is all of them unless a number is
/// followed by more than blanks.
pub(crate) fn write(fs: &ProcFs, s: Sysctl, offset: u64, src: &dyn WriteSrc) -> SysResult<usize> {
    if s.perm() & 0o200 == 0 {
        // sysctl_perm: not even root may write a read-only entry.
        return Err(Errno::EACCES);
    }
    let count = src.src_len();
    if count == 0 {
        return Ok(0);
    }
    let mut data = alloc::vec![0u8; count.min(WRITE_WINDOW)];
    src.copy_in(0, &mut data).map_err(|_| Errno::EFAULT)?;
    match s {
        Sysctl::Hostname | Sysctl::Domainname => {
            let current = string_value(fs, s);
            let Some(new) = string_write(&current, offset, &data) else {
                return Ok(count);
            };
            if s == Sysctl::Hostname {
                fs.provider.set_hostname(&new)?;
            } else {
                fs.provider.set_domainname(&new)?;
            }
            Ok(count)
        }
        _ if offset != 0 => Ok(count),
        Sysctl::PidMax => {
            let (neg, value, used) = parse_number(&data)?;
            if neg || !(PID_MAX_MIN..=PID_MAX_LIMIT).contains(&value) {
                return Err(Errno::EINVAL);
            }
            fs.provider.set_pid_max(value as u32)?;
            Ok(used)
        }
        _ => {
            let (neg, value, used) = parse_number(&data)?;
            if neg || value > i64::MAX as u64 {
                return Err(Errno::EINVAL);
            }
            fs.provider.set_file_max(value)?;
            Ok(used)
        }
    }
}

/// `_proc_do_string` in strict mode: a write continues the value at `offset` (none past its
/// end) and stops at a NUL or newline or when the value is full. `None`: nothing changes.
fn string_write(current: &[u8], offset: u64, data: &[u8]) -> Option<Vec<u8>> {
    let len = current
        .iter()
        .position(|&c| c == 0)
        .unwrap_or(current.len());
    let len = len.min(UTS_LEN);
    let start = usize::try_from(offset).ok().filter(|&o| o <= len)?;
    let mut new = current[..start].to_vec();
    for &c in data {
        if c == 0 || c == b'\n' || new.len() >= UTS_LEN {
            break;
        }
        new.push(c);
    }
    Some(new)
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// One number as `proc_get_long` reads it: blanks, an optional `-`, a C integer (`0x` hex,
/// leading `0` octal, else decimal) followed by a blank or the end, then blanks. Returns the
/// sign, the magnitude and the bytes consumed.
fn parse_number(data: &[u8]) -> SysResult<(bool, u64, usize)> {
    let mut i = data.iter().take_while(|&&c| is_space(c)).count();
    let neg = data.get(i) == Some(&b'-');
    if neg {
        i += 1;
    }
    let rest = data.get(i..).unwrap_or(&[]);
    let (base, skip) = match rest {
        [b'0', b'x' | b'X', c, ..] if c.is_ascii_hexdigit() => (16, 2),
        [b'0', ..] => (8, 0),
        _ => (10, 0),
    };
    i += skip;
    let mut value: u64 = 0;
    let mut digits = 0;
    while let Some(d) = data.get(i).and_then(|&c| char::from(c).to_digit(base)) {
        value = value
            .checked_mul(u64::from(base))
            .and_then(|v| v.checked_add(u64::from(d)))
            .ok_or(Errno::EINVAL)?;
        digits += 1;
        i += 1;
    }
    if digits == 0 || data.get(i).is_some_and(|&c| !is_space(c) && c != 0) {
        return Err(Errno::EINVAL);
    }
    i += data
        .get(i..)
        .unwrap_or(&[])
        .iter()
        .take_while(|&&c| is_space(c))
        .count();
    Ok((neg, value, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_parse_like_proc_get_long() {
        assert_eq!(parse_number(b"32768\n"), Ok((false, 32768, 6)));
        assert_eq!(parse_number(b"  0x10 "), Ok((false, 16, 7)));
        assert_eq!(parse_number(b"010"), Ok((false, 8, 3)));
        assert_eq!(parse_number(b"-5"), Ok((true, 5, 2)));
        assert_eq!(parse_number(b"0"), Ok((false, 0, 1)));
        assert_eq!(parse_number(b"12 34"), Ok((false, 12, 3)));
        assert_eq!(parse_number(b"12abc"), Err(Errno::EINVAL));
        assert_eq!(parse_number(b"  \n"), Err(Errno::EINVAL));
        assert_eq!(parse_number(b"99999999999999999999999"), Err(Errno::EINVAL));
    }

    #[test]
    fn strings_write_like_proc_dostring() {
        assert_eq!(string_write(b"old", 0, b"new\n"), Some(b"new".to_vec()));
        assert_eq!(string_write(b"old", 0, b"a\0b"), Some(b"a".to_vec()));
        assert_eq!(string_write(b"old", 3, b"er"), Some(b"older".to_vec()));
        assert_eq!(string_write(b"old", 4, b"x"), None);
        let long = [b'x'; 100];
        assert_eq!(string_write(b"", 0, &long).map(|v| v.len()), Some(UTS_LEN));
    }
}
