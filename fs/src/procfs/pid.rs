//! Per-process directories (Linux `fs/proc/base.c`): `/proc/<pid>` and
//! `/proc/<pid>/task/<tid>`, their entries, who owns them and who may look inside.
//!
//! Ownership follows `task_dump_owner`: the process's effective ids, except that everything
//! but the 0555 directories belongs to root when the process is not dumpable or has no address
//! space. Looking at another process's memory, descriptors or links needs what
//! `ptrace_may_access(PTRACE_MODE_READ_FSCREDS)` needs.

use alloc::vec::Vec;

use super::ProcFs;
use super::node::{Attrs, Node, emit_dots};
use super::path::{d_path, namespace_root};
use super::provider::ProcessInfo;
use super::{array, mounts, task_mmu};
use crate::vfs::io::WriteSrc;
use crate::vfs::types::*;
use crate::vfs::{LinkTarget, Path};
use crate::{Errno, SysResult};

/// A task as a directory shows it: the process `pid` (`tid` None) or its thread `tid`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Task {
    pub pid: u32,
    pub tid: Option<u32>,
}

/// Which numbering an inode number is from (see [`Task::ino`]).
#[derive(Clone, Copy)]
pub(crate) enum InoKind {
    Entry = 0,
    Fd = 1,
    FdInfo = 2,
}

impl Task {
    /// The task the kernel is asked about: the thread, or the process's leader.
    pub fn id(self) -> u32 {
        self.tid.unwrap_or(self.pid)
    }

    pub fn info(self, fs: &ProcFs) -> Option<ProcessInfo> {
        match self.tid {
            None => fs.provider.process(self.pid),
            Some(tid) => fs.provider.thread(self.pid, tid),
        }
    }

    /// Inode numbers stable per (task, file): the task id in the high half, then whether this
    /// is a thread view, what kind of entry and its index (entry position or fd number).
    pub fn ino(self, kind: InoKind, idx: u64) -> u64 {
        let class = (kind as u64) * 2 + u64::from(self.tid.is_some());
        (u64::from(self.id()) << 32) | (class << 28) | (idx & 0x0fff_ffff)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PidFile {
    Environ,
    Status,
    Comm,
    Cmdline,
    Stat,
    Statm,
    Maps,
    Cwd,
    Root,
    Exe,
    Mounts,
    MountInfo,
    SmapsRollup,
}

impl PidFile {
    pub fn is_link(self) -> bool {
        matches!(self, PidFile::Cwd | PidFile::Root | PidFile::Exe)
    }

    /// Type and permission bits.
    pub fn mode(self) -> u32 {
        match self {
            PidFile::Cwd | PidFile::Root | PidFile::Exe => S_IFLNK | 0o777,
            PidFile::Environ => S_IFREG | 0o400,
            PidFile::Comm => S_IFREG | 0o644,
            _ => S_IFREG | 0o444,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Entry {
    Tasks,
    Fd,
    FdInfo,
    File(PidFile),
}

/// The entries of `/proc/<pid>`, in Linux's order (`tgid_base_stuff`); a thread directory
/// has the same without `task`.
const ENTRIES: [(&[u8], Entry); 16] = [
    (b"task", Entry::Tasks),
    (b"fd", Entry::Fd),
    (b"fdinfo", Entry::FdInfo),
    (b"environ", Entry::File(PidFile::Environ)),
    (b"status", Entry::File(PidFile::Status)),
    (b"comm", Entry::File(PidFile::Comm)),
    (b"cmdline", Entry::File(PidFile::Cmdline)),
    (b"stat", Entry::File(PidFile::Stat)),
    (b"statm", Entry::File(PidFile::Statm)),
    (b"maps", Entry::File(PidFile::Maps)),
    (b"cwd", Entry::File(PidFile::Cwd)),
    (b"root", Entry::File(PidFile::Root)),
    (b"exe", Entry::File(PidFile::Exe)),
    (b"mounts", Entry::File(PidFile::Mounts)),
    (b"mountinfo", Entry::File(PidFile::MountInfo)),
    (b"smaps_rollup", Entry::File(PidFile::SmapsRollup)),
];

fn entries(task: Task) -> &'static [(&'static [u8], Entry)] {
    if task.tid.is_some() {
        &ENTRIES[1..]
    } else {
        &ENTRIES
    }
}

fn entry_node(task: Task, e: Entry) -> Node {
    match e {
        Entry::Tasks => Node::TaskDir(task.pid),
        Entry::Fd => Node::FdDir(task),
        Entry::FdInfo => Node::FdInfoDir(task),
        Entry::File(f) => Node::PidFile(task, f),
    }
}

fn entry_ino(task: Task, e: Entry) -> u64 {
    let idx = ENTRIES.iter().position(|(_, x)| *x == e).unwrap_or(0);
    task.ino(InoKind::Entry, 1 + idx as u64)
}

/// Inode numbers of the per-process nodes.
pub(crate) fn ino(node: Node) -> u64 {
    match node {
        Node::PidDir(t) => t.ino(InoKind::Entry, 0),
        Node::TaskDir(pid) => entry_ino(Task { pid, tid: None }, Entry::Tasks),
        Node::PidFile(t, f) => entry_ino(t, Entry::File(f)),
        Node::FdDir(t) => entry_ino(t, Entry::Fd),
        Node::FdInfoDir(t) => entry_ino(t, Entry::FdInfo),
        Node::Fd(t, fd) => t.ino(InoKind::Fd, fd.into()),
        Node::FdInfo(t, fd) => t.ino(InoKind::FdInfo, fd.into()),
        _ => 0,
    }
}

/// `name_to_int`: a decimal number without sign or leading zeros, below about 4.29e8.
pub(crate) fn name_to_int(name: &[u8]) -> Option<u32> {
    if name.is_empty() || (name.len() > 1 && name[0] == b'0') {
        return None;
    }
    let mut n: u32 = 0;
    for &c in name {
        if !c.is_ascii_digit() || n >= (u32::MAX - 9) / 10 {
            return None;
        }
        n = n * 10 + u32::from(c - b'0');
    }
    Some(n)
}

/// `task_dump_owner` for a node of this `mode`.
pub(crate) fn owner(info: Option<&ProcessInfo>, mode: u32) -> (u32, u32) {
    match info {
        Some(i) if !i.kthread => {
            let base_dir = mode == S_IFDIR | 0o555;
            if base_dir || (i.mm.is_some() && i.dumpable) {
                (i.uid.effective, i.gid.effective)
            } else {
                (0, 0)
            }
        }
        _ => (0, 0),
    }
}

pub(crate) fn attrs(fs: &ProcFs, node: Node) -> Attrs {
    let (task, mode, nlink) = match node {
        // 2 + the subdirectories: task, fd, fdinfo (a thread has no task).
        Node::PidDir(t) => (t, S_IFDIR | 0o555, if t.tid.is_some() { 4 } else { 5 }),
        Node::TaskDir(pid) => (Task { pid, tid: None }, S_IFDIR | 0o555, 2),
        Node::PidFile(t, f) => (t, f.mode(), 1),
        Node::FdDir(t) => (t, S_IFDIR | 0o500, 2),
        Node::FdInfoDir(t) => (t, S_IFDIR | 0o555, 2),
        _ => return Attrs::default(),
    };
    let info = task.info(fs);
    let (uid, gid) = owner(info.as_ref(), mode);
    let nlink = match (node, &info) {
        (Node::TaskDir(_), Some(i)) => nlink + i.num_threads,
        _ => nlink,
    };
    Attrs {
        mode,
        uid,
        gid,
        nlink,
        size: 0,
    }
}

pub(crate) fn lookup(fs: &ProcFs, task: Task, name: &[u8]) -> SysResult<Node> {
    task.info(fs).ok_or(Errno::ENOENT)?;
    entries(task)
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, e)| entry_node(task, e))
        .ok_or(Errno::ENOENT)
}

pub(crate) fn readdir(fs: &ProcFs, task: Task, pos: u64, sink: &mut dyn DirSink) -> SysResult<()> {
    task.info(fs).ok_or(Errno::ENOENT)?;
    let dir = Node::PidDir(task);
    let Some(pos) = emit_dots(pos, sink, dir.ino(), dir.parent_ino()) else {
        return Ok(());
    };
    for (i, &(name, e)) in entries(task).iter().enumerate() {
        let cookie = 2 + i as u64;
        let node = entry_node(task, e);
        if cookie >= pos && !sink.push(node.ino(), cookie + 1, node.file_type().dirent_type(), name)
        {
            break;
        }
    }
    Ok(())
}

/// `task/<tid>`: a thread of `pid`.
pub(crate) fn lookup_thread(fs: &ProcFs, pid: u32, name: &[u8]) -> SysResult<Node> {
    let tid = name_to_int(name).ok_or(Errno::ENOENT)?;
    if !fs.provider.tids(pid).contains(&tid) || fs.provider.thread(pid, tid).is_none() {
        return Err(Errno::ENOENT);
    }
    Ok(Node::PidDir(Task {
        pid,
        tid: Some(tid),
    }))
}

/// `task/`: one directory per thread, at position `tid + 2`.
pub(crate) fn readdir_threads(
    fs: &ProcFs,
    pid: u32,
    pos: u64,
    sink: &mut dyn DirSink,
) -> SysResult<()> {
    fs.provider.process(pid).ok_or(Errno::ENOENT)?;
    let dir = Node::TaskDir(pid);
    let Some(pos) = emit_dots(pos, sink, dir.ino(), dir.parent_ino()) else {
        return Ok(());
    };
    let mut tids: Vec<u32> = fs
        .provider
        .tids(pid)
        .into_iter()
        .filter(|&t| t != 0 && u64::from(t) + 2 >= pos)
        .collect();
    tids.sort_unstable();
    tids.dedup();
    for tid in tids {
        let node = Node::PidDir(Task {
            pid,
            tid: Some(tid),
        });
        let name = alloc::format!("{tid}");
        let next = u64::from(tid) + 3;
        if !sink.push(
            node.ino(),
            next,
            FileType::Directory.dirent_type(),
            name.as_bytes(),
        ) {
            break;
        }
    }
    Ok(())
}

/// `__ptrace_may_access` for reading: same process, or matching real, effective and saved
/// ids against the reader's filesystem ids, or `CAP_SYS_PTRACE`; a non-dumpable target needs
/// the capability.
pub(crate) fn ptrace_allowed(caller: &ProcessInfo, target: &ProcessInfo) -> bool {
    const CAP_SYS_PTRACE: u32 = 19;
    if caller.tgid == target.tgid {
        return true;
    }
    let privileged = caller.uid.effective == 0 || caller.caps.effective >> CAP_SYS_PTRACE & 1 == 1;
    let (u, g) = (caller.uid.fs, caller.gid.fs);
    let same_user = [target.uid.real, target.uid.effective, target.uid.saved]
        .iter()
        .all(|&x| x == u)
        && [target.gid.real, target.gid.effective, target.gid.saved]
            .iter()
            .all(|&x| x == g);
    if !same_user && !privileged {
        return false;
    }
    target.mm.is_none() || target.dumpable || privileged
}

/// Whether the calling task may ptrace-read `target` (kernel context may).
pub(crate) fn may_ptrace(fs: &ProcFs, target: &ProcessInfo) -> bool {
    let current = fs.provider.current_pid();
    if current == 0 || current == target.tgid {
        return true;
    }
    fs.provider
        .process(current)
        .is_some_and(|caller| ptrace_allowed(&caller, target))
}

/// `ESRCH` for a vanished task, `EACCES` for a reader that may not ptrace it.
pub(crate) fn check_ptrace(fs: &ProcFs, task: Task) -> SysResult<()> {
    let info = task.info(fs).ok_or(Errno::ESRCH)?;
    if may_ptrace(fs, &info) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// `proc_mem_open`: the memory of a process with an address space needs ptrace-read access.
pub(crate) fn check_mm_access(fs: &ProcFs, task: Task) -> SysResult<()> {
    let info = task.info(fs).ok_or(Errno::ESRCH)?;
    if info.mm.is_none() || may_ptrace(fs, &info) {
        Ok(())
    } else {
        Err(Errno::EACCES)
    }
}

/// The root the calling task sees paths from; the namespace top of `near` when it has none.
pub(crate) fn reader_root(fs: &ProcFs, near: &Path) -> Path {
    let current = fs.provider.current_tid();
    (current != 0)
        .then(|| fs.provider.paths(current))
        .flatten()
        .map_or_else(|| namespace_root(near), |p| p.root)
}

/// Where `cwd`, `root` or `exe` lead (`proc_pid_get_link`).
fn link_path(fs: &ProcFs, task: Task, f: PidFile) -> SysResult<Path> {
    let info = task.info(fs).ok_or(Errno::ENOENT)?;
    if !may_ptrace(fs, &info) {
        return Err(Errno::EACCES);
    }
    let paths = fs.provider.paths(task.id()).ok_or(Errno::ENOENT)?;
    match f {
        PidFile::Cwd => Ok(paths.cwd),
        PidFile::Root => Ok(paths.root),
        PidFile::Exe => paths.exe.ok_or(Errno::ENOENT),
        _ => Err(Errno::EINVAL),
    }
}

pub(crate) fn readlink(fs: &ProcFs, task: Task, f: PidFile) -> SysResult<Vec<u8>> {
    let path = link_path(fs, task, f)?;
    Ok(d_path(&path, &reader_root(fs, &path)))
}

pub(crate) fn get_link(fs: &ProcFs, task: Task, f: PidFile) -> SysResult<LinkTarget> {
    link_path(fs, task, f).map(LinkTarget::Jump)
}

/// The contents of a per-process file, as of now.
pub(crate) fn generate(fs: &ProcFs, task: Task, f: PidFile) -> SysResult<Vec<u8>> {
    let info = task.info(fs).ok_or(Errno::ESRCH)?;
    let p = &fs.provider;
    Ok(match f {
        PidFile::Status => array::status(&info, p.nr_cpu_ids()),
        PidFile::Stat => array::stat(&info, task.tid.is_none(), may_ptrace(fs, &info)),
        PidFile::Statm => array::statm(&info),
        PidFile::Comm => {
            let mut text = array::raw_comm(&info.comm).to_vec();
            text.push(b'\n');
            text
        }
        PidFile::Cmdline => p.cmdline(info.tgid),
        PidFile::Environ => p.environ(info.tgid),
        PidFile::Maps => {
            let mut root: Option<Path> = None;
            task_mmu::maps(&p.maps(info.tgid), &mut |path| {
                d_path(path, root.get_or_insert_with(|| reader_root(fs, path)))
            })
        }
        PidFile::SmapsRollup => task_mmu::smaps_rollup(&p.maps(info.tgid)),
        PidFile::Mounts | PidFile::MountInfo => {
            let root = p.paths(task.id()).ok_or(Errno::ENOENT)?.root;
            if f == PidFile::Mounts {
                mounts::mounts(fs, &root)
            } else {
                mounts::mountinfo(fs, &root)
            }
        }
        PidFile::Cwd | PidFile::Root | PidFile::Exe => return Err(Errno::EINVAL),
    })
}

/// `comm_write`: up to 15 bytes, only from inside the same process.
pub(crate) fn write_comm(fs: &ProcFs, task: Task, src: &dyn WriteSrc) -> SysResult<usize> {
    let count = src.src_len();
    let mut buf = [0u8; 15];
    let n = count.min(buf.len());
    src.copy_in(0, &mut buf[..n]).map_err(|_| Errno::EFAULT)?;
    let info = task.info(fs).ok_or(Errno::ESRCH)?;
    if fs.provider.current_pid() != info.tgid {
        return Err(Errno::EINVAL);
    }
    let end = buf[..n].iter().position(|&c| c == 0).unwrap_or(n);
    fs.provider.set_comm(info.tid, &buf[..end])?;
    Ok(count)
}
