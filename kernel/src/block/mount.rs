//! Mounting filesystems that live on disks: the root filesystem (`root=`, `rootfstype=`, `ro`/`rw`)
//! and mount(2) of a block device by type.

use alloc::sync::Arc;

use fs::blockdev::BlockDevice;
use fs::vfs::Inode;
use linux_abi::{Errno, SysResult};

use super::virtio::VirtioBlock;

/// A disk or partition as the filesystems see it: 512-byte blocks of a window of the disk.
pub struct DiskWindow {
    dev: Arc<VirtioBlock>,
    start: u64,
    sectors: u64,
}

impl BlockDevice for DiskWindow {
    fn block_size(&self) -> usize {
        512
    }

    fn num_blocks(&self) -> u64 {
        self.sectors
    }

    fn read_blocks(&self, lba: u64, buf: &mut [u8]) -> SysResult<()> {
        self.check(lba, buf.len())?;
        self.dev.read(self.start + lba, buf)
    }

    fn write_blocks(&self, lba: u64, buf: &[u8]) -> SysResult<()> {
        self.check(lba, buf.len())?;
        self.dev.write(self.start + lba, buf)
    }

    fn flush(&self) -> SysResult<()> {
        self.dev.flush()
    }
}

impl DiskWindow {
    fn check(&self, lba: u64, len: usize) -> SysResult<()> {
        let blocks = (len / 512) as u64;
        if len % 512 != 0 || lba.checked_add(blocks).is_none_or(|e| e > self.sectors) {
            return Err(Errno::EIO);
        }
        Ok(())
    }
}

/// The block device behind a device number, for a filesystem to mount.
pub fn device(rdev: u64) -> SysResult<Arc<dyn BlockDevice>> {
    let (dev, start, sectors) = super::window(rdev).ok_or(Errno::ENXIO)?;
    Ok(Arc::new(DiskWindow { dev, start, sectors }))
}

/// Filesystems that mount from a block device, in the order an untyped mount tries them.
pub const DISK_FILESYSTEMS: [&str; 3] = ["ext2", "ext4", "ext3"];

/// Mounts `dev` as `fstype` (or each disk filesystem in turn). ext3/ext4 mount read-only.
pub fn mount_fs(fstype: Option<&str>, dev: Arc<dyn BlockDevice>, read_only: bool) -> SysResult<Arc<dyn Inode>> {
    let try_one = |t: &str| -> SysResult<Arc<dyn Inode>> {
        match t {
            "ext2" => fs::ext2::mount(dev.clone(), read_only),
            "ext3" | "ext4" => fs::ext4::mount(dev.clone()),
            _ => Err(Errno::ENODEV),
        }
    };
    match fstype {
        Some(t) => try_one(t),
        None => DISK_FILESYSTEMS.iter().find_map(|t| try_one(t).ok()).ok_or(Errno::EINVAL),
    }
}

/// Parses a `root=` value: /dev/vdXN, or MAJOR:MINOR as Linux accepts.
pub fn parse_root(spec: &str) -> Option<u64> {
    if let Some((maj, min)) = spec.split_once(':') {
        return Some(fs::vfs::makedev(maj.parse().ok()?, min.parse().ok()?));
    }
    let name = spec.strip_prefix("/dev/")?;
    super::disks()
        .iter()
        .flat_map(|d| d.nodes.clone())
        .find(|n| n.0 == name)
        .map(|n| fs::vfs::makedev(super::VIRTBLK_MAJOR, n.1))
}
