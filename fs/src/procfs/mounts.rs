//! `/proc/<pid>/mounts` and `mountinfo` (Linux `fs/proc_namespace.c`).
//!
//! The mounts of the namespace a process's root is in, in mount order (Linux keeps them sorted
//! by mount id), each shown relative to that root; mounts outside it (beyond a chroot) are
//! left out. Device names and filesystem options come from the kernel; everything else from
//! the VFS mount tree.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::ProcFs;
use super::path::{dentry_path, namespace_root, path_below};
use super::seq::{MOUNT_ESCAPES, Seq};
use crate::vfs::mount::{
    MNT_NOATIME, MNT_NODEV, MNT_NODIRATIME, MNT_NOEXEC, MNT_NOSUID, MNT_RDONLY, MNT_RELATIME,
};
use crate::vfs::types::{major, minor};
use crate::vfs::{Mount, Path};

/// `show_mnt_opts`, in Linux's order.
const MNT_OPTS: [(u32, &[u8]); 6] = [
    (MNT_NOSUID, b",nosuid"),
    (MNT_NODEV, b",nodev"),
    (MNT_NOEXEC, b",noexec"),
    (MNT_NOATIME, b",noatime"),
    (MNT_NODIRATIME, b",nodiratime"),
    (MNT_RELATIME, b",relatime"),
];

/// A mount that `root` can see, with its mount point's path from `root`.
struct Visible {
    mnt: Arc<Mount>,
    point: Vec<u8>,
    source: Vec<u8>,
    options: Vec<u8>,
}

fn visible_mounts(fs: &ProcFs, root: &Path) -> Vec<Visible> {
    let mut all = Vec::new();
    let mut todo = alloc::vec![namespace_root(root).mnt];
    while let Some(m) = todo.pop() {
        todo.extend(m.children());
        all.push(m);
    }
    all.sort_by_key(|m| m.id());
    all.into_iter()
        .filter_map(|mnt| {
            let top = Path {
                dentry: mnt.root().clone(),
                mnt: mnt.clone(),
            };
            let point = path_below(&top, root)?;
            let src = fs.provider.mount_source(mnt.id()).unwrap_or_default();
            let source = if src.source.is_empty() {
                b"none".to_vec()
            } else {
                src.source
            };
            Some(Visible {
                mnt,
                point,
                source,
                options: src.options,
            })
        })
        .collect()
}

fn mnt_opts(m: &mut Seq, flags: u32) {
    for (bit, text) in MNT_OPTS {
        if flags & bit != 0 {
            m.puts(text);
        }
    }
}

fn fs_options(m: &mut Seq, options: &[u8]) {
    if !options.is_empty() {
        m.putc(b',');
        m.puts(options);
    }
}

/// `show_vfsmnt`: `source point type opts 0 0`.
pub(crate) fn mounts(fs: &ProcFs, root: &Path) -> Vec<u8> {
    let mut m = Seq::new();
    for v in visible_mounts(fs, root) {
        let sb = v.mnt.root().inode().fs();
        m.escape(&v.source, MOUNT_ESCAPES);
        m.putc(b' ');
        m.escape(&v.point, MOUNT_ESCAPES);
        m.putc(b' ');
        m.escape(sb.name().as_bytes(), MOUNT_ESCAPES);
        m.puts(if v.mnt.is_readonly() { b" ro" } else { b" rw" });
        mnt_opts(&mut m, v.mnt.flags());
        fs_options(&mut m, &v.options);
        m.puts(b" 0 0\n");
    }
    m.into_bytes()
}

/// `show_mountinfo`: `id parent major:minor root point opts - type source super-opts`. A
/// namespace's first mount is its own parent, as on Linux.
pub(crate) fn mountinfo(fs: &ProcFs, root: &Path) -> Vec<u8> {
    let mut m = Seq::new();
    for v in visible_mounts(fs, root) {
        let sb = v.mnt.root().inode().fs();
        let parent = v.mnt.mountpoint().map_or(v.mnt.id(), |(p, _)| p.id());
        m.dec("", v.mnt.id());
        m.dec(" ", parent);
        m.dec(" ", major(sb.dev()).into());
        m.dec(":", minor(sb.dev()).into());
        m.putc(b' ');
        m.escape(&dentry_path(v.mnt.root()), MOUNT_ESCAPES);
        m.putc(b' ');
        m.escape(&v.point, MOUNT_ESCAPES);
        let flags = v.mnt.flags();
        m.puts(if flags & MNT_RDONLY != 0 {
            b" ro"
        } else {
            b" rw"
        });
        mnt_opts(&mut m, flags);
        m.puts(b" - ");
        m.escape(sb.name().as_bytes(), MOUNT_ESCAPES);
        m.putc(b' ');
        m.escape(&v.source, MOUNT_ESCAPES);
        m.puts(if sb.is_readonly() { b" ro" } else { b" rw" });
        fs_options(&mut m, &v.options);
        m.putc(b'\n');
    }
    m.into_bytes()
}
