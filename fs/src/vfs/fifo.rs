//! FIFOs (named pipes): a filesystem holds the inode; the pipe behind it is the kernel's, which
//! registers itself here (as character device drivers do in [`super::chardev`]).

use alloc::sync::Arc;

use super::file::FileOps;
use super::mount::Path;
use crate::sync::RwLock;
use crate::{Errno, SysResult};

/// Opens the pipe behind a FIFO inode (Linux `fifo_open`): blocking until the other end is
/// open, `O_NONBLOCK` rules, one pipe shared by every open of the inode.
pub trait FifoOpener: Send + Sync {
    fn open(&self, path: &Path, flags: u32) -> SysResult<Arc<dyn FileOps>>;
}

static OPENER: RwLock<Option<Arc<dyn FifoOpener>>> = RwLock::new(None);

/// Install the pipe implementation FIFOs open through.
pub fn set_fifo_opener(opener: Arc<dyn FifoOpener>) {
    *OPENER.write() = Some(opener);
}

/// The file operations for opening the FIFO at `path`; `ENXIO` without a pipe implementation.
pub(crate) fn open_fifo(path: &Path, flags: u32) -> SysResult<Arc<dyn FileOps>> {
    let opener = OPENER.read().clone().ok_or(Errno::ENXIO)?;
    opener.open(path, flags)
}
