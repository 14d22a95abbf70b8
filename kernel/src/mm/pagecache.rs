//! The page cache for file mappings: one frame per file page, shared by every mapping of the file
//! (MAP_SHARED mappings write it; MAP_PRIVATE ones map it read-only until their first write). It
//! is kept coherent with read(2)/write(2) — pages written through a mapping are written back
//! before the file is read and on msync/fsync/munmap, and a write(2) refreshes the cached pages
//! it covers — so a mapping and the file's readers see each other.
//! (Plain I/O does not go through it; ELF segments mapped by exec read their pages privately.)

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};

use fs::vfs::Inode;
use linux_abi::SysResult;

use super::{PAGE_SIZE, frame, phys_to_virt};
use crate::sync::SpinLock;

struct CachedPage {
    pa: u64,
    /// Written through a mapping since it was last written back.
    dirty: bool,
}

pub struct SharedFile {
    inode: Arc<dyn Inode>,
    pages: SpinLock<BTreeMap<u64, CachedPage>>,
}

static FILES: SpinLock<BTreeMap<usize, Weak<SharedFile>>> = SpinLock::new(BTreeMap::new());

fn key(inode: &Arc<dyn Inode>) -> usize {
    Arc::as_ptr(inode) as *const () as usize
}

fn bytes(pa: u64) -> &'static mut [u8] {
    // SAFETY: cached frames are owned by the cache (one reference) and mapped by the direct map;
    // concurrent user access through mappings is the same race Linux's page cache has.
    unsafe { core::slice::from_raw_parts_mut(phys_to_virt(pa) as *mut u8, PAGE_SIZE as usize) }
}

/// The cache of `inode`, created on the first mapping.
pub fn shared_file(inode: &Arc<dyn Inode>) -> Arc<SharedFile> {
    let mut files = FILES.lock();
    files.retain(|_, w| w.strong_count() > 0);
    if let Some(f) = files.get(&key(inode)).and_then(|w| w.upgrade()) {
        return f;
    }
    let f = Arc::new(SharedFile { inode: inode.clone(), pages: SpinLock::new(BTreeMap::new()) });
    files.insert(key(inode), Arc::downgrade(&f));
    f
}

fn existing(inode: &Arc<dyn Inode>) -> Option<Arc<SharedFile>> {
    FILES.lock().get(&key(inode)).and_then(|w| w.upgrade())
}

impl SharedFile {
    /// The frame holding file page `index`, with a new reference for the caller's mapping;
    /// `None` past end of file (SIGBUS) or when memory runs out.
    pub fn page(&self, index: u64, dirty: bool) -> Option<u64> {
        let size = self.inode.metadata().size;
        if index * PAGE_SIZE >= size {
            return None;
        }
        let mut pages = self.pages.lock();
        if let Some(p) = pages.get_mut(&index) {
            p.dirty |= dirty;
            frame::get(p.pa);
            return Some(p.pa);
        }
        let pa = frame::alloc_zeroed()?;
        let valid = (size - index * PAGE_SIZE).min(PAGE_SIZE) as usize;
        if crate::vfs::read_inode(&*self.inode, index * PAGE_SIZE, &mut bytes(pa)[..valid]).is_err() {
            frame::put(pa);
            return None;
        }
        pages.insert(index, CachedPage { pa, dirty });
        frame::get(pa);
        Some(pa)
    }

    /// A mapping's write fault on a page it already maps read-only.
    pub fn mark_dirty(&self, index: u64) {
        if let Some(p) = self.pages.lock().get_mut(&index) {
            p.dirty = true;
        }
    }

    pub fn inode(&self) -> &Arc<dyn Inode> {
        &self.inode
    }

    /// Writes dirty pages in `[first, last]` back to the file (never past its end).
    pub fn writeback(&self, first: u64, last: u64) -> SysResult<()> {
        let size = self.inode.metadata().size;
        let mut pages = self.pages.lock();
        for (&index, p) in pages.range_mut(first..=last) {
            if !p.dirty || index * PAGE_SIZE >= size {
                continue;
            }
            let valid = (size - index * PAGE_SIZE).min(PAGE_SIZE) as usize;
            let src: &[u8] = &bytes(p.pa)[..valid];
            self.inode.write_at(index * PAGE_SIZE, &src)?;
            p.dirty = false;
        }
        Ok(())
    }

    /// After write(2) to `[offset, offset + len)`: reload the cached pages it touched.
    fn refresh(&self, offset: u64, len: u64) {
        let size = self.inode.metadata().size;
        let (first, last) = (offset / PAGE_SIZE, (offset + len.max(1) - 1) / PAGE_SIZE);
        let pages = self.pages.lock();
        for (&index, p) in pages.range(first..=last) {
            let valid = size.saturating_sub(index * PAGE_SIZE).min(PAGE_SIZE) as usize;
            let buf = bytes(p.pa);
            buf[valid..].fill(0);
            let _ = crate::vfs::read_inode(&*self.inode, index * PAGE_SIZE, &mut buf[..valid]);
        }
    }
}

impl Drop for SharedFile {
    /// The last mapping is gone: write back and release the frames.
    fn drop(&mut self) {
        let _ = self.writeback(0, u64::MAX);
        for (_, p) in core::mem::take(&mut *self.pages.lock()) {
            frame::put(p.pa);
        }
    }
}

/// Before reading a file: pages written through shared mappings reach the file first.
pub fn before_read(inode: &Arc<dyn Inode>) {
    if let Some(f) = existing(inode) {
        let _ = f.writeback(0, u64::MAX);
    }
}

/// After writing a file: shared mappings see the new contents.
pub fn after_write(inode: &Arc<dyn Inode>, offset: u64, len: u64) {
    if let Some(f) = existing(inode) {
        f.refresh(offset, len);
    }
}

/// After truncate(2)/ftruncate(2) set the file's size to `size` (Linux's truncate_pagecache):
/// pages wholly past the new end are unmapped from every address space, so the next touch is
/// SIGBUS (or, once the file has grown again, reads its new zeros), and leave the cache; the
/// cached page holding the new end keeps its bytes before it and zeros after, as the file does.
pub fn after_truncate(inode: &Arc<dyn Inode>, size: u64) {
    let Some(f) = existing(inode) else { return };
    let first = size.div_ceil(PAGE_SIZE);
    let mut done: alloc::vec::Vec<Arc<crate::process::Mm>> = alloc::vec::Vec::new();
    for p in crate::process::tasks::all_processes() {
        let mm = p.mm();
        // vfork children share their parent's address space: visit it once.
        if !done.iter().any(|d| Arc::ptr_eq(d, &mm)) {
            mm.lock().zap_file(&f, first);
            done.push(mm);
        }
    }
    let mut pages = f.pages.lock();
    for (_, p) in pages.split_off(&first) {
        frame::put(p.pa);
    }
    if !size.is_multiple_of(PAGE_SIZE)
        && let Some(p) = pages.get(&(size / PAGE_SIZE))
    {
        bytes(p.pa)[(size % PAGE_SIZE) as usize..].fill(0);
    }
}

/// fsync/msync: write back everything mapped shared from this file.
pub fn sync(inode: &Arc<dyn Inode>) -> SysResult<()> {
    match existing(inode) {
        Some(f) => f.writeback(0, u64::MAX),
        None => Ok(()),
    }
}
