//! The interrupt descriptor table, pointing every vector at its stub in `trap::trap_stubs`.

use core::cell::UnsafeCell;

use x86_64::VirtAddr;
use x86_64::instructions::tables::lidt;
use x86_64::structures::DescriptorTablePointer;

use super::gdt;

#[derive(Clone, Copy)]
#[repr(C)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    type_attr: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

impl Gate {
    const EMPTY: Gate =
        Gate { offset_low: 0, selector: 0, ist: 0, type_attr: 0, offset_mid: 0, offset_high: 0, reserved: 0 };

    fn new(handler: u64, ist: u8, dpl: u8) -> Gate {
        Gate {
            offset_low: handler as u16,
            selector: gdt::KERNEL_CS,
            ist,
            // present, interrupt gate (IF cleared on entry)
            type_attr: 0x8e | (dpl << 5),
            offset_mid: (handler >> 16) as u16,
            offset_high: (handler >> 32) as u32,
            reserved: 0,
        }
    }
}

struct Idt(UnsafeCell<[Gate; 256]>);

// SAFETY: written once during single-threaded boot, read-only afterwards (by the CPU).
unsafe impl Sync for Idt {}

static IDT: Idt = Idt(UnsafeCell::new([Gate::EMPTY; 256]));

unsafe extern "C" {
    static trap_stubs: u8;
}

pub fn init() {
    let base = &raw const trap_stubs as u64;
    // SAFETY: boot is single-threaded and the IDT is not loaded yet.
    let idt = unsafe { &mut *IDT.0.get() };
    for (vector, gate) in idt.iter_mut().enumerate() {
        let ist = if vector as u64 == super::trap::vector::DOUBLE_FAULT { gdt::DOUBLE_FAULT_IST as u8 } else { 0 };
        // int3 / into are allowed from user mode, as on Linux.
        let dpl = if vector == 3 || vector == 4 { 3 } else { 0 };
        *gate = Gate::new(base + 16 * vector as u64, ist, dpl);
    }
    let ptr = DescriptorTablePointer { limit: (size_of::<[Gate; 256]>() - 1) as u16, base: VirtAddr::new(IDT.0.get() as u64) };
    // SAFETY: the IDT is static and fully initialised.
    unsafe { lidt(&ptr) };
}
