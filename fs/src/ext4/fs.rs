//! The mounted filesystem: geometry, the inode cache, and the `ext4-view` instance each data
//! operation works through.
//!
//! `ext4_view::Ext4` shares its state through `Rc` and `RefCell`, so it is neither `Send` nor
//! `Sync`, and this crate forbids `unsafe`: no instance can live in a structure the VFS shares
//! between CPUs. Each operation that reads through the crate therefore loads a fresh instance
//! over the shared, thread-safe [`Disk`] cache ([`Ext4Fs::with_view`]), uses it and drops it
//! before returning; no `Rc` ever leaves the call. Loading re-reads the superblock, group
//! descriptors and journal superblock from the cache (tens of microseconds on the Alpine image).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::collections::VecDeque;
use alloc::rc::Rc;
use alloc::sync::{Arc, Weak};
use core::cell::Cell;

use ext4_view::{Ext4, Ext4Error};

use super::disk::{Disk, DiskReader};
use super::inode::Ext4Inode;
use super::layout::{EXT4_SUPER_MAGIC, Geometry, Groups, ROOT_INO, RawInode};
use crate::blockdev::BlockDevice;
use crate::sync::Mutex;
use crate::vfs::inode::{FileSystem, Inode, alloc_anon_dev};
use crate::vfs::types::*;
use crate::{Errno, SysResult};

/// `EXT4_NAME_LEN`.
const NAME_LEN: u64 = 255;
/// Cached file data windows (see [`Ext4Fs::window`]): 8 of 128 KiB.
pub(super) const WINDOW: u64 = 128 * 1024;
const WINDOWS: usize = 8;

/// How to mount.
#[derive(Clone, Debug)]
pub struct MountOptions {
    /// `st_dev` of the files (the block device's number); `None`: an anonymous number.
    pub dev: Option<u64>,
    /// Memory for cached device data, in bytes.
    pub cache_bytes: usize,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            dev: None,
            cache_bytes: 1 << 20,
        }
    }
}

pub struct Ext4Fs {
    pub(super) disk: Arc<Disk>,
    pub(super) geo: Geometry,
    groups: Groups,
    dev_id: u64,
    statfs: StatFs,
    icache: Mutex<InodeCache>,
    windows: Mutex<VecDeque<Window>>,
}

struct InodeCache {
    map: BTreeMap<u32, Weak<Ext4Inode>>,
    /// Sweep dead entries when the map grows to this size.
    sweep_at: usize,
}

/// Data of one file: bytes `index * WINDOW..` of inode `ino`.
struct Window {
    ino: u32,
    index: u64,
    data: Arc<[u8]>,
}

/// The errno for a failure inside `ext4-view`. The paths given to it come from directories
/// read here, so its "not found" or "not a directory" mean the two disagree: damage, like
/// everything else. Linux reports damaged metadata as `EFSCORRUPTED`; the ABI here has no
/// `EUCLEAN`, so damage is `EIO`, as on ext2.
pub(super) fn errno(e: &Ext4Error) -> Errno {
    match e {
        // The crate's limit on absolute paths (4096 bytes).
        Ext4Error::PathTooLong => Errno::ENAMETOOLONG,
        _ => Errno::EIO,
    }
}

impl Ext4Fs {
    /// `ext4_fill_super`, read-only: the crate validates the superblock, features, group
    /// descriptors and journal; this adds what it does not expose.
    pub(super) fn mount(
        dev: Arc<dyn BlockDevice>,
        opts: &MountOptions,
    ) -> SysResult<Arc<Ext4Inode>> {
        let disk = Arc::new(Disk::new(dev, opts.cache_bytes)?);
        let geo = Geometry::read(&disk)?;
        if geo.needs_recovery() {
            // The crate would replay the journal in memory for its own reads, but directory
            // blocks are read here without it. Linux refuses the same on a device it cannot
            // write ("write access unavailable, cannot proceed").
            log::warn!(
                "ext4: filesystem needs journal recovery; mount it read-write under Linux first"
            );
            return Err(Errno::EROFS);
        }
        if geo.blocks_count.saturating_mul(geo.block_size as u64) > disk.len() {
            log::warn!("ext4: filesystem is larger than the device");
            return Err(Errno::EINVAL);
        }
        let failed = Rc::new(Cell::new(false));
        if let Err(e) = Ext4::load(Box::new(DiskReader {
            disk: disk.clone(),
            failed,
        })) {
            log::warn!("ext4: cannot mount: {e}");
            return Err(match e {
                Ext4Error::Io(_) => Errno::EIO,
                _ => Errno::EINVAL,
            });
        }
        let groups = Groups::read(&disk, &geo)?;
        let journal_blocks = match geo.journal_inum {
            0 => 0,
            ino => RawInode::read(&disk, &geo, &groups, ino)
                .map_or(0, |j| j.size / geo.block_size as u64),
        };
        let bfree = groups.free_clusters * geo.cluster_ratio;
        let reserved = geo.r_blocks_count + geo.reserved_clusters() * geo.cluster_ratio;
        let statfs = StatFs {
            fs_type: EXT4_SUPER_MAGIC as u64,
            block_size: geo.block_size as u64,
            blocks: geo
                .blocks_count
                .saturating_sub(geo.overhead_blocks(journal_blocks)),
            blocks_free: bfree,
            blocks_avail: bfree.saturating_sub(reserved),
            files: geo.inodes_count as u64,
            files_free: groups.free_inodes,
            name_max: NAME_LEN,
            fragment_size: geo.block_size as u64,
        };
        let fs = Arc::new(Ext4Fs {
            disk,
            geo,
            groups,
            dev_id: opts.dev.unwrap_or_else(alloc_anon_dev),
            statfs,
            icache: Mutex::new(InodeCache {
                map: BTreeMap::new(),
                sweep_at: 64,
            }),
            windows: Mutex::new(VecDeque::new()),
        });
        let root = fs.iget(ROOT_INO, b"/")?;
        if !root.metadata().is_dir() {
            log::warn!("ext4: root inode is not a directory");
            return Err(Errno::EINVAL);
        }
        Ok(root)
    }

    pub(super) fn dev_id(&self) -> u64 {
        self.dev_id
    }

    /// The one in-memory inode for `ino`, loading it if no one holds it. `path` is where
    /// `ext4-view` finds it (any of its names will do).
    pub(super) fn iget(self: &Arc<Self>, ino: u32, path: &[u8]) -> SysResult<Arc<Ext4Inode>> {
        if let Some(inode) = self.icache.lock().map.get(&ino).and_then(Weak::upgrade) {
            return Ok(inode);
        }
        // Loaded without the lock: a racing load of the same inode is resolved below.
        let raw = RawInode::read(&self.disk, &self.geo, &self.groups, ino)?;
        let inode = Arc::new(Ext4Inode::new(self.clone(), ino, raw, path.into()));
        let mut cache = self.icache.lock();
        if let Some(other) = cache.map.get(&ino).and_then(Weak::upgrade) {
            return Ok(other);
        }
        cache.map.insert(ino, Arc::downgrade(&inode));
        if cache.map.len() >= cache.sweep_at {
            cache.map.retain(|_, w| w.strong_count() > 0);
            cache.sweep_at = (cache.map.len() * 2).max(64);
        }
        Ok(inode)
    }

    /// Run `f` on a fresh `ext4-view` instance (see the module docs). `f` also gets whether a
    /// device read failed during the call, which the crate does not always report.
    pub(super) fn with_view<T>(
        &self,
        f: impl FnOnce(&Ext4, &Cell<bool>) -> SysResult<T>,
    ) -> SysResult<T> {
        let failed = Rc::new(Cell::new(false));
        let view = Ext4::load(Box::new(DiskReader {
            disk: self.disk.clone(),
            failed: failed.clone(),
        }))
        .map_err(|e| {
            log::warn!("ext4: reloading the filesystem failed: {e}");
            errno(&e)
        })?;
        f(&view, &failed)
    }

    /// The cached data window `index` of inode `ino`.
    pub(super) fn window(&self, ino: u32, index: u64) -> Option<Arc<[u8]>> {
        let mut windows = self.windows.lock();
        let at = windows
            .iter()
            .position(|w| w.ino == ino && w.index == index)?;
        let w = windows.remove(at)?;
        let data = w.data.clone();
        windows.push_front(w);
        Some(data)
    }

    pub(super) fn keep_window(&self, ino: u32, index: u64, data: Arc<[u8]>) {
        let mut windows = self.windows.lock();
        windows.retain(|w| w.ino != ino || w.index != index);
        windows.push_front(Window { ino, index, data });
        windows.truncate(WINDOWS);
    }
}

impl FileSystem for Ext4Fs {
    fn name(&self) -> &'static str {
        "ext4"
    }

    fn dev(&self) -> u64 {
        self.dev_id
    }

    /// `ext4_statfs`: the filesystem never changes here, so the numbers of the mount stand.
    fn statfs(&self) -> StatFs {
        self.statfs
    }

    fn is_readonly(&self) -> bool {
        true
    }
}
