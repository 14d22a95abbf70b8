//! Block devices: the sector-addressed storage a disk filesystem lives on.
//!
//! The kernel implements [`BlockDevice`] over virtio-blk (and partitions of it); [`MemDisk`] is
//! an in-memory disk for tests and RAM-backed images. Transfers are whole sectors: a buffer
//! whose length is not a multiple of the sector size is `EINVAL`, a range past the end `EIO`.

use alloc::vec;
use alloc::vec::Vec;

use crate::sync::RwLock;
use crate::{Errno, SysResult};

pub trait BlockDevice: Send + Sync {
    /// Bytes per sector (the logical block size, 512 for virtio-blk).
    fn block_size(&self) -> usize;
    /// Number of sectors.
    fn num_blocks(&self) -> u64;
    /// Read `buf.len() / block_size()` sectors starting at sector `lba`.
    fn read_blocks(&self, lba: u64, buf: &mut [u8]) -> SysResult<()>;
    /// Write `buf.len() / block_size()` sectors starting at sector `lba`.
    fn write_blocks(&self, lba: u64, buf: &[u8]) -> SysResult<()>;
    /// Make every completed write durable (a cache flush).
    fn flush(&self) -> SysResult<()>;
}

/// The byte range of a transfer of `len` bytes at sector `lba`, checked against the device.
pub fn transfer_range(dev: &dyn BlockDevice, lba: u64, len: usize) -> SysResult<(u64, u64)> {
    let bs = dev.block_size() as u64;
    if bs == 0 || !(len as u64).is_multiple_of(bs) {
        return Err(Errno::EINVAL);
    }
    let count = len as u64 / bs;
    match lba.checked_add(count) {
        Some(end) if end <= dev.num_blocks() => Ok((lba * bs, end * bs)),
        _ => Err(Errno::EIO),
    }
}

/// A disk held in memory.
pub struct MemDisk {
    block_size: usize,
    data: RwLock<Vec<u8>>,
}

impl MemDisk {
    /// A zero-filled disk of `num_blocks` sectors of `block_size` bytes.
    pub fn new(block_size: usize, num_blocks: u64) -> MemDisk {
        let len = usize::try_from(num_blocks)
            .unwrap_or(0)
            .saturating_mul(block_size);
        MemDisk {
            block_size,
            data: RwLock::new(vec![0; len]),
        }
    }

    /// A disk holding `image`, whose length must be a multiple of `block_size` (`EINVAL`).
    pub fn from_bytes(block_size: usize, image: Vec<u8>) -> SysResult<MemDisk> {
        if block_size == 0 || !image.len().is_multiple_of(block_size) {
            return Err(Errno::EINVAL);
        }
        Ok(MemDisk {
            block_size,
            data: RwLock::new(image),
        })
    }

    /// A copy of the whole disk.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.data.read().clone()
    }
}

impl BlockDevice for MemDisk {
    fn block_size(&self) -> usize {
        self.block_size
    }

    fn num_blocks(&self) -> u64 {
        (self.data.read().len() / self.block_size.max(1)) as u64
    }

    fn read_blocks(&self, lba: u64, buf: &mut [u8]) -> SysResult<()> {
        let (start, end) = transfer_range(self, lba, buf.len())?;
        let data = self.data.read();
        let src = data.get(start as usize..end as usize).ok_or(Errno::EIO)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    fn write_blocks(&self, lba: u64, buf: &[u8]) -> SysResult<()> {
        let (start, end) = transfer_range(self, lba, buf.len())?;
        let mut data = self.data.write();
        let dst = data
            .get_mut(start as usize..end as usize)
            .ok_or(Errno::EIO)?;
        dst.copy_from_slice(buf);
        Ok(())
    }

    fn flush(&self) -> SysResult<()> {
        Ok(())
    }
}

/// A disk image in a host file, for tests against images the host's tools make and check.
#[cfg(test)]
pub struct FileDisk {
    file: std::fs::File,
    block_size: usize,
    num_blocks: u64,
}

#[cfg(test)]
impl FileDisk {
    pub fn open(path: &std::path::Path, block_size: usize) -> std::io::Result<FileDisk> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)?;
        let num_blocks = file.metadata()?.len() / block_size as u64;
        Ok(FileDisk {
            file,
            block_size,
            num_blocks,
        })
    }
}

#[cfg(test)]
impl BlockDevice for FileDisk {
    fn block_size(&self) -> usize {
        self.block_size
    }

    fn num_blocks(&self) -> u64 {
        self.num_blocks
    }

    fn read_blocks(&self, lba: u64, buf: &mut [u8]) -> SysResult<()> {
        use std::os::unix::fs::FileExt;
        let (start, _) = transfer_range(self, lba, buf.len())?;
        self.file.read_exact_at(buf, start).map_err(|_| Errno::EIO)
    }

    fn write_blocks(&self, lba: u64, buf: &[u8]) -> SysResult<()> {
        use std::os::unix::fs::FileExt;
        let (start, _) = transfer_range(self, lba, buf.len())?;
        self.file.write_all_at(buf, start).map_err(|_| Errno::EIO)
    }

    fn flush(&self) -> SysResult<()> {
        self.file.sync_data().map_err(|_| Errno::EIO)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memdisk_checks_ranges_and_sizes() {
        let d = MemDisk::new(512, 4);
        assert_eq!(d.num_blocks(), 4);
        let mut buf = [0u8; 1024];
        assert_eq!(d.write_blocks(2, &[7u8; 1024]), Ok(()));
        assert_eq!(d.read_blocks(2, &mut buf), Ok(()));
        assert!(buf.iter().all(|&b| b == 7));
        assert_eq!(d.read_blocks(3, &mut buf), Err(Errno::EIO));
        assert_eq!(d.read_blocks(u64::MAX, &mut buf), Err(Errno::EIO));
        assert_eq!(d.read_blocks(0, &mut buf[..100]), Err(Errno::EINVAL));
        assert_eq!(d.to_bytes()[1024], 7);
        assert!(MemDisk::from_bytes(512, vec![0; 100]).is_err());
    }
}
