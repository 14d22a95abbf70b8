//! Inodes: metadata from the raw inode, names from the directory tables, data and long symlink
//! targets through `ext4-view` by path. Every change answers `EROFS`.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::dir::DirTable;
use super::file::FileState;
use super::fs::{Ext4Fs, errno};
use super::layout::{INLINE_DATA_FL, RawInode};
use crate::sync::Mutex;
use crate::vfs::inode::{FileSystem, Inode};
use crate::vfs::io::{ReadDest, WriteSrc};
use crate::vfs::types::*;
use crate::{Errno, SysResult};

pub struct Ext4Inode {
    pub(super) fs: Arc<Ext4Fs>,
    pub(super) ino: u32,
    pub(super) raw: RawInode,
    /// An absolute path to this inode, for `ext4-view`'s path-based calls.
    pub(super) path: Box<[u8]>,
    body: Body,
}

enum Body {
    /// The directory's entries, read at the first lookup or readdir.
    Dir(Mutex<Option<Arc<DirTable>>>),
    File(FileState),
    /// The target, once read.
    Symlink(Mutex<Option<Vec<u8>>>),
    /// Device nodes, fifos and sockets: metadata only.
    Special,
}

impl Ext4Inode {
    pub(super) fn new(fs: Arc<Ext4Fs>, ino: u32, raw: RawInode, path: Box<[u8]>) -> Ext4Inode {
        let body = match raw.file_type() {
            FileType::Directory => Body::Dir(Mutex::new(None)),
            FileType::Regular => Body::File(FileState::new(&fs.geo, &raw)),
            FileType::Symlink => Body::Symlink(Mutex::new(None)),
            _ => Body::Special,
        };
        Ext4Inode {
            fs,
            ino,
            raw,
            path,
            body,
        }
    }

    /// The inode number.
    pub fn ino(&self) -> u32 {
        self.ino
    }

    /// The directory's table, read on first use. Reads happen without the lock held (the
    /// locks do not sleep); two first uses racing read twice and keep one.
    fn table(&self) -> SysResult<Arc<DirTable>> {
        let Body::Dir(slot) = &self.body else {
            return Err(Errno::ENOTDIR);
        };
        if let Some(t) = &*slot.lock() {
            return Ok(t.clone());
        }
        if self.raw.flags & INLINE_DATA_FL != 0 {
            // The crate refuses inline_data filesystems, so this flag is damage.
            return Err(Errno::EIO);
        }
        let t = Arc::new(DirTable::read(&self.fs.disk, &self.fs.geo, &self.raw)?);
        Ok(slot.lock().get_or_insert(t).clone())
    }

    fn child_path(&self, name: &[u8]) -> Vec<u8> {
        let mut p = Vec::with_capacity(self.path.len() + 1 + name.len());
        p.extend_from_slice(&self.path);
        if p.last() != Some(&b'/') {
            p.push(b'/');
        }
        p.extend_from_slice(name);
        p
    }

    /// `ext4_get_link`: a fast symlink keeps its target in `i_block` (Linux's test is that it
    /// owns no data blocks), a slow one in its first block, read through `ext4-view`.
    fn read_target(&self) -> SysResult<Vec<u8>> {
        let raw = &self.raw;
        let bs = self.fs.geo.block_size as u64;
        if raw.size == 0 || raw.size > bs {
            log::warn!("ext4: inode {}: bad symlink size {}", self.ino, raw.size);
            return Err(Errno::EIO);
        }
        let len = raw.size as usize;
        let ea_sectors = if raw.file_acl != 0 {
            (bs * self.fs.geo.cluster_ratio) >> 9
        } else {
            0
        };
        let fast = raw.flags & INLINE_DATA_FL == 0 && raw.blocks == ea_sectors;
        if fast {
            // As `ext4_iget`: shorter than `i_block`, NUL-terminated right after the target.
            let target = raw.i_block.get(..len).ok_or(Errno::EIO)?;
            if target.contains(&0) || raw.i_block.get(len) != Some(&0) {
                return Err(Errno::EIO);
            }
            return Ok(target.to_vec());
        }
        // ext4-view decides by length alone (under 60 bytes: inline); a short target in a
        // block, which Linux itself never writes, would be misread.
        if len < raw.i_block.len() {
            log::warn!("ext4: inode {}: short symlink stored in a block", self.ino);
            return Err(Errno::EIO);
        }
        self.fs.with_view(|view, _| {
            let target = view.read_link(&*self.path).map_err(|e| errno(&e))?;
            let target: &[u8] = target.as_ref();
            if target.len() != len {
                return Err(Errno::EIO);
            }
            Ok(target.to_vec())
        })
    }
}

impl Inode for Ext4Inode {
    fn metadata(&self) -> Metadata {
        let r = &self.raw;
        Metadata {
            dev: self.fs.dev_id(),
            ino: self.ino as u64,
            mode: r.mode,
            nlink: r.nlink,
            uid: r.uid,
            gid: r.gid,
            rdev: r.rdev,
            size: r.size,
            blksize: self.fs.geo.block_size,
            blocks: r.blocks,
            atime: r.atime,
            mtime: r.mtime,
            ctime: r.ctime,
            btime: r.crtime,
        }
    }

    fn fs(&self) -> Arc<dyn FileSystem> {
        self.fs.clone()
    }

    fn file_type(&self) -> FileType {
        self.raw.file_type()
    }

    fn lookup(&self, name: &[u8]) -> SysResult<Arc<dyn Inode>> {
        let table = self.table()?;
        let entry = table.find(name).ok_or(Errno::ENOENT)?;
        let inode = self.fs.iget(entry.ino, &self.child_path(name))?;
        Ok(inode)
    }

    fn create(&self, _name: &[u8], _attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        Err(Errno::EROFS)
    }

    fn symlink(&self, _name: &[u8], _target: &[u8], _attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        Err(Errno::EROFS)
    }

    fn link(&self, _name: &[u8], _inode: &Arc<dyn Inode>) -> SysResult<()> {
        Err(Errno::EROFS)
    }

    fn unlink(&self, _name: &[u8]) -> SysResult<()> {
        Err(Errno::EROFS)
    }

    fn rmdir(&self, _name: &[u8]) -> SysResult<()> {
        Err(Errno::EROFS)
    }

    fn rename(
        &self,
        _old: &[u8],
        _dir: &Arc<dyn Inode>,
        _new: &[u8],
        _flags: u32,
    ) -> SysResult<()> {
        Err(Errno::EROFS)
    }

    /// Cookies: 0 is `.`, 1 is `..`, `n + 2` the n-th entry on disk; the table never changes,
    /// so a cookie stays valid for the life of the mount.
    fn readdir(&self, pos: u64, sink: &mut dyn DirSink) -> SysResult<()> {
        let table = self.table()?;
        const DT_DIR: u8 = FileType::Directory.dirent_type();
        let mut pos = pos;
        if pos == 0 {
            if !sink.push(self.ino as u64, 1, DT_DIR, b".") {
                return Ok(());
            }
            pos = 1;
        }
        if pos == 1 {
            let parent = table.parent.unwrap_or(self.ino);
            if !sink.push(parent as u64, 2, DT_DIR, b"..") {
                return Ok(());
            }
            pos = 2;
        }
        let start = usize::try_from(pos - 2).unwrap_or(usize::MAX);
        for (i, e) in table.entries.iter().enumerate().skip(start) {
            if !sink.push(e.ino as u64, i as u64 + 3, e.dtype, &e.name) {
                break;
            }
        }
        Ok(())
    }

    fn readlink(&self) -> SysResult<Vec<u8>> {
        let Body::Symlink(slot) = &self.body else {
            return Err(Errno::EINVAL);
        };
        if let Some(t) = &*slot.lock() {
            return Ok(t.clone());
        }
        let t = self.read_target()?;
        Ok(slot.lock().get_or_insert(t).clone())
    }

    fn read_at(&self, offset: u64, dest: &mut dyn ReadDest) -> SysResult<usize> {
        match &self.body {
            Body::File(state) => state.read(self, offset, dest),
            Body::Dir(_) => Err(Errno::EISDIR),
            _ => Err(Errno::EINVAL),
        }
    }

    fn write_at(&self, _offset: u64, _src: &dyn WriteSrc) -> SysResult<usize> {
        Err(Errno::EROFS)
    }

    fn append(&self, _src: &dyn WriteSrc) -> SysResult<(usize, u64)> {
        Err(Errno::EROFS)
    }

    fn setattr(&self, _attr: &SetAttr) -> SysResult<()> {
        Err(Errno::EROFS)
    }
}
