//! The block device table (Linux's bdev map): opening a block device node on any filesystem finds
//! the driver's file operations here by device number. Drivers implement `FileOps::size`,
//! `read_at` and `write_at`, which makes the file positional.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use super::file::FileOps;
use super::types::{major, minor};
use crate::sync::RwLock;
use crate::{Errno, SysResult};

static DEVICES: RwLock<BTreeMap<(u32, u32), Arc<dyn FileOps>>> = RwLock::new(BTreeMap::new());

/// Registers the device `major:minor`; EBUSY if the number is taken.
pub fn register_block_device(major: u32, minor: u32, dev: Arc<dyn FileOps>) -> SysResult<()> {
    let mut devices = DEVICES.write();
    if devices.contains_key(&(major, minor)) {
        return Err(Errno::EBUSY);
    }
    devices.insert((major, minor), dev);
    Ok(())
}

/// The operations for the block device `rdev`; ENXIO when no driver has it (as blkdev_open).
pub(crate) fn open_block_device(rdev: u64) -> SysResult<Arc<dyn FileOps>> {
    DEVICES.read().get(&(major(rdev), minor(rdev))).cloned().ok_or(Errno::ENXIO)
}
