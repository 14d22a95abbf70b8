//! virtio-blk over PCI (virtio-drivers' modern PCI transport). One request is in flight per device
//! (a sleeping mutex serialises them) and the requester polls the used ring until it completes.
//!
//! Why poll rather than sleep until the interrupt: the filesystem crates hold spin locks (the ext2
//! inode and buffer caches) across block reads, so a requester that slept could leave another
//! thread spinning forever on one of those locks on this single CPU. A request takes tens of
//! microseconds under QEMU, so polling costs little; sleeping I/O comes with sleeping fs locks.

use alloc::sync::Arc;

use linux_abi::{Errno, SysResult};
use virtio_drivers::device::blk::{BlkReq, BlkResp, SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::pci::PciTransport;

use super::hal::KernelHal;
use crate::sched::mutex::Mutex;

pub struct VirtioBlock {
    dev: Mutex<VirtIOBlk<KernelHal, PciTransport>>,
    capacity: u64,
    read_only: bool,
    irq: u8,
}

impl VirtioBlock {
    pub fn new(transport: PciTransport, irq: u8) -> Option<Arc<VirtioBlock>> {
        let mut blk = VirtIOBlk::<KernelHal, _>::new(transport).ok()?;
        blk.enable_interrupts();
        let (capacity, read_only) = (blk.capacity(), blk.readonly());
        Some(Arc::new(VirtioBlock { dev: Mutex::new(blk), capacity, read_only, irq }))
    }

    /// Sectors of 512 bytes.
    pub fn sectors(&self) -> u64 {
        self.capacity
    }

    /// Interrupt (level-triggered: it stays asserted until the ISR status is read). With the
    /// device free, acknowledge here; while a requester holds it, mask the line and let the
    /// requester acknowledge and unmask once its request is done.
    pub fn interrupt(&self, irq: u8) {
        match self.dev.try_lock() {
            Some(mut dev) => {
                dev.ack_interrupt();
            }
            None => crate::arch::pic::mask(irq),
        }
    }

    /// Waits for the request `token` to complete.
    fn wait_for(&self, dev: &mut VirtIOBlk<KernelHal, PciTransport>, token: u16) {
        while dev.peek_used() != Some(token) {
            core::hint::spin_loop();
        }
        dev.ack_interrupt();
        crate::arch::pic::unmask(self.irq);
    }

    fn check(buf_len: usize, lba: u64, capacity: u64) -> SysResult<()> {
        let sectors = (buf_len / SECTOR_SIZE) as u64;
        if buf_len == 0 || !buf_len.is_multiple_of(SECTOR_SIZE) || lba.checked_add(sectors).is_none_or(|e| e > capacity) {
            return Err(Errno::EIO);
        }
        Ok(())
    }

    pub fn read(&self, lba: u64, buf: &mut [u8]) -> SysResult<()> {
        Self::check(buf.len(), lba, self.capacity)?;
        let mut dev = self.dev.lock();
        let mut req = BlkReq::default();
        let mut resp = BlkResp::default();
        // SAFETY: req, buf and resp stay untouched (we hold them) until the request completes.
        unsafe {
            let token = dev.read_blocks_nb(lba as usize, &mut req, buf, &mut resp).map_err(|_| Errno::EIO)?;
            self.wait_for(&mut dev, token);
            dev.complete_read_blocks(token, &req, buf, &mut resp).map_err(|_| Errno::EIO)
        }
    }

    pub fn write(&self, lba: u64, buf: &[u8]) -> SysResult<()> {
        Self::check(buf.len(), lba, self.capacity)?;
        if self.read_only {
            return Err(Errno::EROFS);
        }
        let mut dev = self.dev.lock();
        let mut req = BlkReq::default();
        let mut resp = BlkResp::default();
        // SAFETY: as in read.
        unsafe {
            let token = dev.write_blocks_nb(lba as usize, &mut req, buf, &mut resp).map_err(|_| Errno::EIO)?;
            self.wait_for(&mut dev, token);
            dev.complete_write_blocks(token, &req, buf, &mut resp).map_err(|_| Errno::EIO)
        }
    }

    pub fn flush(&self) -> SysResult<()> {
        // Synchronous inside virtio-drivers; requests are serialised, so nothing else is queued.
        self.dev.lock().flush().map_err(|_| Errno::EIO)
    }
}
