//! ext4, read-only, through the `ext4-view` crate (which also reads ext2 and ext3).
//!
//! The crate is path-based, keeps its state in `Rc` (so it cannot be shared between CPUs), and
//! exposes neither inode numbers nor link counts, block counts or device numbers. The adapter:
//! - `disk`: byte reads over the [`BlockDevice`] with a small cache; the crate reads through it.
//! - `layout`: the superblock counts, group descriptors and raw inodes the crate keeps private
//!   (`stat` and `statfs` come from here, as Linux decodes them).
//! - `blockmap`, `dir`: directory blocks located and parsed here, because their entries carry
//!   the inode numbers that give every inode one identity (hard links share one [`Ext4Inode`]).
//! - `fs`: the mount, the inode cache, and a fresh crate instance per data operation.
//! - `file`: regular file data through the crate's `File`, in cached windows.
//! - `inode`: the VFS interface; every change is `EROFS`.
//!
//! Limits: a filesystem whose journal needs recovery is refused (`EROFS`); checksums of inodes
//! and directory blocks are not verified (file data and extent blocks are, by the crate);
//! files with unwritten extents, and files whose absolute path exceeds 4096 bytes (the crate's
//! limit), cannot be read (`EIO` / `ENAMETOOLONG`).

mod blockmap;
mod dir;
mod disk;
mod file;
mod fs;
mod inode;
mod layout;

#[cfg(test)]
mod tests;

use alloc::sync::Arc;

use crate::SysResult;
use crate::blockdev::BlockDevice;
use crate::vfs::inode::Inode;

pub use fs::{Ext4Fs, MountOptions};
pub use inode::Ext4Inode;

/// Mount the ext4 (or ext2/ext3) filesystem on `dev` read-only; returns its root directory.
/// Not a usable filesystem: `EINVAL`; a journal needing recovery: `EROFS`; a failed read: `EIO`.
pub fn mount(dev: Arc<dyn BlockDevice>) -> SysResult<Arc<dyn Inode>> {
    mount_with(dev, &MountOptions::default())
}

/// [`mount`] with options (the `st_dev` to report, the cache size).
pub fn mount_with(dev: Arc<dyn BlockDevice>, opts: &MountOptions) -> SysResult<Arc<dyn Inode>> {
    let root: Arc<dyn Inode> = fs::Ext4Fs::mount(dev, opts)?;
    Ok(root)
}
