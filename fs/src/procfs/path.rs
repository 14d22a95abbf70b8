//! Locations as procfs prints them (`d_path`, `seq_path_root`, `dentry_path`).

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::vfs::{Dentry, Path, path_of};

/// `d_path`: the absolute path of `p` as seen from `root`, with " (deleted)" after a file
/// that was removed from its directory.
pub(crate) fn d_path(p: &Path, root: &Path) -> Vec<u8> {
    let mut text = path_of(p, root);
    if p.dentry.is_deleted() {
        text.extend_from_slice(b" (deleted)");
    }
    text
}

/// The top of the namespace `p` is in: what paths are printed from when the reader has no
/// root of its own.
pub(crate) fn namespace_root(p: &Path) -> Path {
    let mut mnt = p.mnt.clone();
    while let Some((parent, _)) = mnt.mountpoint() {
        mnt = parent;
    }
    Path {
        dentry: mnt.root().clone(),
        mnt,
    }
}

/// The path of `p` from `root`, or `None` when `p` is not below `root` (a mount outside a
/// chroot, which `/proc/<pid>/mounts` leaves out).
pub(crate) fn path_below(p: &Path, root: &Path) -> Option<Vec<u8>> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut cur = p.clone();
    while cur != *root {
        if cur.is_mount_root() {
            let (mnt, dentry) = cur.mnt.mountpoint()?;
            cur = Path { mnt, dentry };
            continue;
        }
        let parent = cur.dentry.parent()?;
        parts.push(cur.dentry.name());
        cur = Path {
            mnt: cur.mnt,
            dentry: parent,
        };
    }
    Some(join(&parts))
}

/// The path of a dentry from the root of its filesystem (a bind mount's source directory).
pub(crate) fn dentry_path(d: &Arc<Dentry>) -> Vec<u8> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut cur = d.clone();
    while let Some(parent) = cur.parent() {
        parts.push(cur.name());
        cur = parent;
    }
    join(&parts)
}

/// "/" followed by `parts` from last to first, or "/" alone.
fn join(parts: &[Vec<u8>]) -> Vec<u8> {
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
