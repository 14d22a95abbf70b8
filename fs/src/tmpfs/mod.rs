//! tmpfs: a filesystem that lives in memory (Linux `mm/shmem.c`).
//!
//! Sizes, link counts and timestamps follow shmem: directories start at 2 links and 40 bytes
//! and grow 20 bytes per entry, creating or removing an entry stamps the directory's mtime and
//! ctime, writing stamps the file's, link-count changes stamp ctime, reads follow relatime.
//! Unlinked files live on while open (the open file holds the inode). Optional limits on
//! pages and inodes give `ENOSPC` like `size=`/`nr_inodes=`.
//!
//! Locking: every directory change arrives with the VFS holding the directory's dentry lock,
//! so tmpfs takes its own locks one at a time and never nests them.

mod dir;
mod file;

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::clock;
use crate::sync::Mutex;
use crate::vfs::inode::{FileSystem, Inode, alloc_anon_dev, downcast_inode, relatime_needs_update};
use crate::vfs::io::{ReadDest, WriteSrc};
use crate::vfs::types::*;
use crate::{Errno, SysResult};
use dir::DirData;
use file::FileData;
pub use file::PAGE_SIZE;

/// `statfs` magic of tmpfs (and devtmpfs).
pub const TMPFS_MAGIC: u64 = 0x0102_1994;
/// Bytes a directory entry adds to a directory's size.
const BOGO_DIRENT_SIZE: u64 = 20;
/// Symlink targets longer than this (NUL included) take a page.
const SHORT_SYMLINK_LEN: usize = 128;

/// Mount options of a tmpfs instance.
#[derive(Clone, Debug)]
pub struct TmpfsOptions {
    /// Type name reported in `/proc/mounts` ("tmpfs", "devtmpfs").
    pub name: &'static str,
    /// Permission bits of the root directory (`mode=`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Most pages of file data (`size=`); `None`: unlimited.
    pub max_pages: Option<u64>,
    /// Most inodes (`nr_inodes=`); `None`: unlimited.
    pub max_inodes: Option<u64>,
}

impl Default for TmpfsOptions {
    fn default() -> Self {
        TmpfsOptions {
            name: "tmpfs",
            mode: 0o1777,
            uid: 0,
            gid: 0,
            max_pages: None,
            max_inodes: None,
        }
    }
}

/// Create a tmpfs instance and return its root directory.
pub fn new(options: TmpfsOptions) -> Arc<dyn Inode> {
    let fs = Arc::new(TmpFs {
        name: options.name,
        dev: alloc_anon_dev(),
        next_ino: AtomicU64::new(1),
        max_pages: options.max_pages,
        used_pages: AtomicU64::new(0),
        max_inodes: options.max_inodes,
        inodes: AtomicU64::new(0),
    });
    let attr = NewInode {
        mode: S_IFDIR | (options.mode & S_IALLUGO),
        uid: options.uid,
        gid: options.gid,
        rdev: 0,
    };
    let ino = fs.next_ino.fetch_add(1, Ordering::Relaxed);
    fs.inodes.fetch_add(1, Ordering::Relaxed);
    TmpInode::new(
        &fs,
        ino,
        &attr,
        Body::Dir(Mutex::new(DirData::new(ino))),
        0,
        clock::now(),
    )
}

pub struct TmpFs {
    name: &'static str,
    dev: u64,
    next_ino: AtomicU64,
    max_pages: Option<u64>,
    used_pages: AtomicU64,
    max_inodes: Option<u64>,
    inodes: AtomicU64,
}

impl TmpFs {
    fn charge(counter: &AtomicU64, max: Option<u64>, n: u64) -> SysResult<()> {
        let Some(max) = max else {
            counter.fetch_add(n, Ordering::Relaxed);
            return Ok(());
        };
        counter
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |used| {
                used.checked_add(n).filter(|&total| total <= max)
            })
            .map(|_| ())
            .map_err(|_| Errno::ENOSPC)
    }

    pub(crate) fn charge_pages(&self, n: u64) -> SysResult<()> {
        Self::charge(&self.used_pages, self.max_pages, n)
    }

    pub(crate) fn uncharge_pages(&self, n: u64) {
        self.used_pages.fetch_sub(n, Ordering::AcqRel);
    }

    fn new_inode(
        self: &Arc<Self>,
        attr: &NewInode,
        body: Body,
        size: u64,
        now: Timespec,
    ) -> SysResult<Arc<TmpInode>> {
        Self::charge(&self.inodes, self.max_inodes, 1)?;
        let ino = self.next_ino.fetch_add(1, Ordering::Relaxed);
        Ok(TmpInode::new(self, ino, attr, body, size, now))
    }
}

impl FileSystem for TmpFs {
    fn name(&self) -> &'static str {
        self.name
    }

    fn dev(&self) -> u64 {
        self.dev
    }

    fn statfs(&self) -> StatFs {
        let used = self.used_pages.load(Ordering::Relaxed);
        let inodes = self.inodes.load(Ordering::Relaxed);
        let (blocks, free) = self
            .max_pages
            .map_or((0, 0), |max| (max, max.saturating_sub(used)));
        let (files, ffree) = self
            .max_inodes
            .map_or((0, 0), |max| (max, max.saturating_sub(inodes)));
        StatFs {
            fs_type: TMPFS_MAGIC,
            block_size: PAGE_SIZE as u64,
            blocks,
            blocks_free: free,
            blocks_avail: free,
            files,
            files_free: ffree,
            name_max: NAME_MAX as u64,
            fragment_size: PAGE_SIZE as u64,
        }
    }
}

enum Body {
    File(FileData),
    Dir(Mutex<DirData>),
    Symlink(Box<[u8]>),
    /// Device nodes, fifos and sockets: attributes only.
    Special,
}

struct Meta {
    mode: u32,
    nlink: u32,
    uid: u32,
    gid: u32,
    rdev: u64,
    size: u64,
    atime: Timespec,
    mtime: Timespec,
    ctime: Timespec,
    btime: Timespec,
}

pub struct TmpInode {
    fs: Arc<TmpFs>,
    ino: u64,
    meta: Mutex<Meta>,
    body: Body,
}

impl TmpInode {
    fn new(
        fs: &Arc<TmpFs>,
        ino: u64,
        attr: &NewInode,
        body: Body,
        size: u64,
        now: Timespec,
    ) -> Arc<TmpInode> {
        let is_dir = matches!(body, Body::Dir(_));
        Arc::new(TmpInode {
            fs: fs.clone(),
            ino,
            meta: Mutex::new(Meta {
                mode: attr.mode,
                nlink: if is_dir { 2 } else { 1 },
                uid: attr.uid,
                gid: attr.gid,
                rdev: attr.rdev,
                size: if is_dir { 2 * BOGO_DIRENT_SIZE } else { size },
                atime: now,
                mtime: now,
                ctime: now,
                btime: now,
            }),
            body,
        })
    }

    fn dir(&self) -> SysResult<&Mutex<DirData>> {
        match &self.body {
            Body::Dir(d) => Ok(d),
            _ => Err(Errno::ENOTDIR),
        }
    }

    fn is_dir(&self) -> bool {
        matches!(self.body, Body::Dir(_))
    }

    fn dtype(&self) -> u8 {
        FileType::from_mode(self.meta.lock().mode).map_or(0, FileType::dirent_type)
    }

    /// One of ours, from the same instance (`EXDEV` otherwise).
    fn same_fs(&self, other: &Arc<dyn Inode>) -> SysResult<Arc<TmpInode>> {
        downcast_inode::<TmpInode>(other)
            .filter(|o| Arc::ptr_eq(&o.fs, &self.fs))
            .ok_or(Errno::EXDEV)
    }

    /// Directory bookkeeping after an entry was added or removed.
    fn entries_changed(&self, added: i64, subdirs: i64, now: Timespec) {
        let mut m = self.meta.lock();
        m.size = m
            .size
            .saturating_add_signed(added * BOGO_DIRENT_SIZE as i64);
        m.nlink = m.nlink.saturating_add_signed(subdirs as i32);
        m.mtime = now;
        m.ctime = now;
    }

    fn change_links(&self, delta: i32, now: Timespec) {
        let mut m = self.meta.lock();
        m.nlink = m.nlink.saturating_add_signed(delta);
        m.ctime = now;
    }

    fn set_parent(&self, parent_ino: u64) {
        if let Body::Dir(d) = &self.body {
            d.lock().parent_ino = parent_ino;
        }
    }

    fn file(&self) -> SysResult<&FileData> {
        match &self.body {
            Body::File(f) => Ok(f),
            Body::Dir(_) => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Write with `write_lock` held; `offset` None appends.
    fn write_locked(
        &self,
        data: &FileData,
        offset: Option<u64>,
        src: &dyn WriteSrc,
    ) -> SysResult<(usize, u64)> {
        let offset = offset.unwrap_or_else(|| self.meta.lock().size);
        let n = data.write(&self.fs, offset, src)?;
        let end = offset + n as u64;
        if n > 0 {
            let now = clock::now();
            let mut m = self.meta.lock();
            m.size = m.size.max(end);
            m.mtime = now;
            m.ctime = now;
        }
        Ok((n, end))
    }
}

impl Drop for TmpInode {
    fn drop(&mut self) {
        if let Body::File(data) = &self.body {
            self.fs.uncharge_pages(data.page_count());
        }
        self.fs.inodes.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Inode for TmpInode {
    fn metadata(&self) -> Metadata {
        let blocks = match &self.body {
            Body::File(data) => data.page_count() * (PAGE_SIZE as u64 / 512),
            Body::Symlink(t) if t.len() + 1 > SHORT_SYMLINK_LEN => PAGE_SIZE as u64 / 512,
            _ => 0,
        };
        let m = self.meta.lock();
        Metadata {
            dev: self.fs.dev,
            ino: self.ino,
            mode: m.mode,
            nlink: m.nlink,
            uid: m.uid,
            gid: m.gid,
            rdev: m.rdev,
            size: m.size,
            blksize: PAGE_SIZE as u32,
            blocks,
            atime: m.atime,
            mtime: m.mtime,
            ctime: m.ctime,
            btime: Some(m.btime),
        }
    }

    fn fs(&self) -> Arc<dyn FileSystem> {
        self.fs.clone()
    }

    fn file_type(&self) -> FileType {
        match &self.body {
            Body::File(_) => FileType::Regular,
            Body::Dir(_) => FileType::Directory,
            Body::Symlink(_) => FileType::Symlink,
            Body::Special => {
                FileType::from_mode(self.meta.lock().mode).unwrap_or(FileType::Regular)
            }
        }
    }

    fn lookup(&self, name: &[u8]) -> SysResult<Arc<dyn Inode>> {
        match self.dir()?.lock().get(name) {
            Some(inode) => Ok(inode.clone()),
            None => Err(Errno::ENOENT),
        }
    }

    fn tmpfile(&self, attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        let dir = self.dir()?;
        if dir.lock().dead {
            return Err(Errno::ENOENT);
        }
        if attr.mode & S_IFMT != S_IFREG {
            return Err(Errno::EINVAL);
        }
        let now = clock::now();
        let inode = self.fs.new_inode(attr, Body::File(FileData::new()), 0, now)?;
        // Never linked: it goes when the last open file drops it.
        inode.change_links(-1, now);
        Ok(inode)
    }

    fn create(&self, name: &[u8], attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        let dir = self.dir()?;
        let body = match attr.mode & S_IFMT {
            S_IFREG => Body::File(FileData::new()),
            S_IFDIR => Body::Dir(Mutex::new(DirData::new(self.ino))),
            S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK => Body::Special,
            _ => return Err(Errno::EINVAL),
        };
        let is_dir = matches!(body, Body::Dir(_));
        let now = clock::now();
        let inode = {
            let mut d = dir.lock();
            if d.dead {
                return Err(Errno::ENOENT);
            }
            if d.get(name).is_some() {
                return Err(Errno::EEXIST);
            }
            let inode = self.fs.new_inode(attr, body, 0, now)?;
            d.insert(name, inode.clone());
            inode
        };
        self.entries_changed(1, is_dir as i64, now);
        Ok(inode)
    }

    fn symlink(&self, name: &[u8], target: &[u8], attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        let dir = self.dir()?;
        if target.len() + 1 > PAGE_SIZE {
            return Err(Errno::ENAMETOOLONG);
        }
        let now = clock::now();
        let inode = {
            let mut d = dir.lock();
            if d.dead {
                return Err(Errno::ENOENT);
            }
            if d.get(name).is_some() {
                return Err(Errno::EEXIST);
            }
            let attr = NewInode {
                mode: S_IFLNK | (attr.mode & S_IALLUGO),
                ..*attr
            };
            let inode = self.fs.new_inode(
                &attr,
                Body::Symlink(Box::from(target)),
                target.len() as u64,
                now,
            )?;
            d.insert(name, inode.clone());
            inode
        };
        self.entries_changed(1, 0, now);
        Ok(inode)
    }

    fn link(&self, name: &[u8], inode: &Arc<dyn Inode>) -> SysResult<()> {
        let dir = self.dir()?;
        let target = self.same_fs(inode)?;
        if target.is_dir() {
            return Err(Errno::EPERM);
        }
        let now = clock::now();
        {
            let mut d = dir.lock();
            if d.dead {
                return Err(Errno::ENOENT);
            }
            if d.get(name).is_some() {
                return Err(Errno::EEXIST);
            }
            d.insert(name, target.clone());
        }
        target.change_links(1, now);
        self.entries_changed(1, 0, now);
        Ok(())
    }

    fn unlink(&self, name: &[u8]) -> SysResult<()> {
        let dir = self.dir()?;
        let victim = {
            let mut d = dir.lock();
            let victim = d.get(name).cloned().ok_or(Errno::ENOENT)?;
            if victim.is_dir() {
                return Err(Errno::EISDIR);
            }
            d.remove(name);
            victim
        };
        let now = clock::now();
        victim.change_links(-1, now);
        self.entries_changed(-1, 0, now);
        Ok(())
    }

    fn rmdir(&self, name: &[u8]) -> SysResult<()> {
        let dir = self.dir()?;
        let victim = dir.lock().get(name).cloned().ok_or(Errno::ENOENT)?;
        {
            let mut v = victim.dir()?.lock();
            if !v.is_empty() {
                return Err(Errno::ENOTEMPTY);
            }
            v.dead = true;
        }
        dir.lock().remove(name);
        let now = clock::now();
        {
            let mut m = victim.meta.lock();
            m.nlink = 0;
            m.ctime = now;
        }
        self.entries_changed(-1, -1, now);
        Ok(())
    }

    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &Arc<dyn Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> SysResult<()> {
        if flags & !(RENAME_NOREPLACE | RENAME_EXCHANGE) != 0 {
            return Err(Errno::EINVAL);
        }
        let new_dir = self.same_fs(new_dir)?;
        let (od, nd) = (self.dir()?, new_dir.dir()?);
        let same_dir = core::ptr::eq(self, &*new_dir);
        let src = od.lock().get(old_name).cloned().ok_or(Errno::ENOENT)?;
        let dst = nd.lock().get(new_name).cloned();
        let now = clock::now();

        if flags & RENAME_EXCHANGE != 0 {
            let dst = dst.ok_or(Errno::ENOENT)?;
            od.lock().replace(old_name, dst.clone());
            nd.lock().replace(new_name, src.clone());
            if !same_dir {
                let (src_dir, dst_dir) = (src.is_dir() as i64, dst.is_dir() as i64);
                self.entries_changed(0, dst_dir - src_dir, now);
                new_dir.entries_changed(0, src_dir - dst_dir, now);
                src.set_parent(new_dir.ino);
                dst.set_parent(self.ino);
            } else {
                self.entries_changed(0, 0, now);
            }
            src.change_links(0, now);
            dst.change_links(0, now);
            return Ok(());
        }

        if let Some(dst) = &dst {
            if flags & RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if let Body::Dir(d) = &dst.body {
                let mut d = d.lock();
                if !d.is_empty() {
                    return Err(Errno::ENOTEMPTY);
                }
                d.dead = true;
            }
        }
        let src_is_dir = src.is_dir();
        if let Some(dst) = &dst {
            nd.lock().remove(new_name);
            if dst.is_dir() {
                dst.meta.lock().nlink = 0;
                dst.change_links(0, now);
                new_dir.entries_changed(-1, -1, now);
            } else {
                dst.change_links(-1, now);
                new_dir.entries_changed(-1, 0, now);
            }
        }
        od.lock().remove(old_name);
        nd.lock().insert(new_name, src.clone());
        if same_dir {
            self.entries_changed(0, 0, now);
        } else {
            self.entries_changed(-1, -(src_is_dir as i64), now);
            new_dir.entries_changed(1, src_is_dir as i64, now);
            src.set_parent(new_dir.ino);
        }
        src.change_links(0, now);
        Ok(())
    }

    fn readdir(&self, pos: u64, sink: &mut dyn DirSink) -> SysResult<()> {
        let d = self.dir()?.lock();
        let mut pos = pos;
        if pos == 0 {
            if !sink.push(self.ino, 1, FileType::Directory.dirent_type(), b".") {
                return Ok(());
            }
            pos = 1;
        }
        if pos == 1 {
            if !sink.push(d.parent_ino, 2, FileType::Directory.dirent_type(), b"..") {
                return Ok(());
            }
            pos = 2;
        }
        for (cookie, entry) in d.entries_from(pos) {
            if !sink.push(
                entry.inode.ino,
                cookie + 1,
                entry.inode.dtype(),
                &entry.name,
            ) {
                break;
            }
        }
        Ok(())
    }

    fn readlink(&self) -> SysResult<Vec<u8>> {
        match &self.body {
            Body::Symlink(target) => Ok(target.to_vec()),
            _ => Err(Errno::EINVAL),
        }
    }

    fn read_at(&self, offset: u64, dest: &mut dyn ReadDest) -> SysResult<usize> {
        let data = self.file()?;
        let size = self.meta.lock().size;
        data.read(offset, size, dest)
    }

    fn write_at(&self, offset: u64, src: &dyn WriteSrc) -> SysResult<usize> {
        let data = self.file()?;
        let _w = data.write_lock.lock();
        self.write_locked(data, Some(offset), src).map(|(n, _)| n)
    }

    fn append(&self, src: &dyn WriteSrc) -> SysResult<(usize, u64)> {
        let data = self.file()?;
        let _w = data.write_lock.lock();
        self.write_locked(data, None, src)
    }

    fn seek_data(&self, offset: u64, hole: bool) -> SysResult<u64> {
        let data = self.file()?;
        let size = self.meta.lock().size;
        data.seek(offset, size, hole)
    }

    fn setattr(&self, attr: &SetAttr) -> SysResult<()> {
        let _w = match (attr.size, &self.body) {
            (None, _) => None,
            (Some(size), Body::File(_)) if size > MAX_FILE_SIZE => return Err(Errno::EFBIG),
            (Some(size), Body::File(data)) => {
                let w = data.write_lock.lock();
                let old = self.meta.lock().size;
                if size < old {
                    data.truncate(&self.fs, size);
                }
                self.meta.lock().size = size;
                Some(w)
            }
            (Some(_), Body::Dir(_)) => return Err(Errno::EISDIR),
            (Some(_), _) => return Err(Errno::EINVAL),
        };
        let mut m = self.meta.lock();
        if let Some(mode) = attr.mode {
            m.mode = (m.mode & S_IFMT) | (mode & S_IALLUGO);
        }
        if let Some(uid) = attr.uid {
            m.uid = uid;
        }
        if let Some(gid) = attr.gid {
            m.gid = gid;
        }
        if let Some(t) = attr.atime {
            m.atime = t;
        }
        if let Some(t) = attr.mtime {
            m.mtime = t;
        }
        if let Some(t) = attr.ctime {
            m.ctime = t;
        }
        Ok(())
    }

    fn touch_atime(&self) {
        let now = clock::now();
        let mut m = self.meta.lock();
        if relatime_needs_update(m.atime, m.mtime, m.ctime, now) {
            m.atime = now;
        }
    }
}

#[cfg(test)]
mod tests;
