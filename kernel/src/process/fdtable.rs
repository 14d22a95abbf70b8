//! The file-descriptor table: numbers → (shared open file description, close-on-exec).
//! Offsets and status flags live in the shared `OpenFile`, so dup and fork share them as Linux does.

use alloc::sync::Arc;
use alloc::vec::Vec;

use fs::vfs::OpenFile;
use linux_abi::{Errno, SysResult};

#[derive(Clone)]
pub struct FdEntry {
    pub file: Arc<OpenFile>,
    pub cloexec: bool,
}

#[derive(Clone, Default)]
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
}

impl FdTable {
    pub fn new() -> Self {
        FdTable { slots: Vec::new() }
    }

    pub fn get(&self, fd: i32) -> SysResult<Arc<OpenFile>> {
        self.entry(fd).map(|e| e.file.clone())
    }

    pub fn entry(&self, fd: i32) -> SysResult<&FdEntry> {
        usize::try_from(fd).ok().and_then(|i| self.slots.get(i)).and_then(|s| s.as_ref()).ok_or(Errno::EBADF)
    }

    pub fn entry_mut(&mut self, fd: i32) -> SysResult<&mut FdEntry> {
        usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)).and_then(|s| s.as_mut()).ok_or(Errno::EBADF)
    }

    /// Installs `entry` at the lowest free number ≥ `min`, below `limit` (RLIMIT_NOFILE).
    pub fn insert_from(&mut self, min: usize, limit: usize, entry: FdEntry) -> SysResult<i32> {
        let free = (min..limit).find(|&i| self.slots.get(i).is_none_or(|s| s.is_none())).ok_or(Errno::EMFILE)?;
        if free >= self.slots.len() {
            self.slots.resize(free + 1, None);
        }
        self.slots[free] = Some(entry);
        Ok(free as i32)
    }

    /// Puts `entry` at exactly `fd` (dup2/dup3), returning what was there.
    pub fn replace(&mut self, fd: usize, entry: FdEntry) -> Option<FdEntry> {
        if fd >= self.slots.len() {
            self.slots.resize(fd + 1, None);
        }
        self.slots[fd].replace(entry)
    }

    pub fn remove(&mut self, fd: i32) -> SysResult<FdEntry> {
        let slot = usize::try_from(fd).ok().and_then(|i| self.slots.get_mut(i)).ok_or(Errno::EBADF)?;
        let e = slot.take().ok_or(Errno::EBADF)?;
        while self.slots.last().is_some_and(|s| s.is_none()) {
            self.slots.pop();
        }
        Ok(e)
    }

    /// Open descriptors in ascending order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &FdEntry)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| s.as_ref().map(|e| (i, e)))
    }

    pub fn close_on_exec(&mut self) {
        for slot in self.slots.iter_mut() {
            if slot.as_ref().is_some_and(|e| e.cloexec) {
                *slot = None;
            }
        }
        while self.slots.last().is_some_and(|s| s.is_none()) {
            self.slots.pop();
        }
    }
}
