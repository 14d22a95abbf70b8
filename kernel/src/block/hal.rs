//! The virtio-drivers HAL: DMA memory from the frame allocator (physically contiguous, reached
//! through the direct map), device MMIO through the uncached MMIO window, and buffer sharing by
//! address translation (kernel buffers live in the direct map, so no bounce buffers are needed).

use core::ptr::NonNull;

use virtio_drivers::{BufferDirection, Hal, PhysAddr};

use crate::mm::{PAGE_SIZE, frame, paging, phys_to_virt, virt_to_phys};

pub struct KernelHal;

// SAFETY: dma_alloc returns zeroed, page-aligned, exclusively owned contiguous memory and its
// physical address; mmio_phys_to_virt maps the requested device range; share returns the physical
// address of a buffer that is physically contiguous (see `share`).
unsafe impl Hal for KernelHal {
    fn dma_alloc(pages: usize, _dir: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let order = frame::order_for(pages);
        let pa = frame::alloc_order(order).expect("memory for virtio queues");
        let va = phys_to_virt(pa) as *mut u8;
        // SAFETY: the block was just allocated to us; the direct map covers it.
        unsafe { core::ptr::write_bytes(va, 0, (PAGE_SIZE as usize) << order) };
        (pa, NonNull::new(va).expect("direct-map address is non-null"))
    }

    unsafe fn dma_dealloc(paddr: PhysAddr, _vaddr: NonNull<u8>, pages: usize) -> i32 {
        frame::free_order(paddr, frame::order_for(pages));
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        let va = paging::map_mmio(paddr, size as u64).expect("page tables for device MMIO");
        NonNull::new(va as *mut u8).expect("MMIO window address is non-null")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _dir: BufferDirection) -> PhysAddr {
        // Buffers come from the kernel heap or kernel stacks, both in the direct map, and a single
        // allocation never straddles two separately allocated frame blocks unless they are also
        // physically adjacent (direct-map addresses mirror physical ones).
        virt_to_phys(buffer.as_ptr() as *mut u8 as u64)
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _dir: BufferDirection) {}
}
