//! What the boot loader tells us: the PVH `hvm_start_info` (command line, e820 memory map, the
//! initrd as module 0), copied into kernel memory before the frames holding it can be reused.

use crate::mm::phys_to_virt;

const PVH_MAGIC: u32 = 0x336e_c578;
pub const E820_RAM: u32 = 1;
const MAX_REGIONS: usize = 128;
/// Linux's COMMAND_LINE_SIZE on x86.
pub const CMDLINE_MAX: usize = 2048;

#[derive(Clone, Copy, Default)]
pub struct Region {
    pub start: u64,
    pub end: u64,
    pub kind: u32,
}

pub struct BootInfo {
    pub cmdline: [u8; CMDLINE_MAX],
    pub cmdline_len: usize,
    pub regions: [Region; MAX_REGIONS],
    pub region_count: usize,
    /// Physical range of the initrd, if the loader passed one.
    pub initrd: Option<(u64, u64)>,
    /// ACPI RSDP physical address from the loader (0: search the BIOS areas).
    pub rsdp: u64,
}

impl BootInfo {
    pub fn cmdline(&self) -> &[u8] {
        &self.cmdline[..self.cmdline_len]
    }

    pub fn regions(&self) -> &[Region] {
        &self.regions[..self.region_count]
    }
}

fn read<T: Copy>(pa: u64) -> T {
    // SAFETY: the boot page tables direct-map the first 4 GiB, where PVH places its structures;
    // read_unaligned tolerates any alignment, and T is plain data.
    unsafe { core::ptr::read_unaligned(phys_to_virt(pa) as *const T) }
}

/// Parses the start info at physical address `pa`. Panics (before user space exists) only if the
/// loader did not follow the PVH protocol.
pub fn parse(pa: u64) -> BootInfo {
    let magic: u32 = read(pa);
    assert_eq!(magic, PVH_MAGIC, "not booted through PVH");
    let version: u32 = read(pa + 4);
    let nr_modules: u32 = read(pa + 12);
    let modlist: u64 = read(pa + 16);
    let cmdline_pa: u64 = read(pa + 24);
    let mut info = BootInfo {
        cmdline: [0; CMDLINE_MAX],
        cmdline_len: 0,
        regions: [Region::default(); MAX_REGIONS],
        region_count: 0,
        initrd: None,
        rsdp: read(pa + 32),
    };
    if cmdline_pa != 0 {
        while info.cmdline_len < CMDLINE_MAX - 1 {
            let b: u8 = read(cmdline_pa + info.cmdline_len as u64);
            if b == 0 {
                break;
            }
            info.cmdline[info.cmdline_len] = b;
            info.cmdline_len += 1;
        }
    }
    if nr_modules > 0 && modlist != 0 {
        let start: u64 = read(modlist);
        let size: u64 = read(modlist + 8);
        if size > 0 {
            info.initrd = Some((start, start + size));
        }
    }
    assert!(version >= 1, "PVH start info without a memory map");
    let memmap: u64 = read(pa + 40);
    let entries: u32 = read(pa + 48);
    for i in 0..(entries as usize).min(MAX_REGIONS) {
        let e = memmap + 24 * i as u64;
        let start: u64 = read(e);
        let size: u64 = read(e + 8);
        let kind: u32 = read(e + 16);
        info.regions[i] = Region { start, end: start.saturating_add(size), kind };
        info.region_count += 1;
    }
    info
}
