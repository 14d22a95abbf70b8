//! CPU feature setup (SSE/XSAVE, SMEP, NX), the TSC clock, and small privileged helpers.

use core::arch::x86_64::{__cpuid, __cpuid_count, _rdtsc};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use x86_64::registers::control::{Cr0, Cr0Flags, Cr4, Cr4Flags};
use x86_64::registers::xcontrol::{XCr0, XCr0Flags};

static TSC_HZ: AtomicU64 = AtomicU64::new(1_000_000_000);
static TSC_BOOT: AtomicU64 = AtomicU64::new(0);
static XSAVE_SIZE: AtomicU64 = AtomicU64::new(0);
static HWCAP: AtomicU64 = AtomicU64::new(0);
static HAS_XSAVE: AtomicBool = AtomicBool::new(false);
static XCR0: AtomicU64 = AtomicU64::new(0x3);
static MXCSR_MASK: AtomicU64 = AtomicU64::new(0xffbf);

/// What `cpuid` reports that the rest of the kernel cares about.
pub struct Features {
    pub xsave: bool,
    pub smep: bool,
    pub rdrand: bool,
    pub rdseed: bool,
}

pub fn features() -> Features {
    let leaf1 = __cpuid(1);
    let leaf7 = __cpuid_count(7, 0);
    Features {
        xsave: leaf1.ecx & (1 << 26) != 0,
        smep: leaf7.ebx & (1 << 7) != 0,
        rdrand: leaf1.ecx & (1 << 30) != 0,
        rdseed: leaf7.ebx & (1 << 18) != 0,
    }
}

/// Enables the FPU/SSE/AVX state user programs expect (libc picks SIMD routines at startup) and the
/// protections the kernel relies on.
pub fn init_bsp() {
    TSC_BOOT.store(rdtsc(), Ordering::Relaxed);
    let f = features();
    // SAFETY: setting architectural control bits the CPU reported support for; the kernel itself is
    // built soft-float, so enabling SSE/XSAVE only affects user state.
    unsafe {
        let mut cr0 = Cr0::read();
        cr0.remove(Cr0Flags::EMULATE_COPROCESSOR | Cr0Flags::TASK_SWITCHED);
        cr0.insert(Cr0Flags::MONITOR_COPROCESSOR | Cr0Flags::NUMERIC_ERROR | Cr0Flags::WRITE_PROTECT);
        Cr0::write(cr0);
        let mut cr4 = Cr4::read();
        cr4.insert(Cr4Flags::OSFXSR | Cr4Flags::OSXMMEXCPT_ENABLE);
        if f.xsave {
            cr4.insert(Cr4Flags::OSXSAVE);
        }
        if f.smep {
            cr4.insert(Cr4Flags::SUPERVISOR_MODE_EXECUTION_PROTECTION);
        }
        Cr4::write(cr4);
        if f.xsave {
            let supported = __cpuid_count(0xd, 0);
            let supported = (supported.eax as u64) | ((supported.edx as u64) << 32);
            // x87, SSE, AVX, and the three AVX-512 components: all user state, no permission needed.
            let wanted = supported & 0xe7;
            XCr0::write(XCr0Flags::from_bits_truncate(wanted));
            XCR0.store(wanted, Ordering::Relaxed);
        }
    }
    let size = if f.xsave { __cpuid_count(0xd, 0).ebx as u64 } else { 512 };
    XSAVE_SIZE.store(size, Ordering::Relaxed);
    HAS_XSAVE.store(f.xsave, Ordering::Relaxed);
    HWCAP.store(__cpuid(1).edx as u64, Ordering::Relaxed);
    MXCSR_MASK.store(read_mxcsr_mask() as u64, Ordering::Relaxed);
    calibrate_tsc();
}

/// Bytes needed to hold one thread's extended state (XSAVE area, or the 512-byte FXSAVE area).
pub fn xsave_size() -> usize {
    XSAVE_SIZE.load(Ordering::Relaxed) as usize
}

pub fn has_xsave() -> bool {
    HAS_XSAVE.load(Ordering::Relaxed)
}

/// The user state components enabled in XCR0 (x87|SSE without XSAVE).
pub fn xcr0() -> u64 {
    XCR0.load(Ordering::Relaxed)
}

/// MXCSR bits the CPU supports (FXSAVE's MXCSR_MASK, 0xffbf when it reports 0).
pub fn mxcsr_mask() -> u32 {
    MXCSR_MASK.load(Ordering::Relaxed) as u32
}

fn read_mxcsr_mask() -> u32 {
    #[repr(C, align(16))]
    struct Area([u8; 512]);
    let mut area = Area([0; 512]);
    // SAFETY: FXSAVE writes 512 bytes into a 16-byte aligned buffer we own.
    unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) area.0.as_mut_ptr()) };
    let mask = u32::from_le_bytes([area.0[28], area.0[29], area.0[30], area.0[31]]);
    if mask == 0 { 0xffbf } else { mask }
}

/// Size of a standard-format XSAVE image holding `features` (CPUID leaf 0xD offsets).
pub fn xstate_size_of(features: u64) -> usize {
    let mut size = 576;
    for i in 2..63 {
        if features & (1 << i) != 0 {
            let leaf = __cpuid_count(0xd, i);
            size = size.max((leaf.ebx + leaf.eax) as usize);
        }
    }
    size
}

/// /proc/cpuinfo for the boot CPU (the fields programs parse, in Linux's format).
pub fn cpuinfo() -> alloc::string::String {
    let vendor = __cpuid(0);
    let mut v = [0u8; 12];
    v[0..4].copy_from_slice(&vendor.ebx.to_le_bytes());
    v[4..8].copy_from_slice(&vendor.edx.to_le_bytes());
    v[8..12].copy_from_slice(&vendor.ecx.to_le_bytes());
    let mut brand = [0u8; 48];
    if __cpuid(0x8000_0000).eax >= 0x8000_0004 {
        for i in 0..3 {
            let r = __cpuid(0x8000_0002 + i);
            for (j, w) in [r.eax, r.ebx, r.ecx, r.edx].iter().enumerate() {
                brand[16 * i as usize + 4 * j..16 * i as usize + 4 * j + 4].copy_from_slice(&w.to_le_bytes());
            }
        }
    }
    let brand = core::str::from_utf8(&brand).unwrap_or("").trim_matches(char::from(0)).trim();
    let sig = __cpuid(1).eax;
    let family = ((sig >> 8) & 0xf) + if (sig >> 8) & 0xf == 0xf { (sig >> 20) & 0xff } else { 0 };
    let model = ((sig >> 4) & 0xf) | if matches!((sig >> 8) & 0xf, 6 | 0xf) { ((sig >> 16) & 0xf) << 4 } else { 0 };
    let mhz = tsc_hz() / 1000;
    let edx = __cpuid(1).edx;
    let ecx = __cpuid(1).ecx;
    let names_edx = [(0, "fpu"), (4, "tsc"), (5, "msr"), (8, "cx8"), (15, "cmov"), (19, "clflush"), (23, "mmx"), (24, "fxsr"), (25, "sse"), (26, "sse2")];
    let names_ecx = [(0, "pni"), (9, "ssse3"), (13, "cx16"), (19, "sse4_1"), (20, "sse4_2"), (23, "popcnt"), (26, "xsave"), (28, "avx"), (30, "rdrand")];
    let mut flags = alloc::string::String::new();
    for (bit, name) in names_edx {
        if edx & (1 << bit) != 0 {
            flags.push_str(name);
            flags.push(' ');
        }
    }
    for (bit, name) in names_ecx {
        if ecx & (1 << bit) != 0 {
            flags.push_str(name);
            flags.push(' ');
        }
    }
    alloc::format!(
        "processor\t: 0\nvendor_id\t: {}\ncpu family\t: {}\nmodel\t\t: {}\nmodel name\t: {}\nstepping\t: {}\n\
         cpu MHz\t\t: {}.{:03}\nphysical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\n\
         fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: {}\nwp\t\t: yes\nflags\t\t: {}\nbogomips\t: {}.{:02}\n\
         clflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: 40 bits physical, 48 bits virtual\npower management:\n\n",
        core::str::from_utf8(&v).unwrap_or("?"),
        family,
        model,
        brand,
        sig & 0xf,
        mhz / 1000,
        mhz % 1000,
        vendor.eax,
        flags.trim_end(),
        mhz * 2 / 1000,
        (mhz * 2 / 10) % 100,
    )
}

/// AT_HWCAP on x86_64 is CPUID.1:EDX.
pub fn hwcap() -> u64 {
    HWCAP.load(Ordering::Relaxed)
}

pub fn rdtsc() -> u64 {
    // SAFETY: rdtsc has no side effects; CR4.TSD is clear.
    unsafe { _rdtsc() }
}

/// Measures the TSC against PIT channel 2 over 10 ms (the PIT runs at 1.193182 MHz on every PC).
fn calibrate_tsc() {
    use x86_64::instructions::port::Port;
    const PIT_HZ: u64 = 1_193_182;
    const TICKS: u64 = PIT_HZ / 100;
    let mut gate: Port<u8> = Port::new(0x61);
    let mut cmd: Port<u8> = Port::new(0x43);
    let mut ch2: Port<u8> = Port::new(0x42);
    // SAFETY: standard PIT/port-0x61 programming; nothing else uses channel 2.
    let hz = unsafe {
        let g = gate.read();
        gate.write((g & !0x02) | 0x01); // gate on, speaker off
        cmd.write(0b1011_0000); // channel 2, lobyte/hibyte, mode 0
        ch2.write((TICKS & 0xff) as u8);
        ch2.write((TICKS >> 8) as u8);
        let start = rdtsc();
        let mut spins = 0u64;
        while gate.read() & 0x20 == 0 && spins < 100_000_000 {
            spins += 1;
        }
        let end = rdtsc();
        gate.write(g);
        (end - start) * 100
    };
    if hz > 1_000_000 {
        TSC_HZ.store(hz, Ordering::Relaxed);
    }
}

pub fn tsc_hz() -> u64 {
    TSC_HZ.load(Ordering::Relaxed)
}

/// Nanoseconds since boot, from the TSC.
pub fn uptime_ns() -> u64 {
    let ticks = rdtsc().wrapping_sub(TSC_BOOT.load(Ordering::Relaxed));
    ((ticks as u128 * 1_000_000_000) / tsc_hz() as u128) as u64
}

pub fn halt_forever() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}

/// Resets the machine (PCI reset control register, then the keyboard controller, then a triple
/// fault). QEMU with `-no-reboot` exits instead.
pub fn reboot() -> ! {
    use x86_64::instructions::port::Port;
    // SAFETY: writing the architectural reset registers; we are going down anyway.
    unsafe {
        Port::<u8>::new(0xcf9).write(0x0e);
        Port::<u8>::new(0x64).write(0xfe);
        let null_idt = x86_64::structures::DescriptorTablePointer {
            limit: 0,
            base: x86_64::VirtAddr::new(0),
        };
        x86_64::instructions::tables::lidt(&null_idt);
        core::arch::asm!("int3");
    }
    halt_forever()
}
