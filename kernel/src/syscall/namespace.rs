//! Changing the file tree and attributes: pipe/pipe2, mkdir/mknod, unlink/rmdir, rename, link,
//! symlink, chmod/chown/utimensat, truncate, umask-aware creation, mount/umount2 (tmpfs family),
//! chroot, sync.

use alloc::vec::Vec;

use fs::vfs::{Caller, Path, TimeUpdate};
use linux_abi::uapi::fcntl::{AT_FDCWD, AtFlags};
use linux_abi::uapi::time::Timespec;
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::mm::user;
use crate::process::fdtable::FdEntry;
use crate::process::{Thread, current};
use crate::vfs::{resolve_at, start_dir, with_caller};

const PATH_MAX: usize = 4096;

fn path_arg(addr: u64) -> SysResult<Vec<u8>> {
    user::read_cstr(addr, PATH_MAX - 1, Errno::ENAMETOOLONG)
}

/// Runs `f` with the caller's context and the start directory for `path` relative to `dirfd`.
fn at<R>(t: &Thread, dirfd: i32, path: &[u8], f: impl FnOnce(&Caller, &Path) -> SysResult<R>) -> SysResult<R> {
    let start = start_dir(t, dirfd, path)?;
    with_caller(t, |cx, _, cwd| f(cx, start.as_ref().unwrap_or(cwd)))
}

pub fn sys_pipe2(f: &mut TrapFrame) -> SysResult<usize> {
    let (fds, flags) = (f.arg(0), f.arg(1) as u32);
    use fs::vfs::{O_CLOEXEC, O_DIRECT, O_NONBLOCK};
    if flags & !(O_CLOEXEC | O_NONBLOCK | O_DIRECT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (r, w) = crate::pipe::new_pipe(flags)?;
    let t = current();
    let limit = super::fs::nofile_limit(t);
    let cloexec = flags & O_CLOEXEC != 0;
    let files = t.process.files();
    let mut table = files.lock();
    let rfd = table.insert_from(0, limit, FdEntry { file: r, cloexec })?;
    let wfd = match table.insert_from(0, limit, FdEntry { file: w, cloexec }) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = table.remove(rfd);
            return Err(e);
        }
    };
    drop(table);
    if let Err(e) = user::write(fds, &[rfd, wfd]) {
        let mut table = files.lock();
        let _ = table.remove(rfd);
        let _ = table.remove(wfd);
        return Err(e);
    }
    Ok(0)
}

pub fn sys_pipe(f: &mut TrapFrame) -> SysResult<usize> {
    f.rsi = 0;
    sys_pipe2(f)
}

pub fn sys_mkdirat(f: &mut TrapFrame) -> SysResult<usize> {
    let (dirfd, path, mode) = (f.arg(0) as i32, path_arg(f.arg(1))?, f.arg(2) as u32);
    at(current(), dirfd, &path, |cx, start| fs::vfs::mkdir(cx, start, &path, mode)).map(|_| 0)
}

pub fn sys_mkdir(f: &mut TrapFrame) -> SysResult<usize> {
    let (path, mode) = (path_arg(f.arg(0))?, f.arg(1) as u32);
    at(current(), AT_FDCWD, &path, |cx, start| fs::vfs::mkdir(cx, start, &path, mode)).map(|_| 0)
}

fn do_mknodat(dirfd: i32, path: u64, mode: u32, dev: u64) -> SysResult<usize> {
    let path = path_arg(path)?;
    // The old 32-bit dev_t encoding of the syscall, decoded as Linux's new_decode_dev.
    let (major, minor) = (((dev >> 8) & 0xfff) as u32, ((dev & 0xff) | ((dev >> 12) & 0xfff00)) as u32);
    let rdev = fs::vfs::makedev(major, minor);
    at(current(), dirfd, &path, |cx, start| fs::vfs::mknod(cx, start, &path, mode, rdev)).map(|_| 0)
}

pub fn sys_mknodat(f: &mut TrapFrame) -> SysResult<usize> {
    do_mknodat(f.arg(0) as i32, f.arg(1), f.arg(2) as u32, f.arg(3))
}

pub fn sys_mknod(f: &mut TrapFrame) -> SysResult<usize> {
    do_mknodat(AT_FDCWD, f.arg(0), f.arg(1) as u32, f.arg(2))
}

pub fn sys_unlinkat(f: &mut TrapFrame) -> SysResult<usize> {
    let (dirfd, path, flags) = (f.arg(0) as i32, path_arg(f.arg(1))?, f.arg(2) as u32);
    if flags & !AtFlags::REMOVEDIR.bits() != 0 {
        return Err(Errno::EINVAL);
    }
    at(current(), dirfd, &path, |cx, start| {
        if flags != 0 { fs::vfs::rmdir(cx, start, &path) } else { fs::vfs::unlink(cx, start, &path) }
    })
    .map(|_| 0)
}

pub fn sys_unlink(f: &mut TrapFrame) -> SysResult<usize> {
    let path = path_arg(f.arg(0))?;
    at(current(), AT_FDCWD, &path, |cx, start| fs::vfs::unlink(cx, start, &path)).map(|_| 0)
}

pub fn sys_rmdir(f: &mut TrapFrame) -> SysResult<usize> {
    let path = path_arg(f.arg(0))?;
    at(current(), AT_FDCWD, &path, |cx, start| fs::vfs::rmdir(cx, start, &path)).map(|_| 0)
}

fn do_renameat2(olddir: i32, old: u64, newdir: i32, new: u64, flags: u32) -> SysResult<usize> {
    let (old, new) = (path_arg(old)?, path_arg(new)?);
    let t = current();
    let os = start_dir(t, olddir, &old)?;
    let ns = start_dir(t, newdir, &new)?;
    with_caller(t, |cx, _, cwd| {
        fs::vfs::rename(cx, os.as_ref().unwrap_or(cwd), &old, ns.as_ref().unwrap_or(cwd), &new, flags)
    })
    .map(|_| 0)
}

pub fn sys_rename(f: &mut TrapFrame) -> SysResult<usize> {
    do_renameat2(AT_FDCWD, f.arg(0), AT_FDCWD, f.arg(1), 0)
}

pub fn sys_renameat(f: &mut TrapFrame) -> SysResult<usize> {
    do_renameat2(f.arg(0) as i32, f.arg(1), f.arg(2) as i32, f.arg(3), 0)
}

pub fn sys_renameat2(f: &mut TrapFrame) -> SysResult<usize> {
    do_renameat2(f.arg(0) as i32, f.arg(1), f.arg(2) as i32, f.arg(3), f.arg(4) as u32)
}

fn do_symlinkat(target: u64, dirfd: i32, path: u64) -> SysResult<usize> {
    let (target, path) = (path_arg(target)?, path_arg(path)?);
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    at(current(), dirfd, &path, |cx, start| fs::vfs::symlink(cx, &target, start, &path)).map(|_| 0)
}

pub fn sys_symlinkat(f: &mut TrapFrame) -> SysResult<usize> {
    do_symlinkat(f.arg(0), f.arg(1) as i32, f.arg(2))
}

pub fn sys_symlink(f: &mut TrapFrame) -> SysResult<usize> {
    do_symlinkat(f.arg(0), AT_FDCWD, f.arg(1))
}

fn do_linkat(olddir: i32, old: u64, newdir: i32, new: u64, flags: u32) -> SysResult<usize> {
    let known = AtFlags::SYMLINK_FOLLOW | AtFlags::EMPTY_PATH;
    if flags & !known.bits() != 0 {
        return Err(Errno::EINVAL);
    }
    let t = current();
    let follow = flags & AtFlags::SYMLINK_FOLLOW.bits() != 0;
    let old = super::fs::stat_target_with(olddir, old, flags & AtFlags::EMPTY_PATH.bits(), follow)?;
    let new = path_arg(new)?;
    at(t, newdir, &new, |cx, start| fs::vfs::link(cx, &old, start, &new)).map(|_| 0)
}

pub fn sys_linkat(f: &mut TrapFrame) -> SysResult<usize> {
    do_linkat(f.arg(0) as i32, f.arg(1), f.arg(2) as i32, f.arg(3), f.arg(4) as u32)
}

pub fn sys_link(f: &mut TrapFrame) -> SysResult<usize> {
    do_linkat(AT_FDCWD, f.arg(0), AT_FDCWD, f.arg(1), 0)
}

/// An *at() target with optional AT_EMPTY_PATH/AT_SYMLINK_NOFOLLOW handling.
fn target(dirfd: i32, path: u64, flags: u32) -> SysResult<Path> {
    let follow = flags & AtFlags::SYMLINK_NOFOLLOW.bits() == 0;
    super::fs::stat_target_with(dirfd, path, flags & AtFlags::EMPTY_PATH.bits(), follow)
}

fn fd_path(fd: u64) -> SysResult<Path> {
    Ok(current().process.files().lock().get(fd as i32)?.path().clone())
}

fn chmod(p: &Path, mode: u32) -> SysResult<usize> {
    with_caller(current(), |cx, _, _| fs::vfs::chmod(cx, p, mode)).map(|_| 0)
}

pub fn sys_chmod(f: &mut TrapFrame) -> SysResult<usize> {
    chmod(&target(AT_FDCWD, f.arg(0), 0)?, f.arg(1) as u32)
}

pub fn sys_fchmod(f: &mut TrapFrame) -> SysResult<usize> {
    chmod(&fd_path(f.arg(0))?, f.arg(1) as u32)
}

pub fn sys_fchmodat(f: &mut TrapFrame) -> SysResult<usize> {
    chmod(&target(f.arg(0) as i32, f.arg(1), 0)?, f.arg(2) as u32)
}

pub fn sys_fchmodat2(f: &mut TrapFrame) -> SysResult<usize> {
    let flags = f.arg(3) as u32;
    if flags & !(AtFlags::SYMLINK_NOFOLLOW | AtFlags::EMPTY_PATH).bits() != 0 {
        return Err(Errno::EINVAL);
    }
    let p = target(f.arg(0) as i32, f.arg(1), flags)?;
    if p.metadata().file_type() == Some(fs::vfs::FileType::Symlink) {
        // Linux: symlink modes cannot be changed.
        return Err(Errno::EOPNOTSUPP);
    }
    chmod(&p, f.arg(2) as u32)
}

fn chown(p: &Path, uid: u64, gid: u64) -> SysResult<usize> {
    let id = |v: u64| (v as u32 != u32::MAX).then_some(v as u32);
    with_caller(current(), |cx, _, _| fs::vfs::chown(cx, p, id(uid), id(gid))).map(|_| 0)
}

pub fn sys_chown(f: &mut TrapFrame) -> SysResult<usize> {
    chown(&target(AT_FDCWD, f.arg(0), 0)?, f.arg(1), f.arg(2))
}

pub fn sys_lchown(f: &mut TrapFrame) -> SysResult<usize> {
    chown(&target(AT_FDCWD, f.arg(0), AtFlags::SYMLINK_NOFOLLOW.bits())?, f.arg(1), f.arg(2))
}

pub fn sys_fchown(f: &mut TrapFrame) -> SysResult<usize> {
    chown(&fd_path(f.arg(0))?, f.arg(1), f.arg(2))
}

pub fn sys_fchownat(f: &mut TrapFrame) -> SysResult<usize> {
    let flags = f.arg(4) as u32;
    if flags & !(AtFlags::SYMLINK_NOFOLLOW | AtFlags::EMPTY_PATH).bits() != 0 {
        return Err(Errno::EINVAL);
    }
    chown(&target(f.arg(0) as i32, f.arg(1), flags)?, f.arg(2), f.arg(3))
}

const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

fn time_update(ts: &Timespec) -> SysResult<TimeUpdate> {
    match ts.tv_nsec {
        UTIME_NOW => Ok(TimeUpdate::Now),
        UTIME_OMIT => Ok(TimeUpdate::Omit),
        n if (0..1_000_000_000).contains(&n) => Ok(TimeUpdate::Set(fs::vfs::Timespec::new(ts.tv_sec, n as u32))),
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_utimensat(f: &mut TrapFrame) -> SysResult<usize> {
    let (dirfd, path, times, flags) = (f.arg(0) as i32, f.arg(1), f.arg(2), f.arg(3) as u32);
    if flags & !(AtFlags::SYMLINK_NOFOLLOW | AtFlags::EMPTY_PATH).bits() != 0 {
        return Err(Errno::EINVAL);
    }
    let (a, m) = if times == 0 {
        (TimeUpdate::Now, TimeUpdate::Now)
    } else {
        let ts: [Timespec; 2] = user::read(times)?;
        (time_update(&ts[0])?, time_update(&ts[1])?)
    };
    // A NULL path means the fd itself (the futimens form).
    let p = if path == 0 { fd_path(dirfd as u64)? } else { target(dirfd, path, flags)? };
    if matches!((a, m), (TimeUpdate::Omit, TimeUpdate::Omit)) {
        return Ok(0);
    }
    with_caller(current(), |cx, _, _| fs::vfs::utimens(cx, &p, a, m)).map(|_| 0)
}

/// RLIMIT_FSIZE for truncate (Linux's inode_newsize_ok): growing a regular file past the limit
/// is EFBIG after SIGXFSZ.
fn check_fsize(meta: &fs::vfs::Metadata, len: i64) -> SysResult<()> {
    use linux_abi::uapi::resource::{RLIM_INFINITY, RLIMIT_FSIZE};
    let limit = current().process.limits.lock().get(RLIMIT_FSIZE).map_or(RLIM_INFINITY, |l| l.cur);
    if meta.file_type() == Some(fs::vfs::FileType::Regular) && len > 0 && len as u64 > meta.size && len as u64 > limit {
        crate::syscall::fs::file_too_big();
        return Err(Errno::EFBIG);
    }
    Ok(())
}

pub fn sys_truncate(f: &mut TrapFrame) -> SysResult<usize> {
    let p = target(AT_FDCWD, f.arg(0), 0)?;
    check_fsize(&p.metadata(), f.arg(1) as i64)?;
    with_caller(current(), |cx, _, _| fs::vfs::truncate(cx, &p, f.arg(1) as i64))?;
    crate::mm::pagecache::after_truncate(p.inode(), f.arg(1));
    Ok(0)
}

pub fn sys_ftruncate(f: &mut TrapFrame) -> SysResult<usize> {
    let file = current().process.files().lock().get(f.arg(0) as i32)?;
    if file.writable() {
        check_fsize(&file.metadata(), f.arg(1) as i64)?;
    }
    file.truncate(f.arg(1) as i64)?;
    crate::mm::pagecache::after_truncate(file.inode(), f.arg(1));
    Ok(0)
}

pub fn sys_chroot(f: &mut TrapFrame) -> SysResult<usize> {
    let t = current();
    let p = resolve_at(t, AT_FDCWD, &path_arg(f.arg(0))?, true)?;
    with_caller(t, |cx, _, _| fs::vfs::check_chdir(cx, &p))?;
    if t.process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    t.process.fs.lock().root = p;
    Ok(0)
}

pub fn sys_sync(_: &mut TrapFrame) -> SysResult<usize> {
    // sync(2) cannot fail; errors surface through fsync/syncfs.
    let _ = crate::block::mount::sync_all();
    Ok(0)
}

pub fn sys_syncfs(f: &mut TrapFrame) -> SysResult<usize> {
    let file = current().process.files().lock().get(f.arg(0) as i32)?;
    match fs::ext2::filesystem_of(file.path().mnt.root().inode()) {
        Some(fs) => fs.sync().map(|_| 0),
        None => Ok(0),
    }
}

pub fn sys_fsync(f: &mut TrapFrame) -> SysResult<usize> {
    let file = current().process.files().lock().get(f.arg(0) as i32)?;
    crate::mm::pagecache::sync(file.inode())?;
    crate::block::mount::fsync(file.inode()).map(|_| 0)
}

pub fn sys_fdatasync(f: &mut TrapFrame) -> SysResult<usize> {
    sys_fsync(f)
}

const MS_RDONLY: u64 = 1;
const MS_NOSUID: u64 = 2;
const MS_NODEV: u64 = 4;
const MS_NOEXEC: u64 = 8;
const MS_REMOUNT: u64 = 32;
const MS_NOATIME: u64 = 1024;
const MS_NODIRATIME: u64 = 2048;
const MS_BIND: u64 = 4096;
const MS_REC: u64 = 16384;
const MS_SILENT: u64 = 32768;
const MS_RELATIME: u64 = 1 << 21;
const MS_STRICTATIME: u64 = 1 << 24;
const MS_MGC_VAL: u64 = 0xc0ed_0000;
/// Flags that only select per-mount options we carry.
const MS_PER_MOUNT: u64 = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME;

fn mount_flags(flags: u64) -> u32 {
    use fs::vfs::mount::*;
    let mut m = 0;
    for (ms, mnt) in [(MS_RDONLY, MNT_RDONLY), (MS_NOSUID, MNT_NOSUID), (MS_NODEV, MNT_NODEV), (MS_NOEXEC, MNT_NOEXEC), (MS_NOATIME, MNT_NOATIME), (MS_NODIRATIME, MNT_NODIRATIME)] {
        if flags & ms != 0 {
            m |= mnt;
        }
    }
    m
}

/// Parses tmpfs options: mode=, size=, nr_inodes=, uid=, gid= (others are EINVAL, as tmpfs does).
fn tmpfs_options(name: &'static str, data: &[u8]) -> SysResult<fs::tmpfs::TmpfsOptions> {
    let mut o = fs::tmpfs::TmpfsOptions { name, mode: 0o1777, ..Default::default() };
    for opt in data.split(|&b| b == b',').filter(|o| !o.is_empty()) {
        let s = core::str::from_utf8(opt).map_err(|_| Errno::EINVAL)?;
        let (k, v) = s.split_once('=').unwrap_or((s, ""));
        let num = |v: &str, radix: u32| u64::from_str_radix(v, radix).map_err(|_| Errno::EINVAL);
        // Linux's memparse(): a number with an optional binary suffix.
        let size = |v: &str| -> SysResult<u64> {
            let (n, shift) = match v.as_bytes().last() {
                Some(b'k' | b'K') => (&v[..v.len() - 1], 10),
                Some(b'm' | b'M') => (&v[..v.len() - 1], 20),
                Some(b'g' | b'G') => (&v[..v.len() - 1], 30),
                Some(b't' | b'T') => (&v[..v.len() - 1], 40),
                _ => (v, 0),
            };
            Ok(num(n, 10)?.saturating_mul(1 << shift))
        };
        match k {
            "mode" => o.mode = num(v, 8)? as u32 & 0o7777,
            "uid" => o.uid = num(v, 10)? as u32,
            "gid" => o.gid = num(v, 10)? as u32,
            // `size=N%` is a share of RAM, as OpenRC mounts /run.
            "size" if v.ends_with('%') => {
                let pct = num(&v[..v.len() - 1], 10)?;
                let pages = (crate::mm::frame::total_frames() as u64).saturating_mul(pct) / 100;
                o.max_pages = Some(pages).filter(|&p| p > 0);
            }
            "size" => o.max_pages = Some(size(v)?.div_ceil(4096)).filter(|&p| p > 0),
            "nr_inodes" => o.max_inodes = Some(size(v)?).filter(|&n| n > 0),
            _ => return Err(Errno::EINVAL),
        }
    }
    Ok(o)
}

pub fn sys_mount(f: &mut TrapFrame) -> SysResult<usize> {
    let (source, target_addr, fstype, flags, data) = (f.arg(0), f.arg(1), f.arg(2), f.arg(3), f.arg(4));
    let t = current();
    if t.process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    let flags = if flags & 0xffff_0000 == MS_MGC_VAL { flags & 0xffff } else { flags };
    let target = resolve_at(t, AT_FDCWD, &path_arg(target_addr)?, true)?;
    let data = if data != 0 { user::read_cstr(data, 4095, Errno::EINVAL)? } else { Vec::new() };
    if flags & MS_REMOUNT != 0 {
        if !target.is_mount_root() {
            return Err(Errno::EINVAL);
        }
        if flags & !(MS_REMOUNT | MS_PER_MOUNT | MS_SILENT) != 0 {
            return Err(Errno::EINVAL);
        }
        // A filesystem that cannot write (ext4 here) stays read-only.
        if flags & MS_RDONLY == 0 && target.fs().is_readonly() && fs::ext2::filesystem_of(target.inode()).is_none() {
            return Err(Errno::EROFS);
        }
        crate::block::mount::remount(target.inode(), flags & MS_RDONLY != 0)?;
        target.mnt.set_flags(mount_flags(flags));
        return Ok(0);
    }
    if flags & MS_BIND != 0 {
        let src = resolve_at(t, AT_FDCWD, &path_arg(source)?, true)?;
        let _ = flags & MS_REC;
        fs::vfs::bind_mount(&src, &target, mount_flags(flags))?;
        return Ok(0);
    }
    if flags & !(MS_PER_MOUNT | MS_SILENT) != 0 {
        // Propagation changes, moves and the rest are honoured by Linux, not implemented here.
        return Err(Errno::EINVAL);
    }
    let fstype = user::read_cstr(fstype, 255, Errno::ENODEV)?;
    let root = match fstype.as_slice() {
        b"tmpfs" => fs::tmpfs::new(tmpfs_options("tmpfs", &data)?),
        b"devtmpfs" => fs::devfs::new()?,
        b"proc" => crate::procfs::new_instance(),
        b"sysfs" => crate::sysfs::new_sysfs()?,
        b"cgroup2" => crate::sysfs::new_cgroup2()?,
        name => {
            let name = core::str::from_utf8(name).map_err(|_| Errno::ENODEV)?;
            if !crate::block::mount::DISK_FILESYSTEMS.contains(&name) {
                return Err(Errno::ENODEV);
            }
            // A disk filesystem: the source must be a block device node.
            let src = resolve_at(t, AT_FDCWD, &path_arg(source)?, true)?;
            let meta = src.metadata();
            if meta.file_type() != Some(fs::vfs::FileType::BlockDevice) {
                return Err(Errno::ENOTBLK);
            }
            if src.mnt.flags() & fs::vfs::mount::MNT_NODEV != 0 {
                return Err(Errno::EACCES);
            }
            let dev = crate::block::mount::device(meta.rdev)?;
            crate::block::mount::mount_fs(Some(name), meta.rdev, dev, flags & MS_RDONLY != 0)?
        }
    };
    if !target.metadata().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    let mounted = fs::vfs::mount(root, &target, mount_flags(flags))?;
    let source = if source != 0 { user::read_cstr(source, 4095, Errno::EFAULT).unwrap_or_default() } else { Vec::new() };
    crate::procfs::record_mount(&mounted, if source.is_empty() { b"none" } else { &source }, &data);
    Ok(0)
}

pub fn sys_umount2(f: &mut TrapFrame) -> SysResult<usize> {
    const MNT_FORCE: u32 = 1;
    const MNT_EXPIRE: u32 = 4;
    const UMOUNT_NOFOLLOW: u32 = 8;
    let flags = f.arg(1) as u32;
    let t = current();
    if t.process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    if flags & !(MNT_FORCE | fs::vfs::mount::UMOUNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW) != 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MNT_EXPIRE != 0 {
        return Err(Errno::EINVAL);
    }
    let target = resolve_at(t, AT_FDCWD, &path_arg(f.arg(0))?, flags & UMOUNT_NOFOLLOW == 0)?;
    fs::vfs::umount(target, flags & fs::vfs::mount::UMOUNT_DETACH)?;
    Ok(0)
}
