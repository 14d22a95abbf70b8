//! The inode and superblock interfaces every filesystem implements.
//!
//! The VFS does the checks that do not depend on the filesystem (permissions, file types,
//! name validity, read-only mounts, `.`/`..`), so a method is only called when Linux would call
//! the corresponding `inode_operations` member. Default methods answer as Linux does for a
//! filesystem without that operation, so a filesystem implements only what it supports.
//!
//! Identity: each live inode must be one object (`Arc`), so filesystems that load inodes from
//! storage keep an inode cache. [`same_inode`] compares identity.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::sync::atomic::{AtomicU32, Ordering};

use super::file::{FileOps, OpenFile};
use super::io::{ReadDest, WriteSrc};
use super::mount::Path;
use super::types::*;
use crate::{Errno, SysResult};

/// A mounted filesystem instance (Linux `super_block`).
pub trait FileSystem: Send + Sync {
    /// The type name `/proc/mounts` shows ("tmpfs").
    fn name(&self) -> &'static str;
    /// The `st_dev` of every inode of this filesystem.
    fn dev(&self) -> u64;
    fn statfs(&self) -> StatFs;
    /// A read-only filesystem: every modification fails with `EROFS`.
    fn is_readonly(&self) -> bool {
        false
    }
}

/// What a symlink points to.
pub enum LinkTarget {
    /// An ordinary symlink: this text is resolved like a path.
    Text(Vec<u8>),
    /// A "magic link" (`/proc/<pid>/fd/N`, `/proc/self/exe`): lookup continues at this location.
    Jump(Path),
}

pub trait Inode: Any + Send + Sync {
    fn metadata(&self) -> Metadata;

    /// The superblock this inode belongs to.
    fn fs(&self) -> Arc<dyn FileSystem>;

    fn file_type(&self) -> FileType {
        FileType::from_mode(self.metadata().mode).unwrap_or(FileType::Regular)
    }

    /// Find `name` in this directory. `name` is a valid component (not empty, `.`, `..`, no
    /// `/`, at most `NAME_MAX` bytes). Absent: `ENOENT`.
    fn lookup(&self, _name: &[u8]) -> SysResult<Arc<dyn Inode>> {
        Err(Errno::ENOTDIR)
    }

    /// Create `name` with the given type and attributes: regular file, directory, device node,
    /// fifo or socket (symlinks go through [`Inode::symlink`]). Existing name: `EEXIST`.
    fn create(&self, _name: &[u8], _attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        Err(Errno::EPERM)
    }

    /// `O_TMPFILE`: a regular file on this directory's filesystem with no name (link count 0).
    /// `EOPNOTSUPP` where the filesystem has no such files.
    fn tmpfile(&self, _attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        Err(Errno::EOPNOTSUPP)
    }

    fn symlink(&self, _name: &[u8], _target: &[u8], _attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        Err(Errno::EPERM)
    }

    /// Add `name` as a new hard link to `inode` (same filesystem, not a directory).
    fn link(&self, _name: &[u8], _inode: &Arc<dyn Inode>) -> SysResult<()> {
        Err(Errno::EPERM)
    }

    /// Remove the non-directory `name`.
    fn unlink(&self, _name: &[u8]) -> SysResult<()> {
        Err(Errno::EPERM)
    }

    /// Remove the directory `name`; `ENOTEMPTY` if it has entries.
    fn rmdir(&self, _name: &[u8]) -> SysResult<()> {
        Err(Errno::EPERM)
    }

    /// Move `old_name` of this directory to `new_name` of `new_dir` (same filesystem). The VFS
    /// has checked types, ancestry and `RENAME_NOREPLACE`; the filesystem checks that a replaced
    /// directory is empty (`ENOTEMPTY`) and rejects flags it does not support with `EINVAL`.
    fn rename(
        &self,
        _old_name: &[u8],
        _new_dir: &Arc<dyn Inode>,
        _new_name: &[u8],
        _flags: u32,
    ) -> SysResult<()> {
        Err(Errno::EPERM)
    }

    /// Emit entries from position `pos` on, "." and ".." included, until the sink is full or the
    /// directory ends. Positions are cookies: stable while entries come and go.
    fn readdir(&self, _pos: u64, _sink: &mut dyn DirSink) -> SysResult<()> {
        Err(Errno::ENOTDIR)
    }

    /// The text of a symlink.
    fn readlink(&self) -> SysResult<Vec<u8>> {
        Err(Errno::EINVAL)
    }

    /// Where path walk goes through this symlink.
    fn get_link(&self) -> SysResult<LinkTarget> {
        self.readlink().map(LinkTarget::Text)
    }

    /// Read from byte `offset`; returns bytes read, 0 at end of file.
    fn read_at(&self, _offset: u64, _dest: &mut dyn ReadDest) -> SysResult<usize> {
        Err(Errno::EINVAL)
    }

    /// Write at byte `offset`, extending the file as needed.
    fn write_at(&self, _offset: u64, _src: &dyn WriteSrc) -> SysResult<usize> {
        Err(Errno::EINVAL)
    }

    /// Write at the end of the file, atomically with respect to other writers. Returns the
    /// bytes written and the offset just past them.
    fn append(&self, src: &dyn WriteSrc) -> SysResult<(usize, u64)> {
        let end = self.metadata().size;
        let n = self.write_at(end, src)?;
        Ok((n, end + n as u64))
    }

    /// `SEEK_DATA` (`hole` false) or `SEEK_HOLE` (`hole` true) from `offset`. The default treats
    /// the whole file as data, as Linux's generic implementation does.
    fn seek_data(&self, offset: u64, hole: bool) -> SysResult<u64> {
        let size = self.metadata().size;
        if offset >= size {
            return Err(Errno::ENXIO);
        }
        Ok(if hole { size } else { offset })
    }

    /// Apply an attribute change (see [`SetAttr`]).
    fn setattr(&self, _attr: &SetAttr) -> SysResult<()> {
        Err(Errno::EPERM)
    }

    /// Note an access for atime (the filesystem applies its atime policy, e.g. relatime).
    fn touch_atime(&self) {}

    /// File operations for an open of this inode, replacing the VFS's own for regular files and
    /// directories (procfs, sockets, fifos). `None`: the VFS's default for the inode's type.
    fn open(&self, _file_flags: u32) -> SysResult<Option<Arc<dyn FileOps>>> {
        Ok(None)
    }

    /// Called when an open file description of this inode goes away.
    fn release(&self, _file: &OpenFile) {}
}

/// Whether two handles are the same inode.
pub fn same_inode(a: &Arc<dyn Inode>, b: &Arc<dyn Inode>) -> bool {
    core::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b))
}

/// The concrete inode type behind a handle, for filesystems that need their own type back
/// (e.g. the target of `link`).
pub fn downcast_inode<T: Inode>(inode: &Arc<dyn Inode>) -> Option<Arc<T>> {
    let any: Arc<dyn Any + Send + Sync> = inode.clone();
    any.downcast::<T>().ok()
}

static NEXT_ANON_MINOR: AtomicU32 = AtomicU32::new(1);

/// A device number for a filesystem without a backing device (Linux `get_anon_bdev`: 0:N).
pub fn alloc_anon_dev() -> u64 {
    makedev(0, NEXT_ANON_MINOR.fetch_add(1, Ordering::Relaxed))
}

/// relatime: update atime only if it is not newer than mtime or ctime, or is a day old.
pub fn relatime_needs_update(
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
    now: Timespec,
) -> bool {
    atime <= mtime || atime <= ctime || now.sec.saturating_sub(atime.sec) >= 24 * 60 * 60
}
