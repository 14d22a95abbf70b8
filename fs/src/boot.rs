//! The root filesystem the kernel starts with: a tmpfs mounted as "/", the initramfs unpacked
//! into it, and devtmpfs on `/dev` when the archive provides that directory.

use crate::SysResult;
use crate::devfs;
use crate::devices;
use crate::initramfs::{self, UnpackError, UnpackStats};
use crate::tmpfs::{self, TmpfsOptions};
use crate::vfs::mount::{Path, mount, mount_root};
use crate::vfs::namei::{Caller, lookup};
use crate::vfs::perm::Credentials;

pub struct RootFs {
    /// The root of the namespace: every process's initial root and cwd.
    pub root: Path,
    /// How unpacking the initramfs went; on error, what came before stays unpacked.
    pub unpacked: Result<UnpackStats, UnpackError>,
    /// The devtmpfs mount on `/dev`: `None` if there is no `/dev` directory.
    pub dev: Option<SysResult<Path>>,
}

/// Build the initial namespace from the initramfs `archive` (which may be empty) and register
/// the memory devices (null, zero, full).
pub fn init_rootfs(archive: &[u8]) -> RootFs {
    devices::register_mem_devices();
    let root = mount_root(
        tmpfs::new(TmpfsOptions {
            name: "rootfs",
            mode: 0o755,
            ..Default::default()
        }),
        0,
    );
    let creds = Credentials::root();
    let mut cx = Caller::new(&root, &creds);
    cx.umask = 0;
    let unpacked = if archive.is_empty() {
        // Linux's built-in default initramfs (usr/default_cpio_list): /dev, /dev/console, /root.
        let console = crate::vfs::makedev(5, 1);
        let made = crate::vfs::mkdir(&cx, &root, b"/dev", 0o755)
            .and_then(|_| crate::vfs::mknod(&cx, &root, b"/dev/console", crate::vfs::S_IFCHR | 0o600, console))
            .and_then(|_| crate::vfs::mkdir(&cx, &root, b"/root", 0o700));
        made.map(|_| initramfs::UnpackStats::default())
            .map_err(|e| initramfs::UnpackError { offset: 0, reason: initramfs::Reason::WriteError(e) })
    } else {
        initramfs::unpack(archive, &root)
    };
    let dev = match lookup(&cx, &root, b"/dev", true) {
        Ok(target) if target.metadata().is_dir() => {
            Some(devfs::new().and_then(|dev| mount(dev, &target, 0)))
        }
        _ => None,
    };
    RootFs {
        root,
        unpacked,
        dev,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpio::tests::Writer;
    use crate::testutil::*;
    use crate::vfs::*;

    #[test]
    fn root_with_dev() {
        install_clock();
        let mut w = Writer::new();
        w.dir("dev", 0o755)
            .file("init", 0o755, b"#!/bin/sh\n")
            .trailer();
        let rootfs = init_rootfs(&w.out);
        assert_eq!(rootfs.unpacked.map(|s| s.entries), Ok(2));
        let root = rootfs.root;
        assert!(rootfs.dev.is_some_and(|d| d.is_ok()));
        let creds = root_creds();
        let cx = Caller::new(&root, &creds);
        assert_eq!(root.metadata().mode, S_IFDIR | 0o755);
        assert_eq!(root.fs().name(), "rootfs");
        assert_eq!(
            lookup(&cx, &root, b"/dev", true).unwrap().fs().name(),
            "devtmpfs"
        );
        let mut names = ls(&cx, b"/dev");
        names.sort();
        let expect = [
            "console", "fd", "full", "null", "pts", "random", "shm", "stderr", "stdin", "stdout",
            "tty", "ttyS0", "urandom", "zero",
        ];
        assert_eq!(
            names,
            expect
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect::<alloc::vec::Vec<_>>()
        );
        let con = stat(&cx, b"/dev/console").unwrap();
        assert_eq!((con.mode, con.rdev), (S_IFCHR | 0o600, makedev(5, 1)));
        let tty = stat(&cx, b"/dev/ttyS0").unwrap();
        assert_eq!((tty.mode, tty.rdev), (S_IFCHR | 0o660, makedev(4, 64)));
        assert_eq!(stat(&cx, b"/dev/shm").unwrap().mode, S_IFDIR | 0o1777);
        assert_eq!(
            readlink(&cx, &root, b"/dev/stderr").unwrap(),
            b"/proc/self/fd/2"
        );
        let null = open(&cx, &root, b"/dev/null", O_RDWR, 0).unwrap();
        assert_eq!(null.write(b"gone"), Ok(4));
        assert_eq!(null.read(&mut [0u8; 4]), Ok(0));
        assert_eq!(get(&cx, b"/init"), b"#!/bin/sh\n");
    }

    #[test]
    fn empty_archive_gets_linux_default_entries() {
        let rootfs = init_rootfs(&[]);
        assert_eq!(rootfs.unpacked, Ok(Default::default()));
        assert!(matches!(rootfs.dev, Some(Ok(_))));
        let creds = Credentials::root();
        let cx = Caller::new(&rootfs.root, &creds);
        let root_home = lookup(&cx, &rootfs.root, b"/root", true).expect("/root");
        assert_eq!(root_home.metadata().mode & 0o7777, 0o700);
    }

    #[test]
    fn no_dev_directory() {
        let bad = init_rootfs(b"garbage");
        assert!(bad.unpacked.is_err());
        assert!(bad.dev.is_none());
    }
}
