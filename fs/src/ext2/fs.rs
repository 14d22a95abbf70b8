//! The mounted filesystem (Linux `ext2_sb_info` and `super.c`): mounting, the superblock's
//! state and counters, sync and unmount, the inode cache, and error handling.
//!
//! Superblock life cycle as Linux's: a read-write mount bumps the mount count and clears
//! `EXT2_VALID_FS` on disk; every sync writes the free counts and `s_wtime`; a clean unmount
//! puts back the state found at mount (valid, unless it had errors) so `e2fsck` sees a clean
//! filesystem. A filesystem error sets `EXT2_ERROR_FS`, and with `errors=remount-ro` makes the
//! filesystem read-only.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use core::fmt;
use core::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, Ordering};

use super::MountOptions;
use super::balloc::{AllocState, Parent};
use super::blockmap;
use super::cache::{Buffer, BufferCache};
use super::group::Groups;
use super::inode::{DiskInode, Ext2Inode, InodeData};
use super::layout::*;
use super::superblock::{self, Geometry};
use crate::blockdev::BlockDevice;
use crate::clock;
use crate::sync::Mutex;
use crate::vfs::inode::{FileSystem, Inode, alloc_anon_dev};
use crate::vfs::types::*;
use crate::{Errno, SysResult};

pub struct Ext2Fs {
    pub(crate) geo: Geometry,
    pub(crate) cache: BufferCache,
    pub(crate) groups: Groups,
    pub(crate) alloc: Mutex<AllocState>,
    /// Serializes operations that change directories.
    pub(crate) ns_lock: Mutex<()>,
    /// The block holding the primary superblock, kept in memory and changed in place.
    sb: Arc<Buffer>,
    dev_id: u64,
    readonly: AtomicBool,
    /// `s_state` as found at mount (what a clean unmount writes back), plus errors since.
    mount_state: AtomicU16,
    /// Mounted and not yet unmounted: the superblock is ours to update.
    active: AtomicBool,
    icache: Mutex<InodeCache>,
    next_generation: AtomicU32,
    /// `grpid`: new inodes take their directory's group.
    grpid: bool,
    /// `nouid32`: only the low 16 bits of ids are stored.
    uid16: bool,
    may_use_reserved: Option<fn(u32, u32) -> bool>,
}

struct InodeCache {
    map: BTreeMap<u32, Weak<Ext2Inode>>,
    sweep_at: usize,
}

/// Read the 1 KiB superblock at byte 1024, whatever the sector size.
fn read_superblock(dev: &dyn BlockDevice) -> SysResult<alloc::vec::Vec<u8>> {
    let ss = dev.block_size() as u64;
    if ss == 0 || !ss.is_power_of_two() {
        return Err(Errno::EINVAL);
    }
    let first = SUPERBLOCK_OFFSET / ss;
    let end = SUPERBLOCK_OFFSET + SUPERBLOCK_SIZE as u64;
    let count = (end - first * ss).div_ceil(ss);
    let mut buf = alloc::vec![0u8; (count * ss) as usize];
    dev.read_blocks(first, &mut buf).map_err(|_| {
        log::warn!("ext2: unable to read superblock");
        Errno::EINVAL
    })?;
    let at = (SUPERBLOCK_OFFSET - first * ss) as usize;
    Ok(buf[at..at + SUPERBLOCK_SIZE].to_vec())
}

impl Ext2Fs {
    /// Mount the filesystem on `dev` (`ext2_fill_super`).
    pub(crate) fn mount(dev: Arc<dyn BlockDevice>, opts: &MountOptions) -> SysResult<Arc<Ext2Fs>> {
        let raw = read_superblock(&*dev)?;
        let dev_bytes = dev.num_blocks().saturating_mul(dev.block_size() as u64);
        let checked = superblock::check(&raw, dev_bytes, dev.block_size(), opts.read_only)?;
        let geo = checked.geo;
        let readonly = opts.read_only || checked.force_readonly;
        let capacity = opts.cache_bytes / geo.block_size;
        let cache = BufferCache::new(dev, geo.block_size, capacity);
        let sb = cache.get(geo.sb_block).map_err(|_| Errno::EINVAL)?;
        if get_u16(&sb.read(), geo.sb_offset + sb::MAGIC) != EXT2_SUPER_MAGIC {
            log::warn!("ext2: magic mismatch");
            return Err(Errno::EINVAL);
        }
        let groups = Groups::load(&cache, &geo)?;
        groups.check(&geo)?;
        let alloc = AllocState::new(&geo, &groups);
        let mount_state = get_u16(&sb.read(), geo.sb_offset + sb::STATE);
        let generation = geo
            .uuid
            .iter()
            .fold(0u32, |a, &b| a.rotate_left(3) ^ b as u32);
        let fs = Arc::new(Ext2Fs {
            grpid: geo.default_mount_opts & DEFM_BSDGROUPS != 0,
            uid16: geo.default_mount_opts & DEFM_UID16 != 0,
            geo,
            cache,
            groups,
            alloc: Mutex::new(alloc),
            ns_lock: Mutex::new(()),
            sb,
            dev_id: opts.dev.unwrap_or_else(alloc_anon_dev),
            readonly: AtomicBool::new(readonly),
            mount_state: AtomicU16::new(mount_state),
            active: AtomicBool::new(false),
            icache: Mutex::new(InodeCache {
                map: BTreeMap::new(),
                sweep_at: 64,
            }),
            next_generation: AtomicU32::new(generation),
            may_use_reserved: opts.may_use_reserved,
        });
        {
            let root = fs.iget(ROOT_INO)?;
            let d = root.inner.read();
            if !d.disk.is_dir() || d.disk.blocks == 0 || d.disk.size == 0 {
                log::warn!("ext2: corrupt root inode, run e2fsck");
                return Err(Errno::EINVAL);
            }
        }
        if get_u32(&fs.sb.read(), fs.geo.sb_offset + sb::FEATURE_COMPAT)
            & FEATURE_COMPAT_HAS_JOURNAL
            != 0
        {
            log::warn!("ext2: mounting ext3 filesystem as ext2");
        }
        fs.active.store(true, Ordering::Release);
        if !fs.is_readonly() {
            fs.setup_super();
            if let Err(e) = fs.write_super() {
                // Not mounted after all: nothing more to write at drop.
                fs.active.store(false, Ordering::Release);
                return Err(e);
            }
        }
        Ok(fs)
    }

    /// The root directory.
    pub fn root(self: &Arc<Self>) -> SysResult<Arc<dyn Inode>> {
        self.iget(ROOT_INO).map(|i| i as Arc<dyn Inode>)
    }

    pub(crate) fn dev_id(&self) -> u64 {
        self.dev_id
    }

    pub fn is_readonly(&self) -> bool {
        self.readonly.load(Ordering::Acquire)
    }

    pub(crate) fn check_writable(&self) -> SysResult<()> {
        if self.is_readonly() {
            Err(Errno::EROFS)
        } else {
            Ok(())
        }
    }

    /// Now, in the seconds ext2 stores.
    pub(crate) fn now(&self) -> i64 {
        clock::now().sec.clamp(i32::MIN as i64, i32::MAX as i64)
    }

    pub(crate) fn may_use_reserved(&self) -> bool {
        self.may_use_reserved
            .is_none_or(|allowed| allowed(self.geo.def_resuid, self.geo.def_resgid))
    }

    fn sb_u16(&self, off: usize) -> u16 {
        get_u16(&self.sb.read(), self.geo.sb_offset + off)
    }

    /// Report a corrupted structure (`ext2_error`): marked in the superblock, and with
    /// `errors=remount-ro` (or panic, which this kernel does not do) the filesystem turns
    /// read-only.
    pub(crate) fn error(&self, args: fmt::Arguments) {
        log::error!("EXT2-fs error: {args}");
        if self.is_readonly() {
            return;
        }
        self.mount_state.fetch_or(ERROR_FS, Ordering::AcqRel);
        {
            let mut b = self.sb.write();
            let off = self.geo.sb_offset + sb::STATE;
            let state = get_u16(&b, off);
            set_u16(&mut b, off, state | ERROR_FS);
        }
        if self.geo.errors != ERRORS_CONTINUE {
            log::error!("EXT2-fs: remounting filesystem read-only");
            self.readonly.store(true, Ordering::Release);
        }
    }

    /// Count this mount (`ext2_setup_super`).
    fn setup_super(&self) {
        let state = self.mount_state.load(Ordering::Acquire);
        if state & VALID_FS == 0 {
            log::warn!("ext2: mounting unchecked fs, running e2fsck is recommended");
        } else if state & ERROR_FS != 0 {
            log::warn!("ext2: mounting fs with errors, running e2fsck is recommended");
        }
        let mut b = self.sb.write();
        let off = self.geo.sb_offset;
        if get_u16(&b, off + sb::MAX_MNT_COUNT) == 0 {
            set_u16(&mut b, off + sb::MAX_MNT_COUNT, DFL_MAX_MNT_COUNT);
        }
        let count = get_u16(&b, off + sb::MNT_COUNT);
        set_u16(&mut b, off + sb::MNT_COUNT, count.wrapping_add(1));
    }

    /// Put the free counts and the write time in the superblock (`ext2_sync_super`).
    fn update_super(&self, state: Option<u16>) {
        let (free_blocks, free_inodes) = {
            let st = self.alloc.lock();
            (st.free_blocks, st.free_inodes)
        };
        let now = self.now();
        let mut b = self.sb.write();
        let off = self.geo.sb_offset;
        if let Some(state) = state {
            set_u16(&mut b, off + sb::STATE, state);
        }
        set_u32(&mut b, off + sb::FREE_BLOCKS_COUNT, free_blocks as u32);
        set_u32(&mut b, off + sb::FREE_INODES_COUNT, free_inodes as u32);
        set_u32(&mut b, off + sb::WTIME, now as u32);
    }

    /// `ext2_sync_fs`: mounted read-write the filesystem is not valid on disk (the flag may
    /// have been set by an `e2fsck` meanwhile), and the counters go out.
    fn sync_super(&self) {
        let state = self.sb_u16(sb::STATE);
        self.update_super(Some(state & !VALID_FS));
    }

    fn write_super(&self) -> SysResult<()> {
        self.sync_super();
        self.cache.flush()
    }

    /// `sync(2)`/`syncfs(2)`: the superblock's counters and every dirty block go to the
    /// device, and the device is flushed.
    pub fn sync(&self) -> SysResult<()> {
        if !self.is_readonly() && self.active.load(Ordering::Acquire) {
            self.sync_super();
        }
        self.cache.flush()
    }

    /// Write back dirty blocks without touching the superblock (`fsync`).
    pub(crate) fn flush(&self) -> SysResult<()> {
        self.cache.flush()
    }

    /// Unmount (`ext2_put_super`): put back the state found at mount (clean, unless errors
    /// happened) and write everything. The filesystem is read-only afterwards.
    pub fn unmount(&self) -> SysResult<()> {
        if !self.active.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        if !self.is_readonly() {
            self.update_super(Some(self.mount_state.load(Ordering::Acquire)));
        }
        self.readonly.store(true, Ordering::Release);
        self.cache.flush()
    }

    /// `mount -o remount,ro|rw` (`ext2_reconfigure`). Going read-write fails with `EROFS`
    /// when the filesystem has features ext2 can only read.
    pub fn remount(&self, read_only: bool) -> SysResult<()> {
        if !self.active.load(Ordering::Acquire) {
            return Err(Errno::EINVAL);
        }
        if read_only == self.is_readonly() {
            return Ok(());
        }
        if read_only {
            self.sync()?;
            let mount_state = self.mount_state.load(Ordering::Acquire);
            let state = self.sb_u16(sb::STATE);
            if state & VALID_FS == 0 && mount_state & VALID_FS != 0 {
                self.update_super(Some(mount_state));
                let now = self.now() as u32;
                set_u32(&mut self.sb.write(), self.geo.sb_offset + sb::MTIME, now);
            }
            self.readonly.store(true, Ordering::Release);
            return self.cache.flush();
        }
        let ro_compat = get_u32(&self.sb.read(), self.geo.sb_offset + sb::FEATURE_RO_COMPAT);
        if ro_compat & !FEATURE_RO_COMPAT_SUPP != 0 {
            log::warn!("ext2: couldn't remount RDWR because of unsupported optional features");
            return Err(Errno::EROFS);
        }
        if self.geo.rev_level > DYNAMIC_REV {
            return Ok(());
        }
        self.mount_state
            .store(self.sb_u16(sb::STATE), Ordering::Release);
        self.setup_super();
        self.readonly.store(false, Ordering::Release);
        self.write_super()
    }

    /// A file grew past 2 GiB: the filesystem needs `large_file` (and revision 1) so older
    /// drivers do not misread it (`__ext2_write_inode`).
    pub(crate) fn note_large_file(&self, size: u64) {
        if size <= 0x7fff_ffff {
            return;
        }
        let mut b = self.sb.write();
        let off = self.geo.sb_offset;
        let ro_compat = get_u32(&b, off + sb::FEATURE_RO_COMPAT);
        let rev = get_u32(&b, off + sb::REV_LEVEL);
        if ro_compat & FEATURE_RO_COMPAT_LARGE_FILE != 0 && rev != GOOD_OLD_REV {
            return;
        }
        if rev == GOOD_OLD_REV {
            log::warn!("ext2: updating to rev 1 because of new feature flag");
            set_u32(&mut b, off + sb::FIRST_INO, GOOD_OLD_FIRST_INO);
            set_u16(&mut b, off + sb::INODE_SIZE, GOOD_OLD_INODE_SIZE as u16);
            set_u32(&mut b, off + sb::REV_LEVEL, DYNAMIC_REV);
        }
        set_u32(
            &mut b,
            off + sb::FEATURE_RO_COMPAT,
            ro_compat | FEATURE_RO_COMPAT_LARGE_FILE,
        );
    }

    /// The inode table block of `ino` and the inode's offset in it (`ext2_get_inode`).
    fn inode_location(&self, ino: u32) -> SysResult<(u64, usize)> {
        let geo = &self.geo;
        if (ino != ROOT_INO && ino < geo.first_ino) || ino == 0 || ino > geo.inodes_count {
            self.error(format_args!("bad inode number: {ino}"));
            return Err(Errno::EINVAL);
        }
        let group = (ino - 1) / geo.inodes_per_group;
        let offset = ((ino - 1) % geo.inodes_per_group) as u64 * geo.inode_size as u64;
        let table = self.groups.get(group).inode_table as u64;
        let bs = geo.block_size as u64;
        Ok((table + offset / bs, (offset % bs) as usize))
    }

    fn read_inode(&self, ino: u32) -> SysResult<DiskInode> {
        let (block, off) = self.inode_location(ino)?;
        let buf = self.cache.get(block)?;
        let b = buf.read();
        let raw = b.get(off..off + self.geo.inode_size).ok_or(Errno::EIO)?;
        Ok(DiskInode::parse(raw, self.uid16))
    }

    pub(crate) fn write_inode(&self, ino: u32, d: &DiskInode) -> SysResult<()> {
        let (block, off) = self.inode_location(ino)?;
        let buf = self.cache.get(block)?;
        let mut b = buf.write();
        let raw = b
            .get_mut(off..off + self.geo.inode_size)
            .ok_or(Errno::EIO)?;
        d.store(raw, self.uid16);
        Ok(())
    }

    /// The in-memory inode `ino`, loaded if nobody holds it (`ext2_iget`). A deleted inode is
    /// `ESTALE`; a damaged one `EIO`.
    pub(crate) fn iget(self: &Arc<Self>, ino: u32) -> SysResult<Arc<Ext2Inode>> {
        let mut cache = self.icache.lock();
        if let Some(inode) = cache.map.get(&ino).and_then(Weak::upgrade) {
            return Ok(inode);
        }
        let disk = self.read_inode(ino)?;
        if disk.links == 0 && (disk.mode == 0 || disk.dtime != 0) {
            return Err(Errno::ESTALE);
        }
        if disk.file_acl != 0 && !self.geo.data_blocks_valid(disk.file_acl as u64, 1) {
            drop(cache);
            self.error(format_args!(
                "bad extended attribute block {}",
                disk.file_acl
            ));
            return Err(Errno::EIO);
        }
        if disk.size > i64::MAX as u64 {
            return Err(Errno::EIO);
        }
        let inode = Arc::new(Ext2Inode::new(self.clone(), ino, disk));
        cache.insert(ino, &inode);
        Ok(inode)
    }

    /// Allocate and initialize a new inode in the directory `parent` (`ext2_new_inode`).
    pub(crate) fn new_inode(
        self: &Arc<Self>,
        parent: &Parent,
        dir_gid: u32,
        attr: &NewInode,
    ) -> SysResult<Arc<Ext2Inode>> {
        let kind = attr.mode & S_IFMT;
        let (ino, _group) = self.new_inode_number(parent, kind == S_IFDIR)?;
        let now = self.now();
        let inherited = parent.flags & FL_INHERITED;
        let flags = match kind {
            S_IFDIR => inherited,
            S_IFREG => inherited & REG_FLMASK,
            _ => inherited & OTHER_FLMASK,
        };
        let mut disk = DiskInode {
            mode: attr.mode as u16,
            uid: attr.uid,
            gid: if self.grpid { dir_gid } else { attr.gid },
            atime: now,
            ctime: now,
            mtime: now,
            links: 1,
            flags,
            generation: self.next_generation.fetch_add(1, Ordering::Relaxed),
            new: true,
            ..Default::default()
        };
        if matches!(kind, S_IFCHR | S_IFBLK) {
            disk.set_rdev(attr.rdev);
        }
        let inode = Arc::new(Ext2Inode::new(self.clone(), ino, disk));
        {
            let mut cache = self.icache.lock();
            if cache.map.get(&ino).and_then(Weak::upgrade).is_some() {
                drop(cache);
                self.error(format_args!("inode {ino} allocated while in use"));
                return Err(Errno::EIO);
            }
            cache.insert(ino, &inode);
        }
        {
            let mut d = inode.inner.write();
            if let Err(e) = inode.save(&mut d) {
                d.disk.links = 0;
                return Err(e);
            }
        }
        Ok(inode)
    }

    /// Forget the cache entry of an inode being dropped, unless it already names a newer one.
    pub(crate) fn forget_inode(&self, ino: u32, inode: *const Ext2Inode) {
        let mut cache = self.icache.lock();
        if cache
            .map
            .get(&ino)
            .is_some_and(|w| core::ptr::eq(w.as_ptr(), inode))
        {
            cache.map.remove(&ino);
        }
    }

    /// Delete an inode whose last link and last reference are gone (`ext2_evict_inode`): stamp
    /// `dtime`, free its blocks and extended-attribute block, then its number.
    pub(crate) fn evict(&self, ino: u32, d: &mut InodeData) {
        if self.is_readonly() || !self.active.load(Ordering::Acquire) {
            log::warn!("ext2: inode {ino} has no links but cannot be deleted (read-only)");
            return;
        }
        let bs = self.geo.block_size;
        d.disk.dtime = self.now() as u32;
        if self.write_inode(ino, &d.disk).is_err() {
            return;
        }
        d.disk.size = 0;
        if d.disk.has_block_map(bs) && d.disk.blocks != 0 {
            blockmap::truncate(self, ino, &mut d.disk, 0);
        }
        if d.disk.file_acl != 0 {
            self.release_ea_block(d.disk.file_acl);
            d.disk.blocks = d.disk.blocks.saturating_sub(d.disk.ea_sectors(bs));
            d.disk.file_acl = 0;
        }
        let _ = self.write_inode(ino, &d.disk);
        self.free_inode_number(ino, d.disk.is_dir());
    }

    /// Drop a reference to an extended-attribute block, freeing it with the last one
    /// (`ext2_xattr_delete_inode`).
    fn release_ea_block(&self, block: u32) {
        const EA_MAGIC: u32 = 0xEA02_0000;
        if !self.geo.data_blocks_valid(block as u64, 1) {
            self.error(format_args!("bad extended attribute block {block}"));
            return;
        }
        let Ok(buf) = self.cache.get(block as u64) else {
            return;
        };
        let refcount = {
            let mut b = buf.write();
            if get_u32(&b, 0) != EA_MAGIC || get_u32(&b, 8) != 1 {
                drop(b);
                self.error(format_args!("bad extended attribute block {block}"));
                return;
            }
            let refcount = get_u32(&b, 4);
            if refcount > 1 {
                set_u32(&mut b, 4, refcount - 1);
            }
            refcount
        };
        if refcount <= 1 {
            drop(buf);
            self.free_blocks(block as u64, 1);
        }
    }
}

impl InodeCache {
    fn insert(&mut self, ino: u32, inode: &Arc<Ext2Inode>) {
        self.map.insert(ino, Arc::downgrade(inode));
        if self.map.len() >= self.sweep_at {
            self.map.retain(|_, w| w.strong_count() > 0);
            self.sweep_at = (self.map.len() * 2).max(64);
        }
    }
}

impl FileSystem for Ext2Fs {
    fn name(&self) -> &'static str {
        "ext2"
    }

    fn dev(&self) -> u64 {
        self.dev_id
    }

    /// As `ext2_statfs`: the blocks exclude the filesystem's own structures, the available
    /// ones the root reserve.
    fn statfs(&self) -> StatFs {
        let geo = &self.geo;
        let (free_blocks, free_inodes) = {
            let st = self.alloc.lock();
            (st.free_blocks, st.free_inodes)
        };
        StatFs {
            fs_type: EXT2_SUPER_MAGIC as u64,
            block_size: geo.block_size as u64,
            blocks: (geo.blocks_count as u64).saturating_sub(geo.overhead()),
            blocks_free: free_blocks,
            blocks_avail: free_blocks.saturating_sub(geo.r_blocks_count as u64),
            files: geo.inodes_count as u64,
            files_free: free_inodes,
            name_max: NAME_LEN as u64,
            fragment_size: geo.block_size as u64,
        }
    }

    fn is_readonly(&self) -> bool {
        Ext2Fs::is_readonly(self)
    }
}

impl Drop for Ext2Fs {
    /// The last reference went without an unmount: unmount now, so the image stays clean.
    fn drop(&mut self) {
        if let Err(e) = self.unmount() {
            log::error!("ext2: writing back at unmount failed: {e:?}");
        }
    }
}
