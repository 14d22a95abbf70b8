//! The kernel heap: a buddy heap (`buddy_system_allocator::Heap`) that grows by taking blocks from
//! the frame allocator when it runs out, so a small VM does not reserve memory it never uses.

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::NonNull;

use buddy_system_allocator::Heap;

use super::{frame, phys_to_virt, PAGE_SIZE};
use crate::sync::SpinLock;

/// Growth step: 256 KiB blocks keep a 16 MiB VM lean while making growth rare.
const GROW_ORDER: usize = 6;

struct KernelHeap(SpinLock<Heap<32>>);

#[global_allocator]
static HEAP: KernelHeap = KernelHeap(SpinLock::new(Heap::new()));

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

// SAFETY: the buddy heap hands out disjoint, correctly aligned blocks; the lock serialises access.
unsafe impl GlobalAlloc for KernelHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.0.lock();
        loop {
            if let Ok(p) = heap.alloc(layout) {
                return p.as_ptr();
            }
            if !grow(&mut heap, &layout) {
                return core::ptr::null_mut();
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if let Some(p) = NonNull::new(ptr) {
            self.0.lock().dealloc(p, layout);
        }
    }
}

/// (bytes in use by allocations, bytes the heap holds) — reported by the memory statistics.
pub fn usage() -> (usize, usize) {
    let heap = HEAP.0.lock();
    (heap.stats_alloc_actual(), heap.stats_total_bytes())
}
