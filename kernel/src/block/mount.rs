//! Mounting filesystems that live on disks: the root filesystem (`root=`, `rootfstype=`, `ro`/`rw`)
//! and mount(2) of a block device by type.

use alloc::sync::Arc;

use fs::blockdev::BlockDevice;
use fs::vfs::Inode;
use alloc::vec::Vec;

use linux_abi::{Errno, SysResult};

use crate::sync::SpinLock;

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
        if !len.is_multiple_of(512) || lba.checked_add(blocks).is_none_or(|e| e > self.sectors) {
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

/// ext2 filesystems in use, so sync(2) and power-off can write them back.
static EXT2: SpinLock<Vec<Arc<fs::ext2::Ext2Fs>>> = SpinLock::new(Vec::new());

/// Who may allocate the blocks ext2 reserves for root (s_resuid/s_resgid or CAP_SYS_RESOURCE).
fn may_use_reserved(resuid: u32, resgid: u32) -> bool {
    crate::process::current_thread().is_none_or(|t| {
        let c = t.process.creds.lock();
        c.euid == 0 || c.fsuid == resuid || c.fsgid == resgid || c.groups.contains(&resgid)
    })
}

/// Mounts `dev` (device number `rdev`) as `fstype`, or each disk filesystem in turn.
/// ext3/ext4 mount read-only.
pub fn mount_fs(fstype: Option<&str>, rdev: u64, dev: Arc<dyn BlockDevice>, read_only: bool) -> SysResult<Arc<dyn Inode>> {
    let try_one = |t: &str| -> SysResult<Arc<dyn Inode>> {
        match t {
            "ext2" => {
                let opts = fs::ext2::MountOptions {
                    read_only,
                    dev: Some(rdev),
                    may_use_reserved: Some(may_use_reserved),
                    ..Default::default()
                };
                let fs = fs::ext2::mount_with(dev.clone(), &opts)?;
                let root = fs.root()?;
                EXT2.lock().push(fs);
                Ok(root)
            }
            "ext3" | "ext4" => {
                let opts = fs::ext4::MountOptions { dev: Some(rdev), ..Default::default() };
                fs::ext4::mount_with(dev.clone(), &opts)
            }
            _ => Err(Errno::ENODEV),
        }
    };
    match fstype {
        Some(t) => try_one(t),
        None => DISK_FILESYSTEMS.iter().find_map(|t| try_one(t).ok()).ok_or(Errno::EINVAL),
    }
}

/// sync(2): writes every disk filesystem back.
pub fn sync_all() -> SysResult<()> {
    let all = EXT2.lock().clone();
    let mut result = Ok(());
    for fs in all {
        if let Err(e) = fs.sync() {
            result = Err(e);
        }
    }
    result
}

/// Writes back and cleanly unmounts every disk filesystem (power-off, reboot).
pub fn unmount_all() {
    let all = core::mem::take(&mut *EXT2.lock());
    for fs in all {
        if let Err(e) = fs.unmount() {
            log::error!("ext2: unmount failed: {:?}", e);
        }
    }
}

/// mount -o remount: ext2 switches between read-only and read-write itself.
pub fn remount(root: &Arc<dyn Inode>, read_only: bool) -> SysResult<()> {
    match fs::ext2::filesystem_of(root) {
        Some(fs) => fs.remount(read_only),
        None => Ok(()),
    }
}

/// fsync/fdatasync of a file: ext2 writes back (the whole filesystem, for now).
pub fn fsync(inode: &Arc<dyn Inode>) -> SysResult<()> {
    match fs::vfs::downcast_inode::<fs::ext2::Ext2Inode>(inode) {
        Some(i) => i.fsync(),
        None => Ok(()),
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
