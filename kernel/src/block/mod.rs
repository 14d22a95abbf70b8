//! Block devices: PCI discovery of virtio-blk disks (vda, vdb, …), their interrupts, and the
//! registry the root mount and /dev nodes use.

pub mod file;
pub mod hal;
pub mod mount;
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

/// Minors per disk (vda = 0, vda1 = 1, …, vdb = 16), as Linux's virtio_blk.
const PART_MINORS: u32 = 16;

pub struct Disk {
    pub dev: Arc<VirtioBlock>,
    /// The whole disk and each partition: (device-node name, minor, first sector, sectors).
    pub nodes: Vec<(String, u32, u64, u64)>,
}

static DISKS: SpinLock<Vec<Arc<Disk>>> = SpinLock::new(Vec::new());
/// Every device by interrupt line, from the moment it can interrupt (before its partitions are
/// read).
static ON_LINES: SpinLock<Vec<Arc<VirtioBlock>>> = SpinLock::new(Vec::new());

pub fn disks() -> Vec<Arc<Disk>> {
    DISKS.lock().clone()
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
        // The interrupt-line register: the ISA IRQ firmware routed INTx to.
        let Some(line) = crate::arch::irq::claim_pci((cam.read_word(df, 0x3c) & 0xff) as u8) else {
            log::warn!("virtio-blk at {:?}: no usable interrupt line", df);
            continue;
        };
        let Ok(transport) = PciTransport::new::<hal::KernelHal, _>(&mut root, df) else {
            log::warn!("virtio-blk at {:?}: transport setup failed", df);
            continue;
        };
        let Some(dev) = VirtioBlock::new(transport, line) else {
            log::warn!("virtio-blk at {:?}: device setup failed", df);
            continue;
        };
        let index = DISKS.lock().len() as u32;
        if index >= 26 {
            break;
        }
        ON_LINES.lock().push(dev.clone());
        crate::arch::irq::unmask(line);
        let name = alloc::format!("vd{}", (b'a' + index as u8) as char);
        log::info!("virtio_blk: [{}] {} 512-byte logical blocks ({} MB), IRQ {}", name, dev.sectors(), dev.sectors() / 2048, line);
        let mut nodes = alloc::vec![(name.clone(), index * PART_MINORS, 0, dev.sectors())];
        let parts = drivers::partition::scan(dev.sectors(), &mut |lba, buf| dev.read(lba, buf).is_ok());
        for p in parts.iter().filter(|p| p.number < PART_MINORS) {
            nodes.push((alloc::format!("{}{}", name, p.number), index * PART_MINORS + p.number, p.start, p.sectors));
        }
        if !parts.is_empty() {
            let names: Vec<&str> = nodes[1..].iter().map(|n| n.0.as_str()).collect();
            log::info!(" {}: {}", name, names.join(" "));
        }
        for (_, minor, start, sectors) in &nodes {
            let file = Arc::new(file::BlockFile { dev: dev.clone(), start: *start, sectors: *sectors });
            let _ = fs::vfs::register_block_device(VIRTBLK_MAJOR, *minor, file);
        }
        DISKS.lock().push(Arc::new(Disk { dev, nodes }));
    }
}

/// Creates the /dev nodes of every disk and partition in the devtmpfs at `dev`.
pub fn create_dev_nodes(dev: &fs::vfs::Path) {
    // devtmpfs nodes are exactly 0660 root:disk, whatever the umask.
    const DISK_GID: u32 = 6;
    let creds = fs::vfs::Credentials::root();
    let mut cx = fs::vfs::Caller::new(dev, &creds);
    cx.umask = 0;
    for disk in disks() {
        for (name, minor, _, _) in &disk.nodes {
            let rdev = fs::vfs::makedev(VIRTBLK_MAJOR, *minor);
            let made = fs::vfs::mknod(&cx, dev, name.as_bytes(), fs::vfs::S_IFBLK | 0o660, rdev)
                .and_then(|_| fs::vfs::lookup(&cx, dev, name.as_bytes(), false))
                .and_then(|node| fs::vfs::chown(&cx, &node, None, Some(DISK_GID)));
            if let Err(e) = made {
                log::warn!("/dev/{}: {:?}", name, e);
            }
        }
    }
}

/// The disk window a device number names (root= and mount(2) of block devices).
pub fn window(rdev: u64) -> Option<(Arc<VirtioBlock>, u64, u64)> {
    let (major, minor) = (fs::vfs::major(rdev), fs::vfs::minor(rdev));
    if major != VIRTBLK_MAJOR {
        return None;
    }
    let disks = disks();
    let disk = disks.get((minor / PART_MINORS) as usize)?;
    let (_, _, start, sectors) = disk.nodes.iter().find(|n| n.1 == minor)?;
    Some((disk.dev.clone(), *start, *sectors))
}

/// A device interrupt line fired: every disk on it gets a look (PCI INTx lines are shared).
/// The line is masked if some disk could not be acknowledged here; its requester unmasks it.
pub fn interrupt(line: u8) {
    let mut mask = false;
    for dev in ON_LINES.lock().iter().filter(|d| d.line() == line) {
        mask |= !dev.interrupt();
    }
    if mask {
        crate::arch::irq::mask(line);
    }
}
