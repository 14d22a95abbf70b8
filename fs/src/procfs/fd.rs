//! `/proc/<pid>/fd` and `fdinfo` (Linux `fs/proc/fd.c`): one magic link, or one info file,
//! per open descriptor. Directory positions are `fd + 2`, so they survive opens and closes.

use alloc::vec::Vec;

use super::ProcFs;
use super::node::{Attrs, Node, emit_dots};
use super::path::d_path;
use super::pid::{Task, check_ptrace, name_to_int, owner, reader_root};
use super::provider::FdEntry;
use super::seq::Seq;
use crate::vfs::types::*;
use crate::vfs::{LinkTarget, Path};
use crate::{Errno, SysResult};

/// The descriptor `fd` of the task's process.
fn entry(fs: &ProcFs, task: Task, fd: u32) -> SysResult<FdEntry> {
    let info = task.info(fs).ok_or(Errno::ENOENT)?;
    fs.provider
        .fds(info.tgid)
        .into_iter()
        .find(|e| e.fd == fd)
        .ok_or(Errno::ENOENT)
}

/// Lookup in `fd/` (`info` false) or `fdinfo/`; the latter only for a ptrace-capable reader.
pub(crate) fn lookup(fs: &ProcFs, task: Task, info: bool, name: &[u8]) -> SysResult<Node> {
    if info {
        check_ptrace(fs, task)?;
    }
    let fd = name_to_int(name).ok_or(Errno::ENOENT)?;
    entry(fs, task, fd)?;
    Ok(if info {
        Node::FdInfo(task, fd)
    } else {
        Node::Fd(task, fd)
    })
}

pub(crate) fn readdir(
    fs: &ProcFs,
    task: Task,
    info: bool,
    pos: u64,
    sink: &mut dyn DirSink,
) -> SysResult<()> {
    if info {
        check_ptrace(fs, task)?;
    }
    let proc_info = task.info(fs).ok_or(Errno::ENOENT)?;
    let dir = if info {
        Node::FdInfoDir(task)
    } else {
        Node::FdDir(task)
    };
    let Some(pos) = emit_dots(pos, sink, dir.ino(), dir.parent_ino()) else {
        return Ok(());
    };
    let mut fds: Vec<u32> = fs
        .provider
        .fds(proc_info.tgid)
        .iter()
        .map(|e| e.fd)
        .filter(|&fd| u64::from(fd) + 2 >= pos)
        .collect();
    fds.sort_unstable();
    fds.dedup();
    for fd in fds {
        let (node, dtype) = if info {
            (Node::FdInfo(task, fd), FileType::Regular)
        } else {
            (Node::Fd(task, fd), FileType::Symlink)
        };
        let name = alloc::format!("{fd}");
        if !sink.push(
            node.ino(),
            u64::from(fd) + 3,
            dtype.dirent_type(),
            name.as_bytes(),
        ) {
            break;
        }
    }
    Ok(())
}

/// A link's permission bits follow the file's access mode; fd links are 64 bytes long.
pub(crate) fn attrs(fs: &ProcFs, node: Node) -> Attrs {
    let (task, mode, size) = match node {
        Node::Fd(task, fd) => {
            let mut mode = S_IFLNK;
            if let Ok(e) = entry(fs, task, fd) {
                if e.file.readable() {
                    mode |= 0o500;
                }
                if e.file.writable() {
                    mode |= 0o300;
                }
            }
            (task, mode, 64)
        }
        Node::FdInfo(task, _) => (task, S_IFREG | 0o444, 0),
        _ => return Attrs::default(),
    };
    let (uid, gid) = owner(task.info(fs).as_ref(), mode);
    Attrs {
        mode,
        uid,
        gid,
        nlink: 1,
        size,
    }
}

/// Where `fd/N` leads, for a reader allowed to look (`proc_fd_access_allowed`).
fn target(fs: &ProcFs, task: Task, fd: u32) -> SysResult<FdEntry> {
    check_ptrace(fs, task).map_err(|e| if e == Errno::ESRCH { Errno::ENOENT } else { e })?;
    entry(fs, task, fd)
}

pub(crate) fn readlink(fs: &ProcFs, task: Task, fd: u32) -> SysResult<Vec<u8>> {
    let e = target(fs, task, fd)?;
    if let Some(name) = e.anon_name {
        return Ok(name);
    }
    let path: &Path = e.file.path();
    Ok(d_path(path, &reader_root(fs, path)))
}

pub(crate) fn get_link(fs: &ProcFs, task: Task, fd: u32) -> SysResult<LinkTarget> {
    let e = target(fs, task, fd)?;
    Ok(LinkTarget::Jump(e.file.path().clone()))
}

/// `fdinfo/N`: position, flags in octal (with `O_CLOEXEC` from the descriptor), mount id and
/// inode number.
pub(crate) fn fdinfo(fs: &ProcFs, task: Task, fd: u32) -> SysResult<Vec<u8>> {
    let e = entry(fs, task, fd)?;
    let mut flags = e.file.flags();
    if e.cloexec {
        flags |= O_CLOEXEC;
    }
    let mut m = Seq::new();
    m.dec_signed("pos:\t", e.file.pos() as i64);
    m.puts(b"\nflags:\t0");
    m.oct(flags.into(), 1);
    m.dec("\nmnt_id:\t", e.file.path().mnt.id());
    m.dec("\nino:\t", e.file.metadata().ino);
    m.putc(b'\n');
    Ok(m.into_bytes())
}
