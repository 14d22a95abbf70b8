//! Block devices: PCI discovery of virtio-blk disks (vda, vdb, …), their interrupts, and the
//! registry the root mount and /dev nodes use.

pub mod hal;
pub mod virtio;

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use drivers::pci::PortCam;
use virtio_drivers::transport::DeviceType;
use virtio_drivers::transport::pci::bus::{Command, ConfigurationAccess, PciRoot};
use virtio_drivers::transport::pci::{PciTransport, virtio_device_type};

use crate::sync::SpinLock;
use virtio::VirtioBlock;

/// Linux's dynamic major for virtio-blk on a typical kernel (what /dev/vda shows).
pub const VIRTBLK_MAJOR: u32 = 253;

pub struct Disk {
    pub name: String,
    pub dev: Arc<VirtioBlock>,
    pub irq: u8,
}

static DISKS: SpinLock<Vec<Arc<Disk>>> = SpinLock::new(Vec::new());

pub fn disks() -> Vec<Arc<Disk>> {
    DISKS.lock().clone()
}

pub fn by_name(name: &str) -> Option<Arc<Disk>> {
    DISKS.lock().iter().find(|d| d.name == name).cloned()
}

/// Scans PCI bus 0 (QEMU puts its devices there) for virtio block devices.
pub fn probe() {
    // SAFETY: boot is single-threaded and this is the only code using the PCI configuration
    // ports; `cam` and the root's copy are never used concurrently.
    let cam = unsafe { PortCam::new() };
    // SAFETY: as above.
    let mut root = PciRoot::new(unsafe { cam.unsafe_clone() });
    let found: Vec<_> = root.enumerate_bus(0).collect();
    for (df, info) in found {
        if virtio_device_type(&info) != Some(DeviceType::Block) {
            continue;
        }
        root.set_command(df, Command::IO_SPACE | Command::MEMORY_SPACE | Command::BUS_MASTER);
        let irq = (cam.read_word(df, 0x3c) & 0xff) as u8;
        let Ok(transport) = PciTransport::new::<hal::KernelHal, _>(&mut root, df) else {
            log::warn!("virtio-blk at {:?}: transport setup failed", df);
            continue;
        };
        let Some(dev) = VirtioBlock::new(transport) else {
            log::warn!("virtio-blk at {:?}: device setup failed", df);
            continue;
        };
        let mut disks = DISKS.lock();
        let name = alloc::format!("vd{}", (b'a' + disks.len() as u8) as char);
        log::info!("virtio_blk: [{}] {} 512-byte logical blocks ({} MB), IRQ {}", name, dev.sectors(), dev.sectors() / 2048, irq);
        disks.push(Arc::new(Disk { name, dev, irq }));
        if irq < 16 {
            crate::arch::pic::unmask(irq);
        }
    }
}

/// A legacy IRQ line fired: every disk on it gets a look (lines are shared).
pub fn interrupt(irq: u8) {
    for d in DISKS.lock().iter().filter(|d| d.irq == irq) {
        d.dev.interrupt();
    }
}
