//! devtmpfs: a tmpfs holding the device nodes a booting system expects in `/dev`.

use alloc::sync::Arc;

use crate::SysResult;
use crate::tmpfs::{self, TmpfsOptions};
use crate::vfs::inode::Inode;
use crate::vfs::types::*;

/// (name, major, minor, permission bits) of the character devices created.
pub const DEVICE_NODES: &[(&str, u32, u32, u32)] = &[
    ("console", 5, 1, 0o600),
    ("tty", 5, 0, 0o666),
    ("ttyS0", 4, 64, 0o660),
    ("null", 1, 3, 0o666),
    ("zero", 1, 5, 0o666),
    ("full", 1, 7, 0o666),
    ("random", 1, 8, 0o666),
    ("urandom", 1, 9, 0o666),
];

/// (name, target) of the symlinks created.
pub const SYMLINKS: &[(&str, &str)] = &[
    ("fd", "/proc/self/fd"),
    ("stdin", "/proc/self/fd/0"),
    ("stdout", "/proc/self/fd/1"),
    ("stderr", "/proc/self/fd/2"),
];

/// (name, permission bits) of the directories created: `pts` for the devpts mount, `shm` for
/// POSIX shared memory (world-writable and sticky, like the tmpfs usually mounted there).
pub const DIRECTORIES: &[(&str, u32)] = &[("pts", 0o755), ("shm", 0o1777)];

/// Create a devtmpfs instance, populated, and return its root.
pub fn new() -> SysResult<Arc<dyn Inode>> {
    let root = tmpfs::new(TmpfsOptions {
        name: "devtmpfs",
        mode: 0o755,
        ..Default::default()
    });
    let owner = |mode| NewInode {
        mode,
        uid: 0,
        gid: 0,
        rdev: 0,
    };
    for &(name, major, minor, perm) in DEVICE_NODES {
        let attr = NewInode {
            rdev: makedev(major, minor),
            ..owner(S_IFCHR | perm)
        };
        root.create(name.as_bytes(), &attr)?;
    }
    for &(name, target) in SYMLINKS {
        root.symlink(name.as_bytes(), target.as_bytes(), &owner(S_IFLNK | 0o777))?;
    }
    for &(name, perm) in DIRECTORIES {
        root.create(name.as_bytes(), &owner(S_IFDIR | perm))?;
    }
    Ok(root)
}
