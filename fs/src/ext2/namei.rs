//! Name operations (Linux `fs/ext2/namei.c`): lookup, create, mknod, mkdir, symlink, link,
//! unlink, rmdir and rename, with ext2's link counting.
//!
//! Everything that changes a directory runs under the filesystem's namespace lock and locks
//! one inode at a time. The VFS has done the permission and type checks; the ones repeated
//! here keep the on-disk structure sound for callers that go straight to the inode.

use alloc::sync::Arc;

use super::balloc::Parent;
use super::dir::{self, EntryRef};
use super::fs::Ext2Fs;
use super::inode::Ext2Inode;
use super::layout::*;
use super::symlink;
use crate::vfs::inode::{Inode, downcast_inode};
use crate::vfs::types::*;
use crate::{Errno, SysResult};

fn check_name(name: &[u8]) -> SysResult<()> {
    if name.len() > NAME_LEN {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(())
}

/// The inode an entry names; a reference to a deleted inode is corruption (`EIO`).
fn entry_inode(fs: &Arc<Ext2Fs>, ino: u32) -> SysResult<Arc<Ext2Inode>> {
    fs.iget(ino).map_err(|e| {
        if e == Errno::ESTALE {
            fs.error(format_args!("deleted inode referenced: {ino}"));
            Errno::EIO
        } else {
            e
        }
    })
}

pub(crate) fn lookup(dir: &Ext2Inode, name: &[u8]) -> SysResult<Arc<Ext2Inode>> {
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    check_name(name)?;
    let d = dir.inner.read();
    let e = dir::find(dir, &d.disk, name)?.ok_or(Errno::ENOENT)?;
    entry_inode(&dir.fs, e.ino)
}

/// Where a new entry goes: the directory must be alive and not have the name yet.
fn prepare_new_entry(dir: &Ext2Inode, name: &[u8], is_dir: bool) -> SysResult<Parent> {
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    check_name(name)?;
    dir.fs.check_writable()?;
    let d = dir.inner.read();
    if d.disk.links == 0 {
        return Err(Errno::ENOENT);
    }
    if d.disk.flags & IMMUTABLE_FL != 0 {
        return Err(Errno::EPERM);
    }
    if is_dir && d.disk.links as u32 >= LINK_MAX {
        return Err(Errno::EMLINK);
    }
    if dir::find(dir, &d.disk, name)?.is_some() {
        return Err(Errno::EEXIST);
    }
    Ok(Parent {
        ino: dir.ino,
        group: dir.group,
        flags: d.disk.flags,
    })
}

/// Enter a new inode in `dir`; on failure the inode is dropped with no links, which frees it
/// (`ext2_add_nondir` / the end of `ext2_mkdir`).
fn add_new(dir: &Ext2Inode, name: &[u8], inode: Arc<Ext2Inode>) -> SysResult<Arc<Ext2Inode>> {
    let ftype = dir::ftype_of_mode(inode.kind());
    let added = {
        let mut d = dir.inner.write();
        dir::add(dir, &mut d, name, inode.ino, ftype).and_then(|()| {
            if inode.is_dir() {
                d.disk.links = d.disk.links.saturating_add(1);
            }
            dir.save(&mut d)
        })
    };
    match added {
        Ok(()) => Ok(inode),
        Err(e) => {
            inode.inner.write().disk.links = 0;
            Err(e)
        }
    }
}

/// `create`, `mknod` and `mkdir`.
pub(crate) fn create(dir: &Ext2Inode, name: &[u8], attr: &NewInode) -> SysResult<Arc<Ext2Inode>> {
    let kind = attr.mode & S_IFMT;
    if !matches!(
        kind,
        S_IFREG | S_IFDIR | S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK
    ) {
        return Err(Errno::EINVAL);
    }
    let fs = &dir.fs;
    let _ns = fs.ns_lock.lock();
    let is_dir = kind == S_IFDIR;
    let parent = prepare_new_entry(dir, name, is_dir)?;
    let dir_gid = dir.inner.read().disk.gid;
    let inode = fs.new_inode(&parent, dir_gid, attr)?;
    if is_dir {
        let mut d = inode.inner.write();
        d.disk.links = 2;
        if let Err(e) = dir::make_empty(&inode, &mut d, dir.ino).and_then(|()| inode.save(&mut d)) {
            d.disk.links = 0;
            return Err(e);
        }
    }
    add_new(dir, name, inode)
}

pub(crate) fn symlink(
    dir: &Ext2Inode,
    name: &[u8],
    target: &[u8],
    attr: &NewInode,
) -> SysResult<Arc<Ext2Inode>> {
    let fs = &dir.fs;
    if target.len() + 1 > fs.geo.block_size {
        return Err(Errno::ENAMETOOLONG);
    }
    let _ns = fs.ns_lock.lock();
    let parent = prepare_new_entry(dir, name, false)?;
    let dir_gid = dir.inner.read().disk.gid;
    let attr = NewInode {
        mode: S_IFLNK | S_IRWXUGO,
        rdev: 0,
        ..*attr
    };
    let inode = fs.new_inode(&parent, dir_gid, &attr)?;
    {
        let mut d = inode.inner.write();
        if let Err(e) = symlink::init(&inode, &mut d, target).and_then(|()| inode.save(&mut d)) {
            d.disk.links = 0;
            return Err(e);
        }
    }
    add_new(dir, name, inode)
}

pub(crate) fn link(dir: &Ext2Inode, name: &[u8], target: &Arc<dyn Inode>) -> SysResult<()> {
    let fs = &dir.fs;
    let target = downcast_inode::<Ext2Inode>(target)
        .filter(|t| Arc::ptr_eq(&t.fs, fs))
        .ok_or(Errno::EXDEV)?;
    if target.is_dir() {
        return Err(Errno::EPERM);
    }
    let _ns = fs.ns_lock.lock();
    prepare_new_entry(dir, name, false)?;
    {
        let t = target.inner.read();
        if t.disk.links == 0 {
            return Err(Errno::ENOENT);
        }
        if t.disk.links as u32 >= LINK_MAX {
            return Err(Errno::EMLINK);
        }
        if t.disk.flags & (IMMUTABLE_FL | APPEND_FL) != 0 {
            return Err(Errno::EPERM);
        }
    }
    {
        let mut d = dir.inner.write();
        dir::add(
            dir,
            &mut d,
            name,
            target.ino,
            dir::ftype_of_mode(target.kind()),
        )?;
        dir.save(&mut d)?;
    }
    let mut t = target.inner.write();
    t.disk.links = t.disk.links.saturating_add(1);
    t.disk.ctime = fs.now();
    target.save(&mut t)
}

/// `.` and `..` are the directory's own structure: never removed or renamed over.
fn check_not_dots(name: &[u8]) -> SysResult<()> {
    if name == b"." || name == b".." {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// The entry `name` of `dir` and its inode, for removal.
fn victim(dir: &Ext2Inode, name: &[u8]) -> SysResult<(EntryRef, Arc<Ext2Inode>)> {
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    check_name(name)?;
    check_not_dots(name)?;
    dir.fs.check_writable()?;
    let e = {
        let d = dir.inner.read();
        if d.disk.flags & (IMMUTABLE_FL | APPEND_FL) != 0 {
            return Err(Errno::EPERM);
        }
        dir::find(dir, &d.disk, name)?.ok_or(Errno::ENOENT)?
    };
    let inode = entry_inode(&dir.fs, e.ino)?;
    if inode.inner.read().disk.flags & (IMMUTABLE_FL | APPEND_FL) != 0 {
        return Err(Errno::EPERM);
    }
    Ok((e, inode))
}

/// Remove the entry and return the directory's new ctime.
fn remove_entry(dir: &Ext2Inode, e: &EntryRef, subdir: bool) -> SysResult<i64> {
    let mut d = dir.inner.write();
    dir::remove(dir, &mut d, e)?;
    if subdir {
        d.disk.links = d.disk.links.saturating_sub(1);
    }
    dir.save(&mut d)?;
    Ok(d.disk.ctime)
}

pub(crate) fn unlink(dir: &Ext2Inode, name: &[u8]) -> SysResult<()> {
    let _ns = dir.fs.ns_lock.lock();
    let (e, inode) = victim(dir, name)?;
    if inode.is_dir() {
        return Err(Errno::EISDIR);
    }
    let ctime = remove_entry(dir, &e, false)?;
    let mut d = inode.inner.write();
    d.disk.ctime = ctime;
    d.disk.links = d.disk.links.saturating_sub(1);
    inode.save(&mut d)
}

pub(crate) fn rmdir(dir: &Ext2Inode, name: &[u8]) -> SysResult<()> {
    let _ns = dir.fs.ns_lock.lock();
    let (e, inode) = victim(dir, name)?;
    if !inode.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if !dir::is_empty(&inode, &inode.inner.read().disk) {
        return Err(Errno::ENOTEMPTY);
    }
    let ctime = remove_entry(dir, &e, true)?;
    let mut d = inode.inner.write();
    d.disk.ctime = ctime;
    d.disk.size = 0;
    d.disk.links = 0;
    inode.save(&mut d)
}

/// Whether `ancestor` is `dir` or above it, following `..` up to the root.
fn is_ancestor(fs: &Arc<Ext2Fs>, ancestor: u32, dir: &Ext2Inode) -> SysResult<bool> {
    let mut ino = dir.ino;
    let mut hops = 0;
    loop {
        if ino == ancestor {
            return Ok(true);
        }
        if ino == ROOT_INO {
            return Ok(false);
        }
        hops += 1;
        if hops > 65536 {
            fs.error(format_args!("directory loop above inode {}", dir.ino));
            return Err(Errno::EIO);
        }
        let inode = entry_inode(fs, ino)?;
        let up = dir::dotdot(&inode, &inode.inner.read().disk)?;
        ino = up.ino;
    }
}

pub(crate) fn rename(
    old_dir: &Ext2Inode,
    old_name: &[u8],
    new_dir: &Arc<dyn Inode>,
    new_name: &[u8],
    flags: u32,
) -> SysResult<()> {
    let fs = &old_dir.fs;
    if flags & !RENAME_NOREPLACE != 0 {
        return Err(Errno::EINVAL);
    }
    let new_dir = downcast_inode::<Ext2Inode>(new_dir)
        .filter(|d| Arc::ptr_eq(&d.fs, fs))
        .ok_or(Errno::EXDEV)?;
    if !new_dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    check_name(new_name)?;
    check_not_dots(new_name)?;
    let _ns = fs.ns_lock.lock();
    let (old_e, src) = victim(old_dir, old_name)?;
    let (new_e, new_dir_flags) = {
        let d = new_dir.inner.read();
        if d.disk.links == 0 {
            return Err(Errno::ENOENT);
        }
        (dir::find(&new_dir, &d.disk, new_name)?, d.disk.flags)
    };
    let dst = match &new_e {
        Some(e) => Some(entry_inode(fs, e.ino)?),
        None => None,
    };
    if let Some(dst) = &dst {
        if flags & RENAME_NOREPLACE != 0 {
            return Err(Errno::EEXIST);
        }
        if Arc::ptr_eq(dst, &src) {
            return Ok(());
        }
        match (src.is_dir(), dst.is_dir()) {
            (true, false) => return Err(Errno::ENOTDIR),
            (false, true) => return Err(Errno::EISDIR),
            _ => {}
        }
        if dst.inner.read().disk.flags & (IMMUTABLE_FL | APPEND_FL) != 0
            || new_dir_flags & APPEND_FL != 0
        {
            return Err(Errno::EPERM);
        }
    }
    if new_dir_flags & IMMUTABLE_FL != 0 {
        return Err(Errno::EPERM);
    }
    let same_dir = old_dir.ino == new_dir.ino;
    let moving_dir = src.is_dir();
    if moving_dir && !same_dir && is_ancestor(fs, src.ino, &new_dir)? {
        return Err(Errno::EINVAL);
    }
    if let Some(dst) = dst.as_ref().filter(|d| d.is_dir())
        && !dir::is_empty(dst, &dst.inner.read().disk)
    {
        return Err(Errno::ENOTEMPTY);
    }
    if moving_dir
        && dst.is_none()
        && !same_dir
        && new_dir.inner.read().disk.links as u32 >= LINK_MAX
    {
        return Err(Errno::EMLINK);
    }
    let dotdot = if moving_dir {
        Some(dir::dotdot(&src, &src.inner.read().disk)?)
    } else {
        None
    };
    let ftype = dir::ftype_of_mode(src.kind());

    match (&dst, &new_e) {
        (Some(dst), Some(e)) => {
            {
                let mut d = new_dir.inner.write();
                dir::set_link(&new_dir, &mut d, e, src.ino, ftype, true)?;
                new_dir.save(&mut d)?;
            }
            let mut t = dst.inner.write();
            t.disk.ctime = fs.now();
            if moving_dir {
                t.disk.links = t.disk.links.saturating_sub(1);
            }
            t.disk.links = t.disk.links.saturating_sub(1);
            dst.save(&mut t)?;
        }
        _ => {
            let mut d = new_dir.inner.write();
            dir::add(&new_dir, &mut d, new_name, src.ino, ftype)?;
            if moving_dir {
                d.disk.links = d.disk.links.saturating_add(1);
            }
            new_dir.save(&mut d)?;
        }
    }
    {
        let mut s = src.inner.write();
        s.disk.ctime = fs.now();
        src.save(&mut s)?;
    }
    remove_entry(old_dir, &old_e, false)?;
    if let Some(dd) = dotdot {
        if !same_dir {
            let mut s = src.inner.write();
            dir::set_link(&src, &mut s, &dd, new_dir.ino, FT_DIR, false)?;
            src.save(&mut s)?;
        }
        let mut d = old_dir.inner.write();
        d.disk.links = d.disk.links.saturating_sub(1);
        old_dir.save(&mut d)?;
    }
    Ok(())
}
