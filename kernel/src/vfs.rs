//! Glue between syscalls and the `fs` crate: user buffers as transfer ends, path resolution in the
//! caller's context (root, cwd, dirfd, credentials), the clock, and the initial console fds.

use alloc::sync::Arc;

use fs::vfs::{Caller, Fault, Inode, Path, ReadDest, WriteSrc};
use linux_abi::{Errno, SysResult};

use crate::arch::usercopy::{check_user_range, copy_from_user_partial, copy_to_user_partial};
use crate::process::Thread;

/// A user buffer `[addr, addr + len)`; copies fault-recover and report how far they got.
pub struct UserBuf {
    pub addr: u64,
    pub len: usize,
}

impl UserBuf {
    /// Checks the range lies in the user half (an access can still fault later: that is EFAULT or
    /// a short count, decided by the transfer).
    pub fn new(addr: u64, len: usize) -> SysResult<Self> {
        check_user_range(addr, len)?;
        Ok(UserBuf { addr, len })
    }
}

impl ReadDest for UserBuf {
    fn dest_len(&self) -> usize {
        self.len
    }

    fn copy_out(&mut self, at: usize, src: &[u8]) -> Result<(), Fault> {
        match copy_to_user_partial(self.addr + at as u64, src) {
            Ok(n) if n == src.len() => Ok(()),
            Ok(n) => Err(Fault { done: n }),
            Err(_) => Err(Fault { done: 0 }),
        }
    }
}

impl WriteSrc for UserBuf {
    fn src_len(&self) -> usize {
        self.len
    }

    fn copy_in(&self, at: usize, dst: &mut [u8]) -> Result<(), Fault> {
        match copy_from_user_partial(dst, self.addr + at as u64) {
            Ok(n) if n == dst.len() => Ok(()),
            Ok(n) => Err(Fault { done: n }),
            Err(_) => Err(Fault { done: 0 }),
        }
    }
}

/// A file's pages for a private file mapping (ELF segments, mmap MAP_PRIVATE).
pub struct InodePages(pub Arc<dyn Inode>);

impl crate::mm::address_space::PageSource for InodePages {
    fn read_page(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
        read_inode(&*self.0, offset, buf)
    }
}

/// Reads up to `buf.len()` bytes at `offset`, looping over short reads; returns bytes read.
pub fn read_inode(inode: &dyn Inode, offset: u64, buf: &mut [u8]) -> SysResult<usize> {
    let mut done = 0;
    while done < buf.len() {
        let n = inode.read_at(offset + done as u64, &mut &mut buf[done..])?;
        if n == 0 {
            break;
        }
        done += n;
    }
    Ok(done)
}

/// Runs `f` with the caller's path-resolution context.
pub fn with_caller<R>(t: &Thread, f: impl FnOnce(&Caller, &Path, &Path) -> R) -> R {
    let (root, cwd, umask) = {
        let fsctx = t.process.fs.lock();
        (fsctx.root.clone(), fsctx.cwd.clone(), fsctx.umask)
    };
    let creds = t.process.creds.lock().fs_creds();
    let mut cx = Caller::new(&root, &creds);
    cx.umask = umask;
    f(&cx, &root, &cwd)
}

/// Where a relative path starts for an *at() call: the cwd for AT_FDCWD, else the directory `dirfd`.
pub fn start_dir(t: &Thread, dirfd: i32, path: &[u8]) -> SysResult<Option<Path>> {
    if path.first() == Some(&b'/') || dirfd == linux_abi::uapi::fcntl::AT_FDCWD {
        return Ok(None);
    }
    let file = t.process.files().lock().get(dirfd)?;
    let p = file.path().clone();
    if !p.metadata().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(Some(p))
}

/// Resolves `path` relative to `dirfd` (or the cwd).
pub fn resolve_at(t: &Thread, dirfd: i32, path: &[u8], follow: bool) -> SysResult<Path> {
    let start = start_dir(t, dirfd, path)?;
    with_caller(t, |cx, _root, cwd| fs::vfs::lookup(cx, start.as_ref().unwrap_or(cwd), path, follow))
}

/// Resolves a program for execve: a regular file the caller may execute.
pub fn lookup_for_exec(t: &Thread, path: &[u8]) -> SysResult<Path> {
    let start = start_dir(t, linux_abi::uapi::fcntl::AT_FDCWD, path)?;
    let file = with_caller(t, |cx, _root, cwd| fs::vfs::open_exec(cx, start.as_ref().unwrap_or(cwd), path))?;
    Ok(file.path().clone())
}

/// File timestamps are CLOCK_REALTIME.
/// The checks execve makes on a resolved program: a regular file on an exec-allowed mount that
/// the caller may execute.
pub fn check_exec(t: &Thread, p: &Path) -> SysResult<()> {
    let meta = p.metadata();
    if meta.file_type() != Some(fs::vfs::FileType::Regular) || p.mnt.flags() & fs::vfs::mount::MNT_NOEXEC != 0 {
        return Err(Errno::EACCES);
    }
    let creds = t.process.creds.lock().fs_creds();
    fs::vfs::generic_permission(&meta, &creds, fs::vfs::MAY_EXEC)
}

fn now() -> fs::vfs::Timespec {
    let ns = crate::time::realtime_ns();
    fs::vfs::Timespec::new(ns.div_euclid(1_000_000_000), ns.rem_euclid(1_000_000_000) as u32)
}

pub fn init_clock() {
    fs::clock::set_clock(now);
}

/// Opens /dev/console of the initial rootfs as fds 0, 1 and 2 of init (console_on_rootfs).
pub fn open_console(t: &Arc<Thread>, rootfs: &Path) {
    let opened = with_caller(t, |cx, _, _| fs::vfs::open(cx, rootfs, b"/dev/console", fs::vfs::O_RDWR, 0));
    let file = match opened {
        Ok(f) => f,
        Err(e) => {
            log::warn!("Warning: unable to open an initial console ({:?})", e);
            return;
        }
    };
    let table = t.process.files();
    let mut files = table.lock();
    for _ in 0..3 {
        let _ = files.insert_from(0, 3, crate::process::fdtable::FdEntry { file: file.clone(), cloexec: false });
    }
}
