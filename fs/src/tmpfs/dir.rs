//! Directory contents. Each entry gets a cookie from an increasing counter when it is added
//! (Linux's `simple_offset` scheme), and `readdir` positions are those cookies, so a reader
//! resumes at the right place however entries come and go meanwhile.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use super::TmpInode;

/// Positions 0 and 1 are "." and ".."; entries start here.
pub(crate) const FIRST_COOKIE: u64 = 2;

pub(crate) struct Entry {
    pub name: Box<[u8]>,
    pub inode: Arc<TmpInode>,
}

pub(crate) struct DirData {
    by_name: BTreeMap<Box<[u8]>, u64>,
    entries: BTreeMap<u64, Entry>,
    next_cookie: u64,
    /// Inode number ".." reports.
    pub parent_ino: u64,
    /// Removed by rmdir (or replaced by rename): nothing may be created in it any more.
    pub dead: bool,
}

impl DirData {
    pub fn new(parent_ino: u64) -> Self {
        DirData {
            by_name: BTreeMap::new(),
            entries: BTreeMap::new(),
            next_cookie: FIRST_COOKIE,
            parent_ino,
            dead: false,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, name: &[u8]) -> Option<&Arc<TmpInode>> {
        let cookie = self.by_name.get(name)?;
        self.entries.get(cookie).map(|e| &e.inode)
    }

    /// Add an entry; the caller checked the name is free.
    pub fn insert(&mut self, name: &[u8], inode: Arc<TmpInode>) {
        let cookie = self.next_cookie;
        self.next_cookie += 1;
        self.by_name.insert(Box::from(name), cookie);
        self.entries.insert(
            cookie,
            Entry {
                name: Box::from(name),
                inode,
            },
        );
    }

    pub fn remove(&mut self, name: &[u8]) -> Option<Arc<TmpInode>> {
        let cookie = self.by_name.remove(name)?;
        self.entries.remove(&cookie).map(|e| e.inode)
    }

    /// Put `inode` under the existing `name`, keeping its position (`RENAME_EXCHANGE`).
    pub fn replace(&mut self, name: &[u8], inode: Arc<TmpInode>) -> Option<Arc<TmpInode>> {
        let cookie = *self.by_name.get(name)?;
        let entry = self.entries.get_mut(&cookie)?;
        Some(core::mem::replace(&mut entry.inode, inode))
    }

    /// Entries whose cookie is at least `cookie`, in order.
    pub fn entries_from(&self, cookie: u64) -> impl Iterator<Item = (u64, &Entry)> {
        self.entries
            .range(cookie.max(FIRST_COOKIE)..)
            .map(|(&c, e)| (c, e))
    }
}
