//! Page tables. The kernel half (PML4 slots 256–511) is built once at boot and shared by every
//! address space; user page tables are walked and edited here. This module and `frame` are the only
//! places that turn physical addresses into references.

use x86_64::PhysAddr;
use x86_64::registers::control::{Cr3, Cr3Flags, Cr4, Cr4Flags};
use x86_64::structures::paging::page_table::{PageTable, PageTableEntry};
use x86_64::structures::paging::{PageTableFlags as F, PhysFrame};

use super::{frame, phys_to_virt, KERNEL_VIRT, PAGE_SIZE};

/// Software bit: a user page made inaccessible by PROT_NONE keeps its frame with PRESENT clear.
pub const PROT_NONE_BIT: F = F::BIT_9;

static KERNEL_ROOT: spin::Once<u64> = spin::Once::new();

fn table(pa: u64) -> &'static mut PageTable {
    // SAFETY: `pa` is a page-table frame owned by the page-table tree being edited; the direct map
    // covers it. Callers hold the lock of the address space the tree belongs to.
    unsafe { &mut *(phys_to_virt(pa) as *mut PageTable) }
}

fn index(va: u64, level: u32) -> usize {
    ((va >> (12 + 9 * (level - 1))) & 0x1ff) as usize
}

/// The leaf entry for `va`, creating intermediate tables (with `inter` flags) if `create`.
fn walk(root: u64, va: u64, create: bool, inter: F) -> Option<&'static mut PageTableEntry> {
    let mut pa = root;
    for level in (2..=4).rev() {
        let entry = &mut table(pa)[index(va, level)];
        if entry.is_unused() {
            if !create {
                return None;
            }
            let new = frame::alloc_zeroed()?;
            entry.set_addr(PhysAddr::new(new), inter);
        } else if entry.flags().contains(F::HUGE_PAGE) {
            return None;
        } else if create {
            entry.set_flags(entry.flags() | inter);
        }
        pa = entry.addr().as_u64();
    }
    Some(&mut table(pa)[index(va, 1)])
}

/// Builds the kernel half: a direct map of `[0, max_phys)` and the kernel image, then switches to it.
/// `early_alloc` supplies zeroed frames before the frame allocator exists.
pub fn init_kernel(max_phys: u64, early_alloc: &mut dyn FnMut() -> u64, image: &[(u64, u64, F)]) {
    let root = early_alloc();
    let inter = F::PRESENT | F::WRITABLE;
    // Pre-create every kernel-half PDPT so later kernel mappings are visible in all address spaces.
    for slot in 256..512 {
        table(root)[slot].set_addr(PhysAddr::new(early_alloc()), inter);
    }
    // Direct map with 2 MiB pages: writable, never executable, global.
    let huge = F::PRESENT | F::WRITABLE | F::HUGE_PAGE | F::GLOBAL | F::NO_EXECUTE;
    let mut pa = 0;
    while pa < max_phys {
        let va = phys_to_virt(pa);
        let pdpt = table(root)[index(va, 4)].addr().as_u64();
        let pde = &mut table(pdpt)[index(va, 3)];
        if pde.is_unused() {
            pde.set_addr(PhysAddr::new(early_alloc()), inter);
        }
        let pd = pde.addr().as_u64();
        table(pd)[index(va, 2)].set_addr(PhysAddr::new(pa), huge);
        pa += 2 << 20;
    }
    // Kernel image with per-section permissions, 4 KiB pages.
    for &(start_va, end_va, flags) in image {
        let mut va = start_va;
        while va < end_va {
            let mut pa = root;
            for level in (2..=4).rev() {
                let e = &mut table(pa)[index(va, level)];
                if e.is_unused() {
                    e.set_addr(PhysAddr::new(early_alloc()), inter);
                }
                pa = e.addr().as_u64();
            }
            table(pa)[index(va, 1)].set_addr(PhysAddr::new(va - KERNEL_VIRT), flags | F::PRESENT | F::GLOBAL);
            va += PAGE_SIZE;
        }
    }
    KERNEL_ROOT.call_once(|| root);
    // SAFETY: the new tables map the kernel image and the direct map exactly as the boot tables
    // did (at the same virtual addresses), so execution continues seamlessly.
    unsafe {
        Cr4::update(|f| f.insert(Cr4Flags::PAGE_GLOBAL));
        switch_to(root);
    }
}

/// Where device memory (PCI BARs) is mapped: PML4 slot 384, uncached.
pub const MMIO_BASE: u64 = 0xffff_c000_0000_0000;

/// Maps `[pa, pa + size)` of device memory, uncached, at MMIO_BASE + pa; returns its address.
/// Mapping the same range twice is harmless. None if a page-table frame cannot be had.
pub fn map_mmio(pa: u64, size: u64) -> Option<u64> {
    static LOCK: crate::sync::SpinLock<()> = crate::sync::SpinLock::new(());
    let _guard = LOCK.lock();
    let root = *KERNEL_ROOT.get()?;
    let flags = F::PRESENT | F::WRITABLE | F::NO_CACHE | F::WRITE_THROUGH | F::NO_EXECUTE | F::GLOBAL;
    let start = pa & !(PAGE_SIZE - 1);
    let end = pa.checked_add(size)?.next_multiple_of(PAGE_SIZE);
    let mut page = start;
    while page < end {
        // The kernel half's PDPTs exist in every address space, so mappings below them are
        // visible everywhere at once.
        let e = walk(root, MMIO_BASE + page, true, F::PRESENT | F::WRITABLE)?;
        e.set_addr(PhysAddr::new(page), flags);
        flush(MMIO_BASE + page);
        page += PAGE_SIZE;
    }
    Some(MMIO_BASE + pa)
}

/// Loads an address space. SAFETY: `root` must be a PML4 whose kernel half is the shared one.
pub unsafe fn switch_to(root: u64) {
    let frame = PhysFrame::from_start_address(PhysAddr::new(root)).expect("aligned PML4");
    // SAFETY: per the function contract the kernel stays mapped identically.
    unsafe { Cr3::write(frame, Cr3Flags::empty()) };
}

pub fn flush(va: u64) {
    x86_64::instructions::tlb::flush(x86_64::VirtAddr::new(va));
}

/// A user page-table tree: its own lower half, the shared kernel upper half.
pub struct UserPageTable {
    root: u64,
}

/// What a user PTE holds: the frame and its flags (PRESENT may be clear for PROT_NONE pages).
#[derive(Clone, Copy)]
pub struct Mapping {
    pub pa: u64,
    pub flags: F,
}

impl UserPageTable {
    pub fn new() -> Option<Self> {
        let root = frame::alloc_zeroed()?;
        let kernel = table(*KERNEL_ROOT.get().expect("kernel page tables built"));
        let new = table(root);
        for slot in 256..512 {
            new[slot] = kernel[slot].clone();
        }
        Some(UserPageTable { root })
    }

    pub fn root(&self) -> u64 {
        self.root
    }

    pub fn lookup(&self, va: u64) -> Option<Mapping> {
        let e = walk(self.root, va, false, F::empty())?;
        if e.is_unused() { None } else { Some(Mapping { pa: e.addr().as_u64(), flags: e.flags() }) }
    }

    /// Maps `va` → `pa`, taking over the caller's frame reference. Returns the frame it replaced
    /// (whose reference now belongs to the caller). Err when a page-table frame cannot be had.
    pub fn map(&mut self, va: u64, pa: u64, flags: F) -> Result<Option<u64>, ()> {
        let inter = F::PRESENT | F::WRITABLE | F::USER_ACCESSIBLE;
        let e = walk(self.root, va, true, inter).ok_or(())?;
        let old = if e.is_unused() { None } else { Some(e.addr().as_u64()) };
        e.set_addr(PhysAddr::new(pa), flags);
        if old.is_some() {
            flush(va);
        }
        Ok(old)
    }

    /// Changes the flags of an existing mapping.
    pub fn set_flags(&mut self, va: u64, flags: F) {
        if let Some(e) = walk(self.root, va, false, F::empty())
            && !e.is_unused()
        {
            e.set_flags(flags);
            flush(va);
        }
    }

    /// Removes the mapping at `va`, returning its frame (the caller drops the reference).
    pub fn unmap(&mut self, va: u64) -> Option<u64> {
        let e = walk(self.root, va, false, F::empty())?;
        if e.is_unused() {
            return None;
        }
        let pa = e.addr().as_u64();
        e.set_unused();
        flush(va);
        Some(pa)
    }

    /// Unmaps every page in `[start, end)`, handing each frame to `release` (which drops the
    /// reference). Walks the tree once and allocates nothing, so it works when memory is gone.
    pub fn unmap_range(&mut self, start: u64, end: u64, release: &mut dyn FnMut(u64)) {
        fn rec(pa: u64, level: u32, base: u64, start: u64, end: u64, release: &mut dyn FnMut(u64)) {
            let span = 1u64 << (12 + 9 * (level - 1));
            for (i, e) in table(pa).iter_mut().enumerate() {
                let va = base + i as u64 * span;
                if e.is_unused() || va + span <= start || va >= end {
                    continue;
                }
                if level == 1 {
                    let frame = e.addr().as_u64();
                    e.set_unused();
                    flush(va);
                    release(frame);
                } else {
                    rec(e.addr().as_u64(), level - 1, va, start, end, release);
                }
            }
        }
        rec(self.root, 4, 0, start, end.min(1 << 47), release);
    }

    /// Calls `f(va, mapping)` for every mapped page in `[start, end)`, skipping absent subtrees.
    pub fn for_each(&self, start: u64, end: u64, f: &mut dyn FnMut(u64, Mapping)) {
        fn rec(pa: u64, level: u32, base: u64, start: u64, end: u64, f: &mut dyn FnMut(u64, Mapping)) {
            let span = 1u64 << (12 + 9 * (level - 1));
            for (i, e) in table(pa).iter().enumerate() {
                let va = base + i as u64 * span;
                if e.is_unused() || va + span <= start || va >= end {
                    continue;
                }
                if level == 1 {
                    f(va, Mapping { pa: e.addr().as_u64(), flags: e.flags() });
                } else {
                    rec(e.addr().as_u64(), level - 1, va, start, end, f);
                }
            }
        }
        rec(self.root, 4, 0, start, end.min(1 << 47), f);
    }
}

impl Drop for UserPageTable {
    /// Frees the user-half page-table frames. Leaf frames must already have been released by the
    /// owner (AddressSpace unmaps every VMA before dropping its tables).
    fn drop(&mut self) {
        fn free_level(pa: u64, level: u32) {
            if level > 1 {
                for e in table(pa).iter() {
                    if !e.is_unused() {
                        free_level(e.addr().as_u64(), level - 1);
                    }
                }
            }
            frame::put(pa);
        }
        for slot in 0..256 {
            let e = &table(self.root)[slot];
            if !e.is_unused() {
                free_level(e.addr().as_u64(), 3);
            }
        }
        frame::put(self.root);
    }
}
