//! Regular file contents: a sparse map of page-sized blocks. A hole costs nothing and reads as
//! zeros; `st_blocks` counts the pages present. Bytes past the size inside a page are always
//! zero (truncation clears them), so extending a file never exposes old data.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use super::TmpFs;
use crate::sync::{Mutex, RwLock};
use crate::vfs::io::{ReadDest, WriteSrc, fill_zeroes, short_count};
use crate::vfs::types::MAX_FILE_SIZE;
use crate::{Errno, SysResult};

pub const PAGE_SIZE: usize = 4096;

/// One page of file data, page-aligned so it can later be mapped into user space.
#[repr(C, align(4096))]
pub(crate) struct PageBuf(pub [u8; PAGE_SIZE]);

pub(crate) type Page = RwLock<Box<PageBuf>>;

pub(crate) struct FileData {
    pages: RwLock<BTreeMap<u64, Arc<Page>>>,
    /// Serializes writers and truncation (Linux takes the inode lock for both).
    pub(crate) write_lock: Mutex<()>,
}

fn split(pos: u64) -> (u64, usize) {
    (pos / PAGE_SIZE as u64, (pos % PAGE_SIZE as u64) as usize)
}

impl FileData {
    pub fn new() -> Self {
        FileData {
            pages: RwLock::new(BTreeMap::new()),
            write_lock: Mutex::new(()),
        }
    }

    pub fn page_count(&self) -> u64 {
        self.pages.read().len() as u64
    }

    /// Copy out bytes `offset..min(offset + dest.dest_len(), size)`.
    pub fn read(&self, offset: u64, size: u64, dest: &mut dyn ReadDest) -> SysResult<usize> {
        if offset >= size {
            return Ok(0);
        }
        let total = (size - offset).min(dest.dest_len() as u64) as usize;
        let mut done = 0;
        while done < total {
            let (index, in_page) = split(offset + done as u64);
            let chunk = (PAGE_SIZE - in_page).min(total - done);
            let page = self.pages.read().get(&index).cloned();
            let copied = match page {
                Some(page) => dest.copy_out(done, &page.read().0[in_page..in_page + chunk]),
                None => fill_zeroes(dest, done, chunk),
            };
            if let Err(fault) = copied {
                return short_count(done, fault);
            }
            done += chunk;
        }
        Ok(done)
    }

    /// Copy `src` in at `offset`, allocating pages as needed. The caller holds `write_lock`
    /// and updates the size from the returned count.
    pub fn write(&self, fs: &TmpFs, offset: u64, src: &dyn WriteSrc) -> SysResult<usize> {
        let room = MAX_FILE_SIZE.saturating_sub(offset);
        if room == 0 && src.src_len() > 0 {
            return Err(Errno::EFBIG);
        }
        let total = src
            .src_len()
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        let mut done = 0;
        while done < total {
            let (index, in_page) = split(offset + done as u64);
            let chunk = (PAGE_SIZE - in_page).min(total - done);
            let page = match self.page_for_write(fs, index) {
                Ok(page) => page,
                // Out of space part-way: a short write, as Linux reports it.
                Err(_) if done > 0 => return Ok(done),
                Err(e) => return Err(e),
            };
            let copied = src.copy_in(done, &mut page.write().0[in_page..in_page + chunk]);
            if let Err(fault) = copied {
                return short_count(done, fault);
            }
            done += chunk;
        }
        Ok(done)
    }

    fn page_for_write(&self, fs: &TmpFs, index: u64) -> SysResult<Arc<Page>> {
        if let Some(page) = self.pages.read().get(&index) {
            return Ok(page.clone());
        }
        fs.charge_pages(1)?;
        let page = Arc::new(RwLock::new(Box::new(PageBuf([0; PAGE_SIZE]))));
        self.pages.write().insert(index, page.clone());
        Ok(page)
    }

    /// Drop everything past `new_size` and clear the tail of the last partial page. The caller
    /// holds `write_lock`.
    pub fn truncate(&self, fs: &TmpFs, new_size: u64) {
        let (last, in_page) = split(new_size);
        let first_gone = if in_page == 0 { last } else { last + 1 };
        let removed = {
            let mut pages = self.pages.write();
            let tail = pages.split_off(&first_gone);
            if let Some(page) = pages.get(&last).filter(|_| in_page != 0) {
                page.write().0[in_page..].fill(0);
            }
            tail.len() as u64
        };
        fs.uncharge_pages(removed);
    }

    /// `SEEK_DATA`/`SEEK_HOLE`: pages present are data, absent ones holes.
    pub fn seek(&self, offset: u64, size: u64, hole: bool) -> SysResult<u64> {
        if offset >= size {
            return Err(Errno::ENXIO);
        }
        let (first, _) = split(offset);
        let pages = self.pages.read();
        if hole {
            let mut index = first;
            for (&i, _) in pages.range(first..) {
                if i != index {
                    break;
                }
                index += 1;
            }
            Ok((index * PAGE_SIZE as u64).max(offset).min(size))
        } else {
            match pages.range(first..).next() {
                Some((&i, _)) if i * (PAGE_SIZE as u64) < size => {
                    Ok((i * PAGE_SIZE as u64).max(offset))
                }
                _ => Err(Errno::ENXIO),
            }
        }
    }
}
