//! virtio-blk over PCI (virtio-drivers' modern PCI transport). One request is in flight per device
//! (a sleeping mutex serialises them); the requester sleeps until the device's interrupt, or polls
//! when no thread exists yet (mounting the root filesystem during boot).

use alloc::sync::Arc;

use linux_abi::{Errno, SysResult};
use virtio_drivers::device::blk::{BlkReq, BlkResp, SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::pci::PciTransport;

use super::hal::KernelHal;
use crate::sched::mutex::Mutex;
use crate::sched::wait::{WaitOpts, WaitQueue};

pub struct VirtioBlock {
    dev: Mutex<VirtIOBlk<KernelHal, PciTransport>>,
    capacity: u64,
    read_only: bool,
    /// Woken by the device interrupt.
    done: WaitQueue,
    irq: u8,
}

impl VirtioBlock {
    pub fn new(transport: PciTransport, irq: u8) -> Option<Arc<VirtioBlock>> {
        let mut blk = VirtIOBlk::<KernelHal, _>::new(transport).ok()?;
        blk.enable_interrupts();
        let (capacity, read_only) = (blk.capacity(), blk.readonly());
        Some(Arc::new(VirtioBlock { dev: Mutex::new(blk), capacity, read_only, done: WaitQueue::new(), irq }))
    }

    /// Sectors of 512 bytes.
    pub fn sectors(&self) -> u64 {
        self.capacity
    }

    /// Interrupt (level-triggered: it stays asserted until the ISR status is read). With the
    /// device free, acknowledge here; while a requester holds it (asleep, waiting for this), mask
    /// the line and let the requester acknowledge and unmask.
    pub fn interrupt(&self, irq: u8) {
        match self.dev.try_lock() {
            Some(mut dev) => {
                dev.ack_interrupt();
            }
            None => crate::arch::pic::mask(irq),
        }
        self.done.wake_all();
    }

    /// Waits for the request `token` to complete.
    fn wait_for(&self, dev: &mut VirtIOBlk<KernelHal, PciTransport>, token: u16) {
        if crate::process::current_thread().is_none() {
            while dev.peek_used() != Some(token) {
                core::hint::spin_loop();
            }
            return;
        }
        let opts = WaitOpts { interruptible: false, deadline: None };
        let _ = self.done.wait(opts, || {
            dev.ack_interrupt();
            crate::arch::pic::unmask(self.irq);
            (dev.peek_used() == Some(token)).then_some(())
        });
    }

    fn check(buf_len: usize, lba: u64, capacity: u64) -> SysResult<()> {
        let sectors = (buf_len / SECTOR_SIZE) as u64;
        if buf_len == 0 || buf_len % SECTOR_SIZE != 0 || lba.checked_add(sectors).is_none_or(|e| e > capacity) {
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
