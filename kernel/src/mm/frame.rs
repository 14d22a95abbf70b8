//! Physical frame allocator: a binary buddy allocator whose free lists are threaded through the
//! per-frame metadata array (`mem_map` in Linux terms), which also holds each frame's reference
//! count. Nothing here allocates from the heap, so the heap can grow from it.

use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};

use super::{PAGE_SIZE, phys_to_virt};
use crate::sync::SpinLock;

/// Largest block: 2^MAX_ORDER frames (4 MiB), as Linux.
pub const MAX_ORDER: usize = 10;
const NIL: u32 = u32::MAX;
const NOT_FREE: u8 = 0xff;

struct FrameMeta {
    refcount: AtomicU32,
}

struct BuddyLinks {
    next: u32,
    prev: u32,
    /// Order of the free block this frame heads, or NOT_FREE.
    free_order: u8,
}

struct Buddy {
    links: &'static mut [BuddyLinks],
    heads: [u32; MAX_ORDER + 1],
}

static META: spin::Once<&'static [FrameMeta]> = spin::Once::new();
static BUDDY: SpinLock<Option<Buddy>> = SpinLock::new(None);
static FREE_FRAMES: AtomicUsize = AtomicUsize::new(0);
static TOTAL_FRAMES: AtomicUsize = AtomicUsize::new(0);

impl Buddy {
    fn push(&mut self, pfn: u32, order: usize) {
        let head = self.heads[order];
        self.links[pfn as usize] = BuddyLinks { next: head, prev: NIL, free_order: order as u8 };
        if head != NIL {
            self.links[head as usize].prev = pfn;
        }
        self.heads[order] = pfn;
    }

    fn unlink(&mut self, pfn: u32, order: usize) {
        let BuddyLinks { next, prev, .. } = self.links[pfn as usize];
        if prev == NIL {
            self.heads[order] = next;
        } else {
            self.links[prev as usize].next = next;
        }
        if next != NIL {
            self.links[next as usize].prev = prev;
        }
        self.links[pfn as usize].free_order = NOT_FREE;
    }

    fn alloc(&mut self, order: usize) -> Option<u32> {
        let found = (order..=MAX_ORDER).find(|&o| self.heads[o] != NIL)?;
        let pfn = self.heads[found];
        self.unlink(pfn, found);
        // Split down, returning the upper halves to their free lists.
        for o in (order..found).rev() {
            self.push(pfn + (1 << o), o);
        }
        Some(pfn)
    }

    fn free(&mut self, mut pfn: u32, mut order: usize) {
        while order < MAX_ORDER {
            let buddy = pfn ^ (1 << order);
            match self.links.get(buddy as usize) {
                Some(l) if l.free_order as usize == order => {}
                _ => break,
            }
            self.unlink(buddy, order);
            pfn = pfn.min(buddy);
            order += 1;
        }
        self.push(pfn, order);
    }
}

/// Hands the allocator its metadata storage and the usable RAM ranges. `meta_region` is a
/// physical range reserved by the caller, big enough for `max_pfn` entries of both arrays.
pub fn init(max_pfn: u64, meta_region_pa: u64, usable: &mut dyn Iterator<Item = (u64, u64)>) {
    let n = max_pfn as usize;
    let meta_va = phys_to_virt(meta_region_pa) as *mut FrameMeta;
    let links_va = (phys_to_virt(meta_region_pa) + (n * size_of::<FrameMeta>()) as u64)
        .next_multiple_of(8) as *mut BuddyLinks;
    // SAFETY: the caller reserved [meta_region_pa, +meta_bytes(max_pfn)) for us alone; it is mapped
    // by the direct map, suitably aligned, and we initialise every element before use.
    let (meta, links) = unsafe {
        for i in 0..n {
            meta_va.add(i).write(FrameMeta { refcount: AtomicU32::new(0) });
            links_va.add(i).write(BuddyLinks { next: NIL, prev: NIL, free_order: NOT_FREE });
        }
        (core::slice::from_raw_parts(meta_va, n), core::slice::from_raw_parts_mut(links_va, n))
    };
    META.call_once(|| meta);
    let mut buddy = Buddy { links, heads: [NIL; MAX_ORDER + 1] };
    let mut total = 0;
    for (start, end) in usable {
        let (mut pfn, end_pfn) = (start.div_ceil(PAGE_SIZE), (end / PAGE_SIZE).min(max_pfn));
        while pfn < end_pfn {
            // Largest aligned block that fits.
            let mut order = (pfn.trailing_zeros() as usize).min(MAX_ORDER);
            while pfn + (1 << order) > end_pfn {
                order -= 1;
            }
            buddy.free(pfn as u32, order);
            pfn += 1 << order;
            total += 1 << order;
        }
    }
    *BUDDY.lock() = Some(buddy);
    FREE_FRAMES.store(total, Ordering::Relaxed);
    TOTAL_FRAMES.store(total, Ordering::Relaxed);
}

/// Bytes of metadata `init` needs for `max_pfn` frames.
pub fn meta_bytes(max_pfn: u64) -> u64 {
    max_pfn * (size_of::<FrameMeta>() + size_of::<BuddyLinks>()) as u64 + 8
}

fn meta(pa: u64) -> &'static FrameMeta {
    let meta = META.get().expect("frame allocator initialised");
    &meta[(pa / PAGE_SIZE) as usize]
}

/// Frames only the kernel heap may take, so that user memory (page faults, kernel stacks for new
/// processes) runs out first and fails cleanly instead of starving kernel allocations.
const HEAP_RESERVE: usize = 256;

/// Allocates 2^order contiguous frames with refcount 1 (contents undefined), keeping the heap's
/// reserve untouched.
pub fn alloc_order(order: usize) -> Option<u64> {
    if FREE_FRAMES.load(Ordering::Relaxed) < HEAP_RESERVE + (1 << order) {
        return None;
    }
    alloc_any(order)
}

/// Like `alloc_order`, but may use the reserve (kernel heap growth only).
pub fn alloc_reserved(order: usize) -> Option<u64> {
    alloc_any(order)
}

fn alloc_any(order: usize) -> Option<u64> {
    let pfn = BUDDY.lock().as_mut()?.alloc(order)?;
    FREE_FRAMES.fetch_sub(1 << order, Ordering::Relaxed);
    let pa = pfn as u64 * PAGE_SIZE;
    meta(pa).refcount.store(1, Ordering::Relaxed);
    Some(pa)
}

/// Frees a block from `alloc_order` (refcounts are not consulted: the block has one owner).
pub fn free_order(pa: u64, order: usize) {
    meta(pa).refcount.store(0, Ordering::Relaxed);
    if let Some(b) = BUDDY.lock().as_mut() {
        b.free((pa / PAGE_SIZE) as u32, order);
    }
    FREE_FRAMES.fetch_add(1 << order, Ordering::Relaxed);
}

/// One zero-filled frame with refcount 1.
pub fn alloc_zeroed() -> Option<u64> {
    let pa = alloc_order(0)?;
    // SAFETY: the frame was just allocated to us and is mapped by the direct map.
    unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, PAGE_SIZE as usize) };
    Some(pa)
}

/// Takes another reference to a single frame (shared mapping, copy-on-write).
pub fn get(pa: u64) {
    meta(pa).refcount.fetch_add(1, Ordering::Relaxed);
}

/// Drops a reference to a single frame, freeing it when the last one goes.
pub fn put(pa: u64) {
    if meta(pa).refcount.fetch_sub(1, Ordering::AcqRel) == 1 {
        if let Some(b) = BUDDY.lock().as_mut() {
            b.free((pa / PAGE_SIZE) as u32, 0);
        }
        FREE_FRAMES.fetch_add(1, Ordering::Relaxed);
    }
}

pub fn refcount(pa: u64) -> u32 {
    meta(pa).refcount.load(Ordering::Relaxed)
}

pub fn free_frames() -> usize {
    FREE_FRAMES.load(Ordering::Relaxed)
}

pub fn total_frames() -> usize {
    TOTAL_FRAMES.load(Ordering::Relaxed)
}

/// Smallest order whose block holds `pages` frames.
pub fn order_for(pages: usize) -> usize {
    pages.next_power_of_two().trailing_zeros() as usize
}
