//! ext2, read-write (Linux `fs/ext2`), over a [`BlockDevice`].
//!
//! Revision 0 and 1 filesystems with any block size from 1 to 64 KiB, sparse superblocks,
//! typed directory entries, large files and `META_BG`. Feature bits are checked exactly as
//! Linux's ext2 does: an unknown incompatible feature (an ext4 image with extents, a journal
//! needing recovery) refuses the mount with `EINVAL`; an unknown read-only-compatible feature
//! allows only a read-only mount.
//!
//! Layout: `superblock` (validation, geometry), `group` (descriptors), `balloc` (block and
//! inode bitmaps), `cache` (buffer cache), `inode` (inode record and VFS interface), `blockmap`
//! (indirect blocks), `file` (data), `dir` (directory blocks), `symlink`, `namei` (name
//! operations) and `fs` (mount, sync, unmount, inode cache).
//!
//! Data goes through the buffer cache and reaches the disk on [`Ext2Fs::sync`], on
//! [`Ext2Inode::fsync`], under memory pressure, and at [`Ext2Fs::unmount`] (or when the last
//! reference to the filesystem goes). Corruption found on disk is reported as `EIO` (and
//! marks the superblock with errors), never a panic.

mod balloc;
mod blockmap;
mod cache;
mod dir;
mod file;
mod fs;
mod group;
mod inode;
mod layout;
mod namei;
mod superblock;
mod symlink;

#[cfg(test)]
mod tests;

use ::alloc::sync::Arc;

use crate::SysResult;
use crate::blockdev::BlockDevice;
use crate::vfs::inode::{Inode, downcast_inode};

pub use fs::Ext2Fs;
pub use inode::Ext2Inode;
pub use layout::EXT2_SUPER_MAGIC;

/// How to mount.
#[derive(Clone, Debug)]
pub struct MountOptions {
    pub read_only: bool,
    /// `st_dev` of the files (the block device's number); `None`: an anonymous number.
    pub dev: Option<u64>,
    /// Memory for cached blocks, in bytes.
    pub cache_bytes: usize,
    /// Whether the caller may use the blocks reserved for root (`s_r_blocks_count`): given
    /// the reserved uid and gid, true for `CAP_SYS_RESOURCE`, fsuid == resuid or membership
    /// in resgid (`ext2_has_free_blocks`). `None` always allows, as for root.
    pub may_use_reserved: Option<fn(resuid: u32, resgid: u32) -> bool>,
}

impl Default for MountOptions {
    fn default() -> Self {
        MountOptions {
            read_only: false,
            dev: None,
            cache_bytes: 8 << 20,
            may_use_reserved: None,
        }
    }
}

/// Mount the ext2 filesystem on `dev` and return its root directory.
pub fn mount(dev: Arc<dyn BlockDevice>, read_only: bool) -> SysResult<Arc<dyn Inode>> {
    let opts = MountOptions {
        read_only,
        ..Default::default()
    };
    Ext2Fs::mount(dev, &opts)?.root()
}

/// Mount with options; the filesystem object gives `root`, `sync`, `remount` and `unmount`.
pub fn mount_with(dev: Arc<dyn BlockDevice>, opts: &MountOptions) -> SysResult<Arc<Ext2Fs>> {
    Ext2Fs::mount(dev, opts)
}

/// The ext2 filesystem an inode belongs to, if it is an ext2 inode (to reach `sync` and
/// `unmount` from a mount's root).
pub fn filesystem_of(inode: &Arc<dyn Inode>) -> Option<Arc<Ext2Fs>> {
    downcast_inode::<Ext2Inode>(inode).map(|i| i.fs.clone())
}
