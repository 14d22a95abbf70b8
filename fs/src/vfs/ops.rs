//! Namespace and attribute operations behind `mkdirat`, `mknodat`, `symlinkat`, `linkat`,
//! `unlinkat`, `renameat2`, `readlinkat`, `truncate`, `chmod`, `chown`, `utimensat`,
//! `faccessat` and `chdir`, with Linux's checks in Linux's order.
//!
//! Functions that create or remove a name take the start location and path (the kernel maps
//! `AT_FDCWD`/dirfd to `start`); functions that act on an existing file take its resolved
//! [`Path`] so the `f*` and `AT_EMPTY_PATH` variants share them.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::dentry::Dentry;
use super::inode::{Inode, same_inode};
use super::mount::{MNT_NOEXEC, Path};
use super::namei::{Caller, LastKind, lookup, lookup_parent};
use super::perm::*;
use super::types::*;
use crate::clock;
use crate::sync::Mutex;
use crate::{Errno, SysResult};

/// Serializes renames between different directories, so the ancestry checks stay true until
/// the rename is done (Linux `s_vfs_rename_mutex`).
static RENAME_LOCK: Mutex<()> = Mutex::new(());

/// `may_create`: the directory must still exist and be writable and searchable.
pub(crate) fn may_create(creds: &Credentials, dir: &Path) -> SysResult<()> {
    if dir.dentry.is_deleted() {
        return Err(Errno::ENOENT);
    }
    generic_permission(&dir.metadata(), creds, MAY_WRITE | MAY_EXEC)
}

/// `may_delete`: write and search permission on the directory, the sticky bit, and the
/// victim's type against what the operation removes.
fn may_delete(creds: &Credentials, dir: &Path, victim: &Dentry, is_dir: bool) -> SysResult<()> {
    let dmeta = dir.metadata();
    let vmeta = victim.inode().metadata();
    generic_permission(&dmeta, creds, MAY_WRITE | MAY_EXEC)?;
    if sticky_forbids(&dmeta, &vmeta, creds) {
        return Err(Errno::EPERM);
    }
    if is_dir && !vmeta.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if !is_dir && vmeta.is_dir() {
        return Err(Errno::EISDIR);
    }
    if dir.dentry.is_deleted() {
        return Err(Errno::ENOENT);
    }
    Ok(())
}

/// Owner, group and mode of a new inode (`inode_init_owner` with `mode_strip_sgid`): a
/// setgid directory passes its group on, and its setgid bit to subdirectories.
pub(crate) fn new_inode_attr(creds: &Credentials, dir: &Metadata, mode: u32) -> NewInode {
    let mut mode = mode;
    let gid = if dir.mode & S_ISGID != 0 {
        if mode & S_IFMT == S_IFDIR {
            mode |= S_ISGID;
        }
        dir.gid
    } else {
        creds.gid
    };
    if mode & S_IFMT != S_IFDIR
        && mode & (S_ISGID | S_IXGRP) == S_ISGID | S_IXGRP
        && !creds.in_group(gid)
        && !creds.is_superuser()
    {
        mode &= !S_ISGID;
    }
    NewInode {
        mode,
        uid: creds.uid,
        gid,
        rdev: 0,
    }
}

/// Set the size and stamp mtime/ctime (`do_truncate`).
pub(crate) fn truncate_inode(inode: &Arc<dyn Inode>, len: u64) -> SysResult<()> {
    if len > MAX_FILE_SIZE {
        return Err(Errno::EFBIG);
    }
    let now = clock::now();
    inode.setattr(&SetAttr {
        size: Some(len),
        mtime: Some(now),
        ctime: Some(now),
        ..Default::default()
    })
}

/// Resolve where a new name goes (`filename_create`): the parent and the name. `.`, `..` and
/// `/` already exist.
fn create_target(cx: &Caller, start: &Path, path: &[u8]) -> SysResult<(Path, Vec<u8>, bool)> {
    let (parent, last) = lookup_parent(cx, start, path)?;
    match last.kind {
        LastKind::Normal(name) => Ok((parent, name, last.trailing_slash)),
        _ => Err(Errno::EEXIST),
    }
}

/// The checks `filename_create` makes with the parent locked: the name must be free; a
/// trailing slash is only allowed for `mkdir`; the mount must be writable.
fn check_new_name(
    parent: &Path,
    name: &[u8],
    trailing_slash: bool,
    is_mkdir: bool,
) -> SysResult<()> {
    if parent.dentry.lookup_child_locked(name)?.is_some() {
        return Err(Errno::EEXIST);
    }
    if trailing_slash && !is_mkdir {
        return Err(Errno::ENOENT);
    }
    if parent.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    Ok(())
}

/// `mkdirat(2)`.
pub fn mkdir(cx: &Caller, start: &Path, path: &[u8], mode: u32) -> SysResult<()> {
    let (parent, name, trailing) = create_target(cx, start, path)?;
    let _locked = parent.dentry.dir_lock.write();
    check_new_name(&parent, &name, trailing, true)?;
    may_create(cx.creds, &parent)?;
    let mode = S_IFDIR | (mode & (S_IRWXUGO | S_ISVTX) & !cx.umask);
    let attr = new_inode_attr(cx.creds, &parent.metadata(), mode);
    let inode = parent.inode().create(&name, &attr)?;
    parent.dentry.add_child(&name, inode);
    Ok(())
}

/// `mknodat(2)`: a regular file (type 0 or `S_IFREG`), device node, fifo or socket.
pub fn mknod(cx: &Caller, start: &Path, path: &[u8], mode: u32, rdev: u64) -> SysResult<()> {
    let ftype = match mode & S_IFMT {
        0 => S_IFREG,
        t @ (S_IFREG | S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK) => t,
        S_IFDIR => return Err(Errno::EPERM),
        _ => return Err(Errno::EINVAL),
    };
    let (parent, name, trailing) = create_target(cx, start, path)?;
    let _locked = parent.dentry.dir_lock.write();
    check_new_name(&parent, &name, trailing, false)?;
    may_create(cx.creds, &parent)?;
    let is_dev = ftype == S_IFCHR || ftype == S_IFBLK;
    if is_dev && !cx.creds.is_superuser() {
        return Err(Errno::EPERM);
    }
    let mut attr = new_inode_attr(
        cx.creds,
        &parent.metadata(),
        ftype | (mode & S_IALLUGO & !cx.umask),
    );
    attr.rdev = if is_dev { rdev } else { 0 };
    let inode = parent.inode().create(&name, &attr)?;
    parent.dentry.add_child(&name, inode);
    Ok(())
}

/// `symlinkat(2)`: create `path` pointing at `target`.
pub fn symlink(cx: &Caller, target: &[u8], start: &Path, path: &[u8]) -> SysResult<()> {
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    if target.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let (parent, name, trailing) = create_target(cx, start, path)?;
    let _locked = parent.dentry.dir_lock.write();
    check_new_name(&parent, &name, trailing, false)?;
    may_create(cx.creds, &parent)?;
    let attr = new_inode_attr(cx.creds, &parent.metadata(), S_IFLNK | 0o777);
    let inode = parent.inode().symlink(&name, target, &attr)?;
    parent.dentry.add_child(&name, inode);
    Ok(())
}

/// `linkat(2)`: make `new_path` another name of the existing `old` (which the kernel resolved,
/// following a last symlink only with `AT_SYMLINK_FOLLOW`).
pub fn link(cx: &Caller, old: &Path, new_start: &Path, new_path: &[u8]) -> SysResult<()> {
    let (parent, name, trailing) = create_target(cx, new_start, new_path)?;
    let _locked = parent.dentry.dir_lock.write();
    check_new_name(&parent, &name, trailing, false)?;
    if !Arc::ptr_eq(&old.mnt, &parent.mnt) {
        return Err(Errno::EXDEV);
    }
    may_create(cx.creds, &parent)?;
    let meta = old.metadata();
    if meta.is_dir() {
        return Err(Errno::EPERM);
    }
    if meta.nlink == 0 {
        return Err(Errno::ENOENT);
    }
    parent.inode().link(&name, old.inode())?;
    parent.dentry.add_child(&name, old.inode().clone());
    Ok(())
}

/// `unlinkat(2)` without `AT_REMOVEDIR`.
pub fn unlink(cx: &Caller, start: &Path, path: &[u8]) -> SysResult<()> {
    let (parent, last) = lookup_parent(cx, start, path)?;
    let LastKind::Normal(name) = last.kind else {
        return Err(Errno::EISDIR);
    };
    if parent.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    let _locked = parent.dentry.dir_lock.write();
    let victim = parent
        .dentry
        .lookup_child_locked(&name)?
        .ok_or(Errno::ENOENT)?;
    if last.trailing_slash {
        return Err(if victim.inode().metadata().is_dir() {
            Errno::EISDIR
        } else {
            Errno::ENOTDIR
        });
    }
    may_delete(cx.creds, &parent, &victim, false)?;
    if victim.is_mountpoint() {
        return Err(Errno::EBUSY);
    }
    parent.inode().unlink(&name)?;
    parent.dentry.remove_child(&name);
    Ok(())
}

/// `rmdir(2)` / `unlinkat(AT_REMOVEDIR)`.
pub fn rmdir(cx: &Caller, start: &Path, path: &[u8]) -> SysResult<()> {
    let (parent, last) = lookup_parent(cx, start, path)?;
    let name = match last.kind {
        LastKind::Normal(name) => name,
        LastKind::DotDot => return Err(Errno::ENOTEMPTY),
        LastKind::Dot => return Err(Errno::EINVAL),
        LastKind::Root => return Err(Errno::EBUSY),
    };
    if parent.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    let _locked = parent.dentry.dir_lock.write();
    let victim = parent
        .dentry
        .lookup_child_locked(&name)?
        .ok_or(Errno::ENOENT)?;
    may_delete(cx.creds, &parent, &victim, true)?;
    if victim.is_mountpoint() {
        return Err(Errno::EBUSY);
    }
    parent.inode().rmdir(&name)?;
    parent.dentry.remove_child(&name);
    Ok(())
}

/// `renameat2(2)` with `RENAME_NOREPLACE`, `RENAME_EXCHANGE` or `RENAME_WHITEOUT` (the last
/// only where the filesystem supports it).
pub fn rename(
    cx: &Caller,
    old_start: &Path,
    old_path: &[u8],
    new_start: &Path,
    new_path: &[u8],
    flags: u32,
) -> SysResult<()> {
    if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    let exchange = flags & RENAME_EXCHANGE != 0;
    if exchange && flags & (RENAME_NOREPLACE | RENAME_WHITEOUT) != 0 {
        return Err(Errno::EINVAL);
    }
    let (old_parent, old_last) = lookup_parent(cx, old_start, old_path)?;
    let (new_parent, new_last) = lookup_parent(cx, new_start, new_path)?;
    let LastKind::Normal(old_name) = &old_last.kind else {
        return Err(Errno::EBUSY);
    };
    let LastKind::Normal(new_name) = &new_last.kind else {
        return Err(if flags & RENAME_NOREPLACE != 0 {
            Errno::EEXIST
        } else {
            Errno::EBUSY
        });
    };
    if !Arc::ptr_eq(&old_parent.mnt, &new_parent.mnt) {
        return Err(Errno::EXDEV);
    }
    if old_parent.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }

    let same_dir = Arc::ptr_eq(&old_parent.dentry, &new_parent.dentry);
    let _cross = (!same_dir).then(|| RENAME_LOCK.lock());
    let (first, second) =
        if same_dir || Arc::as_ptr(&old_parent.dentry) < Arc::as_ptr(&new_parent.dentry) {
            (&old_parent.dentry, &new_parent.dentry)
        } else {
            (&new_parent.dentry, &old_parent.dentry)
        };
    let _lock1 = first.dir_lock.write();
    let _lock2 = (!same_dir).then(|| second.dir_lock.write());

    let old = old_parent
        .dentry
        .lookup_child_locked(old_name)?
        .ok_or(Errno::ENOENT)?;
    let new = new_parent.dentry.lookup_child_locked(new_name)?;
    if flags & RENAME_NOREPLACE != 0 && new.is_some() {
        return Err(Errno::EEXIST);
    }
    if exchange && new.is_none() {
        return Err(Errno::ENOENT);
    }
    let old_is_dir = old.inode().metadata().is_dir();
    let new_is_dir = new.as_ref().is_some_and(|n| n.inode().metadata().is_dir());
    if !old_is_dir && (old_last.trailing_slash || (!exchange && new_last.trailing_slash)) {
        return Err(Errno::ENOTDIR);
    }
    if exchange && !new_is_dir && new_last.trailing_slash {
        return Err(Errno::ENOTDIR);
    }
    if old.is_ancestor_of(&new_parent.dentry) {
        return Err(Errno::EINVAL);
    }
    if let Some(n) = &new {
        if n.is_ancestor_of(&old_parent.dentry) {
            return Err(if exchange {
                Errno::EINVAL
            } else {
                Errno::ENOTEMPTY
            });
        }
        if same_inode(n.inode(), old.inode()) {
            return Ok(());
        }
    }

    may_delete(cx.creds, &old_parent, &old, old_is_dir)?;
    match &new {
        None => may_create(cx.creds, &new_parent)?,
        Some(n) => may_delete(
            cx.creds,
            &new_parent,
            n,
            if exchange { new_is_dir } else { old_is_dir },
        )?,
    }
    if !same_dir {
        // A moved directory's ".." changes, which needs write access to it.
        if old_is_dir {
            generic_permission(&old.inode().metadata(), cx.creds, MAY_WRITE)?;
        }
        if let Some(n) = new.as_ref().filter(|_| exchange && new_is_dir) {
            generic_permission(&n.inode().metadata(), cx.creds, MAY_WRITE)?;
        }
    }
    if old.is_mountpoint() || new.as_ref().is_some_and(|n| n.is_mountpoint()) {
        return Err(Errno::EBUSY);
    }
    old_parent
        .inode()
        .rename(old_name, new_parent.inode(), new_name, flags)?;
    match (&new, exchange) {
        (Some(n), true) => Dentry::exchange(&old, n),
        _ => old.move_to(&new_parent.dentry, new_name),
    }
    Ok(())
}

/// `readlinkat(2)`: the text of the symlink at `path` (never followed).
pub fn readlink(cx: &Caller, start: &Path, path: &[u8]) -> SysResult<Vec<u8>> {
    readlink_path(&lookup(cx, start, path, false)?)
}

/// The text of the symlink `path` (`EINVAL` if it is not one).
pub fn readlink_path(path: &Path) -> SysResult<Vec<u8>> {
    if path.inode().file_type() != FileType::Symlink {
        return Err(Errno::EINVAL);
    }
    let text = path.inode().readlink()?;
    path.inode().touch_atime();
    Ok(text)
}

/// `truncate(2)` on a resolved path.
pub fn truncate(cx: &Caller, path: &Path, len: i64) -> SysResult<()> {
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let meta = path.metadata();
    match meta.file_type() {
        Some(FileType::Regular) => {}
        Some(FileType::Directory) => return Err(Errno::EISDIR),
        _ => return Err(Errno::EINVAL),
    }
    if path.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    generic_permission(&meta, cx.creds, MAY_WRITE)?;
    truncate_inode(path.inode(), len as u64)
}

/// `fchmodat(2)` / `fchmod(2)`: only the owner or `CAP_FOWNER`; a caller outside the file's
/// group (without `CAP_FSETID`) cannot set the setgid bit.
pub fn chmod(cx: &Caller, path: &Path, mode: u32) -> SysResult<()> {
    if path.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    let meta = path.metadata();
    if !owner_or_capable(&meta, cx.creds) {
        return Err(Errno::EPERM);
    }
    let mut mode = mode & S_IALLUGO;
    if !cx.creds.in_group(meta.gid) && !cx.creds.is_superuser() {
        mode &= !S_ISGID;
    }
    path.inode().setattr(&SetAttr {
        mode: Some(mode),
        ctime: Some(clock::now()),
        ..Default::default()
    })
}

/// `fchownat(2)` / `fchown(2)`; `None` leaves the id unchanged (-1). Changing the owner needs
/// `CAP_CHOWN`; the owner may change the group to one of its groups. A non-directory loses
/// setuid, and setgid if group-executable or the caller could not have set it.
pub fn chown(cx: &Caller, path: &Path, uid: Option<u32>, gid: Option<u32>) -> SysResult<()> {
    if path.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    let creds = cx.creds;
    let meta = path.metadata();
    let is_owner = creds.uid == meta.uid;
    let chown_ok = uid.is_none_or(|uid| is_owner && uid == meta.uid);
    let chgrp_ok = gid.is_none_or(|gid| is_owner && (gid == meta.gid || creds.in_group(gid)));
    if !(chown_ok && chgrp_ok || creds.is_superuser()) {
        return Err(Errno::EPERM);
    }
    let mut attr = SetAttr {
        uid,
        gid,
        ctime: Some(clock::now()),
        ..Default::default()
    };
    if !meta.is_dir() {
        let mut mode = meta.mode & S_IALLUGO & !S_ISUID;
        let may_keep_sgid = creds.in_group(meta.gid) || creds.is_superuser();
        if mode & S_ISGID != 0 && (mode & S_IXGRP != 0 || !may_keep_sgid) {
            mode &= !S_ISGID;
        }
        if mode != meta.mode & S_IALLUGO {
            attr.mode = Some(mode);
        }
    }
    path.inode().setattr(&attr)
}

/// One timestamp argument of `utimensat(2)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUpdate {
    /// `UTIME_NOW` (or a NULL `times`).
    Now,
    /// `UTIME_OMIT`.
    Omit,
    Set(Timespec),
}

/// `utimensat(2)` on a resolved path. Setting explicit times needs the owner or `CAP_FOWNER`
/// (`EPERM`); setting them to now is also allowed with write permission (`EACCES`).
pub fn utimens(cx: &Caller, path: &Path, atime: TimeUpdate, mtime: TimeUpdate) -> SysResult<()> {
    if atime == TimeUpdate::Omit && mtime == TimeUpdate::Omit {
        return Ok(());
    }
    if path.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    let meta = path.metadata();
    let explicit = matches!(atime, TimeUpdate::Set(_)) || matches!(mtime, TimeUpdate::Set(_));
    if !owner_or_capable(&meta, cx.creds) {
        if explicit {
            return Err(Errno::EPERM);
        }
        generic_permission(&meta, cx.creds, MAY_WRITE)?;
    }
    let now = clock::now();
    let pick = |t: TimeUpdate| match t {
        TimeUpdate::Now => Some(now),
        TimeUpdate::Omit => None,
        TimeUpdate::Set(ts) => Some(ts),
    };
    path.inode().setattr(&SetAttr {
        atime: pick(atime),
        mtime: pick(mtime),
        ctime: Some(now),
        ..Default::default()
    })
}

/// `faccessat(2)`: `mode` is `F_OK` (0) or a mix of `R_OK` 4, `W_OK` 2, `X_OK` 1, checked
/// against `cx.creds` (the kernel passes the real ids unless `AT_EACCESS`).
pub fn faccessat(cx: &Caller, start: &Path, path: &[u8], mode: u32, follow: bool) -> SysResult<()> {
    if mode & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    let p = lookup(cx, start, path, follow)?;
    let meta = p.metadata();
    generic_permission(&meta, cx.creds, mode)?;
    let ftype = meta.file_type();
    if mode & MAY_EXEC != 0 && ftype == Some(FileType::Regular) && p.mnt.flags() & MNT_NOEXEC != 0 {
        return Err(Errno::EACCES);
    }
    let special = !matches!(
        ftype,
        Some(FileType::Regular | FileType::Directory | FileType::Symlink)
    );
    if mode & MAY_WRITE != 0 && !special && p.mnt.is_readonly() {
        return Err(Errno::EROFS);
    }
    Ok(())
}

/// The checks `chdir`/`fchdir`/`chroot` make on their target: a searchable directory.
pub fn check_chdir(cx: &Caller, path: &Path) -> SysResult<()> {
    let meta = path.metadata();
    if !meta.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    generic_permission(&meta, cx.creds, MAY_EXEC)
}
