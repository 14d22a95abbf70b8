//! The buffer cache: filesystem blocks in memory, written back on sync (Linux's buffer heads
//! over the block device's page cache).
//!
//! A block is read once and then served from memory; changes mark it dirty and stay in memory
//! until [`BufferCache::flush`] writes every dirty block (coalescing neighbours into one device
//! write) and flushes the device. The cache holds at most `capacity` blocks that nobody uses:
//! past that, the least recently used clean blocks are dropped, and the oldest dirty ones are
//! written back first so memory stays bounded even while a large file is being written.
//!
//! A block being read from the device is already in the map, write-locked by its reader, so a
//! second user waits for that read instead of starting another (which could otherwise install
//! data older than a write-back that happened meanwhile).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use crate::blockdev::BlockDevice;
use crate::sync::{Mutex, RwLock};
use crate::{Errno, SysResult};

/// Dirty blocks written back per round when the cache is over capacity.
const WRITEBACK_BATCH: usize = 64;
/// Least recently used entries looked at per eviction round.
const EVICT_SCAN: usize = 512;
/// Most blocks written in one device transfer.
const MAX_RUN: usize = 256;

pub(crate) type BufRead<'a> = crate::sync::RwLockReadGuard<'a, Vec<u8>>;
pub(crate) type BufWrite<'a> = crate::sync::RwLockWriteGuard<'a, Vec<u8>>;

/// One cached block.
pub(crate) struct Buffer {
    block: u64,
    data: RwLock<Vec<u8>>,
    dirty: AtomicBool,
    /// False when the read that was to fill it failed.
    valid: AtomicBool,
}

impl Buffer {
    pub fn block(&self) -> u64 {
        self.block
    }

    pub fn read(&self) -> BufRead<'_> {
        self.data.read()
    }

    /// Exclusive access for a change; the block is dirty from now on.
    pub fn write(&self) -> BufWrite<'_> {
        let guard = self.data.write();
        self.dirty.store(true, Ordering::Release);
        guard
    }

    pub fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Acquire)
    }
}

struct Entry {
    buf: Arc<Buffer>,
    tick: u64,
}

struct Inner {
    map: BTreeMap<u64, Entry>,
    /// Last use (tick) → block, oldest first.
    lru: BTreeMap<u64, u64>,
    tick: u64,
}

impl Inner {
    fn touch(&mut self, block: u64) -> Option<Arc<Buffer>> {
        let tick = self.tick;
        let entry = self.map.get_mut(&block)?;
        self.lru.remove(&entry.tick);
        entry.tick = tick;
        self.lru.insert(tick, block);
        self.tick += 1;
        Some(entry.buf.clone())
    }

    fn insert(&mut self, buf: Arc<Buffer>) {
        let tick = self.tick;
        self.tick += 1;
        self.lru.insert(tick, buf.block);
        self.map.insert(buf.block, Entry { buf, tick });
    }

    fn remove(&mut self, block: u64) {
        if let Some(e) = self.map.remove(&block) {
            self.lru.remove(&e.tick);
        }
    }
}

pub(crate) struct BufferCache {
    dev: Arc<dyn BlockDevice>,
    block_size: usize,
    /// Device sectors per block.
    sectors: u64,
    capacity: usize,
    inner: Mutex<Inner>,
    /// A write-back failed since the last flush reported it (Linux's `AS_EIO`).
    write_error: AtomicBool,
}

impl BufferCache {
    /// A cache of `block_size` blocks over `dev`; `block_size` is a multiple of its sector size.
    pub fn new(dev: Arc<dyn BlockDevice>, block_size: usize, capacity: usize) -> BufferCache {
        let sectors = (block_size / dev.block_size().max(1)) as u64;
        BufferCache {
            dev,
            block_size,
            sectors,
            capacity: capacity.max(16),
            inner: Mutex::new(Inner {
                map: BTreeMap::new(),
                lru: BTreeMap::new(),
                tick: 0,
            }),
            write_error: AtomicBool::new(false),
        }
    }

    fn lba(&self, block: u64) -> SysResult<u64> {
        block.checked_mul(self.sectors).ok_or(Errno::EIO)
    }

    fn new_buffer(&self, block: u64, valid: bool) -> Arc<Buffer> {
        Arc::new(Buffer {
            block,
            data: RwLock::new(vec![0; self.block_size]),
            dirty: AtomicBool::new(false),
            valid: AtomicBool::new(valid),
        })
    }

    /// A cached buffer that another thread may still be filling: wait for its read.
    fn wait_valid(buf: Arc<Buffer>) -> SysResult<Arc<Buffer>> {
        if !buf.valid.load(Ordering::Acquire) {
            drop(buf.read());
            if !buf.valid.load(Ordering::Acquire) {
                return Err(Errno::EIO);
            }
        }
        Ok(buf)
    }

    pub fn contains(&self, block: u64) -> bool {
        self.inner.lock().map.contains_key(&block)
    }

    /// Block `block`, read from the device if it is not cached (`sb_bread`).
    pub fn get(&self, block: u64) -> SysResult<Arc<Buffer>> {
        let lba = self.lba(block)?;
        let existing = self.inner.lock().touch(block);
        if let Some(buf) = existing {
            return Self::wait_valid(buf);
        }
        // Published only write-locked, so other users wait for the read to finish.
        let buf = self.new_buffer(block, false);
        let result = {
            let mut data = buf.data.write();
            {
                let mut inner = self.inner.lock();
                if let Some(other) = inner.touch(block) {
                    drop(inner);
                    drop(data);
                    return Self::wait_valid(other);
                }
                inner.insert(buf.clone());
            }
            let r = self.dev.read_blocks(lba, &mut data);
            buf.valid.store(r.is_ok(), Ordering::Release);
            r
        };
        if let Err(e) = result {
            self.inner.lock().remove(block);
            return Err(e);
        }
        self.shrink();
        Ok(buf)
    }

    /// Read `count` consecutive blocks from `start` in one transfer (read-ahead). Blocks
    /// already cached keep their contents; nothing happens if the first one is cached.
    /// Failures are left for a later [`BufferCache::get`] to report.
    pub fn prefetch(&self, start: u64, count: usize) {
        let Ok(lba) = self.lba(start) else {
            return;
        };
        if count <= 1 || self.contains(start) {
            return;
        }
        let fresh: Vec<(usize, Arc<Buffer>)> = (0..count)
            .map(|i| (i, self.new_buffer(start + i as u64, false)))
            .collect();
        let mut guards = Vec::with_capacity(count);
        {
            let mut inner = self.inner.lock();
            for (i, buf) in &fresh {
                if !inner.map.contains_key(&buf.block) {
                    guards.push((*i, buf, buf.data.write()));
                    inner.insert(buf.clone());
                }
            }
        }
        let mut run = vec![0u8; count * self.block_size];
        let ok = self.dev.read_blocks(lba, &mut run).is_ok();
        for (i, buf, mut data) in guards {
            if ok {
                data.copy_from_slice(&run[i * self.block_size..(i + 1) * self.block_size]);
            }
            buf.valid.store(ok, Ordering::Release);
            drop(data);
            if !ok {
                self.inner.lock().remove(buf.block);
            }
        }
        self.shrink();
    }

    /// Block `block` with all-zero contents, without reading it (`sb_getblk` + clear), for a
    /// block just allocated. It is dirty.
    pub fn get_zeroed(&self, block: u64) -> SysResult<Arc<Buffer>> {
        self.lba(block)?;
        let existing = self.inner.lock().touch(block);
        if let Some(buf) = existing {
            {
                let mut data = buf.write();
                data.fill(0);
                buf.valid.store(true, Ordering::Release);
            }
            return Ok(buf);
        }
        let buf = self.new_buffer(block, true);
        buf.dirty.store(true, Ordering::Release);
        {
            let mut inner = self.inner.lock();
            if let Some(other) = inner.touch(block) {
                drop(inner);
                other.write().fill(0);
                other.valid.store(true, Ordering::Release);
                return Ok(other);
            }
            inner.insert(buf.clone());
        }
        self.shrink();
        Ok(buf)
    }

    /// Drop the cached copy of a block that was freed: its contents no longer matter
    /// (`bforget`).
    pub fn forget(&self, block: u64) {
        let mut inner = self.inner.lock();
        if let Some(e) = inner.map.get(&block) {
            e.buf.dirty.store(false, Ordering::Release);
            if Arc::strong_count(&e.buf) == 1 {
                inner.remove(block);
            }
        }
    }

    /// Keep the cache within its capacity: write back the oldest dirty blocks nobody uses and
    /// drop the oldest clean ones.
    fn shrink(&self) {
        let dirty = {
            let mut inner = self.inner.lock();
            if inner.map.len() <= self.capacity {
                return;
            }
            let excess = inner.map.len() - self.capacity;
            let mut victims = Vec::new();
            let mut dirty = Vec::new();
            for (_, &block) in inner.lru.iter().take(EVICT_SCAN) {
                if victims.len() >= excess {
                    break;
                }
                let Some(e) = inner.map.get(&block) else {
                    continue;
                };
                if Arc::strong_count(&e.buf) > 1 {
                    continue;
                }
                if e.buf.is_dirty() {
                    if dirty.len() < WRITEBACK_BATCH {
                        dirty.push(e.buf.clone());
                    }
                } else {
                    victims.push(block);
                }
            }
            for block in victims {
                inner.remove(block);
            }
            dirty
        };
        if !dirty.is_empty() && self.write_back(dirty).is_err() {
            self.write_error.store(true, Ordering::Release);
        }
    }

    /// Write the given buffers if dirty, neighbours in one transfer.
    fn write_back(&self, mut bufs: Vec<Arc<Buffer>>) -> SysResult<()> {
        bufs.sort_by_key(|b| b.block);
        let mut result = Ok(());
        let mut run: Vec<Arc<Buffer>> = Vec::new();
        let mut data: Vec<u8> = Vec::new();
        for b in bufs {
            if run
                .last()
                .is_some_and(|last| b.block != last.block + 1 || run.len() >= MAX_RUN)
            {
                self.write_run(&mut run, &mut data, &mut result);
            }
            if b.dirty.swap(false, Ordering::AcqRel) {
                data.extend_from_slice(&b.read());
                run.push(b);
            }
        }
        self.write_run(&mut run, &mut data, &mut result);
        result
    }

    /// Write a run of consecutive blocks whose contents are in `data`; on failure they are
    /// dirty again.
    fn write_run(
        &self,
        run: &mut Vec<Arc<Buffer>>,
        data: &mut Vec<u8>,
        result: &mut SysResult<()>,
    ) {
        if let Some(first) = run.first() {
            let written = self
                .lba(first.block)
                .and_then(|lba| self.dev.write_blocks(lba, data));
            if written.is_err() {
                for b in run.iter() {
                    b.dirty.store(true, Ordering::Release);
                }
                *result = Err(Errno::EIO);
            }
        }
        run.clear();
        data.clear();
    }

    /// Write every dirty block and flush the device (`sync_blockdev`). Reports a write-back
    /// failure that happened since the last flush.
    pub fn flush(&self) -> SysResult<()> {
        let dirty: Vec<Arc<Buffer>> = self
            .inner
            .lock()
            .map
            .values()
            .filter(|e| e.buf.is_dirty())
            .map(|e| e.buf.clone())
            .collect();
        let written = self.write_back(dirty);
        let earlier = self.write_error.swap(false, Ordering::AcqRel);
        written?;
        self.dev.flush()?;
        if earlier { Err(Errno::EIO) } else { Ok(()) }
    }

    /// Number of cached blocks (for tests).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.inner.lock().map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blockdev::MemDisk;

    fn cache(capacity: usize) -> (Arc<MemDisk>, BufferCache) {
        let disk = Arc::new(MemDisk::new(512, 256));
        let c = BufferCache::new(disk.clone(), 1024, capacity);
        (disk, c)
    }

    #[test]
    fn writes_stay_in_memory_until_flush() {
        let (disk, c) = cache(64);
        let b = c.get(3).unwrap();
        b.write()[0] = 0xaa;
        assert_eq!(disk.to_bytes()[3 * 1024], 0, "not written yet");
        c.flush().unwrap();
        assert_eq!(disk.to_bytes()[3 * 1024], 0xaa);
        assert!(!b.is_dirty());
        assert!(Arc::ptr_eq(&b, &c.get(3).unwrap()), "one buffer per block");
    }

    #[test]
    fn runs_of_dirty_blocks_are_written_together() {
        let (disk, c) = cache(64);
        for blk in [5u64, 6, 7, 9] {
            c.get_zeroed(blk).unwrap().write().fill(blk as u8);
        }
        // A clean cached block between dirty ones.
        c.get(8).unwrap();
        c.flush().unwrap();
        let img = disk.to_bytes();
        for blk in [5usize, 6, 7, 9] {
            assert!(
                img[blk * 1024..(blk + 1) * 1024]
                    .iter()
                    .all(|&x| x == blk as u8)
            );
        }
        assert!(img[8 * 1024..9 * 1024].iter().all(|&x| x == 0));
    }

    #[test]
    fn capacity_is_kept_by_writing_back_and_evicting() {
        let (disk, c) = cache(16);
        for blk in 0..100u64 {
            c.get_zeroed(blk).unwrap().write()[1] = blk as u8 + 1;
        }
        assert!(c.len() <= 16 + WRITEBACK_BATCH, "cache grew to {}", c.len());
        // Everything written back under pressure or by the flush is on disk.
        c.flush().unwrap();
        let img = disk.to_bytes();
        for blk in 0..100usize {
            assert_eq!(img[blk * 1024 + 1], blk as u8 + 1);
        }
        // Evicted blocks are read back from the device.
        for blk in 0..100u64 {
            assert_eq!(c.get(blk).unwrap().read()[1], blk as u8 + 1);
        }
    }

    #[test]
    fn pinned_buffers_are_not_evicted_and_forget_drops_changes() {
        let (disk, c) = cache(16);
        let pinned = c.get(0).unwrap();
        pinned.write()[0] = 1;
        for blk in 1..100u64 {
            c.get(blk).unwrap();
        }
        assert!(Arc::ptr_eq(&pinned, &c.get(0).unwrap()));
        let freed = c.get(50).unwrap();
        freed.write()[0] = 9;
        drop(freed);
        c.forget(50);
        c.flush().unwrap();
        let img = disk.to_bytes();
        assert_eq!((img[0], img[50 * 1024]), (1, 0));
    }

    #[test]
    fn prefetch_fills_missing_blocks_and_keeps_cached_ones() {
        let (disk, c) = cache(64);
        disk.write_blocks(0, &[5u8; 1024 * 8]).unwrap();
        let changed = c.get(3).unwrap();
        changed.write()[0] = 9;
        c.prefetch(1, 5);
        assert_eq!(c.len(), 5, "blocks 1..6");
        assert_eq!(
            c.get(3).unwrap().read()[0],
            9,
            "a cached block keeps its contents"
        );
        assert!(c.get(5).unwrap().read().iter().all(|&b| b == 5));
        // Cached first block: nothing to do; a run past the end: nothing cached.
        c.prefetch(1, 7);
        assert_eq!(c.len(), 5);
        c.prefetch(120, 20);
        assert!(!c.contains(121));
        assert_eq!(c.get(121).unwrap().read()[0], 0);
    }

    #[test]
    fn read_errors_are_reported_and_not_cached() {
        let (_, c) = cache(16);
        // 256 sectors of 512 bytes: 128 blocks of 1 KiB.
        assert_eq!(c.get(128).err(), Some(Errno::EIO));
        assert_eq!(c.get(u64::MAX).err(), Some(Errno::EIO));
        assert_eq!(c.len(), 0);
    }
}
