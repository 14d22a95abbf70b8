//! Power off and restart: ACPI S5 and the FADT reset register, found once at boot, with the
//! legacy reset paths as fallback. reboot(2) and the `panic=` policy come through here.

use drivers::acpi::{self, AcpiPower};

use crate::mm::phys_to_virt;
use crate::sync::SpinLock;

static ACPI: SpinLock<Option<AcpiPower>> = SpinLock::new(None);

/// Reads physical memory through the direct map (ACPI tables live below 4 GiB on PCs).
pub fn read_phys(pa: u64, buf: &mut [u8]) -> bool {
    let Some(end) = pa.checked_add(buf.len() as u64) else { return false };
    if end > 1 << 32 || end > crate::mm::direct_map_end() {
        return false;
    }
    // SAFETY: [pa, end) lies inside the direct map of physical memory; the bytes are copied out.
    unsafe { core::ptr::copy_nonoverlapping(phys_to_virt(pa) as *const u8, buf.as_mut_ptr(), buf.len()) };
    true
}

pub fn init(rsdp_hint: u64) {
    let found = acpi::discover(&read_phys, rsdp_hint);
    if found.is_none() {
        log::info!("ACPI: no usable FADT; power-off will halt");
    }
    *ACPI.lock() = found;
}

/// Linux's "reboot: Power down", then S5; halts if the hardware ignores it. Filesystems are
/// written back and marked clean first.
pub fn power_off() -> ! {
    crate::block::mount::unmount_all();
    crate::kprintln!("reboot: Power down");
    if let Some(a) = *ACPI.lock() {
        a.power_off();
    }
    crate::arch::cpu::halt_forever()
}

pub fn restart() -> ! {
    crate::block::mount::unmount_all();
    crate::kprintln!("reboot: Restarting system");
    if let Some(a) = *ACPI.lock() {
        a.reset();
    }
    crate::arch::cpu::reboot()
}

pub fn halt() -> ! {
    crate::block::mount::unmount_all();
    crate::kprintln!("reboot: System halted");
    crate::arch::cpu::halt_forever()
}
