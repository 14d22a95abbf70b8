//! Inodes: the on-disk record (`struct ext2_inode`), the in-memory inode, and its VFS face.
//!
//! Every change is stored into the inode table block right away (the block is written back
//! with the rest of the cache), so there is no separate dirty-inode list. An inode whose last
//! link is gone is deleted when its last reference drops (`ext2_evict_inode`): unlinking an
//! open file keeps it readable until it is closed.
//!
//! Locking: `inner` is the inode's lock (`i_rwsem` and `i_meta_lock` in one). Operations that
//! change names run under the filesystem's namespace lock and take inode locks one at a time,
//! never nested, so no lock order between inodes is needed.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::dir;
use super::file;
use super::fs::Ext2Fs;
use super::layout::*;
use super::namei;
use super::symlink;
use crate::sync::RwLock;
use crate::vfs::inode::{FileSystem, Inode, relatime_needs_update};
use crate::vfs::io::{ReadDest, WriteSrc};
use crate::vfs::types::*;
use crate::{Errno, SysResult};

/// The fields of an on-disk inode ext2 uses. Times are seconds (ext2 has no sub-second part).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct DiskInode {
    pub mode: u16,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub atime: i64,
    pub ctime: i64,
    pub mtime: i64,
    pub dtime: u32,
    pub links: u16,
    /// 512-byte sectors held, indirect and extended-attribute blocks included.
    pub blocks: u32,
    pub flags: u32,
    pub block: [u32; N_BLOCKS],
    pub generation: u32,
    pub file_acl: u32,
    /// Not yet written: the whole on-disk inode is cleared first (`EXT2_STATE_NEW`).
    pub new: bool,
}

impl DiskInode {
    /// Decode an inode; `uid16` ignores the high halves of the ids (`nouid32`).
    pub fn parse(raw: &[u8], uid16: bool) -> DiskInode {
        let mode = get_u16(raw, ino::MODE);
        let (mut uid, mut gid) = (get_u16(raw, ino::UID) as u32, get_u16(raw, ino::GID) as u32);
        if !uid16 {
            uid |= (get_u16(raw, ino::UID_HIGH) as u32) << 16;
            gid |= (get_u16(raw, ino::GID_HIGH) as u32) << 16;
        }
        let mut size = get_u32(raw, ino::SIZE) as u64;
        if mode as u32 & S_IFMT == S_IFREG {
            size |= (get_u32(raw, ino::SIZE_HIGH) as u64) << 32;
        }
        let mut block = [0u32; N_BLOCKS];
        for (i, b) in block.iter_mut().enumerate() {
            *b = get_u32(raw, ino::BLOCK + 4 * i);
        }
        let time = |off| get_u32(raw, off) as i32 as i64;
        DiskInode {
            mode,
            uid,
            gid,
            size,
            atime: time(ino::ATIME),
            ctime: time(ino::CTIME),
            mtime: time(ino::MTIME),
            dtime: get_u32(raw, ino::DTIME),
            links: get_u16(raw, ino::LINKS_COUNT),
            blocks: get_u32(raw, ino::BLOCKS),
            flags: get_u32(raw, ino::FLAGS),
            block,
            generation: get_u32(raw, ino::GENERATION),
            file_acl: get_u32(raw, ino::FILE_ACL),
            new: false,
        }
    }

    /// Encode into `raw` (one on-disk inode), leaving fields ext2 does not use alone
    /// (`__ext2_write_inode`).
    pub fn store(&self, raw: &mut [u8], uid16: bool) {
        if self.new {
            raw.fill(0);
        }
        set_u16(raw, ino::MODE, self.mode);
        if uid16 {
            let low = |id: u32| if id > 0xffff { 65534 } else { id as u16 };
            set_u16(raw, ino::UID, low(self.uid));
            set_u16(raw, ino::GID, low(self.gid));
            set_u16(raw, ino::UID_HIGH, 0);
            set_u16(raw, ino::GID_HIGH, 0);
        } else {
            set_u16(raw, ino::UID, self.uid as u16);
            set_u16(raw, ino::GID, self.gid as u16);
            // A deleted inode keeps no high halves, for old kernels that reuse it.
            let alive = self.dtime == 0;
            set_u16(
                raw,
                ino::UID_HIGH,
                if alive { (self.uid >> 16) as u16 } else { 0 },
            );
            set_u16(
                raw,
                ino::GID_HIGH,
                if alive { (self.gid >> 16) as u16 } else { 0 },
            );
        }
        set_u16(raw, ino::LINKS_COUNT, self.links);
        set_u32(raw, ino::SIZE, self.size as u32);
        set_u32(raw, ino::ATIME, self.atime as i32 as u32);
        set_u32(raw, ino::CTIME, self.ctime as i32 as u32);
        set_u32(raw, ino::MTIME, self.mtime as i32 as u32);
        set_u32(raw, ino::BLOCKS, self.blocks);
        set_u32(raw, ino::DTIME, self.dtime);
        set_u32(raw, ino::FLAGS, self.flags);
        set_u32(raw, ino::FILE_ACL, self.file_acl);
        if self.is_reg() {
            set_u32(raw, ino::SIZE_HIGH, (self.size >> 32) as u32);
        }
        set_u32(raw, ino::GENERATION, self.generation);
        for (i, &b) in self.block.iter().enumerate() {
            set_u32(raw, ino::BLOCK + 4 * i, b);
        }
    }

    pub fn kind(&self) -> u32 {
        self.mode as u32 & S_IFMT
    }

    pub fn is_reg(&self) -> bool {
        self.kind() == S_IFREG
    }

    pub fn is_dir(&self) -> bool {
        self.kind() == S_IFDIR
    }

    /// Sectors of the extended-attribute block, if the inode has one.
    pub fn ea_sectors(&self, block_size: usize) -> u32 {
        if self.file_acl != 0 {
            (block_size / 512) as u32
        } else {
            0
        }
    }

    /// A symlink whose target is in `i_block` (`ext2_inode_is_fast_symlink`).
    pub fn is_fast_symlink(&self, block_size: usize) -> bool {
        self.kind() == S_IFLNK && self.blocks.wrapping_sub(self.ea_sectors(block_size)) == 0
    }

    /// Whether the block map describes data blocks (not a device number or a link target).
    pub fn has_block_map(&self, block_size: usize) -> bool {
        matches!(self.kind(), S_IFREG | S_IFDIR)
            || (self.kind() == S_IFLNK && !self.is_fast_symlink(block_size))
    }

    /// The device number of a device node (`makedev` encoding), decoded as Linux's: the old
    /// 8:8 form in `i_block[0]`, else the new 12:20 form in `i_block[1]`.
    pub fn rdev(&self) -> u64 {
        if !matches!(self.kind(), S_IFCHR | S_IFBLK | S_IFIFO | S_IFSOCK) {
            return 0;
        }
        let (major, minor) = if self.block[0] != 0 {
            let v = self.block[0];
            ((v >> 8) & 0xff, v & 0xff)
        } else {
            let v = self.block[1];
            ((v & 0xfff00) >> 8, (v & 0xff) | ((v >> 12) & 0xfff00))
        };
        makedev(major, minor)
    }

    /// Store a device number the way Linux does: old encoding when major and minor fit in a
    /// byte each, else the new one.
    pub fn set_rdev(&mut self, rdev: u64) {
        let (major, minor) = (major(rdev) & 0xfff, minor(rdev) & 0xf_ffff);
        if major < 256 && minor < 256 {
            self.block[0] = (major << 8) | minor;
            self.block[1] = 0;
        } else {
            self.block[0] = 0;
            self.block[1] = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
            self.block[2] = 0;
        }
    }
}

pub(crate) struct InodeData {
    pub disk: DiskInode,
    /// Last block allocated (logical, physical): sequential writes continue after it.
    pub last_alloc: Option<(u64, u32)>,
}

pub struct Ext2Inode {
    pub(crate) fs: Arc<Ext2Fs>,
    pub(crate) ino: u32,
    /// The group the inode lives in: new blocks go near it.
    pub(crate) group: u32,
    /// `S_IFMT` bits, fixed for the inode's life.
    kind: u32,
    pub(crate) inner: RwLock<InodeData>,
}

impl Ext2Inode {
    pub(crate) fn new(fs: Arc<Ext2Fs>, ino: u32, disk: DiskInode) -> Ext2Inode {
        let group = (ino - 1) / fs.geo.inodes_per_group;
        Ext2Inode {
            fs,
            ino,
            group,
            kind: disk.kind(),
            inner: RwLock::new(InodeData {
                disk,
                last_alloc: None,
            }),
        }
    }

    pub fn ino(&self) -> u32 {
        self.ino
    }

    pub(crate) fn is_dir(&self) -> bool {
        self.kind == S_IFDIR
    }

    pub(crate) fn kind(&self) -> u32 {
        self.kind
    }

    /// Write the inode to its inode table block.
    pub(crate) fn save(&self, d: &mut InodeData) -> SysResult<()> {
        self.fs.write_inode(self.ino, &d.disk)?;
        d.disk.new = false;
        Ok(())
    }

    /// `fsync(2)`/`fdatasync(2)`: everything dirty goes to the device, then a device flush.
    pub fn fsync(&self) -> SysResult<()> {
        self.fs.flush()
    }

    fn data_write(&self, offset: Option<u64>, src: &dyn WriteSrc) -> SysResult<(usize, u64)> {
        self.fs.check_writable()?;
        match self.kind {
            S_IFREG => {}
            S_IFDIR => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        }
        let mut d = self.inner.write();
        if d.disk.flags & IMMUTABLE_FL != 0 {
            return Err(Errno::EPERM);
        }
        let offset = offset.unwrap_or(d.disk.size);
        let result = file::write(self, &mut d, offset, src);
        let saved = self.save(&mut d);
        let n = result?;
        saved?;
        Ok((n, offset + n as u64))
    }
}

impl Drop for Ext2Inode {
    fn drop(&mut self) {
        let ino = self.ino;
        let fs = self.fs.clone();
        let d = self.inner.get_mut();
        if d.disk.links == 0 {
            fs.evict(ino, d);
        }
        fs.forget_inode(ino, self as *const Ext2Inode);
    }
}

fn ts(sec: i64) -> Timespec {
    Timespec::new(sec, 0)
}

/// A timestamp as ext2 can hold it: whole seconds in the signed 32-bit range.
fn clamp_time(t: Timespec) -> i64 {
    t.sec.clamp(i32::MIN as i64, i32::MAX as i64)
}

impl Inode for Ext2Inode {
    fn metadata(&self) -> Metadata {
        let d = self.inner.read();
        let k = &d.disk;
        Metadata {
            dev: self.fs.dev_id(),
            ino: self.ino as u64,
            mode: k.mode as u32,
            nlink: k.links as u32,
            uid: k.uid,
            gid: k.gid,
            rdev: k.rdev(),
            size: k.size,
            blksize: self.fs.geo.block_size as u32,
            blocks: k.blocks as u64,
            atime: ts(k.atime),
            mtime: ts(k.mtime),
            ctime: ts(k.ctime),
            btime: None,
        }
    }

    fn fs(&self) -> Arc<dyn FileSystem> {
        self.fs.clone()
    }

    fn file_type(&self) -> FileType {
        FileType::from_mode(self.kind).unwrap_or(FileType::Regular)
    }

    fn lookup(&self, name: &[u8]) -> SysResult<Arc<dyn Inode>> {
        namei::lookup(self, name).map(|i| i as Arc<dyn Inode>)
    }

    fn create(&self, name: &[u8], attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        namei::create(self, name, attr).map(|i| i as Arc<dyn Inode>)
    }

    fn symlink(&self, name: &[u8], target: &[u8], attr: &NewInode) -> SysResult<Arc<dyn Inode>> {
        namei::symlink(self, name, target, attr).map(|i| i as Arc<dyn Inode>)
    }

    fn link(&self, name: &[u8], inode: &Arc<dyn Inode>) -> SysResult<()> {
        namei::link(self, name, inode)
    }

    fn unlink(&self, name: &[u8]) -> SysResult<()> {
        namei::unlink(self, name)
    }

    fn rmdir(&self, name: &[u8]) -> SysResult<()> {
        namei::rmdir(self, name)
    }

    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &Arc<dyn Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> SysResult<()> {
        namei::rename(self, old_name, new_dir, new_name, flags)
    }

    fn readdir(&self, pos: u64, sink: &mut dyn DirSink) -> SysResult<()> {
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let d = self.inner.read();
        dir::readdir(self, &d.disk, pos, sink)
    }

    fn readlink(&self) -> SysResult<Vec<u8>> {
        if self.kind != S_IFLNK {
            return Err(Errno::EINVAL);
        }
        let d = self.inner.read();
        symlink::read(self, &d.disk)
    }

    fn read_at(&self, offset: u64, dest: &mut dyn ReadDest) -> SysResult<usize> {
        match self.kind {
            S_IFREG => {}
            S_IFDIR => return Err(Errno::EISDIR),
            _ => return Err(Errno::EINVAL),
        }
        let d = self.inner.read();
        file::read(self, &d, offset, dest)
    }

    fn write_at(&self, offset: u64, src: &dyn WriteSrc) -> SysResult<usize> {
        self.data_write(Some(offset), src).map(|(n, _)| n)
    }

    fn append(&self, src: &dyn WriteSrc) -> SysResult<(usize, u64)> {
        self.data_write(None, src)
    }

    fn setattr(&self, attr: &SetAttr) -> SysResult<()> {
        self.fs.check_writable()?;
        let mut d = self.inner.write();
        let ids = attr.mode.is_some() || attr.uid.is_some() || attr.gid.is_some();
        if ids && d.disk.flags & (IMMUTABLE_FL | APPEND_FL) != 0 {
            return Err(Errno::EPERM);
        }
        if let Some(size) = attr.size {
            match self.kind {
                S_IFREG => file::set_size(self, &mut d, size)?,
                S_IFDIR => return Err(Errno::EISDIR),
                _ => return Err(Errno::EINVAL),
            }
        }
        let k = &mut d.disk;
        if let Some(mode) = attr.mode {
            k.mode = ((k.mode as u32 & S_IFMT) | (mode & S_IALLUGO)) as u16;
        }
        if let Some(uid) = attr.uid {
            k.uid = uid;
        }
        if let Some(gid) = attr.gid {
            k.gid = gid;
        }
        if let Some(t) = attr.atime {
            k.atime = clamp_time(t);
        }
        if let Some(t) = attr.mtime {
            k.mtime = clamp_time(t);
        }
        if let Some(t) = attr.ctime {
            k.ctime = clamp_time(t);
        }
        self.save(&mut d)
    }

    fn touch_atime(&self) {
        if self.fs.check_writable().is_err() {
            return;
        }
        let mut d = self.inner.write();
        if d.disk.flags & NOATIME_FL != 0 {
            return;
        }
        let now = self.fs.now();
        let k = &d.disk;
        if relatime_needs_update(ts(k.atime), ts(k.mtime), ts(k.ctime), ts(now)) {
            d.disk.atime = now;
            // A failed atime update is not worth an error to a reader.
            let _ = self.save(&mut d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_use_linux_encodings() {
        let mut d = DiskInode {
            mode: (S_IFCHR | 0o600) as u16,
            ..Default::default()
        };
        d.set_rdev(makedev(4, 64));
        assert_eq!(d.block[..2], [0x440, 0]);
        assert_eq!(d.rdev(), makedev(4, 64));
        d.set_rdev(makedev(259, 0x12345));
        assert_eq!(d.block[0], 0);
        assert_eq!(d.block[1], 0x45 | (259 << 8) | (0x12300 << 12));
        assert_eq!(d.rdev(), makedev(259, 0x12345));
    }

    #[test]
    fn inode_round_trip_with_high_ids() {
        let d = DiskInode {
            mode: (S_IFREG | 0o4755) as u16,
            uid: 0x12345,
            gid: 70000,
            size: 5 << 30,
            atime: -5,
            ctime: 1,
            mtime: i32::MAX as i64,
            links: 3,
            blocks: 24,
            block: [7; N_BLOCKS],
            generation: 9,
            ..Default::default()
        };
        let mut raw = [0xffu8; 256];
        let fresh = DiskInode {
            new: true,
            ..d.clone()
        };
        fresh.store(&mut raw, false);
        assert_eq!(
            raw[128..],
            [0u8; 128],
            "a new inode's extra space is cleared"
        );
        assert_eq!(DiskInode::parse(&raw, false), d);
        let narrow = DiskInode::parse(&raw, true);
        assert_eq!((narrow.uid, narrow.gid), (0x2345, 70000 & 0xffff));
        d.store(&mut raw, true);
        assert_eq!(DiskInode::parse(&raw, false).uid, 65534);
    }
}
