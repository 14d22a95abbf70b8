//! Mounts and locations (Linux `vfsmount` and `struct path`).
//!
//! A location in the namespace is a [`Path`]: a mount and a dentry in the tree that mount
//! shows. The same filesystem tree may be visible through several mounts (bind mounts later),
//! so `..` and mount crossing depend on the mount, not on the dentry alone.
//!
//! A mount knows its parent mount and the dentry it covers there; each mount lists the mounts
//! on top of its dentries. Walking down looks a mountpoint up in its mount's list; walking `..`
//! from a mount's root continues from the covered dentry in the parent.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::dentry::Dentry;
use super::inode::{FileSystem, Inode};
use super::types::Metadata;
use crate::sync::{Mutex, RwLock};
use crate::{Errno, SysResult};

/// Per-mount flags; the values are `statfs`'s `ST_*` bits.
pub const MNT_RDONLY: u32 = 0x0001;
pub const MNT_NOSUID: u32 = 0x0002;
pub const MNT_NODEV: u32 = 0x0004;
pub const MNT_NOEXEC: u32 = 0x0008;
pub const MNT_NOATIME: u32 = 0x0400;
pub const MNT_NODIRATIME: u32 = 0x0800;
pub const MNT_RELATIME: u32 = 0x1000;

/// `umount2` flag: detach now, even if busy (`MNT_DETACH`).
pub const UMOUNT_DETACH: u32 = 2;

pub struct Mount {
    id: u64,
    root: Arc<Dentry>,
    flags: AtomicU32,
    /// The parent mount and the dentry of it this mount covers; `None` for a namespace root
    /// or a detached mount.
    parent: RwLock<Option<(Arc<Mount>, Arc<Dentry>)>>,
    children: Mutex<Vec<Arc<Mount>>>,
}

static NEXT_MOUNT_ID: AtomicU64 = AtomicU64::new(1);

impl Mount {
    fn new(root: Arc<Dentry>, flags: u32) -> Arc<Mount> {
        Arc::new(Mount {
            id: NEXT_MOUNT_ID.fetch_add(1, Ordering::Relaxed),
            root,
            flags: AtomicU32::new(flags),
            parent: RwLock::new(None),
            children: Mutex::new(Vec::new()),
        })
    }

    /// Unique mount id (`/proc/self/mountinfo`).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The dentry this mount shows at its top.
    pub fn root(&self) -> &Arc<Dentry> {
        &self.root
    }

    pub fn flags(&self) -> u32 {
        self.flags.load(Ordering::Acquire)
    }

    pub fn set_flags(&self, flags: u32) {
        self.flags.store(flags, Ordering::Release);
    }

    pub fn is_readonly(&self) -> bool {
        self.flags() & MNT_RDONLY != 0 || self.root.inode().fs().is_readonly()
    }

    /// The parent mount and the dentry this mount sits on.
    pub fn mountpoint(&self) -> Option<(Arc<Mount>, Arc<Dentry>)> {
        self.parent.read().clone()
    }

    /// The mounts directly on top of this one.
    pub fn children(&self) -> Vec<Arc<Mount>> {
        self.children.lock().clone()
    }

    /// The mount on `dentry` of this mount, if any (the most recent one if several were
    /// stacked there).
    fn child_at(&self, dentry: &Arc<Dentry>) -> Option<Arc<Mount>> {
        let children = self.children.lock();
        children
            .iter()
            .rev()
            .find(|m| {
                m.parent
                    .read()
                    .as_ref()
                    .is_some_and(|(_, d)| Arc::ptr_eq(d, dentry))
            })
            .cloned()
    }
}

/// A location in the namespace: a dentry as seen through a mount.
#[derive(Clone)]
pub struct Path {
    pub mnt: Arc<Mount>,
    pub dentry: Arc<Dentry>,
}

impl PartialEq for Path {
    fn eq(&self, other: &Path) -> bool {
        Arc::ptr_eq(&self.mnt, &other.mnt) && Arc::ptr_eq(&self.dentry, &other.dentry)
    }
}

impl Eq for Path {}

impl core::fmt::Debug for Path {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Path(mnt {}, {:?})",
            self.mnt.id,
            alloc::string::String::from_utf8_lossy(&self.dentry.name())
        )
    }
}

impl Path {
    pub fn inode(&self) -> &Arc<dyn Inode> {
        self.dentry.inode()
    }

    pub fn metadata(&self) -> Metadata {
        self.dentry.inode().metadata()
    }

    pub fn fs(&self) -> Arc<dyn FileSystem> {
        self.dentry.inode().fs()
    }

    pub fn is_mount_root(&self) -> bool {
        Arc::ptr_eq(&self.dentry, &self.mnt.root)
    }

    /// Follow mounts stacked on this location down to the topmost (`follow_mount`).
    pub fn cross_mounts(mut self) -> Path {
        while self.dentry.is_mountpoint() {
            match self.mnt.child_at(&self.dentry) {
                Some(child) => {
                    self.dentry = child.root.clone();
                    self.mnt = child;
                }
                None => break,
            }
        }
        self
    }

    /// The parent directory as `..` sees it, never going above `root`: from a mount's root it
    /// continues from the covered dentry in the parent mount.
    pub fn parent_within(&self, root: &Path) -> Path {
        let mut cur = self.clone();
        loop {
            if cur == *root {
                return cur;
            }
            if !cur.is_mount_root() {
                break;
            }
            match cur.mnt.mountpoint() {
                Some((mnt, dentry)) => cur = Path { mnt, dentry },
                None => return cur,
            }
        }
        match cur.dentry.parent() {
            Some(parent) => Path {
                mnt: cur.mnt,
                dentry: parent,
            }
            .cross_mounts(),
            None => cur,
        }
    }
}

/// Create the root mount of a namespace showing the tree of `root`.
pub fn mount_root(root: Arc<dyn Inode>, flags: u32) -> Path {
    let mnt = Mount::new(Dentry::new_root(root), flags);
    Path {
        dentry: mnt.root.clone(),
        mnt,
    }
}

/// Mount the filesystem whose root inode is `fs_root` on the directory `target` (which the
/// caller resolved, following mounts to the top). Returns the new mount's root location.
pub fn mount(fs_root: Arc<dyn Inode>, target: &Path, flags: u32) -> SysResult<Path> {
    mount_tree(Dentry::new_root(fs_root), target, flags)
}

/// Mount the tree below an existing location on `target` (`mount --bind`).
pub fn bind_mount(source: &Path, target: &Path, flags: u32) -> SysResult<Path> {
    mount_tree(source.dentry.clone(), target, flags)
}

fn mount_tree(root: Arc<Dentry>, target: &Path, flags: u32) -> SysResult<Path> {
    if !target.metadata().is_dir() || !root.inode().metadata().is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if target.dentry.is_deleted() {
        return Err(Errno::ENOENT);
    }
    let mnt = Mount::new(root, flags);
    *mnt.parent.write() = Some((target.mnt.clone(), target.dentry.clone()));
    target.dentry.mount_added();
    target.mnt.children.lock().push(mnt.clone());
    Ok(Path {
        dentry: mnt.root.clone(),
        mnt,
    })
}

/// Unmount the mount whose root `target` is. `EINVAL` if `target` is not a mount root or is a
/// namespace root; `EBUSY` if other mounts sit on it or, without `UMOUNT_DETACH`, if anything
/// else still uses it (open files, working directories). `target` itself is given up here.
pub fn umount(target: Path, flags: u32) -> SysResult<()> {
    if !target.is_mount_root() {
        return Err(Errno::EINVAL);
    }
    let Path { mnt, dentry } = target;
    drop(dentry);
    let Some((parent, mountpoint)) = mnt.mountpoint() else {
        return Err(Errno::EINVAL);
    };
    let mut siblings = parent.children.lock();
    if !mnt.children.lock().is_empty() {
        return Err(Errno::EBUSY);
    }
    // Expected holders: the parent's list and our `mnt`.
    if flags & UMOUNT_DETACH == 0 && Arc::strong_count(&mnt) > 2 {
        return Err(Errno::EBUSY);
    }
    siblings.retain(|m| !Arc::ptr_eq(m, &mnt));
    drop(siblings);
    *mnt.parent.write() = None;
    mountpoint.mount_removed();
    Ok(())
}

/// The absolute path of `path` as seen from `root` (`getcwd`, `/proc/<pid>/fd`). A location
/// outside `root`'s tree yields the path from its own namespace root.
pub fn path_of(path: &Path, root: &Path) -> Vec<u8> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut cur = path.clone();
    loop {
        if cur == *root {
            break;
        }
        if cur.is_mount_root() {
            match cur.mnt.mountpoint() {
                Some((mnt, dentry)) => {
                    cur = Path { mnt, dentry };
                    continue;
                }
                None => break,
            }
        }
        match cur.dentry.parent() {
            Some(parent) => {
                parts.push(cur.dentry.name());
                cur = Path {
                    mnt: cur.mnt,
                    dentry: parent,
                };
            }
            None => break,
        }
    }
    if parts.is_empty() {
        return alloc::vec![b'/'];
    }
    let mut out = Vec::new();
    for part in parts.iter().rev() {
        out.push(b'/');
        out.extend_from_slice(part);
    }
    out
}
