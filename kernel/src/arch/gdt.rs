//! GDT and TSS, laid out as Linux's (user space sees these selectors in signal frames):
//! 0x08 kernel 32-bit code, 0x10 kernel code, 0x18 kernel data, 0x23 user 32-bit code,
//! 0x2b user data, 0x33 user code, 0x38 TSS. SYSCALL/SYSRET depend on this order.

use core::cell::UnsafeCell;

use x86_64::VirtAddr;
use x86_64::instructions::segmentation::{CS, DS, ES, SS, Segment};
use x86_64::instructions::tables::load_tss;
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;

pub const KERNEL_CS: u16 = 0x10;
pub const KERNEL_DS: u16 = 0x18;
pub const USER32_CS: u16 = 0x20 | 3;
pub const USER_DS: u16 = 0x28 | 3;
pub const USER_CS: u16 = 0x30 | 3;
const TSS: u16 = 0x38;

/// IST slot used by the double-fault handler, so a kernel stack overflow still gets a report.
pub const DOUBLE_FAULT_IST: u16 = 1;
const DOUBLE_FAULT_STACK_SIZE: usize = 16 * 1024;

struct CpuTables {
    gdt: GlobalDescriptorTable<10>,
    tss: TaskStateSegment,
    df_stack: [u8; DOUBLE_FAULT_STACK_SIZE],
}

struct BspTables(UnsafeCell<CpuTables>);

// SAFETY: only the boot CPU touches these tables: written once in `init` before use, then only the
// TSS RSP0 field is updated by that same CPU with interrupts disabled.
unsafe impl Sync for BspTables {}

static BSP: BspTables = BspTables(UnsafeCell::new(CpuTables {
    gdt: GlobalDescriptorTable::empty(),
    tss: TaskStateSegment::new(),
    df_stack: [0; DOUBLE_FAULT_STACK_SIZE],
}));

pub fn init() {
    // SAFETY: single-threaded boot; nothing else references BSP yet.
    let tables = unsafe { &mut *BSP.0.get() };
    let df_top = VirtAddr::from_ptr(tables.df_stack.as_ptr()) + DOUBLE_FAULT_STACK_SIZE as u64;
    tables.tss.interrupt_stack_table[(DOUBLE_FAULT_IST - 1) as usize] = df_top;
    // Flat 32-bit code segments (kernel, user): present for Linux's layout, never loaded here.
    let kcode32 = tables.gdt.append(Descriptor::UserSegment(0x00cf_9a00_0000_ffff));
    let kcode = tables.gdt.append(Descriptor::kernel_code_segment());
    let kdata = tables.gdt.append(Descriptor::kernel_data_segment());
    let ucode32 = tables.gdt.append(Descriptor::UserSegment(0x00cf_fa00_0000_ffff));
    let udata = tables.gdt.append(Descriptor::user_data_segment());
    let ucode = tables.gdt.append(Descriptor::user_code_segment());
    // SAFETY: the TSS is static, so the descriptor's reference stays valid forever.
    let tss = tables.gdt.append(Descriptor::tss_segment(unsafe { &*(&tables.tss as *const _) }));
    assert_eq!(
        (kcode32.0, kcode.0, kdata.0, ucode32.0, udata.0, ucode.0, tss.0),
        (0x08, KERNEL_CS, KERNEL_DS, USER32_CS, USER_DS, USER_CS, TSS)
    );
    // SAFETY: the GDT is static; the selectors were just created in it.
    unsafe {
        tables.gdt.load_unsafe();
        CS::set_reg(SegmentSelector(KERNEL_CS));
        SS::set_reg(SegmentSelector(KERNEL_DS));
        DS::set_reg(SegmentSelector(0));
        ES::set_reg(SegmentSelector(0));
        load_tss(SegmentSelector(TSS));
    }
}

/// Sets the stack the CPU switches to on an interrupt or exception from user mode.
pub fn set_kernel_stack(top: u64) {
    // SAFETY: called by the owning CPU with interrupts disabled (context switch / exec); the CPU
    // only reads RSP0 when an interrupt arrives, which cannot happen concurrently here.
    unsafe {
        (*BSP.0.get()).tss.privilege_stack_table[0] = VirtAddr::new(top);
    }
}
