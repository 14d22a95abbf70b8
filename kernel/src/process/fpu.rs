//! Per-thread extended register state (x87/SSE/AVX…), saved with XSAVE (or FXSAVE on CPUs without
//! it). The kernel itself never touches these registers (it is built soft-float), so user state
//! only needs saving when another thread is about to run.

use alloc::alloc::{alloc_zeroed, dealloc};
use core::alloc::Layout;
use core::ptr::NonNull;

use crate::arch::cpu;

/// Offset of MXCSR in the legacy FXSAVE region.
const MXCSR_OFFSET: usize = 24;
const MXCSR_DEFAULT: u32 = 0x1f80;
const FCW_DEFAULT: u16 = 0x37f;

pub struct FpuState {
    area: NonNull<u8>,
    layout: Layout,
}

// SAFETY: the area is owned exclusively by this value.
unsafe impl Send for FpuState {}
unsafe impl Sync for FpuState {}

impl FpuState {
    /// The architectural initial state (what a new program starts with).
    pub fn new() -> Option<Self> {
        let layout = Layout::from_size_align(cpu::xsave_size().max(512 + 64), 64).ok()?;
        // SAFETY: non-zero size layout.
        let area = NonNull::new(unsafe { alloc_zeroed(layout) })?;
        let s = FpuState { area, layout };
        s.reset();
        Some(s)
    }

    /// Back to the initial state: zeroed registers, default control words, XSTATE_BV = 0.
    /// Only the owning thread calls this (or save/restore), so nothing else touches the area.
    pub fn reset(&self) {
        let p = self.area.as_ptr();
        // SAFETY: the area is layout.size() (> MXCSR_OFFSET + 4) bytes we own; the owning thread is
        // the only one accessing it (see above), so there is no concurrent access.
        unsafe {
            core::ptr::write_bytes(p, 0, self.layout.size());
            core::ptr::write_unaligned(p as *mut u16, FCW_DEFAULT);
            core::ptr::write_unaligned(p.add(MXCSR_OFFSET) as *mut u32, MXCSR_DEFAULT);
        }
    }

    /// The saved image (valid after `save`), as XSAVE/FXSAVE stored it.
    pub fn image(&self) -> &[u8] {
        // SAFETY: the area is layout.size() bytes we own; only the owning thread writes it.
        unsafe { core::slice::from_raw_parts(self.area.as_ptr(), self.layout.size()) }
    }

    /// Replaces the saved image (sigreturn, fork) with `bytes` (truncated to the area's size).
    pub fn set_image(&self, bytes: &[u8]) {
        let n = bytes.len().min(self.layout.size());
        // SAFETY: n bytes fit in the owned area; the source is a distinct buffer.
        unsafe { core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.area.as_ptr(), n) };
    }

    pub fn copy_from(&self, other: &FpuState) {
        self.set_image(other.image());
    }

    /// Loads this state into the CPU.
    pub fn restore(&self) {
        let p = self.area.as_ptr();
        // SAFETY: the area is 64-byte aligned, large enough for the enabled XCR0 features, and holds
        // a valid image (initial state or a previous save).
        unsafe {
            if cpu::has_xsave() {
                core::arch::asm!("xrstor64 [{}]", in(reg) p, in("eax") u32::MAX, in("edx") u32::MAX);
            } else {
                core::arch::asm!("fxrstor64 [{}]", in(reg) p);
            }
        }
    }

    /// Saves the CPU's current user state into this area.
    pub fn save(&self) {
        let p = self.area.as_ptr();
        // SAFETY: as in restore; the area is writable and exclusively ours.
        unsafe {
            if cpu::has_xsave() {
                core::arch::asm!("xsave64 [{}]", in(reg) p, in("eax") u32::MAX, in("edx") u32::MAX);
            } else {
                core::arch::asm!("fxsave64 [{}]", in(reg) p);
            }
        }
    }
}

impl Drop for FpuState {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.area.as_ptr(), self.layout) };
    }
}
