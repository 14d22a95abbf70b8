//! A user address space: an ordered map of VMAs over a page-table tree. Pages are populated on
//! fault: demand-zero (read faults map the shared zero page), file-backed private pages read from
//! their source, and copy-on-write driven by frame reference counts.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use bitflags::bitflags;
use linux_abi::{Errno, SysResult};
use x86_64::structures::paging::PageTableFlags as F;

use super::paging::{Mapping, PROT_NONE_BIT, UserPageTable};
use super::{PAGE_SIZE, frame, page_align_down, page_align_up, phys_to_virt};
use crate::arch::usercopy::USER_END;

/// Lowest address mmap hands out or accepts for MAP_FIXED (Linux's default vm.mmap_min_addr).
pub const MMAP_MIN_ADDR: u64 = 0x10000;

bitflags! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Prot: u32 {
        const READ = 1;
        const WRITE = 2;
        const EXEC = 4;
    }
}

/// Where the bytes of a file-backed mapping come from.
pub trait PageSource: Send + Sync {
    /// Fills `buf` from file offset `offset`; returns bytes read (short at end of file).
    fn read_page(&self, offset: u64, buf: &mut [u8]) -> SysResult<usize>;
}

#[derive(Clone)]
pub struct FileBacking {
    pub source: Arc<dyn PageSource>,
    /// File offset of the VMA's first byte.
    pub offset: u64,
    /// Virtual address past which the mapping reads as zeros (an ELF segment's p_filesz end).
    pub data_end: u64,
    /// The file, as /proc/PID/maps names it.
    pub path: Option<fs::vfs::Path>,
    /// The file's page cache. A shared VMA maps its pages and writes them; a private one maps
    /// them read-only and copies a page on its first write (Linux's do_cow_fault), so until then
    /// it sees later writes to the file. `None`: every page is read privately from `source`.
    pub cache: Option<Arc<super::pagecache::SharedFile>>,
}

#[derive(Clone)]
pub struct Vma {
    pub start: u64,
    pub end: u64,
    pub prot: Prot,
    /// The protections mprotect may grant (Linux's VM_MAYREAD/MAYWRITE/MAYEXEC): a shared
    /// mapping of a file not opened for writing never gets PROT_WRITE.
    pub may: Prot,
    pub shared: bool,
    pub grows_down: bool,
    pub file: Option<FileBacking>,
}

impl Vma {
    pub fn anonymous(start: u64, end: u64, prot: Prot) -> Vma {
        Vma { start, end, prot, may: Prot::all(), shared: false, grows_down: false, file: None }
    }

    /// The part of this VMA in `[start, end)` (which must overlap it).
    fn slice(&self, start: u64, end: u64) -> Vma {
        let mut v = self.clone();
        v.start = start.max(self.start);
        v.end = end.min(self.end);
        if let Some(f) = &mut v.file {
            f.offset += v.start - self.start;
        }
        v
    }
}

/// Why a fault could not be resolved: Linux's SEGV_MAPERR / SEGV_ACCERR, or out of memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultError {
    NotMapped,
    AccessDenied,
    OutOfMemory,
    Bus,
}

static ZERO_PAGE: spin::Once<u64> = spin::Once::new();

pub fn init_zero_page() {
    ZERO_PAGE.call_once(|| frame::alloc_zeroed().expect("memory for the zero page"));
}

fn zero_page() -> u64 {
    *ZERO_PAGE.get().expect("zero page initialised")
}

/// A new frame holding a copy of frame `pa`.
fn copy_frame(pa: u64) -> Option<u64> {
    let new = frame::alloc_order(0)?;
    // SAFETY: both frames are mapped by the direct map; `new` is exclusively ours.
    unsafe {
        core::ptr::copy_nonoverlapping(phys_to_virt(pa) as *const u8, phys_to_virt(new) as *mut u8, PAGE_SIZE as usize)
    };
    Some(new)
}

fn pte_flags(prot: Prot, writable: bool) -> F {
    if prot.is_empty() {
        return PROT_NONE_BIT | F::USER_ACCESSIBLE;
    }
    let mut f = F::PRESENT | F::USER_ACCESSIBLE;
    if writable && prot.contains(Prot::WRITE) {
        f |= F::WRITABLE;
    }
    if !prot.contains(Prot::EXEC) {
        f |= F::NO_EXECUTE;
    }
    f
}

pub struct AddressSpace {
    pt: UserPageTable,
    vmas: BTreeMap<u64, Vma>,
    pub brk_start: u64,
    pub brk: u64,
    pub mmap_base: u64,
    /// RLIMIT_STACK at exec: how far a grows-down stack VMA may extend on faults the kernel
    /// takes itself (`handle_fault`); user faults pass the limit in force (`handle_user_fault`).
    pub stack_limit: u64,
    /// Where exec put argv and envp strings (/proc/PID/cmdline, environ).
    pub args: (u64, u64),
    pub env: (u64, u64),
}

impl AddressSpace {
    pub fn new() -> SysResult<Self> {
        Ok(AddressSpace {
            pt: UserPageTable::new().ok_or(Errno::ENOMEM)?,
            vmas: BTreeMap::new(),
            brk_start: 0,
            brk: 0,
            mmap_base: USER_END,
            stack_limit: 8 << 20,
            args: (0, 0),
            env: (0, 0),
        })
    }

    pub fn page_table_root(&self) -> u64 {
        self.pt.root()
    }

    /// Total size of all mappings (what RLIMIT_AS limits).
    pub fn mapped_bytes(&self) -> u64 {
        self.vmas.values().map(|v| v.end - v.start).sum()
    }

    /// The physical frame mapped at page `va`, if any.
    pub fn translate(&self, va: u64) -> Option<u64> {
        self.pt.lookup(va).map(|m| m.pa)
    }

    pub fn find(&self, addr: u64) -> Option<&Vma> {
        self.vmas.range(..=addr).next_back().map(|(_, v)| v).filter(|v| addr < v.end)
    }

    pub fn overlaps(&self, start: u64, end: u64) -> bool {
        self.vmas.range(..end).next_back().is_some_and(|(_, v)| v.end > start)
    }

    /// Highest free range of `len` bytes below `mmap_base` (Linux's top-down layout).
    fn find_gap(&self, len: u64) -> Option<u64> {
        let mut top = self.mmap_base;
        for (_, v) in self.vmas.range(..self.mmap_base).rev() {
            if v.end <= top && top - v.end >= len {
                return Some(top - len);
            }
            top = top.min(v.start);
        }
        (top >= MMAP_MIN_ADDR + len).then(|| top - len)
    }

    /// Chooses where a new mapping goes: `hint` if free (or forced with `fixed`), else a gap.
    pub fn place(&self, hint: u64, len: u64, fixed: bool) -> SysResult<u64> {
        let end = hint.checked_add(len).ok_or(Errno::ENOMEM)?;
        if fixed {
            if end > USER_END {
                return Err(Errno::ENOMEM);
            }
            // Below vm.mmap_min_addr (the NULL-dereference guard).
            if hint < MMAP_MIN_ADDR {
                return Err(Errno::EPERM);
            }
            return Ok(hint);
        }
        if hint >= MMAP_MIN_ADDR && end <= USER_END && !self.overlaps(hint, end) {
            return Ok(hint);
        }
        self.find_gap(len).ok_or(Errno::ENOMEM)
    }

    /// Inserts a VMA, first unmapping whatever overlapped it (MAP_FIXED semantics).
    pub fn insert(&mut self, vma: Vma) {
        self.unmap(vma.start, vma.end);
        self.vmas.insert(vma.start, vma);
    }

    /// Takes the VMAs overlapping `[start, end)` out of the map, splitting at the edges: the parts
    /// outside the range go back in, the parts inside are returned.
    fn carve(&mut self, start: u64, end: u64) -> alloc::vec::Vec<Vma> {
        let hit: alloc::vec::Vec<u64> =
            self.vmas.range(..end).rev().take_while(|(_, v)| v.end > start).map(|(&k, _)| k).collect();
        let mut inside = alloc::vec::Vec::with_capacity(hit.len());
        for key in hit {
            let Some(v) = self.vmas.remove(&key) else { continue };
            if v.start < start {
                self.vmas.insert(v.start, v.slice(v.start, start));
            }
            if v.end > end {
                self.vmas.insert(end, v.slice(end, v.end));
            }
            inside.push(v.slice(start, end));
        }
        inside
    }

    /// Removes `[start, end)` from the address space, splitting VMAs at the edges and releasing
    /// the frames. Page-aligned arguments; unmapped holes are fine (as munmap).
    pub fn unmap(&mut self, start: u64, end: u64) {
        self.carve(start, end);
        self.pt.unmap_range(start, end, &mut |pa| frame::put(pa));
    }

    /// Is every page of `[start, end)` inside some VMA?
    pub fn covered(&self, start: u64, end: u64) -> bool {
        let mut cursor = start;
        for (_, v) in self.vmas.range(..end) {
            if v.end <= cursor {
                continue;
            }
            if v.start > cursor {
                return false;
            }
            cursor = v.end;
        }
        cursor >= end
    }

    /// msync: writes back the shared file pages mapped in `[start, end)`.
    /// Writes the dirty shared-file pages of `[start, end)` back to their files; `durable` also
    /// flushes each file to its disk (msync with MS_SYNC).
    pub fn sync_range(&self, start: u64, end: u64, durable: bool) -> SysResult<()> {
        for v in self.vmas.range(..end).map(|(_, v)| v).filter(|v| v.end > start) {
            if let Some(f) = &v.file
                && let Some(cache) = &f.cache
                && v.shared
            {
                let first = (f.offset + (start.max(v.start) - v.start)) / PAGE_SIZE;
                let last = (f.offset + (end.min(v.end) - v.start) - 1) / PAGE_SIZE;
                cache.writeback(first, last)?;
                if durable {
                    crate::block::mount::fsync(cache.inode())?;
                }
            }
        }
        Ok(())
    }

    /// Drops the pages of `[start, end)` but keeps the mappings: the next access refaults
    /// (zero-filled anonymous memory, fresh file contents) — MADV_DONTNEED.
    pub fn zap(&mut self, start: u64, end: u64) {
        let mut pages = alloc::vec::Vec::new();
        self.pt.for_each(start, end, &mut |va, m| pages.push((va, m.pa)));
        for (va, pa) in pages {
            self.pt.unmap(va);
            frame::put(pa);
        }
    }

    /// Truncation of the file cached in `cache`: drops this space's pages of it from file page
    /// `first` on, private copies included (Linux's unmap_mapping_range with even_cows), so the
    /// next touch faults and finds the file's new size.
    pub fn zap_file(&mut self, cache: &Arc<super::pagecache::SharedFile>, first: u64) {
        let from = first.saturating_mul(PAGE_SIZE);
        let ranges: alloc::vec::Vec<(u64, u64)> = self
            .vmas
            .values()
            .filter_map(|v| {
                let f = v.file.as_ref()?;
                let mapped = f.cache.as_ref().is_some_and(|c| Arc::ptr_eq(c, cache));
                let skip = from.saturating_sub(f.offset);
                (mapped && skip < v.end - v.start).then(|| (v.start + skip, v.end))
            })
            .collect();
        for (start, end) in ranges {
            self.zap(start, end);
        }
    }

    /// mremap: moves `[old, old + len)` — mappings and pages — to `new` (already free).
    pub fn move_range(&mut self, old: u64, new: u64, len: u64) -> SysResult<()> {
        let moved = self.carve(old, old + len);
        let mut pages = alloc::vec::Vec::new();
        self.pt.for_each(old, old + len, &mut |va, m| pages.push((va, m)));
        for (va, m) in pages {
            self.pt.unmap(va);
            if self.pt.map(va - old + new, m.pa, m.flags).is_err() {
                frame::put(m.pa);
                return Err(Errno::ENOMEM);
            }
        }
        for mut v in moved {
            let delta = v.start - old;
            let len = v.end - v.start;
            if let Some(f) = &mut v.file {
                f.data_end = f.data_end - v.start + new + delta;
            }
            v.start = new + delta;
            v.end = v.start + len;
            self.vmas.insert(v.start, v);
        }
        Ok(())
    }

    /// Grows the VMA ending at `end` in place to `new_end`, if the space after it is free.
    pub fn grow_in_place(&mut self, start: u64, end: u64, new_end: u64) -> bool {
        if new_end > USER_END || self.overlaps(end, new_end) {
            return false;
        }
        let key = match self.vmas.range(..end).next_back() {
            Some((&k, v)) if v.end == end && v.start <= start => k,
            _ => return false,
        };
        let Some(v) = self.vmas.get_mut(&key) else { return false };
        if let Some(f) = &mut v.file {
            // File data extends with the mapping (reads past EOF fault as SIGBUS).
            f.data_end += new_end - end;
        }
        v.end = new_end;
        true
    }

    /// The VMA containing `[start, end)` entirely, if one does.
    pub fn vma_spanning(&self, start: u64, end: u64) -> Option<&Vma> {
        self.find(start).filter(|v| v.end >= end)
    }

    /// The first VMA ending above `addr` (Linux's find_vma): the one containing it, or the next.
    pub fn find_vma(&self, addr: u64) -> Option<&Vma> {
        match self.find(addr) {
            Some(v) => Some(v),
            None => self.vmas.range(addr..).next().map(|(_, v)| v),
        }
    }

    /// mprotect of `[start, end)`. As Linux's do_mprotect_pkey, it works VMA by VMA from `start`:
    /// a hole (ENOMEM) or a VMA that may not have `prot` (EACCES) ends it with the VMAs before
    /// already changed. `grows_down` (PROT_GROWSDOWN) extends the range down to the start of the
    /// grows-down VMA it begins in.
    pub fn protect(&mut self, mut start: u64, end: u64, prot: Prot, grows_down: bool) -> SysResult<()> {
        let first = self.find_vma(start).ok_or(Errno::ENOMEM)?;
        if grows_down {
            if first.start >= end {
                return Err(Errno::ENOMEM);
            }
            if !first.grows_down {
                return Err(Errno::EINVAL);
            }
            start = first.start;
        } else if first.start > start {
            return Err(Errno::ENOMEM);
        }
        let mut cursor = start;
        while cursor < end {
            let vma = self.find(cursor).ok_or(Errno::ENOMEM)?;
            if !vma.may.contains(prot) {
                return Err(Errno::EACCES);
            }
            let stop = vma.end.min(end);
            self.protect_part(cursor, stop, prot);
            // Rejoin neighbours that now agree, as Linux's vma_merge (one line in maps).
            self.merge_at(cursor);
            self.merge_at(stop);
            cursor = stop;
        }
        Ok(())
    }

    /// Merges the VMA ending at `addr` with the one starting there when one VMA can stand for
    /// both: same protections and kind, and for files the same source at contiguous offsets.
    fn merge_at(&mut self, addr: u64) {
        let Some(next) = self.vmas.get(&addr) else { return };
        let Some((&key, prev)) = self.vmas.range(..addr).next_back() else { return };
        if prev.end != addr
            || prev.prot != next.prot
            || prev.may != next.may
            || prev.shared != next.shared
            || prev.grows_down != next.grows_down
        {
            return;
        }
        let data_end = match (&prev.file, &next.file) {
            (None, None) => None,
            (Some(a), Some(b))
                if Arc::ptr_eq(&a.source, &b.source)
                    && a.offset + (prev.end - prev.start) == b.offset
                    // Zeros past a segment's data are not in the file: only a wholly file-backed
                    // VMA can be followed by more of the file.
                    && a.data_end >= prev.end =>
            {
                Some(b.data_end)
            }
            _ => return,
        };
        let Some(next) = self.vmas.remove(&addr) else { return };
        if let Some(merged) = self.vmas.get_mut(&key) {
            merged.end = next.end;
            if let (Some(f), Some(d)) = (&mut merged.file, data_end) {
                f.data_end = d;
            }
        }
    }

    /// Sets the protection of `[start, end)`, which lies within one VMA.
    fn protect_part(&mut self, start: u64, end: u64, prot: Prot) {
        for mut vma in self.carve(start, end) {
            vma.prot = prot;
            self.vmas.insert(vma.start, vma);
        }
        let mut pages = alloc::vec::Vec::new();
        self.pt.for_each(start, end, &mut |va, m| pages.push((va, m)));
        for (va, m) in pages {
            // Writability is only kept for pages already privately owned; others fault to CoW.
            let keep_writable = m.flags.contains(F::WRITABLE);
            self.pt.set_flags(va, pte_flags(prot, keep_writable));
        }
    }

    /// Resolves a page fault at `addr` on behalf of the kernel (exec, futex, /proc/PID/mem), with
    /// the stack bounded by the RLIMIT_STACK recorded at exec.
    pub fn handle_fault(&mut self, addr: u64, write: bool, exec: bool) -> Result<(), FaultError> {
        self.handle_user_fault(addr, write, exec, self.stack_limit)
    }

    /// Resolves a user page fault at `addr`; a grows-down stack may extend to `stack_limit` bytes
    /// (the faulting process's RLIMIT_STACK now, as Linux's acct_stack_growth reads it).
    pub fn handle_user_fault(&mut self, addr: u64, write: bool, exec: bool, stack_limit: u64) -> Result<(), FaultError> {
        let vma = match self.find(addr) {
            Some(v) => v.clone(),
            None => self.grow_stack(addr, stack_limit)?,
        };
        let allowed = if write {
            vma.prot.contains(Prot::WRITE)
        } else if exec {
            vma.prot.contains(Prot::EXEC)
        } else {
            !vma.prot.is_empty()
        };
        if !allowed {
            return Err(FaultError::AccessDenied);
        }
        let page = page_align_down(addr);
        match self.pt.lookup(page) {
            None => self.populate(&vma, page, write),
            Some(m) if write && !m.flags.contains(F::WRITABLE) => self.break_cow(&vma, page, m),
            Some(m) => {
                // Spurious (stale TLB) or a page coming back from PROT_NONE.
                let writable = m.flags.contains(F::WRITABLE);
                self.pt.set_flags(page, pte_flags(vma.prot, writable));
                Ok(())
            }
        }
    }

    /// Extends a grows-down VMA (the stack) to cover `addr`, as Linux's expand_stack.
    fn grow_stack(&mut self, addr: u64, limit: u64) -> Result<Vma, FaultError> {
        let (&key, stack) = self.vmas.range(addr..).next().ok_or(FaultError::NotMapped)?;
        if !stack.grows_down || stack.end - page_align_down(addr) > limit {
            return Err(FaultError::NotMapped);
        }
        let new_start = page_align_down(addr);
        // Keep Linux's one-page minimum gap to the mapping below.
        if self.vmas.range(..key).next_back().is_some_and(|(_, v)| v.end + PAGE_SIZE > new_start) {
            return Err(FaultError::NotMapped);
        }
        let mut grown = self.vmas.remove(&key).ok_or(FaultError::NotMapped)?;
        grown.start = new_start;
        self.vmas.insert(new_start, grown.clone());
        Ok(grown)
    }

    fn populate(&mut self, vma: &Vma, page: u64, write: bool) -> Result<(), FaultError> {
        let (pa, writable) = if let Some(file) = &vma.file
            && let Some(cache) = &file.cache
            && file.data_end >= page + PAGE_SIZE
        {
            let index = (file.offset + (page - vma.start)) / PAGE_SIZE;
            if vma.shared {
                // A read fault maps the page read-only so the first write is seen (and marks it
                // dirty).
                (cache.page(index, write).ok_or(FaultError::Bus)?, write)
            } else if write {
                // The first write to a private page copies the file's page.
                let cached = cache.page(index, false).ok_or(FaultError::Bus)?;
                let copy = copy_frame(cached);
                frame::put(cached);
                (copy.ok_or(FaultError::OutOfMemory)?, true)
            } else {
                // Read-only until written: the mapping shows the file's page as it is now and
                // as later writes change it.
                (cache.page(index, false).ok_or(FaultError::Bus)?, false)
            }
        } else if let Some(file) = &vma.file {
            // A page wholly past the data (past end of file for mmap) is SIGBUS, as on Linux.
            let valid = file.data_end.saturating_sub(page).min(PAGE_SIZE) as usize;
            if valid == 0 {
                return Err(FaultError::Bus);
            }
            let pa = frame::alloc_zeroed().ok_or(FaultError::OutOfMemory)?;
            // SAFETY: the frame is ours and mapped by the direct map.
            let buf = unsafe { core::slice::from_raw_parts_mut(phys_to_virt(pa) as *mut u8, valid) };
            match file.source.read_page(file.offset + (page - vma.start), buf) {
                Ok(n) if n > 0 => {}
                _ => {
                    frame::put(pa);
                    return Err(FaultError::Bus);
                }
            }
            (pa, true)
        } else if write || vma.shared {
            (frame::alloc_zeroed().ok_or(FaultError::OutOfMemory)?, true)
        } else {
            let z = zero_page();
            frame::get(z);
            (z, false)
        };
        match self.pt.map(page, pa, pte_flags(vma.prot, writable)) {
            Ok(_) => Ok(()),
            Err(()) => {
                frame::put(pa);
                Err(FaultError::OutOfMemory)
            }
        }
    }

    fn break_cow(&mut self, vma: &Vma, page: u64, m: Mapping) -> Result<(), FaultError> {
        // Shared mappings write the shared page itself.
        if vma.shared && m.pa != zero_page() {
            if let Some(cache) = vma.file.as_ref().and_then(|f| f.cache.as_ref()) {
                cache.mark_dirty((vma.file.as_ref().map_or(0, |f| f.offset) + (page - vma.start)) / PAGE_SIZE);
            }
            self.pt.set_flags(page, pte_flags(vma.prot, true));
            return Ok(());
        }
        if m.pa != zero_page() && frame::refcount(m.pa) == 1 {
            self.pt.set_flags(page, pte_flags(vma.prot, true));
            return Ok(());
        }
        // (A private mapping's page-cache page always has the cache's reference too, so it is
        // copied here, never taken over.)
        let new = copy_frame(m.pa).ok_or(FaultError::OutOfMemory)?;
        match self.pt.map(page, new, pte_flags(vma.prot, true)) {
            Ok(Some(old)) => frame::put(old),
            Ok(None) => {}
            Err(()) => {
                frame::put(new);
                return Err(FaultError::OutOfMemory);
            }
        }
        Ok(())
    }

    /// Writes into this (possibly inactive) address space through the direct map, faulting pages
    /// in as a user write would. Used to lay out a new program's stack before switching to it.
    pub fn write_bytes(&mut self, mut va: u64, mut data: &[u8]) -> SysResult<()> {
        while !data.is_empty() {
            let page = page_align_down(va);
            self.handle_fault(va, true, false).map_err(|_| Errno::EFAULT)?;
            let m = self.pt.lookup(page).ok_or(Errno::EFAULT)?;
            let off = (va - page) as usize;
            let n = data.len().min(PAGE_SIZE as usize - off);
            // SAFETY: the frame was just made private and writable for this address space.
            unsafe {
                core::ptr::copy_nonoverlapping(data.as_ptr(), (phys_to_virt(m.pa) as *mut u8).add(off), n)
            };
            data = &data[n..];
            va += n as u64;
        }
        Ok(())
    }

    /// Reads `len` bytes at `va` of this (possibly inactive) address space through the page tables,
    /// faulting pages in as a read would; stops at the first unmapped or inaccessible page.
    pub fn read_bytes(&mut self, mut va: u64, len: usize) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::new();
        while out.len() < len {
            let page = page_align_down(va);
            if self.handle_fault(va, false, false).is_err() {
                break;
            }
            let Some(m) = self.pt.lookup(page) else { break };
            let off = (va - page) as usize;
            let n = (len - out.len()).min(PAGE_SIZE as usize - off);
            // SAFETY: the frame is mapped in this address space and covered by the direct map;
            // we only read it.
            let bytes = unsafe { core::slice::from_raw_parts((phys_to_virt(m.pa) as *const u8).add(off), n) };
            out.extend_from_slice(bytes);
            va += n as u64;
        }
        out
    }

    /// Pages currently backed by frames in `[start, end)` (resident set).
    pub fn resident_pages(&self, start: u64, end: u64) -> u64 {
        let mut n = 0;
        self.pt.for_each(start, end, &mut |_, m| {
            if m.flags.contains(F::PRESENT) {
                n += 1;
            }
        });
        n
    }

    /// Every VMA, in address order.
    pub fn vmas(&self) -> impl Iterator<Item = &Vma> {
        self.vmas.values()
    }

    /// brk(2): grows or shrinks the heap VMA; returns the new (or unchanged) break.
    pub fn set_brk(&mut self, new: u64) -> u64 {
        if new < self.brk_start || new >= self.mmap_base {
            return self.brk;
        }
        let (Some(old_end), Some(new_end)) = (page_align_up(self.brk), page_align_up(new)) else {
            return self.brk;
        };
        let heap_start = page_align_up(self.brk_start).unwrap_or(self.brk_start);
        if new_end > old_end {
            if self.overlaps(old_end, new_end) {
                return self.brk;
            }
            match self.vmas.get_mut(&heap_start) {
                Some(v) if v.end == old_end => v.end = new_end,
                _ => {
                    self.vmas.insert(old_end, Vma::anonymous(old_end, new_end, Prot::READ | Prot::WRITE));
                }
            }
        } else if new_end < old_end {
            self.unmap(new_end, old_end);
        }
        self.brk = new;
        new
    }
}

impl AddressSpace {
    /// fork: a copy-on-write duplicate. Private pages become read-only in both spaces and shared
    /// by reference count; the first write in either copies (see `break_cow`). Shared mappings
    /// stay shared and writable.
    pub fn fork(&mut self) -> SysResult<AddressSpace> {
        // Shared anonymous memory must be the same frames in both processes, including pages
        // nobody has touched yet: give every such page its frame now.
        let shared: alloc::vec::Vec<(u64, u64)> =
            self.vmas.values().filter(|v| v.shared && v.file.is_none()).map(|v| (v.start, v.end)).collect();
        for (start, end) in shared {
            let mut va = start;
            while va < end {
                if self.pt.lookup(va).is_none() {
                    self.handle_fault(va, false, false).map_err(|_| Errno::ENOMEM)?;
                }
                va += PAGE_SIZE;
            }
        }
        let mut child = AddressSpace::new()?;
        child.vmas = self.vmas.clone();
        child.brk_start = self.brk_start;
        child.brk = self.brk;
        child.mmap_base = self.mmap_base;
        child.stack_limit = self.stack_limit;
        child.args = self.args;
        child.env = self.env;
        let mut pages = alloc::vec::Vec::new();
        self.pt.for_each(0, USER_END, &mut |va, m| pages.push((va, m)));
        for (va, m) in pages {
            let shared = self.find(va).is_some_and(|v| v.shared);
            let mut flags = m.flags;
            if !shared && flags.contains(F::WRITABLE) {
                flags.remove(F::WRITABLE);
                self.pt.set_flags(va, flags);
            }
            frame::get(m.pa);
            if child.pt.map(va, m.pa, flags).is_err() {
                frame::put(m.pa);
                return Err(Errno::ENOMEM);
            }
        }
        Ok(child)
    }
}

impl Drop for AddressSpace {
    /// Teardown allocates nothing: a process that died of exhausting memory still exits.
    fn drop(&mut self) {
        drop(core::mem::take(&mut self.vmas));
        self.pt.unmap_range(0, USER_END, &mut |pa| frame::put(pa));
    }
}
