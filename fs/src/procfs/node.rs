//! The procfs inode: what it stands for ([`Node`]) and the [`Inode`] operations on it.
//!
//! Inodes are made on lookup and hold no kernel state, only what they name (a file of a pid,
//! a system file...); every attribute and every byte is asked of the provider when needed, so
//! a dentry kept in the cache never shows stale ownership or a dead process's data.
//!
//! File contents are generated whole, like Linux's `single_open` files: each open file
//! ([`ProcFile`]) keeps a snapshot; a read at offset 0 makes a fresh one (`cat` and `top`
//! rewind to re-read), later offsets continue in it, so a file read in pieces stays
//! consistent.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::pid::{self, PidFile, Task};
use super::root::{self, RootFile};
use super::sysctl::{self, SysDir, Sysctl};
use super::{ProcFs, fd};
use crate::clock;
use crate::sync::Mutex;
use crate::vfs::file::{FileOps, OpenFile};
use crate::vfs::inode::{FileSystem, Inode, LinkTarget};
use crate::vfs::io::{ReadDest, WriteSrc, short_count};
use crate::vfs::types::*;
use crate::{Errno, SysResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    Root,
    SelfLink,
    ThreadSelfLink,
    /// `/proc/mounts` -> `self/mounts`.
    MountsLink,
    File(RootFile),
    SysDir(SysDir),
    Sysctl(Sysctl),
    /// `/proc/<pid>` or `/proc/<pid>/task/<tid>`.
    PidDir(Task),
    /// `/proc/<pid>/task`.
    TaskDir(u32),
    PidFile(Task, PidFile),
    FdDir(Task),
    FdInfoDir(Task),
    Fd(Task, u32),
    FdInfo(Task, u32),
}

/// Linux's number for the /proc root (`PROC_ROOT_INO`).
const ROOT_INO: u64 = 1;
/// Fixed entries are numbered from here, as Linux numbers its entry tree
/// (`PROC_DYNAMIC_FIRST`); per-process numbers start at 2^32.
const STATIC_INO: u64 = 0xf000_0000;

impl Node {
    pub fn file_type(self) -> FileType {
        match self {
            Node::Root
            | Node::SysDir(_)
            | Node::PidDir(_)
            | Node::TaskDir(_)
            | Node::FdDir(_)
            | Node::FdInfoDir(_) => FileType::Directory,
            Node::SelfLink | Node::ThreadSelfLink | Node::MountsLink | Node::Fd(..) => {
                FileType::Symlink
            }
            Node::PidFile(_, f) if f.is_link() => FileType::Symlink,
            _ => FileType::Regular,
        }
    }

    pub fn ino(self) -> u64 {
        match self {
            Node::Root => ROOT_INO,
            Node::SelfLink => STATIC_INO + 1,
            Node::ThreadSelfLink => STATIC_INO + 2,
            Node::MountsLink => STATIC_INO + 3,
            Node::File(f) => STATIC_INO + 0x10 + f as u64,
            Node::SysDir(d) => STATIC_INO + 0x20 + d as u64,
            Node::Sysctl(s) => STATIC_INO + 0x30 + s as u64,
            _ => pid::ino(self),
        }
    }

    /// The inode number ".." shows in a directory listing.
    pub fn parent_ino(self) -> u64 {
        match self {
            Node::SysDir(SysDir::Kernel | SysDir::Fs) => Node::SysDir(SysDir::Top).ino(),
            Node::PidDir(Task { pid, tid: Some(_) }) => Node::TaskDir(pid).ino(),
            Node::TaskDir(pid) => Node::PidDir(Task { pid, tid: None }).ino(),
            Node::FdDir(t) | Node::FdInfoDir(t) => Node::PidDir(t).ino(),
            _ => ROOT_INO,
        }
    }
}

/// Type and permission bits, owner, link count and size of a node right now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Attrs {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub nlink: u32,
    pub size: u64,
}

/// Emit "." and ".." for positions 0 and 1; the position to go on from, or `None` when the
/// sink filled up.
pub(crate) fn emit_dots(pos: u64, sink: &mut dyn DirSink, ino: u64, parent: u64) -> Option<u64> {
    let dir = FileType::Directory.dirent_type();
    let mut pos = pos;
    if pos == 0 {
        if !sink.push(ino, 1, dir, b".") {
            return None;
        }
        pos = 1;
    }
    if pos == 1 {
        if !sink.push(parent, 2, dir, b"..") {
            return None;
        }
        pos = 2;
    }
    Some(pos)
}

pub(crate) struct ProcInode {
    fs: Arc<ProcFs>,
    node: Node,
    /// When this inode was made: all its timestamps (Linux stamps proc inodes the same way).
    born: Timespec,
}

impl ProcInode {
    pub fn make(fs: &Arc<ProcFs>, node: Node) -> Arc<dyn Inode> {
        Arc::new(ProcInode {
            fs: fs.clone(),
            node,
            born: clock::now(),
        })
    }

    fn attrs(&self) -> Attrs {
        let fs = &self.fs;
        let fixed = |mode, nlink| Attrs {
            mode,
            uid: 0,
            gid: 0,
            nlink,
            size: 0,
        };
        match self.node {
            Node::Root => {
                let procs = u32::try_from(fs.provider.pids().len()).unwrap_or(u32::MAX);
                // ".", "..", "sys" and the process directories.
                fixed(S_IFDIR | 0o555, procs.saturating_add(3))
            }
            Node::SelfLink | Node::ThreadSelfLink | Node::MountsLink => fixed(S_IFLNK | 0o777, 1),
            Node::File(_) => fixed(S_IFREG | 0o444, 1),
            Node::SysDir(_) => fixed(S_IFDIR | 0o555, 1),
            Node::Sysctl(s) => fixed(S_IFREG | s.perm(), 1),
            Node::Fd(..) | Node::FdInfo(..) => fd::attrs(fs, self.node),
            _ => pid::attrs(fs, self.node),
        }
    }

    fn child(&self, node: Node) -> Arc<dyn Inode> {
        ProcInode::make(&self.fs, node)
    }

    fn link_text(&self) -> SysResult<Vec<u8>> {
        let provider = &self.fs.provider;
        match self.node {
            Node::SelfLink | Node::ThreadSelfLink => {
                let (pid, tid) = (provider.current_pid(), provider.current_tid());
                if pid == 0 {
                    return Err(Errno::ENOENT);
                }
                Ok(if self.node == Node::SelfLink {
                    alloc::format!("{pid}")
                } else {
                    alloc::format!("{pid}/task/{tid}")
                }
                .into_bytes())
            }
            Node::MountsLink => Ok(b"self/mounts".to_vec()),
            Node::PidFile(t, f) if f.is_link() => pid::readlink(&self.fs, t, f),
            Node::Fd(t, n) => fd::readlink(&self.fs, t, n),
            _ => Err(Errno::EINVAL),
        }
    }
}

impl Inode for ProcInode {
    fn metadata(&self) -> Metadata {
        let a = self.attrs();
        Metadata {
            dev: self.fs.dev,
            ino: self.node.ino(),
            mode: a.mode,
            nlink: a.nlink,
            uid: a.uid,
            gid: a.gid,
            rdev: 0,
            size: a.size,
            blksize: 1024,
            blocks: 0,
            atime: self.born,
            mtime: self.born,
            ctime: self.born,
            btime: None,
        }
    }

    fn fs(&self) -> Arc<dyn FileSystem> {
        self.fs.clone()
    }

    fn file_type(&self) -> FileType {
        self.node.file_type()
    }

    fn lookup(&self, name: &[u8]) -> SysResult<Arc<dyn Inode>> {
        let node = match self.node {
            Node::Root => root::lookup(&self.fs, name)?,
            Node::SysDir(d) => sysctl::lookup(d, name)?,
            Node::PidDir(t) => pid::lookup(&self.fs, t, name)?,
            Node::TaskDir(pid) => pid::lookup_thread(&self.fs, pid, name)?,
            Node::FdDir(t) => fd::lookup(&self.fs, t, false, name)?,
            Node::FdInfoDir(t) => fd::lookup(&self.fs, t, true, name)?,
            _ => return Err(Errno::ENOTDIR),
        };
        Ok(self.child(node))
    }

    /// procfs lookups fail with `ENOENT` rather than leaving a negative entry, so creating a
    /// name that is not there (`sysctl -w unknown.key=1`, `mkdir /proc/x`) reports `ENOENT`.
    fn create(&self, _name: &[u8], _attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        Err(Errno::ENOENT)
    }

    fn symlink(&self, _name: &[u8], _target: &[u8], _attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        Err(Errno::ENOENT)
    }

    fn readdir(&self, pos: u64, sink: &mut dyn DirSink) -> SysResult<()> {
        match self.node {
            Node::Root => root::readdir(&self.fs, pos, sink),
            Node::SysDir(d) => sysctl::readdir(d, pos, sink),
            Node::PidDir(t) => pid::readdir(&self.fs, t, pos, sink),
            Node::TaskDir(pid) => pid::readdir_threads(&self.fs, pid, pos, sink),
            Node::FdDir(t) => fd::readdir(&self.fs, t, false, pos, sink),
            Node::FdInfoDir(t) => fd::readdir(&self.fs, t, true, pos, sink),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn readlink(&self) -> SysResult<Vec<u8>> {
        self.link_text()
    }

    fn get_link(&self) -> SysResult<LinkTarget> {
        match self.node {
            Node::PidFile(t, f) if f.is_link() => pid::get_link(&self.fs, t, f),
            Node::Fd(t, n) => fd::get_link(&self.fs, t, n),
            _ => self.link_text().map(LinkTarget::Text),
        }
    }

    /// Reads that bypass an open file (the VFS reads through [`ProcFile`]) see the contents as
    /// of this call.
    fn read_at(&self, offset: u64, dest: &mut dyn ReadDest) -> SysResult<usize> {
        copy_from(&generate(&self.fs, self.node, offset)?, offset, dest)
    }

    fn write_at(&self, offset: u64, src: &dyn WriteSrc) -> SysResult<usize> {
        write(&self.fs, self.node, offset, src)
    }

    /// `proc_setattr` / `proc_sys_setattr`: no mode changes, no owner changes of sysctl
    /// entries; the size and times a truncating open sets are accepted and ignored, so
    /// `echo x > /proc/...` works.
    fn setattr(&self, attr: &SetAttr) -> SysResult<()> {
        let sysctl = matches!(self.node, Node::Sysctl(_) | Node::SysDir(_));
        if attr.mode.is_some() || (sysctl && (attr.uid.is_some() || attr.gid.is_some())) {
            return Err(Errno::EPERM);
        }
        Ok(())
    }

    /// Regular files get a [`ProcFile`], after the checks Linux makes when they are opened:
    /// memory and descriptor details of another process need ptrace-read access.
    fn open(&self, _file_flags: u32) -> SysResult<Option<Arc<dyn FileOps>>> {
        match self.node {
            Node::PidFile(t, PidFile::Environ | PidFile::Maps | PidFile::SmapsRollup) => {
                pid::check_mm_access(&self.fs, t)?
            }
            Node::FdInfoDir(t) | Node::FdInfo(t, _) => pid::check_ptrace(&self.fs, t)?,
            _ => {}
        }
        if self.node.file_type() != FileType::Regular {
            return Ok(None);
        }
        Ok(Some(Arc::new(ProcFile {
            fs: self.fs.clone(),
            node: self.node,
            snapshot: Mutex::new(None),
        })))
    }
}

/// A number in /proc/sys reads as nothing past its start (`__do_proc_dointvec`).
fn empty_at(node: Node, offset: u64) -> bool {
    matches!(node, Node::Sysctl(s) if s.is_numeric()) && offset != 0
}

/// The contents of a regular file as a read at `offset` finds them now.
fn generate(fs: &ProcFs, node: Node, offset: u64) -> SysResult<Vec<u8>> {
    match node {
        _ if empty_at(node, offset) => Ok(Vec::new()),
        Node::File(f) => Ok(root::generate(fs, f)),
        Node::Sysctl(s) => Ok(sysctl::read(fs, s)),
        Node::PidFile(t, f) if !f.is_link() => pid::generate(fs, t, f),
        Node::FdInfo(t, n) => fd::fdinfo(fs, t, n),
        n if n.file_type() == FileType::Directory => Err(Errno::EISDIR),
        _ => Err(Errno::EINVAL),
    }
}

fn write(fs: &ProcFs, node: Node, offset: u64, src: &dyn WriteSrc) -> SysResult<usize> {
    match node {
        Node::PidFile(t, PidFile::Comm) => pid::write_comm(fs, t, src),
        Node::Sysctl(s) => sysctl::write(fs, s, offset, src),
        _ => Err(Errno::EINVAL),
    }
}

/// Copy `data` from `offset` on into `dest`.
fn copy_from(data: &[u8], offset: u64, dest: &mut dyn ReadDest) -> SysResult<usize> {
    let Some(rest) = usize::try_from(offset).ok().and_then(|o| data.get(o..)) else {
        return Ok(0);
    };
    let n = rest.len().min(dest.dest_len());
    match dest.copy_out(0, &rest[..n]) {
        Ok(()) => Ok(n),
        Err(fault) => short_count(0, fault),
    }
}

/// An open procfs file (Linux's `seq_file`): the snapshot its reads continue in.
struct ProcFile {
    fs: Arc<ProcFs>,
    node: Node,
    snapshot: Mutex<Option<Arc<Vec<u8>>>>,
}

impl FileOps for ProcFile {
    /// Addressed by offset like a file (pread, lseek), and 0 bytes long as Linux reports.
    fn size(&self) -> Option<u64> {
        Some(0)
    }

    fn read_at(&self, _file: &OpenFile, offset: u64, dest: &mut dyn ReadDest) -> SysResult<usize> {
        if empty_at(self.node, offset) {
            return Ok(0);
        }
        let kept = if offset == 0 {
            None
        } else {
            self.snapshot.lock().clone()
        };
        let data = match kept {
            Some(data) => data,
            None => {
                let data = Arc::new(generate(&self.fs, self.node, offset)?);
                *self.snapshot.lock() = Some(data.clone());
                data
            }
        };
        copy_from(&data, offset, dest)
    }

    fn write_at(&self, _file: &OpenFile, offset: u64, src: &dyn WriteSrc) -> SysResult<usize> {
        write(&self.fs, self.node, offset, src)
    }
}
