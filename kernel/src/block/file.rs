//! /dev/vdX and /dev/vdXN as files: byte-addressed reads and writes over a window of a disk's
//! sectors, with read-modify-write for partial sectors, and the block ioctls tools use.

use alloc::sync::Arc;
use alloc::vec;

use fs::vfs::{FileOps, OpenFile, ReadDest, WriteSrc, short_count};
use linux_abi::{Errno, SysResult};

use super::virtio::VirtioBlock;

const SECTOR: u64 = 512;
/// Bytes moved per device request.
const CHUNK: u64 = 64 * 1024;

const BLKGETSIZE: u32 = 0x1260;
const BLKSSZGET: u32 = 0x1268;
const BLKGETSIZE64: u32 = 0x8008_1272;
const BLKFLSBUF: u32 = 0x1261;

pub struct BlockFile {
    pub dev: Arc<VirtioBlock>,
    /// First sector and length (sectors) of the window (the whole disk or a partition).
    pub start: u64,
    pub sectors: u64,
}

impl BlockFile {
    fn bytes(&self) -> u64 {
        self.sectors * SECTOR
    }

    /// Reads the sectors covering `[off, off + len)` of the window into a buffer.
    fn read_span(&self, off: u64, len: u64) -> SysResult<(alloc::vec::Vec<u8>, usize)> {
        let first = off / SECTOR;
        let last = (off + len).div_ceil(SECTOR);
        let mut buf = vec![0u8; ((last - first) * SECTOR) as usize];
        self.dev.read(self.start + first, &mut buf)?;
        Ok((buf, (off - first * SECTOR) as usize))
    }
}

impl FileOps for BlockFile {
    fn size(&self) -> Option<u64> {
        Some(self.bytes())
    }

    fn read_at(&self, _file: &OpenFile, offset: u64, dest: &mut dyn ReadDest) -> SysResult<usize> {
        let total = (dest.dest_len() as u64).min(self.bytes().saturating_sub(offset));
        let mut done = 0u64;
        while done < total {
            let n = (total - done).min(CHUNK);
            let (buf, skip) = self.read_span(offset + done, n)?;
            if let Err(fault) = dest.copy_out(done as usize, &buf[skip..skip + n as usize]) {
                return short_count(done as usize, fault);
            }
            done += n;
        }
        Ok(done as usize)
    }

    fn write_at(&self, _file: &OpenFile, offset: u64, src: &dyn WriteSrc) -> SysResult<usize> {
        let avail = self.bytes().saturating_sub(offset);
        if avail == 0 && src.src_len() > 0 {
            return Err(Errno::ENOSPC);
        }
        let total = (src.src_len() as u64).min(avail);
        let mut done = 0u64;
        while done < total {
            let n = (total - done).min(CHUNK);
            let (mut buf, skip) = self.read_span(offset + done, n)?;
            if let Err(fault) = src.copy_in(done as usize, &mut buf[skip..skip + n as usize]) {
                return short_count(done as usize, fault);
            }
            self.dev.write(self.start + (offset + done) / SECTOR, &buf)?;
            done += n;
        }
        Ok(done as usize)
    }

    fn ioctl(&self, _file: &OpenFile, cmd: u32, arg: usize) -> SysResult<usize> {
        let arg = arg as u64;
        match cmd {
            BLKGETSIZE64 => crate::mm::user::write(arg, &self.bytes()).map(|_| 0),
            BLKGETSIZE => crate::mm::user::write(arg, &self.sectors).map(|_| 0),
            BLKSSZGET => crate::mm::user::write(arg, &(SECTOR as i32)).map(|_| 0),
            BLKFLSBUF => self.dev.flush().map(|_| 0),
            _ => Err(Errno::ENOTTY),
        }
    }
}
