//! Directory entries: the name tree over the inodes of one filesystem (Linux `dentry`).
//!
//! A dentry names one inode and knows its parent, so `..` and `getcwd` work without asking the
//! filesystem. Parents hold their children weakly (a cache): a dentry lives as long as someone
//! uses it — an open file, a cwd, a mount, or a child dentry — and at most one live dentry
//! exists per (parent, name), so dentry identity is stable while it is used.
//!
//! Locking: `dir_lock` plays the part of a directory's `i_rwsem`: lookups that fill the cache
//! take it shared, namespace changes (create, unlink, rename, ...) exclusive, so the cache never
//! disagrees with the filesystem. `children` is a short-held leaf lock.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use super::inode::Inode;
use super::types::NAME_MAX;
use crate::sync::{Mutex, RwLock};
use crate::{Errno, SysResult};

pub struct Dentry {
    inode: Arc<dyn Inode>,
    links: RwLock<Links>,
    children: Mutex<Children>,
    pub(crate) dir_lock: RwLock<()>,
    mounts: AtomicU32,
    deleted: AtomicBool,
}

struct Links {
    name: Box<[u8]>,
    parent: Option<Arc<Dentry>>,
}

struct Children {
    map: BTreeMap<Box<[u8]>, Weak<Dentry>>,
    /// Size at which dead entries are swept out of `map`.
    sweep_at: usize,
}

impl Dentry {
    /// The root dentry of a filesystem tree.
    pub fn new_root(inode: Arc<dyn Inode>) -> Arc<Dentry> {
        Self::new(inode, Box::from(&b"/"[..]), None)
    }

    /// A dentry outside any directory (an unlinked or anonymous file, e.g. `O_TMPFILE`, pipes).
    pub fn new_detached(inode: Arc<dyn Inode>, name: &[u8]) -> Arc<Dentry> {
        let d = Self::new(inode, Box::from(name), None);
        d.deleted.store(true, Ordering::Relaxed);
        d
    }

    fn new(inode: Arc<dyn Inode>, name: Box<[u8]>, parent: Option<Arc<Dentry>>) -> Arc<Dentry> {
        Arc::new(Dentry {
            inode,
            links: RwLock::new(Links { name, parent }),
            children: Mutex::new(Children {
                map: BTreeMap::new(),
                sweep_at: 16,
            }),
            dir_lock: RwLock::new(()),
            mounts: AtomicU32::new(0),
            deleted: AtomicBool::new(false),
        })
    }

    pub fn inode(&self) -> &Arc<dyn Inode> {
        &self.inode
    }

    /// The name in the parent directory ("/" for a root).
    pub fn name(&self) -> Vec<u8> {
        self.links.read().name.to_vec()
    }

    /// The parent directory in the same filesystem; `None` for a filesystem root or a
    /// detached dentry.
    pub fn parent(&self) -> Option<Arc<Dentry>> {
        self.links.read().parent.clone()
    }

    /// Removed from its directory (unlinked, rmdir'ed, or replaced by a rename).
    pub fn is_deleted(&self) -> bool {
        self.deleted.load(Ordering::Acquire)
    }

    /// Something is mounted here (in some mount of this tree).
    pub fn is_mountpoint(&self) -> bool {
        self.mounts.load(Ordering::Acquire) > 0
    }

    pub(crate) fn mount_added(&self) {
        self.mounts.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn mount_removed(&self) {
        self.mounts.fetch_sub(1, Ordering::AcqRel);
    }

    /// Whether `self` is `other` or one of its ancestors in this tree.
    pub fn is_ancestor_of(self: &Arc<Self>, other: &Arc<Dentry>) -> bool {
        let mut cur = Some(other.clone());
        while let Some(d) = cur {
            if Arc::ptr_eq(&d, self) {
                return true;
            }
            cur = d.parent();
        }
        false
    }

    /// The cached child `name`, if a live dentry for it exists.
    pub fn cached_child(&self, name: &[u8]) -> Option<Arc<Dentry>> {
        self.children.lock().map.get(name).and_then(Weak::upgrade)
    }

    /// The child `name`, from the cache or the filesystem; `None` if it does not exist.
    pub fn lookup_child(self: &Arc<Self>, name: &[u8]) -> SysResult<Option<Arc<Dentry>>> {
        if let Some(d) = self.cached_child(name) {
            return Ok(Some(d));
        }
        let _shared = self.dir_lock.read();
        self.lookup_child_locked(name)
    }

    /// [`Dentry::lookup_child`] for a caller that holds `dir_lock` (shared or exclusive).
    pub(crate) fn lookup_child_locked(
        self: &Arc<Self>,
        name: &[u8],
    ) -> SysResult<Option<Arc<Dentry>>> {
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        if let Some(d) = self.cached_child(name) {
            return Ok(Some(d));
        }
        match self.inode.lookup(name) {
            Ok(inode) => Ok(Some(self.add_child(name, inode))),
            Err(Errno::ENOENT) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Enter a child into the cache (after a lookup or a create). If another thread already
    /// entered one, that one is returned, keeping one dentry per name.
    pub(crate) fn add_child(self: &Arc<Self>, name: &[u8], inode: Arc<dyn Inode>) -> Arc<Dentry> {
        let mut children = self.children.lock();
        if let Some(existing) = children.map.get(name).and_then(Weak::upgrade) {
            return existing;
        }
        let child = Self::new(inode, Box::from(name), Some(self.clone()));
        children.insert(Box::from(name), Arc::downgrade(&child));
        child
    }

    /// Drop `name` from the cache and mark its dentry deleted (after unlink/rmdir).
    pub(crate) fn remove_child(&self, name: &[u8]) {
        let removed = self
            .children
            .lock()
            .map
            .remove(name)
            .and_then(|w| w.upgrade());
        if let Some(d) = removed {
            d.deleted.store(true, Ordering::Release);
        }
    }

    /// Move this dentry to `new_parent`/`new_name` after a rename (`d_move`). A dentry cached
    /// under the new name was replaced and is marked deleted.
    pub(crate) fn move_to(self: &Arc<Self>, new_parent: &Arc<Dentry>, new_name: &[u8]) {
        let old = {
            let links = self.links.read();
            (links.parent.clone(), links.name.clone())
        };
        if let (Some(parent), name) = &old {
            let mut children = parent.children.lock();
            if children
                .map
                .get(name)
                .is_some_and(|w| core::ptr::eq(w.as_ptr(), Arc::as_ptr(self)))
            {
                children.map.remove(name);
            }
        }
        let replaced = new_parent
            .children
            .lock()
            .insert(Box::from(new_name), Arc::downgrade(self));
        if let Some(victim) = replaced
            .and_then(|w| w.upgrade())
            .filter(|v| !Arc::ptr_eq(v, self))
        {
            victim.deleted.store(true, Ordering::Release);
        }
        let mut links = self.links.write();
        links.name = Box::from(new_name);
        links.parent = Some(new_parent.clone());
    }

    /// Swap the names of two dentries after `RENAME_EXCHANGE`.
    pub(crate) fn exchange(a: &Arc<Dentry>, b: &Arc<Dentry>) {
        let (pa, na) = {
            let l = a.links.read();
            (l.parent.clone(), l.name.clone())
        };
        let (pb, nb) = {
            let l = b.links.read();
            (l.parent.clone(), l.name.clone())
        };
        if let Some(p) = &pa {
            p.children.lock().insert(na.clone(), Arc::downgrade(b));
        }
        if let Some(p) = &pb {
            p.children.lock().insert(nb.clone(), Arc::downgrade(a));
        }
        *a.links.write() = Links {
            name: nb,
            parent: pb,
        };
        *b.links.write() = Links {
            name: na,
            parent: pa,
        };
    }
}

impl Children {
    fn insert(&mut self, name: Box<[u8]>, d: Weak<Dentry>) -> Option<Weak<Dentry>> {
        let old = self.map.insert(name, d);
        if self.map.len() >= self.sweep_at {
            self.map.retain(|_, w| w.strong_count() > 0);
            self.sweep_at = (self.map.len() * 2).max(16);
        }
        old
    }
}
