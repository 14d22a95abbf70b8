//! virtio-blk over PCI (virtio-drivers' modern PCI transport). One request is in flight per device
//! (a sleeping mutex serialises them); the requester sleeps until the device interrupts. During
//! boot, before any thread exists, it halts the CPU until the interrupt instead.
//!
//! The interrupt line is level-triggered and stays asserted until the device's ISR status is read,
//! which needs the device (held by the requester). So the handler acknowledges a free device
//! itself, and otherwise masks the line and wakes the requester, which acknowledges and unmasks
//! before every check of its request: a requester never sleeps with the line masked.

use alloc::sync::Arc;

use linux_abi::{Errno, SysResult};
use virtio_drivers::device::blk::{BlkReq, BlkResp, SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::pci::PciTransport;

use super::hal::KernelHal;
use crate::arch::irq;
use crate::sched::mutex::Mutex;
use crate::sched::wait::{WaitOpts, WaitQueue};

type Device = VirtIOBlk<KernelHal, PciTransport>;

pub struct VirtioBlock {
    dev: Mutex<Device>,
    capacity: u64,
    read_only: bool,
    /// Requesters waiting for the device's interrupt.
    done: WaitQueue,
    line: u8,
}

impl VirtioBlock {
    pub fn new(transport: PciTransport, line: u8) -> Option<Arc<VirtioBlock>> {
        let mut blk = VirtIOBlk::<KernelHal, _>::new(transport).ok()?;
        blk.enable_interrupts();
        let (capacity, read_only) = (blk.capacity(), blk.readonly());
        Some(Arc::new(VirtioBlock { dev: Mutex::new(blk), capacity, read_only, done: WaitQueue::new(), line }))
    }

    /// Sectors of 512 bytes.
    pub fn sectors(&self) -> u64 {
        self.capacity
    }

    pub fn line(&self) -> u8 {
        self.line
    }

    /// The device's line fired. Returns whether the device was acknowledged here; if not (a
    /// requester holds it), the requester is woken to do it and the caller must mask the line.
    pub fn interrupt(&self) -> bool {
        if let Some(mut dev) = self.dev.try_lock() {
            dev.ack_interrupt();
            return true;
        }
        self.done.wake_all();
        false
    }

    /// Acknowledges the device and re-enables its line; then whether `token` has completed.
    fn ack_and_check(&self, dev: &mut Device, token: u16) -> bool {
        dev.ack_interrupt();
        irq::unmask(self.line);
        dev.peek_used() == Some(token)
    }

    /// Waits for the request `token` to complete.
    fn wait_for(&self, dev: &mut Device, token: u16) {
        if crate::process::current_thread().is_none() {
            // Boot (probing partitions, mounting the root): nothing else could run, so halt until
            // an interrupt. `enable_and_hlt` lets one in only once halted: none is missed between
            // the check and the halt.
            let enabled = x86_64::instructions::interrupts::are_enabled();
            x86_64::instructions::interrupts::disable();
            while !self.ack_and_check(dev, token) {
                x86_64::instructions::interrupts::enable_and_hlt();
                x86_64::instructions::interrupts::disable();
            }
            if enabled {
                x86_64::instructions::interrupts::enable();
            }
            return;
        }
        let opts = WaitOpts { interruptible: false, deadline: None };
        let _ = self.done.wait(opts, || self.ack_and_check(dev, token).then_some(()));
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
