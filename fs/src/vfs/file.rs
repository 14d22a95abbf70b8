//! Open file descriptions (Linux `struct file`) and `open` itself.
//!
//! An [`OpenFile`] is shared through `Arc` by every fd that `dup` or `fork` made from one
//! `open`; it holds the location, the access mode, the status flags `F_SETFL` changes and the
//! file position. Regular files and directories use the VFS's own operations over their
//! [`Inode`](super::Inode); devices (and later pipes and sockets) bring [`FileOps`].

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU32, Ordering};

use super::{blkdev, chardev};
use super::dentry::Dentry;
use super::inode::{Inode, LinkTarget};
use super::io::{LimitDest, LimitSrc, ReadDest, WriteSrc};
use super::mount::{MNT_NOATIME, MNT_NODEV, MNT_NODIRATIME, Path};
use super::namei::{Caller, LastKind, Walker};
use super::ops::{may_create, new_inode_attr, truncate_inode};
use super::perm::{Credentials, MAY_READ, MAY_WRITE, generic_permission, owner_or_capable};
use super::types::*;
use crate::sync::Mutex;
use crate::{Errno, SysResult};

/// `poll` bit for a descriptor that cannot be polled (an `O_PATH` file).
pub const POLLNVAL: u16 = 0x020;

/// Operations of files that are not plain data or directories: devices, pipes, sockets.
/// Defaults are Linux's answers for a driver without that method.
pub trait FileOps: Send + Sync {
    /// Read at the file's (stream) position; blocking and `O_NONBLOCK` are the driver's business.
    fn read(&self, _file: &OpenFile, _dest: &mut dyn ReadDest) -> SysResult<usize> {
        Err(Errno::EINVAL)
    }

    fn write(&self, _file: &OpenFile, _src: &dyn WriteSrc) -> SysResult<usize> {
        Err(Errno::EINVAL)
    }

    fn ioctl(&self, _file: &OpenFile, _cmd: u32, _arg: usize) -> SysResult<usize> {
        Err(Errno::ENOTTY)
    }

    /// Current readiness (`POLLIN | POLLOUT | ...`).
    fn poll(&self, _file: &OpenFile) -> u16 {
        DEFAULT_POLLMASK
    }

    /// Like `/dev/null`: `lseek` succeeds and leaves position 0, `pread`/`pwrite` are allowed
    /// (the offset is ignored). A stream (tty, pipe) answers `ESPIPE` to all three.
    fn seekable(&self) -> bool {
        false
    }

    /// The last reference to the open file went away.
    fn release(&self, _file: &OpenFile) {}

    /// Devices addressed by offset (block devices): their size. Reads and writes then go through
    /// `read_at`/`write_at` at the file position, and lseek works as on a file of that size.
    fn size(&self) -> Option<u64> {
        None
    }

    fn read_at(&self, _file: &OpenFile, _offset: u64, _dest: &mut dyn ReadDest) -> SysResult<usize> {
        Err(Errno::EINVAL)
    }

    fn write_at(&self, _file: &OpenFile, _offset: u64, _src: &dyn WriteSrc) -> SysResult<usize> {
        Err(Errno::EINVAL)
    }
}

enum Kind {
    Regular,
    Directory,
    Ops(Arc<dyn FileOps>),
    /// `O_PATH`: a location only; no I/O.
    PathOnly,
}

const FMODE_READ: u32 = 1;
const FMODE_WRITE: u32 = 2;

/// Flags `F_SETFL` may change.
const SETFL_MASK: u32 = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

pub struct OpenFile {
    path: Path,
    flags: AtomicU32,
    fmode: u32,
    pos: Mutex<u64>,
    kind: Kind,
}

impl OpenFile {
    fn new(path: Path, flags: u32, kind: Kind) -> Arc<OpenFile> {
        let fmode = match kind {
            Kind::PathOnly => 0,
            _ => match flags & O_ACCMODE {
                O_RDONLY => FMODE_READ,
                O_WRONLY => FMODE_WRITE,
                O_RDWR => FMODE_READ | FMODE_WRITE,
                _ => 0,
            },
        };
        let flags = flags & !(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
        Arc::new(OpenFile {
            path,
            flags: AtomicU32::new(flags),
            fmode,
            pos: Mutex::new(0),
            kind,
        })
    }

    /// An open file over driver operations that did not come from a path lookup (pipes,
    /// sockets, eventfd...): `path` is typically a detached dentry on a pseudo mount.
    pub fn new_with_ops(path: Path, ops: Arc<dyn FileOps>, flags: u32) -> Arc<OpenFile> {
        Self::new(path, flags, Kind::Ops(ops))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn dentry(&self) -> &Arc<Dentry> {
        &self.path.dentry
    }

    pub fn inode(&self) -> &Arc<dyn Inode> {
        self.path.inode()
    }

    pub fn metadata(&self) -> Metadata {
        self.inode().metadata()
    }

    /// What `F_GETFL` reports: access mode and status flags.
    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Acquire)
    }

    pub fn is_nonblocking(&self) -> bool {
        self.flags() & O_NONBLOCK != 0
    }

    pub fn readable(&self) -> bool {
        self.fmode & FMODE_READ != 0
    }

    pub fn writable(&self) -> bool {
        self.fmode & FMODE_WRITE != 0
    }

    /// Opened with `O_PATH`.
    pub fn is_path_only(&self) -> bool {
        matches!(self.kind, Kind::PathOnly)
    }

    /// The driver operations behind a device (or other special) file.
    pub fn ops(&self) -> Option<&Arc<dyn FileOps>> {
        match &self.kind {
            Kind::Ops(ops) => Some(ops),
            _ => None,
        }
    }

    /// The current file position.
    pub fn pos(&self) -> u64 {
        *self.pos.lock()
    }

    /// `F_SETFL`: change `O_APPEND`, `O_NONBLOCK`, `O_ASYNC`, `O_DIRECT`, `O_NOATIME`; other
    /// bits of `flags` are ignored. `O_NOATIME` needs the owner or `CAP_FOWNER` (`EPERM`).
    pub fn set_status_flags(&self, flags: u32, creds: &Credentials) -> SysResult<()> {
        let old = self.flags();
        if (flags ^ old) & O_NOATIME != 0 && !owner_or_capable(&self.metadata(), creds) {
            return Err(Errno::EPERM);
        }
        self.flags.store(
            (old & !SETFL_MASK) | (flags & SETFL_MASK),
            Ordering::Release,
        );
        Ok(())
    }

    /// `read(2)` at the file position.
    pub fn read(&self, dest: &mut dyn ReadDest) -> SysResult<usize> {
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        let mut dest = LimitDest {
            inner: dest,
            limit: MAX_RW_COUNT,
        };
        match &self.kind {
            Kind::Regular => {
                let mut pos = self.pos.lock();
                let n = self.read_regular(*pos, &mut dest)?;
                *pos += n as u64;
                Ok(n)
            }
            Kind::Directory => Err(Errno::EISDIR),
            Kind::Ops(ops) if ops.size().is_some() => {
                let mut pos = self.pos.lock();
                let n = ops.read_at(self, *pos, &mut dest)?;
                *pos += n as u64;
                Ok(n)
            }
            Kind::Ops(ops) => ops.read(self, &mut dest),
            Kind::PathOnly => Err(Errno::EBADF),
        }
    }

    /// `pread64(2)`: read at `offset` without moving the file position.
    pub fn pread(&self, dest: &mut dyn ReadDest, offset: i64) -> SysResult<usize> {
        if self.is_path_only() {
            return Err(Errno::EBADF);
        }
        if offset < 0 {
            return Err(Errno::EINVAL);
        }
        if !self.positional() {
            return Err(Errno::ESPIPE);
        }
        if !self.readable() {
            return Err(Errno::EBADF);
        }
        let mut dest = LimitDest {
            inner: dest,
            limit: MAX_RW_COUNT,
        };
        match &self.kind {
            Kind::Regular => self.read_regular(offset as u64, &mut dest),
            Kind::Ops(ops) if ops.size().is_some() => ops.read_at(self, offset as u64, &mut dest),
            Kind::Ops(ops) => ops.read(self, &mut dest),
            _ => Err(Errno::EISDIR),
        }
    }

    /// `write(2)` at the file position, or at the end with `O_APPEND`.
    pub fn write(&self, src: &dyn WriteSrc) -> SysResult<usize> {
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        let src = LimitSrc {
            inner: src,
            limit: MAX_RW_COUNT,
        };
        match &self.kind {
            Kind::Regular => {
                let mut pos = self.pos.lock();
                if self.flags() & O_APPEND != 0 {
                    let (n, end) = self.append_regular(&src)?;
                    *pos = end;
                    Ok(n)
                } else {
                    let n = self.write_regular(*pos, &src)?;
                    *pos += n as u64;
                    Ok(n)
                }
            }
            Kind::Ops(ops) if ops.size().is_some() => {
                let mut pos = self.pos.lock();
                let n = ops.write_at(self, *pos, &src)?;
                *pos += n as u64;
                Ok(n)
            }
            Kind::Ops(ops) => ops.write(self, &src),
            Kind::Directory => Err(Errno::EISDIR),
            Kind::PathOnly => Err(Errno::EBADF),
        }
    }

    /// `pwrite64(2)`. As on Linux, a file opened with `O_APPEND` appends whatever `offset` says.
    pub fn pwrite(&self, src: &dyn WriteSrc, offset: i64) -> SysResult<usize> {
        if self.is_path_only() {
            return Err(Errno::EBADF);
        }
        if offset < 0 {
            return Err(Errno::EINVAL);
        }
        if !self.positional() {
            return Err(Errno::ESPIPE);
        }
        if !self.writable() {
            return Err(Errno::EBADF);
        }
        let src = LimitSrc {
            inner: src,
            limit: MAX_RW_COUNT,
        };
        match &self.kind {
            Kind::Regular if self.flags() & O_APPEND != 0 => {
                self.append_regular(&src).map(|(n, _)| n)
            }
            Kind::Regular => self.write_regular(offset as u64, &src),
            Kind::Ops(ops) if ops.size().is_some() => ops.write_at(self, offset as u64, &src),
            Kind::Ops(ops) => ops.write(self, &src),
            _ => Err(Errno::EISDIR),
        }
    }

    /// `lseek(2)`; returns the new position.
    pub fn lseek(&self, offset: i64, whence: u32) -> SysResult<u64> {
        if self.is_path_only() {
            return Err(Errno::EBADF);
        }
        if whence > SEEK_HOLE {
            return Err(Errno::EINVAL);
        }
        match &self.kind {
            Kind::Ops(ops) => match ops.size() {
                Some(size) => {
                    let mut pos = self.pos.lock();
                    let new = match whence {
                        SEEK_SET => offset,
                        SEEK_CUR => (*pos as i64).checked_add(offset).ok_or(Errno::EOVERFLOW)?,
                        SEEK_END => (size as i64).checked_add(offset).ok_or(Errno::EOVERFLOW)?,
                        _ => return Err(Errno::EINVAL),
                    };
                    if new < 0 {
                        return Err(Errno::EINVAL);
                    }
                    *pos = new as u64;
                    Ok(new as u64)
                }
                None if !ops.seekable() => Err(Errno::ESPIPE),
                None => {
                    *self.pos.lock() = 0;
                    Ok(0)
                }
            },
            Kind::Directory => {
                let mut pos = self.pos.lock();
                let new = match whence {
                    SEEK_SET => offset,
                    SEEK_CUR => (*pos as i64).checked_add(offset).ok_or(Errno::EINVAL)?,
                    _ => return Err(Errno::EINVAL),
                };
                if new < 0 {
                    return Err(Errno::EINVAL);
                }
                *pos = new as u64;
                Ok(*pos)
            }
            Kind::Regular => {
                let mut pos = self.pos.lock();
                let new = match whence {
                    SEEK_SET => offset,
                    SEEK_CUR => {
                        if offset == 0 {
                            return Ok(*pos);
                        }
                        (*pos as i64).checked_add(offset).ok_or(Errno::EINVAL)?
                    }
                    SEEK_END => (self.metadata().size as i64)
                        .checked_add(offset)
                        .ok_or(Errno::EINVAL)?,
                    _ => {
                        if offset < 0 {
                            return Err(Errno::ENXIO);
                        }
                        self.inode().seek_data(offset as u64, whence == SEEK_HOLE)? as i64
                    }
                };
                if new < 0 {
                    return Err(Errno::EINVAL);
                }
                *pos = new as u64;
                Ok(*pos)
            }
            Kind::PathOnly => Err(Errno::EBADF),
        }
    }

    /// `getdents64(2)`: emit entries from the directory position on into `sink` and advance the
    /// position past the ones it took.
    pub fn getdents(&self, sink: &mut dyn DirSink) -> SysResult<()> {
        match &self.kind {
            Kind::Directory => {}
            Kind::PathOnly => return Err(Errno::EBADF),
            _ => return Err(Errno::ENOTDIR),
        }
        let mut pos = self.pos.lock();
        if self.path.dentry.is_deleted() {
            return Err(Errno::ENOENT);
        }
        let mut tracker = PosTracker {
            inner: sink,
            pos: *pos,
        };
        let result = self.inode().readdir(*pos, &mut tracker);
        *pos = tracker.pos;
        self.accessed();
        result
    }

    /// `ioctl(2)` for the request codes the driver handles (generic ones like `FIONBIO`,
    /// `FIOCLEX` are the kernel's).
    pub fn ioctl(&self, cmd: u32, arg: usize) -> SysResult<usize> {
        match &self.kind {
            Kind::Ops(ops) => ops.ioctl(self, cmd, arg),
            Kind::PathOnly => Err(Errno::EBADF),
            _ => Err(Errno::ENOTTY),
        }
    }

    /// Current readiness for `poll`/`select`/`epoll`.
    pub fn poll(&self) -> u16 {
        match &self.kind {
            Kind::Ops(ops) => ops.poll(self),
            Kind::PathOnly => POLLNVAL,
            _ => DEFAULT_POLLMASK,
        }
    }

    /// `ftruncate(2)`.
    pub fn truncate(&self, len: i64) -> SysResult<()> {
        if len < 0 {
            return Err(Errno::EINVAL);
        }
        if self.is_path_only() {
            return Err(Errno::EBADF);
        }
        if !matches!(self.kind, Kind::Regular) || !self.writable() {
            return Err(Errno::EINVAL);
        }
        truncate_inode(self.inode(), len as u64)
    }

    /// pread/pwrite/lseek are possible (Linux `FMODE_PREAD`).
    fn positional(&self) -> bool {
        match &self.kind {
            Kind::Ops(ops) => ops.seekable() || ops.size().is_some(),
            _ => true,
        }
    }

    fn read_regular(&self, pos: u64, dest: &mut dyn ReadDest) -> SysResult<usize> {
        verify_area(pos, dest.dest_len())?;
        if dest.dest_len() == 0 {
            return Ok(0);
        }
        let n = self.inode().read_at(pos, dest)?;
        self.accessed();
        Ok(n)
    }

    fn write_regular(&self, pos: u64, src: &dyn WriteSrc) -> SysResult<usize> {
        verify_area(pos, src.src_len())?;
        if src.src_len() == 0 {
            return Ok(0);
        }
        if pos >= MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let limit = (MAX_FILE_SIZE - pos).min(usize::MAX as u64) as usize;
        self.inode().write_at(pos, &LimitSrc { inner: src, limit })
    }

    fn append_regular(&self, src: &dyn WriteSrc) -> SysResult<(usize, u64)> {
        if src.src_len() == 0 {
            return Ok((0, self.metadata().size));
        }
        self.inode().append(src)
    }

    /// `file_accessed`: update atime as the mount's atime policy allows.
    fn accessed(&self) {
        if self.flags() & O_NOATIME != 0 {
            return;
        }
        let mnt_flags = self.path.mnt.flags();
        if mnt_flags & MNT_NOATIME != 0
            || (mnt_flags & MNT_NODIRATIME != 0 && matches!(self.kind, Kind::Directory))
        {
            return;
        }
        self.inode().touch_atime();
    }
}

impl Drop for OpenFile {
    fn drop(&mut self) {
        if let Kind::Ops(ops) = &self.kind {
            ops.release(self);
        }
        self.path.inode().release(self);
    }
}

/// `rw_verify_area`: the range must stay within the signed offset space.
fn verify_area(pos: u64, count: usize) -> SysResult<()> {
    if pos > i64::MAX as u64
        || pos
            .checked_add(count as u64)
            .is_none_or(|end| end > i64::MAX as u64)
    {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Follows which entries the caller's sink accepted, to advance the directory position.
struct PosTracker<'a> {
    inner: &'a mut dyn DirSink,
    pos: u64,
}

impl DirSink for PosTracker<'_> {
    fn push(&mut self, ino: u64, next: u64, dtype: u8, name: &[u8]) -> bool {
        let taken = self.inner.push(ino, next, dtype, name);
        if taken {
            self.pos = next;
        }
        taken
    }
}

/// Access the open flags ask for, as `MAY_*` bits (`ACC_MODE`).
fn acc_mode(flags: u32) -> u32 {
    match flags & O_ACCMODE {
        O_RDONLY => MAY_READ,
        O_WRONLY => MAY_WRITE,
        _ => MAY_READ | MAY_WRITE,
    }
}

/// `openat(2)`: open (and with `O_CREAT` maybe create) `path` relative to `start`.
/// `mode` is used when a file is created (`& !umask`). `O_CLOEXEC` is the caller's (fd table).
pub fn open(
    cx: &Caller,
    start: &Path,
    path: &[u8],
    flags: u32,
    mode: u32,
) -> SysResult<Arc<OpenFile>> {
    // build_open_how / build_open_flags
    let mut flags = flags | O_LARGEFILE;
    if flags & O_PATH != 0 {
        flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW;
    }
    flags &= !O_CLOEXEC;
    let mode = mode & S_IALLUGO;
    let mut acc = acc_mode(flags);
    if flags & O_TMPFILE_BIT != 0 {
        if flags & (O_DIRECTORY | O_CREAT) != O_DIRECTORY || acc & MAY_WRITE == 0 {
            return Err(Errno::EINVAL);
        }
    } else if flags & (O_CREAT | O_DIRECTORY) == O_CREAT | O_DIRECTORY {
        return Err(Errno::EINVAL);
    }
    if flags & O_PATH != 0 {
        acc = 0;
    }
    if flags & O_TRUNC != 0 {
        acc |= MAY_WRITE;
    }
    let follow = flags & O_NOFOLLOW == 0 && flags & (O_CREAT | O_EXCL) != O_CREAT | O_EXCL;

    if flags & O_TMPFILE_BIT != 0 {
        let dir = super::namei::lookup(cx, start, path, true)?;
        if !dir.metadata().is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if dir.mnt.is_readonly() {
            return Err(Errno::EROFS);
        }
        may_create(cx.creds, &dir)?;
        let attr = new_inode_attr(cx.creds, &dir.metadata(), S_IFREG | (mode & !cx.umask));
        let inode = dir.inode().tmpfile(&attr)?;
        let file = Path {
            mnt: dir.mnt.clone(),
            dentry: Dentry::new_detached(inode, b"#tmpfile"),
        };
        return do_open(cx.creds, file, flags & !(O_TMPFILE_BIT | O_DIRECTORY), 0, true);
    }
    if flags & O_PATH != 0 {
        let p = super::namei::lookup(cx, start, path, follow)?;
        if flags & O_DIRECTORY != 0 && !p.metadata().is_dir() {
            return Err(Errno::ENOTDIR);
        }
        return Ok(OpenFile::new(p, flags, Kind::PathOnly));
    }

    let mut w = Walker::new(cx);
    let (mut parent, mut last) = w.walk_parent(start, path)?;
    let mut created = false;
    let target = loop {
        let name = match &last.kind {
            LastKind::Normal(name) if flags & O_CREAT != 0 => name.clone(),
            _ => break w.resolve_last(parent, last, follow)?,
        };
        if last.trailing_slash {
            return Err(Errno::EISDIR);
        }
        let guard = parent.dentry.dir_lock.write();
        match parent.dentry.lookup_child_locked(&name)? {
            Some(dentry) => {
                drop(guard);
                let found = Path {
                    mnt: parent.mnt.clone(),
                    dentry,
                }
                .cross_mounts();
                if flags & O_EXCL != 0 {
                    return Err(Errno::EEXIST);
                }
                if follow && found.inode().file_type() == FileType::Symlink {
                    match w.follow(&found)? {
                        LinkTarget::Text(text) => {
                            (parent, last) = w.walk_parent(&parent, &text)?;
                            continue;
                        }
                        LinkTarget::Jump(to) => break to,
                    }
                }
                break found;
            }
            None => {
                if parent.mnt.is_readonly() {
                    return Err(Errno::EROFS);
                }
                may_create(cx.creds, &parent)?;
                let attr =
                    new_inode_attr(cx.creds, &parent.metadata(), S_IFREG | (mode & !cx.umask));
                let inode = parent.inode().create(&name, &attr)?;
                let dentry = parent.dentry.add_child(&name, inode);
                created = true;
                break Path {
                    mnt: parent.mnt.clone(),
                    dentry,
                };
            }
        }
    };
    do_open(
        cx.creds,
        target,
        flags,
        if created { 0 } else { acc },
        created,
    )
}

/// The checks and setup after the last component is resolved (Linux `do_open`, `may_open`,
/// `do_dentry_open`).
fn do_open(
    creds: &Credentials,
    path: Path,
    flags: u32,
    acc: u32,
    created: bool,
) -> SysResult<Arc<OpenFile>> {
    let meta = path.metadata();
    let ftype = meta.file_type().ok_or(Errno::EIO)?;
    if flags & O_CREAT != 0 && ftype == FileType::Directory {
        return Err(Errno::EISDIR);
    }
    if flags & O_DIRECTORY != 0 && ftype != FileType::Directory {
        return Err(Errno::ENOTDIR);
    }
    let truncate = !created && ftype == FileType::Regular && flags & O_TRUNC != 0;
    if truncate && path.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    match ftype {
        FileType::Symlink => return Err(Errno::ELOOP),
        FileType::Directory if acc & MAY_WRITE != 0 => return Err(Errno::EISDIR),
        FileType::CharDevice | FileType::BlockDevice if path.mnt.flags() & MNT_NODEV != 0 => {
            return Err(Errno::EACCES);
        }
        _ => {}
    }
    let data_like = matches!(
        ftype,
        FileType::Regular | FileType::Directory | FileType::Symlink
    );
    if acc & MAY_WRITE != 0 && data_like && path.fs().is_readonly() {
        return Err(Errno::EROFS);
    }
    generic_permission(&meta, creds, acc)?;
    if flags & O_NOATIME != 0 && !owner_or_capable(&meta, creds) {
        return Err(Errno::EPERM);
    }
    if acc & MAY_WRITE != 0 && data_like && path.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    let kind = match path.inode().open(flags)? {
        Some(ops) => Kind::Ops(ops),
        None => match ftype {
            FileType::Regular => Kind::Regular,
            FileType::Directory => Kind::Directory,
            FileType::CharDevice => Kind::Ops(chardev::open_char_device(meta.rdev, flags)?),
            FileType::BlockDevice => Kind::Ops(blkdev::open_block_device(meta.rdev)?),
            FileType::Fifo => Kind::Ops(super::fifo::open_fifo(&path, flags)?),
            // Sockets get their operations from a later subsystem.
            _ => return Err(Errno::ENXIO),
        },
    };
    if truncate {
        truncate_inode(path.inode(), 0)?;
    }
    Ok(OpenFile::new(path, flags, kind))
}

/// Open a file for `execve`: it must be a regular file on a mount without `noexec`, executable
/// for `creds` (root needs some execute bit). Read permission is not needed.
pub fn open_exec(cx: &Caller, start: &Path, path: &[u8]) -> SysResult<Arc<OpenFile>> {
    let p = super::namei::lookup(cx, start, path, true)?;
    let meta = p.metadata();
    if meta.file_type() != Some(FileType::Regular) || p.mnt.flags() & super::mount::MNT_NOEXEC != 0
    {
        return Err(Errno::EACCES);
    }
    generic_permission(&meta, cx.creds, super::perm::MAY_EXEC)?;
    Ok(OpenFile::new(p, O_RDONLY | O_LARGEFILE, Kind::Regular))
}
