//! Unpacking an initramfs into a directory, as Linux's `init/initramfs.c` does.
//!
//! The input is a sequence of cpio archives, each plain or gzip-compressed, with zero padding
//! between them. Entries are applied in order with Linux's overwrite rules: an existing entry
//! of another type is removed first, an existing regular file is truncated and rewritten (so
//! its hard links see the new data), `mkdir` of an existing directory just updates its owner
//! and mode. Hard links (`nlink > 1`, same dev/ino) are linked to the first entry seen, per
//! archive. Directory mtimes are applied at the end, after their contents stopped changing.
//!
//! Unlike Linux, missing parent directories are created (mode 0755), and the target
//! directory acts as the root: absolute names and symlinks cannot leave it.
//!
//! A malformed archive stops the unpacking with an error; what was unpacked stays. An entry
//! the filesystem refuses (e.g. a name too long) is skipped, as Linux does, and counted.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;

use crate::cpio::{self, CpioError, Entry};
use crate::gzip::{self, GzipError};
use crate::vfs::file::open;
use crate::vfs::mount::Path;
use crate::vfs::namei::{Caller, lookup};
use crate::vfs::ops::{
    TimeUpdate, chmod, chown, link, mkdir, mknod, rmdir, symlink, unlink, utimens,
};
use crate::vfs::perm::Credentials;
use crate::vfs::types::*;
use crate::{Errno, SysResult};

/// Why unpacking stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnpackError {
    /// Offset in the input where the problem is (for a compressed archive: where it starts).
    pub offset: usize,
    pub reason: Reason,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    Cpio(CpioError),
    Gzip(GzipError),
    /// Bytes that are neither padding, a cpio header nor gzip data.
    Junk,
    /// A cpio header not 4-aligned after padding.
    BrokenPadding,
    /// Data after the last entry inside a compressed archive.
    JunkInCompressed,
    /// A known compression format this kernel does not decompress.
    UnsupportedCompression(&'static str),
    /// A "crc" archive entry whose data does not match its checksum.
    BadChecksum,
    /// A file's data could not be written.
    WriteError(Errno),
}

impl fmt::Display for UnpackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Reason::Cpio(e) => write!(f, "{e}")?,
            Reason::Gzip(e) => write!(f, "{e}")?,
            Reason::Junk => f.write_str("junk in archive")?,
            Reason::BrokenPadding => f.write_str("broken padding")?,
            Reason::JunkInCompressed => f.write_str("junk within compressed archive")?,
            Reason::UnsupportedCompression(name) => {
                write!(f, "compression method {name} not supported")?
            }
            Reason::BadChecksum => f.write_str("bad data checksum")?,
            Reason::WriteError(e) => write!(f, "write error: {}", e.name())?,
        }
        write!(f, " at offset {}", self.offset)
    }
}

/// What an unpacking did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnpackStats {
    /// Entries applied (trailers not counted).
    pub entries: usize,
    /// Entries the filesystem refused and that were skipped.
    pub skipped: usize,
}

/// Unpack `archive` into the directory `into`.
pub fn unpack(archive: &[u8], into: &Path) -> Result<UnpackStats, UnpackError> {
    unpack_limited(archive, into, usize::MAX)
}

/// [`unpack`], refusing compressed archives that inflate to more than `max_decompressed` bytes.
pub fn unpack_limited(
    archive: &[u8],
    into: &Path,
    max_decompressed: usize,
) -> Result<UnpackStats, UnpackError> {
    let creds = Credentials::root();
    let cx = Caller {
        root: into,
        creds: &creds,
        umask: 0,
    };
    let mut u = Unpacker {
        cx: &cx,
        links: BTreeMap::new(),
        dir_times: Vec::new(),
        stats: UnpackStats::default(),
    };
    let result = u.run(archive, max_decompressed);
    u.apply_dir_times();
    result.map(|()| u.stats)
}

/// Compression formats Linux can unpack, recognized to name them in the error.
const OTHER_COMPRESSIONS: &[(&[u8], &str)] = &[
    (b"BZh", "bzip2"),
    (b"\x5d\x00\x00", "lzma"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x89LZO", "lzo"),
    (b"\x02\x21\x4c\x18", "lz4"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
];

struct Unpacker<'a, 'c> {
    cx: &'a Caller<'c>,
    /// First name seen for each (dev major, dev minor, ino, type) with nlink > 1.
    links: BTreeMap<(u32, u32, u32, u32), Vec<u8>>,
    dir_times: Vec<(Vec<u8>, u32)>,
    stats: UnpackStats,
}

impl Unpacker<'_, '_> {
    fn root(&self) -> &Path {
        self.cx.root
    }

    fn run(&mut self, archive: &[u8], max_decompressed: usize) -> Result<(), UnpackError> {
        let mut pos = 0;
        while pos < archive.len() {
            let rest = &archive[pos..];
            if rest[0] == 0 {
                pos += 1;
            } else if rest[0] == b'0' && pos.is_multiple_of(4) {
                pos = self.cpio_stream(archive, pos, false)?;
            } else if gzip::is_gzip(rest) {
                let (data, used) =
                    gzip::gunzip(rest, max_decompressed).map_err(|e| UnpackError {
                        offset: pos,
                        reason: Reason::Gzip(e),
                    })?;
                self.cpio_stream(&data, 0, true)
                    .map_err(|e| UnpackError { offset: pos, ..e })?;
                pos += used;
            } else if let Some(&(_, name)) = OTHER_COMPRESSIONS
                .iter()
                .find(|(magic, _)| rest.starts_with(magic))
            {
                return Err(UnpackError {
                    offset: pos,
                    reason: Reason::UnsupportedCompression(name),
                });
            } else {
                return Err(UnpackError {
                    offset: pos,
                    reason: Reason::Junk,
                });
            }
        }
        Ok(())
    }

    /// Apply the entries starting at `buf[pos..]` and the zero padding after them. Stops at
    /// anything else and returns its offset; inside decompressed data (`whole`) anything else
    /// is an error.
    fn cpio_stream(
        &mut self,
        buf: &[u8],
        mut pos: usize,
        whole: bool,
    ) -> Result<usize, UnpackError> {
        loop {
            while buf.get(pos) == Some(&0) {
                pos += 1;
            }
            match buf.get(pos) {
                None => return Ok(pos),
                Some(b'0') if pos.is_multiple_of(4) => {}
                Some(b'0') => {
                    return Err(UnpackError {
                        offset: pos,
                        reason: Reason::BrokenPadding,
                    });
                }
                Some(_) if whole => {
                    return Err(UnpackError {
                        offset: pos,
                        reason: Reason::JunkInCompressed,
                    });
                }
                Some(_) => return Ok(pos),
            }
            let (entry, next) = cpio::parse_entry(buf, pos).map_err(|e| UnpackError {
                offset: pos,
                reason: Reason::Cpio(e),
            })?;
            self.apply(&entry).map_err(|reason| UnpackError {
                offset: pos,
                reason,
            })?;
            pos = next;
        }
    }

    fn apply(&mut self, entry: &Entry) -> Result<(), Reason> {
        let Some(name) = entry.name else {
            return Ok(());
        };
        if name == cpio::TRAILER {
            self.links.clear();
            return Ok(());
        }
        let h = &entry.header;
        let ftype = h.mode & S_IFMT;
        // As Linux: only regular files and symlinks carry data; other entries with data are
        // skipped, as are oversized symlinks.
        let readable = match ftype {
            S_IFLNK => h.filesize <= cpio::PATH_MAX,
            S_IFREG => true,
            _ => h.filesize == 0,
        };
        if !readable {
            return Ok(());
        }
        let applied = match ftype {
            S_IFREG => self.regular(name, entry)?,
            S_IFDIR => {
                self.clean_path(name, ftype);
                let made = self.with_parents(name, |u| mkdir(u.cx, u.root(), name, h.mode));
                // An existing directory still takes the archive's owner and mode.
                let ok = matches!(made, Ok(()) | Err(Errno::EEXIST))
                    && self.set_owner_mode(name, h.uid, h.gid, h.mode);
                self.dir_times.push((name.to_vec(), h.mtime));
                ok
            }
            S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => {
                self.clean_path(name, ftype);
                match self.maybe_link(name, entry) {
                    Some(linked) => linked,
                    None => {
                        let rdev = makedev(h.rdev_major, h.rdev_minor);
                        self.with_parents(name, |u| mknod(u.cx, u.root(), name, h.mode, rdev))
                            .is_ok()
                            && self.set_owner_mode(name, h.uid, h.gid, h.mode)
                            && self.set_mtime(name, h.mtime)
                    }
                }
            }
            S_IFLNK => {
                self.clean_path(name, 0);
                let target = entry.data.split(|&b| b == 0).next().unwrap_or_default();
                self.with_parents(name, |u| symlink(u.cx, target, u.root(), name))
                    .is_ok()
                    && self.set_owner(name, h.uid, h.gid)
                    && self.set_mtime(name, h.mtime)
            }
            _ => return Ok(()),
        };
        if applied {
            self.stats.entries += 1;
        } else {
            log::warn!(
                "initramfs: skipped {}",
                alloc::string::String::from_utf8_lossy(name)
            );
            self.stats.skipped += 1;
        }
        Ok(())
    }

    /// A regular file: link, or create/truncate and write. Returns whether it was applied.
    fn regular(&mut self, name: &[u8], entry: &Entry) -> Result<bool, Reason> {
        let h = &entry.header;
        self.clean_path(name, S_IFREG);
        let linked = match self.maybe_link(name, entry) {
            Some(false) => return Ok(false),
            Some(true) => true,
            None => false,
        };
        let flags = O_WRONLY | O_CREAT | if linked { 0 } else { O_TRUNC };
        let Ok(file) = self.with_parents(name, |u| open(u.cx, u.root(), name, flags, h.mode))
        else {
            return Ok(false);
        };
        let owned = self.set_owner_mode(name, h.uid, h.gid, h.mode);
        let mut done = 0;
        while done < entry.data.len() {
            match file.write(&&entry.data[done..]) {
                Ok(0) => return Err(Reason::WriteError(Errno::EIO)),
                Ok(n) => done += n,
                Err(e) => return Err(Reason::WriteError(e)),
            }
        }
        if h.has_checksum && cpio::checksum(entry.data) != h.check {
            return Err(Reason::BadChecksum);
        }
        Ok(owned && self.set_mtime(name, h.mtime))
    }

    /// For an entry with `nlink > 1`: link it to the first entry of that inode if one was
    /// seen (`Some(linked ok)`), else remember it (`None`: create it normally).
    fn maybe_link(&mut self, name: &[u8], entry: &Entry) -> Option<bool> {
        let h = &entry.header;
        if h.nlink < 2 {
            return None;
        }
        let key = (h.dev_major, h.dev_minor, h.ino, h.mode & S_IFMT);
        let Some(first) = self.links.get(&key).cloned() else {
            self.links.insert(key, name.to_vec());
            return None;
        };
        self.clean_path(name, 0);
        let linked = lookup(self.cx, self.root(), &first, false)
            .and_then(|old| self.with_parents(name, |u| link(u.cx, &old, u.root(), name)));
        Some(linked.is_ok())
    }

    /// Remove what is at `name` if its type differs from `ftype` (0 = remove any).
    fn clean_path(&self, name: &[u8], ftype: u32) {
        let Ok(existing) = lookup(self.cx, self.root(), name, false) else {
            return;
        };
        let meta = existing.metadata();
        if (meta.mode ^ ftype) & S_IFMT == 0 {
            return;
        }
        // Failures leave the old entry; the create that follows then fails and is counted.
        let _ = if meta.is_dir() {
            rmdir(self.cx, self.root(), name)
        } else {
            unlink(self.cx, self.root(), name)
        };
    }

    /// Run a create operation; if its directory is missing, create the parents and retry.
    fn with_parents<T>(
        &mut self,
        name: &[u8],
        mut op: impl FnMut(&Self) -> SysResult<T>,
    ) -> SysResult<T> {
        match op(self) {
            Err(Errno::ENOENT) => {
                self.make_parents(name);
                op(self)
            }
            other => other,
        }
    }

    fn make_parents(&self, name: &[u8]) {
        let mut end = 0;
        while let Some(i) = name[end..].iter().position(|&b| b == b'/') {
            end += i;
            if end > 0 {
                match mkdir(self.cx, self.root(), &name[..end], 0o755) {
                    Ok(()) | Err(Errno::EEXIST) => {}
                    Err(_) => return,
                }
            }
            end += 1;
        }
    }

    fn resolve(&self, name: &[u8]) -> Option<Path> {
        lookup(self.cx, self.root(), name, false).ok()
    }

    fn set_owner(&self, name: &[u8], uid: u32, gid: u32) -> bool {
        self.resolve(name)
            .is_some_and(|p| chown(self.cx, &p, Some(uid), Some(gid)).is_ok())
    }

    fn set_owner_mode(&self, name: &[u8], uid: u32, gid: u32, mode: u32) -> bool {
        self.resolve(name).is_some_and(|p| {
            chown(self.cx, &p, Some(uid), Some(gid)).is_ok() && chmod(self.cx, &p, mode).is_ok()
        })
    }

    fn set_mtime(&self, name: &[u8], mtime: u32) -> bool {
        let t = TimeUpdate::Set(Timespec::new(mtime as i64, 0));
        self.resolve(name)
            .is_some_and(|p| utimens(self.cx, &p, t, t).is_ok())
    }

    fn apply_dir_times(&mut self) {
        for (name, mtime) in core::mem::take(&mut self.dir_times).iter().rev() {
            self.set_mtime(name, *mtime);
        }
    }
}

#[cfg(test)]
mod tests;
