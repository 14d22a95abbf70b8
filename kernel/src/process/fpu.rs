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

    fn bytes(&self) -> &mut [u8] {
        // SAFETY: the area is layout.size() bytes we own.
        unsafe { core::slice::from_raw_parts_mut(self.area.as_ptr(), self.layout.size()) }
    }

    /// Back to the initial state: zeroed registers, default control words, XSTATE_BV = 0.
    pub fn reset(&self) {
        let b = self.bytes();
        b.fill(0);
        b[0..2].copy_from_slice(&FCW_DEFAULT.to_le_bytes());
        b[MXCSR_OFFSET..MXCSR_OFFSET + 4].copy_from_slice(&MXCSR_DEFAULT.to_le_bytes());
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
