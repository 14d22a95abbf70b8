//! The character device table (Linux `cdev_map`): opening a character device node on any
//! filesystem finds its driver here by device number.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use super::file::FileOps;
use super::types::{major, minor};
use crate::sync::RwLock;
use crate::{Errno, SysResult};

/// A character device driver. Its [`FileOps`] serve every open of the device unless
/// [`CharDevice::open`] hands out per-open operations (e.g. `/dev/ptmx` creating a new pty).
pub trait CharDevice: FileOps {
    /// Called for each open with the open flags. `Ok(None)`: use this device's own operations.
    fn open(&self, _flags: u32) -> SysResult<Option<Arc<dyn FileOps>>> {
        Ok(None)
    }
}

static DEVICES: RwLock<BTreeMap<(u32, u32), Arc<dyn CharDevice>>> = RwLock::new(BTreeMap::new());

/// Register the driver of device `major:minor`; `EBUSY` if one is registered already.
pub fn register_char_device(major: u32, minor: u32, dev: Arc<dyn CharDevice>) -> SysResult<()> {
    let mut devices = DEVICES.write();
    if devices.contains_key(&(major, minor)) {
        return Err(Errno::EBUSY);
    }
    devices.insert((major, minor), dev);
    Ok(())
}

/// Remove the driver of `major:minor`; files already open keep their operations.
pub fn unregister_char_device(major: u32, minor: u32) -> Option<Arc<dyn CharDevice>> {
    DEVICES.write().remove(&(major, minor))
}

/// The driver registered for `major:minor`.
pub fn char_device(major: u32, minor: u32) -> Option<Arc<dyn CharDevice>> {
    DEVICES.read().get(&(major, minor)).cloned()
}

/// The file operations for opening the device `rdev` ([`makedev`](super::makedev) encoding);
/// `ENXIO` when no driver is registered (as `chrdev_open`).
pub(crate) fn open_char_device(rdev: u64, flags: u32) -> SysResult<Arc<dyn FileOps>> {
    let dev = char_device(major(rdev), minor(rdev)).ok_or(Errno::ENXIO)?;
    match dev.open(flags)? {
        Some(ops) => Ok(ops),
        None => Ok(dev),
    }
}
