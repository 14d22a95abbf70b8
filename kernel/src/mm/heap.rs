//! The kernel heap: a buddy heap (`buddy_system_allocator::Heap`) that grows by taking blocks from
//! the frame allocator when it runs out, so a small VM does not reserve memory it never uses.
//! Small allocations (up to 2 KiB, the great majority: wait-queue entries, strings, Arcs) come
//! from per-size free lists in front of it, O(1) both ways: the buddy heap splits and merges
//! through every level on each call and searches its free lists for buddies, which made an
//! allocate/free pair cost tens of microseconds under emulation.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;

use buddy_system_allocator::Heap;

use super::{frame, phys_to_virt, PAGE_SIZE};
use crate::sync::SpinLock;

/// Growth step: 256 KiB blocks keep a 16 MiB VM lean while making growth rare.
const GROW_ORDER: usize = 6;

/// Small-object size classes: powers of two from 16 bytes to 2 KiB.
const MIN_CLASS_SHIFT: usize = 4;
const CLASSES: usize = 8;
/// Slabs are carved from the buddy heap in 16 KiB pieces.
const SLAB_BYTES: usize = 16 * 1024;

struct Allocator {
    buddy: Heap<32>,
    /// Free objects of each class, linked through their first word.
    free: [usize; CLASSES],
    /// Bytes taken from the buddy heap as slabs, and of those, handed out as objects.
    slab_bytes: usize,
    small_in_use: usize,
}

struct KernelHeap(SpinLock<Allocator>);

#[global_allocator]
static HEAP: KernelHeap =
    KernelHeap(SpinLock::new(Allocator { buddy: Heap::new(), free: [0; CLASSES], slab_bytes: 0, small_in_use: 0 }));

/// The size class of `layout`, if it is small (every object of a class is aligned to its size).
fn class_of(layout: &Layout) -> Option<usize> {
    let size = layout.size().max(layout.align()).max(1 << MIN_CLASS_SHIFT);
    let class = size.next_power_of_two().trailing_zeros() as usize - MIN_CLASS_SHIFT;
    (class < CLASSES).then_some(class)
}

impl Allocator {
    fn buddy_alloc(&mut self, layout: Layout) -> *mut u8 {
        loop {
            if let Ok(p) = self.buddy.alloc(layout) {
                return p.as_ptr();
            }
            if !grow(&mut self.buddy, &layout) {
                return core::ptr::null_mut();
            }
        }
    }

    fn small_alloc(&mut self, class: usize) -> *mut u8 {
        let size = 1usize << (class + MIN_CLASS_SHIFT);
        if self.free[class] == 0 {
            let Ok(slab_layout) = Layout::from_size_align(SLAB_BYTES, size) else { return core::ptr::null_mut() };
            let slab = self.buddy_alloc(slab_layout) as usize;
            if slab == 0 {
                return core::ptr::null_mut();
            }
            self.slab_bytes += SLAB_BYTES;
            // Thread the new slab's objects onto the (empty) free list, lowest address first.
            for obj in (slab..slab + SLAB_BYTES).step_by(size).rev() {
                // SAFETY: `obj` is an unused, aligned object inside the slab we now own.
                unsafe { (obj as *mut usize).write(self.free[class]) };
                self.free[class] = obj;
            }
        }
        let obj = self.free[class];
        // SAFETY: free objects hold the address of the next free object in their first word.
        self.free[class] = unsafe { (obj as *const usize).read() };
        self.small_in_use += size;
        obj as *mut u8
    }

    fn small_free(&mut self, ptr: *mut u8, class: usize) {
        // SAFETY: the object is free again and at least a word long and word-aligned.
        unsafe { (ptr as *mut usize).write(self.free[class]) };
        self.free[class] = ptr as usize;
        self.small_in_use -= 1 << (class + MIN_CLASS_SHIFT);
    }
}

/// Adds a fresh block from the frame allocator; false when physical memory is exhausted.
fn grow(heap: &mut Heap<32>, layout: &Layout) -> bool {
    let needed = (layout.size().max(layout.align()) as u64).div_ceil(PAGE_SIZE) as usize;
    let order = frame::order_for(needed).clamp(GROW_ORDER, frame::MAX_ORDER);
    if (1usize << order) < needed {
        return false;
    }
    let Some(pa) = frame::alloc_reserved(order) else { return false };
    let start = phys_to_virt(pa) as usize;
    // SAFETY: the block was just allocated to the heap alone and is mapped by the direct map.
    unsafe { heap.add_to_heap(start, start + ((PAGE_SIZE as usize) << order)) };
    true
}

// SAFETY: the buddy heap hands out disjoint, correctly aligned blocks, and the size classes hand
// out disjoint objects aligned to their size (slabs are aligned to the class size); the lock
// serialises access. A layout always maps to the same class, so objects return to their list.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.0.lock();
        match class_of(&layout) {
            Some(class) => heap.small_alloc(class),
            None => heap.buddy_alloc(layout),
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let Some(p) = NonNull::new(ptr) else { return };
        let mut heap = self.0.lock();
        match class_of(&layout) {
            Some(class) => heap.small_free(ptr, class),
            None => heap.buddy.dealloc(p, layout),
        }
    }
}

/// (bytes in use by allocations, bytes the heap holds) — reported by the memory statistics.
pub fn usage() -> (usize, usize) {
    let heap = HEAP.0.lock();
    // Slab memory counts as in use only for the objects handed out.
    let in_use = heap.buddy.stats_alloc_actual() - heap.slab_bytes + heap.small_in_use;
    (in_use, heap.buddy.stats_total_bytes())
}
