//! The memory character devices every system has (Linux `drivers/char/mem.c`):
//! `/dev/null` (1:3), `/dev/zero` (1:5) and `/dev/full` (1:7).

use alloc::sync::Arc;

use crate::vfs::chardev::{CharDevice, register_char_device};
use crate::vfs::file::{FileOps, OpenFile};
use crate::vfs::io::{ReadDest, WriteSrc, fill_zeroes, short_count};
use crate::{Errno, SysResult};

pub const MEM_MAJOR: u32 = 1;
pub const NULL_MINOR: u32 = 3;
pub const ZERO_MINOR: u32 = 5;
pub const FULL_MINOR: u32 = 7;

/// Reads hit end of file; writes vanish.
pub struct Null;
/// Reads give zeros; writes vanish.
pub struct Zero;
/// Reads give zeros; writes fail with `ENOSPC`.
pub struct Full;

fn read_zeroes(dest: &mut dyn ReadDest) -> SysResult<usize> {
    let n = dest.dest_len();
    match fill_zeroes(dest, 0, n) {
        Ok(()) => Ok(n),
        Err(fault) => short_count(0, fault),
    }
}

impl FileOps for Null {
    fn read(&self, _file: &OpenFile, _dest: &mut dyn ReadDest) -> SysResult<usize> {
        Ok(0)
    }

    fn write(&self, _file: &OpenFile, src: &dyn WriteSrc) -> SysResult<usize> {
        Ok(src.src_len())
    }

    fn seekable(&self) -> bool {
        true
    }
}

impl FileOps for Zero {
    fn read(&self, _file: &OpenFile, dest: &mut dyn ReadDest) -> SysResult<usize> {
        read_zeroes(dest)
    }

    fn write(&self, _file: &OpenFile, src: &dyn WriteSrc) -> SysResult<usize> {
        Ok(src.src_len())
    }

    fn seekable(&self) -> bool {
        true
    }
}

impl FileOps for Full {
    fn read(&self, _file: &OpenFile, dest: &mut dyn ReadDest) -> SysResult<usize> {
        read_zeroes(dest)
    }

    fn write(&self, _file: &OpenFile, _src: &dyn WriteSrc) -> SysResult<usize> {
        Err(Errno::ENOSPC)
    }

    fn seekable(&self) -> bool {
        true
    }
}

impl CharDevice for Null {}
impl CharDevice for Zero {}
impl CharDevice for Full {}

/// Register null, zero and full. Calling it again leaves the registrations as they are.
pub fn register_mem_devices() {
    // EBUSY only means an earlier call registered them.
    let _ = register_char_device(MEM_MAJOR, NULL_MINOR, Arc::new(Null));
    let _ = register_char_device(MEM_MAJOR, ZERO_MINOR, Arc::new(Zero));
    let _ = register_char_device(MEM_MAJOR, FULL_MINOR, Arc::new(Full));
}
