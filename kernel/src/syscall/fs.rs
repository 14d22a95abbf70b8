//! File syscalls: open/close, read/write and their vector and positional forms, lseek, the stat
//! family, getdents64, ioctl, fcntl, dup*, getcwd/chdir, readlink, access.

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::vfs::{DirSink, Metadata, OpenFile, Path};
use linux_abi::uapi::dirent::write_dirent64;
use linux_abi::uapi::fcntl::*;
use fs::vfs::{O_APPEND, O_CLOEXEC, O_NONBLOCK};
use linux_abi::uapi::stat::*;
use linux_abi::uapi::uio::{IoVec, UIO_MAXIOV};
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::mm::user;
use crate::process::fdtable::FdEntry;
use crate::process::{Thread, current};
use crate::vfs::{UserBuf, resolve_at, start_dir, with_caller};

/// Largest single transfer (MAX_RW_COUNT).
const MAX_RW_COUNT: u64 = 0x7fff_f000;
const PATH_MAX: usize = 4096;
/// ioctls every file understands (do_vfs_ioctl).
const FIOCLEX: u32 = 0x5451;
const FIONCLEX: u32 = 0x5450;
const FIONBIO: u32 = 0x5421;
const FIONREAD: u32 = 0x541b;

fn file(fd: u64) -> SysResult<Arc<OpenFile>> {
    current().process.files().lock().get(fd as i32)
}

fn path_arg(addr: u64) -> SysResult<Vec<u8>> {
    user::read_cstr(addr, PATH_MAX - 1, Errno::ENAMETOOLONG)
}

pub(super) fn nofile_limit(t: &Thread) -> usize {
    let l = t.process.limits.lock().get(linux_abi::uapi::resource::RLIMIT_NOFILE);
    l.map_or(1024, |l| l.cur.min(1 << 20) as usize)
}

fn install(t: &Thread, file: Arc<OpenFile>, cloexec: bool, min: usize) -> SysResult<usize> {
    let limit = nofile_limit(t);
    t.process.files().lock().insert_from(min, limit, FdEntry { file, cloexec }).map(|fd| fd as usize)
}

fn do_openat(dirfd: i32, path: u64, flags: u32, mode: u32) -> SysResult<usize> {
    let t = current();
    let path = path_arg(path)?;
    // open(2) ignores unknown flag bits (only openat2 rejects them).
    let flags = flags & VALID_OPEN_FLAGS;
    let start = start_dir(t, dirfd, &path)?;
    let file = with_caller(t, |cx, _root, cwd| fs::vfs::open(cx, start.as_ref().unwrap_or(cwd), &path, flags, mode))?;
    install(t, file, flags & O_CLOEXEC != 0, 0)
}

pub fn sys_open(f: &mut TrapFrame) -> SysResult<usize> {
    do_openat(AT_FDCWD, f.arg(0), f.arg(1) as u32, f.arg(2) as u32)
}

pub fn sys_openat(f: &mut TrapFrame) -> SysResult<usize> {
    do_openat(f.arg(0) as i32, f.arg(1), f.arg(2) as u32, f.arg(3) as u32)
}

pub fn sys_close(f: &mut TrapFrame) -> SysResult<usize> {
    let t = current();
    let entry = t.process.files().lock().remove(f.arg(0) as i32)?;
    // Closing any descriptor of a file drops the process's record locks on it (POSIX).
    crate::locks::release_process_locks(entry.file.inode(), t.process.pid);
    drop(entry);
    Ok(0)
}

fn is_regular(file: &OpenFile) -> bool {
    file.metadata().file_type() == Some(fs::vfs::FileType::Regular)
}

/// Reads of a file see what shared mappings wrote to it (see `mm::pagecache`).
fn before_read(file: &OpenFile) {
    if is_regular(file) {
        crate::mm::pagecache::before_read(file.inode());
    }
}

/// Shared mappings see what a write put in the file; `offset` None: the write ended at the
/// file position.
fn after_write(file: &OpenFile, offset: Option<i64>, n: usize) {
    if is_regular(file) && n > 0 {
        let at = offset.map_or(file.pos().saturating_sub(n as u64), |o| o as u64);
        crate::mm::pagecache::after_write(file.inode(), at, n as u64);
    }
}

pub fn sys_read(f: &mut TrapFrame) -> SysResult<usize> {
    let file = file(f.arg(0))?;
    before_read(&file);
    file.read(&mut UserBuf::new(f.arg(1), f.arg(2).min(MAX_RW_COUNT) as usize)?)
}

/// RLIMIT_FSIZE (Linux's generic_write_check_limits): how many of `len` bytes a write at
/// `offset` (None: the file position) may store in a regular file. One starting at or past the
/// limit fails with EFBIG after SIGXFSZ; one crossing it is cut short.
pub fn fsize_allowed(file: &OpenFile, offset: Option<i64>, len: usize) -> SysResult<usize> {
    use linux_abi::uapi::resource::{RLIM_INFINITY, RLIMIT_FSIZE};
    let meta = file.metadata();
    if len == 0 || file.ops().is_some() || meta.file_type() != Some(fs::vfs::FileType::Regular) {
        return Ok(len);
    }
    let limit = current().process.limits.lock().get(RLIMIT_FSIZE).map_or(RLIM_INFINITY, |l| l.cur);
    if limit == RLIM_INFINITY {
        return Ok(len);
    }
    // O_APPEND writes at the end, pwrite included (as Linux).
    let pos = match offset {
        _ if file.flags() & O_APPEND != 0 => meta.size,
        Some(o) => o.max(0) as u64,
        None => file.pos(),
    };
    if pos >= limit {
        file_too_big();
        return Err(Errno::EFBIG);
    }
    Ok(len.min((limit - pos).min(usize::MAX as u64) as usize))
}

/// SIGXFSZ to the caller's process (send_sig(SIGXFSZ, current, 0)).
pub fn file_too_big() {
    use linux_abi::uapi::signal::SIGXFSZ;
    let p = current().process.clone();
    let uid = p.creds.lock().uid;
    let pid = p.pid as i32;
    crate::process::signal::send_to_process(&p, SIGXFSZ, linux_abi::uapi::siginfo::SigInfo::kill(SIGXFSZ, 0, pid, uid));
}

pub fn sys_write(f: &mut TrapFrame) -> SysResult<usize> {
    let file = file(f.arg(0))?;
    let len = fsize_allowed(&file, None, f.arg(2).min(MAX_RW_COUNT) as usize)?;
    let n = file.write(&UserBuf::new(f.arg(1), len)?)?;
    after_write(&file, None, n);
    Ok(n)
}

pub fn sys_pread64(f: &mut TrapFrame) -> SysResult<usize> {
    let file = file(f.arg(0))?;
    before_read(&file);
    file.pread(&mut UserBuf::new(f.arg(1), f.arg(2).min(MAX_RW_COUNT) as usize)?, f.arg(3) as i64)
}

pub fn sys_pwrite64(f: &mut TrapFrame) -> SysResult<usize> {
    let file = file(f.arg(0))?;
    // A negative offset is EINVAL before any limit.
    let len = if (f.arg(3) as i64) < 0 { f.arg(2) as usize } else { fsize_allowed(&file, Some(f.arg(3) as i64), f.arg(2).min(MAX_RW_COUNT) as usize)? };
    let n = file.pwrite(&UserBuf::new(f.arg(1), len)?, f.arg(3) as i64)?;
    after_write(&file, Some(f.arg(3) as i64), n);
    Ok(n)
}

/// Reads and validates an iovec array (rw_copy_check_uvector): at most UIO_MAXIOV entries, no
/// negative lengths; the total is clamped to MAX_RW_COUNT by shortening the tail.
fn iovecs(addr: u64, count: u64) -> SysResult<Vec<UserBuf>> {
    if count > UIO_MAXIOV as u64 {
        return Err(Errno::EINVAL);
    }
    let mut out = Vec::with_capacity(count as usize);
    let mut total = 0u64;
    for i in 0..count {
        let iov: IoVec = user::read(addr + i * size_of::<IoVec>() as u64)?;
        if iov.iov_len > isize::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        let len = iov.iov_len.min(MAX_RW_COUNT - total);
        total += len;
        out.push(UserBuf::new(iov.iov_base, len as usize)?);
    }
    Ok(out)
}

/// Vectored read: one buffer after another until a short transfer; `offset` for the p* forms.
fn do_readv(fd: u64, iov: u64, count: u64, offset: Option<i64>) -> SysResult<usize> {
    let file = file(fd)?;
    before_read(&file);
    let mut done = 0;
    for mut buf in iovecs(iov, count)? {
        let want = buf.len;
        let r = match offset {
            Some(o) => file.pread(&mut buf, o.saturating_add(done as i64)),
            None => file.read(&mut buf),
        };
        match r {
            Ok(n) => {
                done += n;
                if n < want {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

fn do_writev(fd: u64, iov: u64, count: u64, offset: Option<i64>) -> SysResult<usize> {
    let file = file(fd)?;
    let done = writev_into(&file, iov, count, offset)?;
    after_write(&file, offset, done);
    Ok(done)
}

fn writev_into(file: &OpenFile, iov: u64, count: u64, offset: Option<i64>) -> SysResult<usize> {
    let mut done = 0;
    for buf in iovecs(iov, count)? {
        let at = offset.map(|o| o.saturating_add(done as i64));
        let allowed = match fsize_allowed(file, at, buf.len) {
            Ok(n) => n,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        let buf = UserBuf { addr: buf.addr, len: allowed };
        let r = match offset {
            Some(o) => file.pwrite(&buf, o.saturating_add(done as i64)),
            None => file.write(&buf),
        };
        match r {
            Ok(n) => {
                done += n;
                if n < buf.len {
                    break;
                }
            }
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(done)
}

pub fn sys_readv(f: &mut TrapFrame) -> SysResult<usize> {
    do_readv(f.arg(0), f.arg(1), f.arg(2), None)
}

pub fn sys_writev(f: &mut TrapFrame) -> SysResult<usize> {
    do_writev(f.arg(0), f.arg(1), f.arg(2), None)
}

pub fn sys_preadv(f: &mut TrapFrame) -> SysResult<usize> {
    do_readv(f.arg(0), f.arg(1), f.arg(2), Some(f.arg(3) as i64))
}

pub fn sys_pwritev(f: &mut TrapFrame) -> SysResult<usize> {
    do_writev(f.arg(0), f.arg(1), f.arg(2), Some(f.arg(3) as i64))
}

/// RWF_HIPRI, RWF_DSYNC, RWF_SYNC: a polling hint and sync requests, which in-memory files
/// satisfy already. RWF_NOWAIT, RWF_APPEND and later flags are not implemented.
const RWF_SUPPORTED: u64 = 0x1 | 0x2 | 0x4;

fn rwf_offset(f: &TrapFrame) -> SysResult<Option<i64>> {
    if f.arg(5) & !RWF_SUPPORTED != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    // An offset of -1 means "the file position", as read/write.
    let off = f.arg(3) as i64;
    Ok((off != -1).then_some(off))
}

pub fn sys_preadv2(f: &mut TrapFrame) -> SysResult<usize> {
    let off = rwf_offset(f)?;
    do_readv(f.arg(0), f.arg(1), f.arg(2), off)
}

pub fn sys_pwritev2(f: &mut TrapFrame) -> SysResult<usize> {
    let off = rwf_offset(f)?;
    do_writev(f.arg(0), f.arg(1), f.arg(2), off)
}

pub fn sys_lseek(f: &mut TrapFrame) -> SysResult<usize> {
    file(f.arg(0))?.lseek(f.arg(1) as i64, f.arg(2) as u32).map(|p| p as usize)
}

fn stat_of(m: &Metadata) -> Stat {
    Stat {
        st_dev: m.dev,
        st_ino: m.ino,
        st_nlink: m.nlink as u64,
        st_mode: m.mode,
        st_uid: m.uid,
        st_gid: m.gid,
        st_rdev: m.rdev,
        st_size: m.size as i64,
        st_blksize: m.blksize as i64,
        st_blocks: m.blocks as i64,
        st_atime: m.atime.sec as u64,
        st_atime_nsec: m.atime.nsec as u64,
        st_mtime: m.mtime.sec as u64,
        st_mtime_nsec: m.mtime.nsec as u64,
        st_ctime: m.ctime.sec as u64,
        st_ctime_nsec: m.ctime.nsec as u64,
        ..Default::default()
    }
}

/// The object an *at() call names: `dirfd` itself when `empty_path` (AT_EMPTY_PATH) is set and the
/// path is "", else a path lookup (following a final symlink if `follow`).
pub(super) fn stat_target_with(dirfd: i32, path_addr: u64, empty_path: u32, follow: bool) -> SysResult<Path> {
    let t = current();
    let path = match path_arg(path_addr) {
        Ok(p) => p,
        Err(Errno::EFAULT) if path_addr == 0 && empty_path != 0 => Vec::new(),
        Err(e) => return Err(e),
    };
    if path.is_empty() && empty_path != 0 {
        if dirfd == AT_FDCWD {
            return Ok(t.process.fs.lock().cwd.clone());
        }
        return Ok(t.process.files().lock().get(dirfd)?.path().clone());
    }
    resolve_at(t, dirfd, &path, follow)
}

fn stat_target(dirfd: i32, path_addr: u64, flags: u32) -> SysResult<Path> {
    let follow = flags & AtFlags::SYMLINK_NOFOLLOW.bits() == 0;
    stat_target_with(dirfd, path_addr, flags & AtFlags::EMPTY_PATH.bits(), follow)
}

fn write_stat(addr: u64, m: &Metadata) -> SysResult<usize> {
    user::write(addr, &stat_of(m))?;
    Ok(0)
}

pub fn sys_stat(f: &mut TrapFrame) -> SysResult<usize> {
    write_stat(f.arg(1), &stat_target(AT_FDCWD, f.arg(0), 0)?.metadata())
}

pub fn sys_lstat(f: &mut TrapFrame) -> SysResult<usize> {
    write_stat(f.arg(1), &stat_target(AT_FDCWD, f.arg(0), AtFlags::SYMLINK_NOFOLLOW.bits())?.metadata())
}

pub fn sys_fstat(f: &mut TrapFrame) -> SysResult<usize> {
    write_stat(f.arg(1), &file(f.arg(0))?.metadata())
}

pub fn sys_newfstatat(f: &mut TrapFrame) -> SysResult<usize> {
    let flags = f.arg(3) as u32;
    let known = AtFlags::SYMLINK_NOFOLLOW | AtFlags::NO_AUTOMOUNT | AtFlags::EMPTY_PATH;
    super::check_flags(flags as u64, known.bits() as u64)?;
    write_stat(f.arg(2), &stat_target(f.arg(0) as i32, f.arg(1), flags)?.metadata())
}

pub fn sys_statx(f: &mut TrapFrame) -> SysResult<usize> {
    let (dirfd, path, flags, mask, buf) = (f.arg(0) as i32, f.arg(1), f.arg(2) as u32, f.arg(3) as u32, f.arg(4));
    let known = AtFlags::SYMLINK_NOFOLLOW | AtFlags::NO_AUTOMOUNT | AtFlags::EMPTY_PATH;
    super::check_flags(flags as u64, (known.bits() | AT_STATX_SYNC_TYPE) as u64)?;
    if flags & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE || mask & STATX__RESERVED != 0 {
        return Err(Errno::EINVAL);
    }
    let target = stat_target(dirfd, path, flags)?;
    let m = target.metadata();
    let ts = |t: fs::vfs::Timespec| StatxTimestamp { tv_sec: t.sec, tv_nsec: t.nsec, __reserved: 0 };
    let mut sx = Statx {
        stx_mask: STATX_BASIC_STATS | STATX_MNT_ID,
        stx_blksize: m.blksize,
        stx_nlink: m.nlink,
        stx_uid: m.uid,
        stx_gid: m.gid,
        stx_mode: m.mode as u16,
        stx_ino: m.ino,
        stx_size: m.size,
        stx_blocks: m.blocks,
        stx_attributes_mask: STATX_ATTR_MOUNT_ROOT,
        stx_atime: ts(m.atime),
        stx_ctime: ts(m.ctime),
        stx_mtime: ts(m.mtime),
        stx_rdev_major: fs::vfs::major(m.rdev),
        stx_rdev_minor: fs::vfs::minor(m.rdev),
        stx_dev_major: fs::vfs::major(m.dev),
        stx_dev_minor: fs::vfs::minor(m.dev),
        stx_mnt_id: target.mnt.id(),
        ..Default::default()
    };
    if let Some(b) = m.btime {
        sx.stx_btime = ts(b);
        sx.stx_mask |= STATX_BTIME;
    }
    if target.is_mount_root() {
        sx.stx_attributes |= STATX_ATTR_MOUNT_ROOT;
    }
    user::write(buf, &sx)?;
    Ok(0)
}

/// Formats directory entries straight into the user buffer.
struct UserDirents {
    addr: u64,
    len: usize,
    used: usize,
    fault: bool,
    /// An entry did not fit: with nothing written yet that is EINVAL (filldir64).
    too_small: bool,
}

impl DirSink for UserDirents {
    fn push(&mut self, ino: u64, next: u64, dtype: u8, name: &[u8]) -> bool {
        let mut rec = [0u8; 24 + 256];
        let room = (self.len - self.used).min(rec.len());
        let Some(n) = write_dirent64(&mut rec[..room], ino, next as i64, dtype, name) else {
            self.too_small = true;
            return false;
        };
        if user::copy_to_user(self.addr + self.used as u64, &rec[..n]).is_err() {
            self.fault = true;
            return false;
        }
        self.used += n;
        true
    }
}

pub fn sys_getdents64(f: &mut TrapFrame) -> SysResult<usize> {
    let file = file(f.arg(0))?;
    let len = f.arg(2).min(MAX_RW_COUNT) as usize;
    let buf = UserBuf::new(f.arg(1), len)?;
    let mut sink = UserDirents { addr: buf.addr, len, used: 0, fault: false, too_small: false };
    file.getdents(&mut sink)?;
    if sink.fault {
        return Err(Errno::EFAULT);
    }
    if sink.used == 0 && sink.too_small {
        return Err(Errno::EINVAL);
    }
    Ok(sink.used)
}

pub fn sys_ioctl(f: &mut TrapFrame) -> SysResult<usize> {
    let (fd, cmd, arg) = (f.arg(0) as i32, f.arg(1) as u32, f.arg(2));
    let t = current();
    match cmd {
        FIOCLEX | FIONCLEX => {
            t.process.files().lock().entry_mut(fd)?.cloexec = cmd == FIOCLEX;
            Ok(0)
        }
        FIONBIO => {
            let file = t.process.files().lock().get(fd)?;
            let on: i32 = user::read(arg)?;
            let flags = if on != 0 { file.flags() | O_NONBLOCK } else { file.flags() & !O_NONBLOCK };
            file.set_status_flags(flags, &t.process.creds.lock().fs_creds())?;
            Ok(0)
        }
        _ => {
            let file = t.process.files().lock().get(fd)?;
            // Regular files answer FIONREAD themselves (Linux's do_vfs_ioctl): the bytes left
            // after the file position.
            if cmd == FIONREAD && file.ops().is_none() && file.metadata().file_type() == Some(fs::vfs::FileType::Regular) {
                let left = file.metadata().size.saturating_sub(file.pos()).min(i32::MAX as u64) as i32;
                user::write(arg, &left)?;
                return Ok(0);
            }
            file.ioctl(cmd, arg as usize)
        }
    }
}

pub fn sys_fcntl(f: &mut TrapFrame) -> SysResult<usize> {
    let (fd, cmd, arg) = (f.arg(0) as i32, f.arg(1) as u32, f.arg(2));
    let t = current();
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let file = t.process.files().lock().get(fd)?;
            if arg >= nofile_limit(t) as u64 {
                return Err(Errno::EINVAL);
            }
            install(t, file, cmd == F_DUPFD_CLOEXEC, arg as usize)
        }
        F_GETFD => Ok(t.process.files().lock().entry(fd)?.cloexec as usize),
        F_SETFD => {
            t.process.files().lock().entry_mut(fd)?.cloexec = arg & FD_CLOEXEC as u64 != 0;
            Ok(0)
        }
        F_GETFL => Ok(t.process.files().lock().get(fd)?.flags() as usize),
        F_SETFL => {
            let file = t.process.files().lock().get(fd)?;
            file.set_status_flags(arg as u32, &t.process.creds.lock().fs_creds())?;
            Ok(0)
        }
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => super::lock::fcntl_lock(fd, cmd, arg),
        F_GETPIPE_SZ | F_SETPIPE_SZ => {
            let file = t.process.files().lock().get(fd)?;
            let privileged = t.process.creds.lock().euid == 0;
            crate::pipe::fcntl(&file, (cmd == F_SETPIPE_SZ).then_some(arg), privileged)
        }
        _ => {
            // Validate the fd first, as Linux does, then refuse what is not implemented.
            t.process.files().lock().get(fd)?;
            Err(Errno::EINVAL)
        }
    }
}

pub fn sys_dup(f: &mut TrapFrame) -> SysResult<usize> {
    let t = current();
    let file = t.process.files().lock().get(f.arg(0) as i32)?;
    install(t, file, false, 0)
}

fn do_dup3(old: i32, new: i32, cloexec: bool) -> SysResult<usize> {
    let t = current();
    if new < 0 || new as usize >= nofile_limit(t) {
        return Err(Errno::EBADF);
    }
    let table = t.process.files();
    let mut files = table.lock();
    let file = files.get(old)?;
    let replaced = files.replace(new as usize, FdEntry { file, cloexec });
    drop(files);
    drop(replaced);
    Ok(new as usize)
}

pub fn sys_dup2(f: &mut TrapFrame) -> SysResult<usize> {
    let (old, new) = (f.arg(0) as i32, f.arg(1) as i32);
    if old == new {
        current().process.files().lock().get(old)?;
        return Ok(new as usize);
    }
    do_dup3(old, new, false)
}

pub fn sys_dup3(f: &mut TrapFrame) -> SysResult<usize> {
    let (old, new, flags) = (f.arg(0) as i32, f.arg(1) as i32, f.arg(2) as u32);
    if flags & !O_CLOEXEC != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    do_dup3(old, new, flags & O_CLOEXEC != 0)
}

pub fn sys_getcwd(f: &mut TrapFrame) -> SysResult<usize> {
    let (buf, size) = (f.arg(0), f.arg(1) as usize);
    let t = current();
    let (root, cwd) = {
        let fsctx = t.process.fs.lock();
        (fsctx.root.clone(), fsctx.cwd.clone())
    };
    // A removed working directory has no name (Linux: d_unlinked gives ENOENT).
    if cwd.dentry.is_deleted() {
        return Err(Errno::ENOENT);
    }
    let mut path = fs::vfs::path_of(&cwd, &root);
    path.push(0);
    if path.len() > size {
        return Err(Errno::ERANGE);
    }
    user::copy_to_user(buf, &path)?;
    Ok(path.len())
}

fn set_cwd(t: &Thread, p: Path) -> SysResult<usize> {
    with_caller(t, |cx, _, _| fs::vfs::check_chdir(cx, &p))?;
    t.process.fs.lock().cwd = p;
    Ok(0)
}

pub fn sys_chdir(f: &mut TrapFrame) -> SysResult<usize> {
    let t = current();
    let path = path_arg(f.arg(0))?;
    let p = resolve_at(t, AT_FDCWD, &path, true)?;
    set_cwd(t, p)
}

pub fn sys_fchdir(f: &mut TrapFrame) -> SysResult<usize> {
    let t = current();
    let p = t.process.files().lock().get(f.arg(0) as i32)?.path().clone();
    set_cwd(t, p)
}

fn do_readlinkat(dirfd: i32, path: u64, buf: u64, size: u64) -> SysResult<usize> {
    if size as i64 <= 0 {
        return Err(Errno::EINVAL);
    }
    let p = stat_target(dirfd, path, AtFlags::SYMLINK_NOFOLLOW.bits() | AtFlags::EMPTY_PATH.bits())?;
    let target = fs::vfs::readlink_path(&p)?;
    let n = target.len().min(size as usize);
    user::copy_to_user(buf, &target[..n])?;
    Ok(n)
}

pub fn sys_readlink(f: &mut TrapFrame) -> SysResult<usize> {
    do_readlinkat(AT_FDCWD, f.arg(0), f.arg(1), f.arg(2))
}

pub fn sys_readlinkat(f: &mut TrapFrame) -> SysResult<usize> {
    do_readlinkat(f.arg(0) as i32, f.arg(1), f.arg(2), f.arg(3))
}

fn do_faccessat(dirfd: i32, path_addr: u64, mode: u32, flags: u32) -> SysResult<usize> {
    let known = AtFlags::EACCESS | AtFlags::SYMLINK_NOFOLLOW | AtFlags::EMPTY_PATH;
    super::check_flags(flags as u64, known.bits() as u64)?;
    if mode & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    let t = current();
    // access(2) checks with the real ids unless AT_EACCESS.
    let creds = {
        let c = t.process.creds.lock();
        let mut fc = c.fs_creds();
        if flags & AtFlags::EACCESS.bits() == 0 {
            fc.uid = c.uid;
            fc.gid = c.gid;
        }
        fc
    };
    let path = path_arg(path_addr)?;
    if path.is_empty() && flags & AtFlags::EMPTY_PATH.bits() != 0 {
        let target = stat_target(dirfd, path_addr, flags)?;
        fs::vfs::generic_permission(&target.metadata(), &creds, mode)?;
        return Ok(0);
    }
    let start = start_dir(t, dirfd, &path)?;
    let (root, cwd) = {
        let fsctx = t.process.fs.lock();
        (fsctx.root.clone(), fsctx.cwd.clone())
    };
    let cx = fs::vfs::Caller::new(&root, &creds);
    let follow = flags & AtFlags::SYMLINK_NOFOLLOW.bits() == 0;
    fs::vfs::faccessat(&cx, start.as_ref().unwrap_or(&cwd), &path, mode, follow)?;
    Ok(0)
}

pub fn sys_access(f: &mut TrapFrame) -> SysResult<usize> {
    do_faccessat(AT_FDCWD, f.arg(0), f.arg(1) as u32, 0)
}

pub fn sys_faccessat(f: &mut TrapFrame) -> SysResult<usize> {
    do_faccessat(f.arg(0) as i32, f.arg(1), f.arg(2) as u32, 0)
}

pub fn sys_faccessat2(f: &mut TrapFrame) -> SysResult<usize> {
    do_faccessat(f.arg(0) as i32, f.arg(1), f.arg(2) as u32, f.arg(3) as u32)
}

fn statfs_of(p: &Path) -> linux_abi::uapi::statfs::Statfs {
    use linux_abi::uapi::statfs::{ST_VALID, Statfs};
    let s = p.fs().statfs();
    let dev = p.metadata().dev;
    Statfs {
        f_type: s.fs_type as i64,
        f_bsize: s.block_size as i64,
        f_blocks: s.blocks,
        f_bfree: s.blocks_free,
        f_bavail: s.blocks_avail,
        f_files: s.files,
        f_ffree: s.files_free,
        f_fsid: [dev as i32, (dev >> 32) as i32],
        f_namelen: s.name_max as i64,
        f_frsize: s.fragment_size as i64,
        // The mount's flags are the ST_* bits.
        f_flags: p.mnt.flags() as i64 | ST_VALID,
        f_spare: [0; 4],
    }
}

pub fn sys_statfs(f: &mut TrapFrame) -> SysResult<usize> {
    let p = stat_target(AT_FDCWD, f.arg(0), 0)?;
    user::write(f.arg(1), &statfs_of(&p))?;
    Ok(0)
}

pub fn sys_fstatfs(f: &mut TrapFrame) -> SysResult<usize> {
    let p = file(f.arg(0))?.path().clone();
    user::write(f.arg(1), &statfs_of(&p))?;
    Ok(0)
}

/// Moves up to `count` bytes from `input` to `output` through a kernel buffer, reading at
/// `in_off` (or the file position) and writing at `out_off` (or the position).
fn splice_copy(input: &OpenFile, in_off: Option<&mut i64>, output: &OpenFile, mut out_off: Option<&mut i64>, count: usize) -> SysResult<usize> {
    before_read(input);
    let mut buf = alloc::vec![0u8; count.min(64 * 1024)];
    let mut done = 0;
    let mut in_off = in_off;
    while done < count {
        let n = (count - done).min(buf.len());
        let got = match in_off.as_deref_mut() {
            Some(o) => input.pread(&mut &mut buf[..n], *o)?,
            None => input.read(&mut &mut buf[..n])?,
        };
        if got == 0 {
            break;
        }
        let put = match out_off.as_deref_mut() {
            Some(o) => output.pwrite(&&buf[..got], *o),
            None => output.write(&&buf[..got]),
        };
        let put = match put {
            Ok(p) => p,
            Err(e) if done == 0 => return Err(e),
            Err(_) => break,
        };
        after_write(output, out_off.as_deref().copied(), put);
        if let Some(o) = in_off.as_deref_mut() {
            *o += put as i64;
        }
        if let Some(o) = out_off.as_deref_mut() {
            *o += put as i64;
        }
        done += put;
        // A short read ends the copy, as Linux's splice does: a tty or socket returns what it
        // has rather than waiting for the whole count.
        if put < got || got < n {
            break;
        }
    }
    Ok(done)
}

pub fn sys_sendfile(f: &mut TrapFrame) -> SysResult<usize> {
    let (out_fd, in_fd, off_addr, count) = (f.arg(0), f.arg(1), f.arg(2), f.arg(3).min(MAX_RW_COUNT) as usize);
    let (input, output) = (file(in_fd)?, file(out_fd)?);
    if !input.readable() || !output.writable() {
        return Err(Errno::EBADF);
    }
    // Pipes and FIFOs cannot be spliced from (Linux's pipe has no splice_read).
    if output.flags() & O_APPEND != 0 || input.metadata().file_type() == Some(fs::vfs::FileType::Fifo) {
        return Err(Errno::EINVAL);
    }
    if off_addr == 0 {
        return splice_copy(&input, None, &output, None, count);
    }
    let mut off: i64 = user::read(off_addr)?;
    if off < 0 {
        return Err(Errno::EINVAL);
    }
    let n = splice_copy(&input, Some(&mut off), &output, None, count)?;
    user::write(off_addr, &off)?;
    Ok(n)
}

pub fn sys_copy_file_range(f: &mut TrapFrame) -> SysResult<usize> {
    let (in_fd, in_addr, out_fd, out_addr, len, flags) = (f.arg(0), f.arg(1), f.arg(2), f.arg(3), f.arg(4), f.arg(5));
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let (input, output) = (file(in_fd)?, file(out_fd)?);
    if !input.readable() || !output.writable() || output.flags() & O_APPEND != 0 {
        return Err(Errno::EBADF);
    }
    let regular = |f: &OpenFile| f.metadata().file_type() == Some(fs::vfs::FileType::Regular);
    if !regular(&input) || !regular(&output) {
        return Err(Errno::EINVAL);
    }
    let mut in_off = if in_addr != 0 { Some(user::read::<i64>(in_addr)?) } else { None };
    let mut out_off = if out_addr != 0 { Some(user::read::<i64>(out_addr)?) } else { None };
    let n = splice_copy(&input, in_off.as_mut(), &output, out_off.as_mut(), len.min(MAX_RW_COUNT) as usize)?;
    if let Some(o) = in_off {
        user::write(in_addr, &o)?;
    }
    if let Some(o) = out_off {
        user::write(out_addr, &o)?;
    }
    Ok(n)
}

pub fn sys_fallocate(f: &mut TrapFrame) -> SysResult<usize> {
    let (fd, mode, offset, len) = (f.arg(0), f.arg(1), f.arg(2) as i64, f.arg(3) as i64);
    if offset < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    // Punching holes, zeroing and collapsing ranges are honoured by Linux, not implemented here.
    if mode != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    let file = file(fd)?;
    if !file.writable() {
        return Err(Errno::EBADF);
    }
    match file.metadata().file_type() {
        Some(fs::vfs::FileType::Regular) => {}
        Some(fs::vfs::FileType::Directory) => return Err(Errno::EISDIR),
        Some(fs::vfs::FileType::Fifo) => return Err(Errno::ESPIPE),
        _ => return Err(Errno::ENODEV),
    }
    let end = offset.checked_add(len).ok_or(Errno::EFBIG)?;
    let size = file.metadata().size as i64;
    // Space past the end is allocated by writing zeros, so later writes there cannot fail with
    // ENOSPC; holes inside the file are left as they are.
    let zeros = [0u8; 4096];
    let mut at = size.max(offset);
    while at < end {
        let n = ((end - at) as usize).min(zeros.len());
        let wrote = file.pwrite(&&zeros[..n], at)?;
        if wrote == 0 {
            return Err(Errno::ENOSPC);
        }
        at += wrote as i64;
    }
    Ok(0)
}
