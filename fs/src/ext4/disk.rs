//! Byte-addressed reads over a [`BlockDevice`], with a small LRU cache of fixed-size chunks, and
//! the [`Ext4Read`] adapter that lets `ext4-view` read through it.
//!
//! `ext4-view` asks for arbitrary byte ranges (its own block cache reads up to 32 KiB at a
//! time); the device moves whole sectors. Chunks are `max(4 KiB, sector)` bytes, independent of
//! the filesystem's block size, which is not known before the superblock is read.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::rc::Rc;
use alloc::sync::Arc;
use alloc::vec;
use core::cell::Cell;
use core::fmt;

use ext4_view::Ext4Read;

use crate::blockdev::BlockDevice;
use crate::sync::Mutex;
use crate::{Errno, SysResult};

const MIN_CHUNK: usize = 4096;

pub(super) struct Disk {
    dev: Arc<dyn BlockDevice>,
    sector: usize,
    chunk: usize,
    /// Device size in bytes.
    len: u64,
    cache: Mutex<ChunkCache>,
}

struct ChunkCache {
    map: BTreeMap<u64, Cached>,
    /// Use counter: the entry with the smallest stamp is the least recently used.
    clock: u64,
    capacity: usize,
}

struct Cached {
    data: Arc<[u8]>,
    used: u64,
}

impl Disk {
    /// A reader over `dev` keeping up to `cache_bytes` of it in memory.
    pub(super) fn new(dev: Arc<dyn BlockDevice>, cache_bytes: usize) -> SysResult<Disk> {
        let sector = dev.block_size();
        if sector == 0 || !sector.is_power_of_two() {
            return Err(Errno::EINVAL);
        }
        let chunk = sector.max(MIN_CHUNK);
        let len = dev
            .num_blocks()
            .checked_mul(sector as u64)
            .ok_or(Errno::EINVAL)?;
        Ok(Disk {
            dev,
            sector,
            chunk,
            len,
            cache: Mutex::new(ChunkCache {
                map: BTreeMap::new(),
                clock: 0,
                capacity: (cache_bytes / chunk).max(8),
            }),
        })
    }

    /// Bytes on the device.
    pub(super) fn len(&self) -> u64 {
        self.len
    }

    /// Fill `dst` from byte `offset`; a range past the end of the device is `EIO`.
    pub(super) fn read(&self, offset: u64, dst: &mut [u8]) -> SysResult<()> {
        let end = offset.checked_add(dst.len() as u64).ok_or(Errno::EIO)?;
        if end > self.len {
            return Err(Errno::EIO);
        }
        let chunk = self.chunk as u64;
        let mut done = 0usize;
        while done < dst.len() {
            let pos = offset + done as u64;
            let index = pos / chunk;
            let data = self.chunk_data(index)?;
            let within = (pos - index * chunk) as usize;
            let src = data.get(within..).ok_or(Errno::EIO)?;
            let n = src.len().min(dst.len() - done);
            dst[done..done + n].copy_from_slice(&src[..n]);
            done += n;
        }
        Ok(())
    }

    /// Chunk `index`, from the cache or the device. The device is read without the cache lock
    /// held, so a slow read does not stall readers of cached chunks.
    fn chunk_data(&self, index: u64) -> SysResult<Arc<[u8]>> {
        {
            let mut cache = self.cache.lock();
            cache.clock += 1;
            let now = cache.clock;
            if let Some(entry) = cache.map.get_mut(&index) {
                entry.used = now;
                return Ok(entry.data.clone());
            }
        }
        let start = index * self.chunk as u64;
        // The last chunk of a device whose size is not a multiple of the chunk is short.
        let len = (self.len - start).min(self.chunk as u64) as usize;
        let mut buf = vec![0u8; len];
        self.dev.read_blocks(start / self.sector as u64, &mut buf)?;
        let data: Arc<[u8]> = buf.into();
        let mut cache = self.cache.lock();
        if cache.map.len() >= cache.capacity
            && let Some(&victim) = cache.map.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k)
        {
            cache.map.remove(&victim);
        }
        let used = cache.clock;
        cache.map.insert(
            index,
            Cached {
                data: data.clone(),
                used,
            },
        );
        Ok(data)
    }
}

/// The error `ext4-view` gets back from a failed device read.
#[derive(Debug)]
pub(super) struct DiskError(pub Errno);

impl fmt::Display for DiskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "device read failed: {}", self.0.name())
    }
}

impl core::error::Error for DiskError {}

/// What one `ext4_view::Ext4` instance reads through. `failed` records that some read failed,
/// even where the crate drops the error (`File::seek_to` does).
pub(super) struct DiskReader {
    pub disk: Arc<Disk>,
    pub failed: Rc<Cell<bool>>,
}

impl Ext4Read for DiskReader {
    fn read(
        &mut self,
        start_byte: u64,
        dst: &mut [u8],
    ) -> Result<(), Box<dyn core::error::Error + Send + Sync + 'static>> {
        self.disk.read(start_byte, dst).map_err(|e| {
            self.failed.set(true);
            Box::new(DiskError(e)) as Box<dyn core::error::Error + Send + Sync>
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blockdev::MemDisk;

    fn disk(len: usize, cache: usize) -> (Disk, alloc::vec::Vec<u8>) {
        let image: alloc::vec::Vec<u8> = (0..len).map(|i| (i * 7 + i / 4096) as u8).collect();
        let dev = Arc::new(MemDisk::from_bytes(512, image.clone()).unwrap());
        (Disk::new(dev, cache).unwrap(), image)
    }

    #[test]
    fn reads_across_chunks_and_the_short_last_chunk() {
        // 10 KiB + 512: the last chunk holds one sector.
        let (d, image) = disk(10 * 1024 + 512, 0);
        let mut buf = vec![0u8; 7000];
        d.read(3000, &mut buf).unwrap();
        assert_eq!(buf, image[3000..10000]);
        let mut tail = vec![0u8; 600];
        d.read(image.len() as u64 - 600, &mut tail).unwrap();
        assert_eq!(tail, image[image.len() - 600..]);
        assert_eq!(d.read(image.len() as u64 - 10, &mut tail), Err(Errno::EIO));
        assert_eq!(d.read(u64::MAX - 1, &mut tail), Err(Errno::EIO));
    }

    #[test]
    fn cache_evicts_least_recently_used() {
        let (d, image) = disk(64 * 1024, 0);
        let mut b = [0u8; 1];
        for i in 0..16u64 {
            d.read(i * 4096, &mut b).unwrap();
            assert_eq!(b[0], image[i as usize * 4096]);
        }
        assert_eq!(d.cache.lock().map.len(), 8);
        assert!(d.cache.lock().map.contains_key(&15));
        assert!(!d.cache.lock().map.contains_key(&0));
    }
}
