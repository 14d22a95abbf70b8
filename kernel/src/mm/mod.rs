//! Memory management: physical frames, kernel page tables and heap, user address spaces.

pub mod address_space;
pub mod fault;
pub mod frame;
pub mod heap;
pub mod pagecache;
pub mod paging;
pub mod user;

pub const PAGE_SIZE: u64 = 4096;
/// All physical memory is mapped here (PML4 slot 256), as Linux's `page_offset_base`.
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;
/// The kernel image is linked here (code-model=kernel), loaded at physical 1 MiB.
pub const KERNEL_VIRT: u64 = 0xffff_ffff_8000_0000;

pub fn phys_to_virt(pa: u64) -> u64 {
    pa + PHYS_OFFSET
}

pub fn virt_to_phys(va: u64) -> u64 {
    if va >= KERNEL_VIRT { va - KERNEL_VIRT } else { va - PHYS_OFFSET }
}

pub const fn page_align_down(x: u64) -> u64 {
    x & !(PAGE_SIZE - 1)
}

pub fn page_align_up(x: u64) -> Option<u64> {
    x.checked_add(PAGE_SIZE - 1).map(page_align_down)
}

use x86_64::structures::paging::PageTableFlags as F;

use crate::boot_info::{BootInfo, E820_RAM};

// SAFETY: section boundaries defined by the linker script; only their addresses are used.
unsafe extern "C" {
    static __boot_start: u8;
    static __text_start: u8;
    static __text_end: u8;
    static __rodata_start: u8;
    static __rodata_end: u8;
    static __data_start: u8;
    static __kernel_end: u8;
}

/// `[start, end)` minus every range in `holes`, as up to holes+1 pieces.
fn subtract(start: u64, end: u64, holes: &[(u64, u64)], out: &mut dyn FnMut(u64, u64)) {
    let mut pieces = alloc_free_pieces(start, end);
    for &(hs, he) in holes {
        let mut next = [(0u64, 0u64); 16];
        let mut n = 0;
        for &(s, e) in pieces.iter().filter(|p| p.0 < p.1) {
            for (a, b) in [(s, e.min(hs)), (s.max(he), e)] {
                if a < b && n < next.len() {
                    next[n] = (a, b);
                    n += 1;
                }
            }
        }
        pieces = next;
    }
    for &(s, e) in pieces.iter().filter(|p| p.0 < p.1) {
        out(s, e);
    }
}

fn alloc_free_pieces(start: u64, end: u64) -> [(u64, u64); 16] {
    let mut p = [(0u64, 0u64); 16];
    p[0] = (start, end);
    p
}

static DIRECT_MAP_END: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(1 << 32);

/// First physical address the direct map does not cover.
pub fn direct_map_end() -> u64 {
    DIRECT_MAP_END.load(core::sync::atomic::Ordering::Relaxed)
}

/// Sets up the final kernel page tables, the frame allocator and the zero page.
pub fn init(info: &BootInfo) {
    let sym = |s: *const u8| s as u64;
    let kernel_phys_start = sym(&raw const __boot_start);
    let kernel_phys_end = virt_to_phys(sym(&raw const __kernel_end));
    let ram = || info.regions().iter().filter(|r| r.kind == E820_RAM);
    let max_phys = ram().map(|r| r.end).max().unwrap_or(0);
    let max_pfn = max_phys / PAGE_SIZE;
    let initrd = info.initrd.unwrap_or((0, 0));

    // Early bump allocator right after the kernel image (skipping the initrd if it is there).
    let mut bump = page_align_up(kernel_phys_end).expect("kernel end");
    let bump_start = bump;
    let mut early = |bytes: u64| -> u64 {
        let size = page_align_up(bytes).expect("size");
        if bump < initrd.1 && bump + size > initrd.0 {
            bump = page_align_up(initrd.1).expect("initrd end");
        }
        let pa = bump;
        bump += size;
        assert!(
            ram().any(|r| r.start <= pa && pa + size <= r.end),
            "no RAM for early allocation at {pa:#x}"
        );
        // SAFETY: [pa, pa+size) is RAM below 4 GiB (boot direct map) that nothing else owns yet.
        unsafe { core::ptr::write_bytes(phys_to_virt(pa) as *mut u8, 0, size as usize) };
        pa
    };
    let image = [
        (sym(&raw const __text_start), sym(&raw const __text_end), F::empty()),
        (sym(&raw const __rodata_start), sym(&raw const __rodata_end), F::NO_EXECUTE),
        (sym(&raw const __data_start), sym(&raw const __kernel_end), F::WRITABLE | F::NO_EXECUTE),
    ];
    paging::init_kernel(max_phys, &mut || early(PAGE_SIZE), &image);
    DIRECT_MAP_END.store(max_phys.next_multiple_of(2 << 20), core::sync::atomic::Ordering::Relaxed);
    let meta = early(frame::meta_bytes(max_pfn));
    let holes = [(0, 0x10_0000), (kernel_phys_start, kernel_phys_end), (bump_start, bump), initrd];
    let mut usable = [(0u64, 0u64); 256];
    let mut n = 0;
    for r in ram() {
        subtract(r.start, r.end, &holes, &mut |s, e| {
            if n < usable.len() {
                usable[n] = (s, e);
                n += 1;
            }
        });
    }
    frame::init(max_pfn, meta, &mut usable[..n].iter().copied());
    address_space::init_zero_page();
}

/// Returns the initrd's frames to the allocator once it has been unpacked (as Linux's
/// "Freeing initrd memory").
pub fn free_initrd(start: u64, end: u64) {
    let (mut pfn, end_pfn) = (start.div_ceil(PAGE_SIZE), end / PAGE_SIZE);
    while pfn < end_pfn {
        frame::free_order(pfn * PAGE_SIZE, 0);
        pfn += 1;
    }
}
