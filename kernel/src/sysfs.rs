//! sysfs basics and cgroup2: trees built when mounted, from the devices the kernel has.
//! /sys/dev/{block,char}/M:N with `dev` and `uevent` files (what mdev and udev scan),
//! /sys/block/vdX with size/ro, /sys/class/{block,tty}, and /sys/fs/cgroup as a mount point.
//! cgroup2 mounts as an empty hierarchy (no controllers), which is what OpenRC probes for.

use alloc::format;
use alloc::sync::Arc;

use fs::vfs::{Caller, Credentials, Inode, Path};
use linux_abi::SysResult;

/// A tmpfs with `name` as its type, and a way to fill it.
fn instance(name: &'static str) -> (Path, Credentials) {
    let opts = fs::tmpfs::TmpfsOptions { name, mode: 0o755, ..Default::default() };
    (fs::vfs::mount_root(fs::tmpfs::new(opts), 0), Credentials::root())
}

fn mkdirs(cx: &Caller, root: &Path, path: &str) {
    let mut at = alloc::string::String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        at.push('/');
        at.push_str(part);
        let _ = fs::vfs::mkdir(cx, root, at.as_bytes(), 0o755);
    }
}

fn file(cx: &Caller, root: &Path, path: &str, contents: &str) -> SysResult<()> {
    if let Some((dir, _)) = path.rsplit_once('/') {
        mkdirs(cx, root, dir);
    }
    let f = fs::vfs::open(cx, root, path.as_bytes(), fs::vfs::O_WRONLY | fs::vfs::O_CREAT | fs::vfs::O_TRUNC, 0o444)?;
    f.write(&contents.as_bytes())?;
    Ok(())
}

fn link(cx: &Caller, root: &Path, path: &str, target: &str) {
    if let Some((dir, _)) = path.rsplit_once('/') {
        mkdirs(cx, root, dir);
    }
    let _ = fs::vfs::symlink(cx, target.as_bytes(), root, path.as_bytes());
}

pub fn new_sysfs() -> SysResult<Arc<dyn Inode>> {
    let (root, creds) = instance("sysfs");
    let mut cx = Caller::new(&root, &creds);
    cx.umask = 0o022;
    for dir in ["/fs/cgroup", "/kernel", "/power", "/module", "/firmware", "/bus", "/devices/virtual"] {
        mkdirs(&cx, &root, dir);
    }
    for disk in crate::block::disks() {
        let whole = &disk.nodes[0].0;
        for (name, minor, _, sectors) in &disk.nodes {
            let dev = format!("{}:{}", crate::block::VIRTBLK_MAJOR, minor);
            let dir = if name == whole { format!("/block/{name}") } else { format!("/block/{whole}/{name}") };
            file(&cx, &root, &format!("{dir}/dev"), &format!("{dev}\n"))?;
            file(&cx, &root, &format!("{dir}/size"), &format!("{sectors}\n"))?;
            file(&cx, &root, &format!("{dir}/ro"), "0\n")?;
            let devtype = if name == whole { "disk" } else { "partition" };
            let uevent = format!("MAJOR={}\nMINOR={}\nDEVNAME={}\nDEVTYPE={}\n", crate::block::VIRTBLK_MAJOR, minor, name, devtype);
            file(&cx, &root, &format!("{dir}/uevent"), &uevent)?;
            link(&cx, &root, &format!("/dev/block/{dev}"), &format!("../..{dir}"));
            link(&cx, &root, &format!("/class/block/{name}"), &format!("../..{dir}"));
        }
    }
    // The character devices the kernel serves (major, minor, name, class).
    let chars = [(1, 3, "null", "mem"), (1, 5, "zero", "mem"), (1, 7, "full", "mem"), (1, 8, "random", "mem"),
        (1, 9, "urandom", "mem"), (5, 0, "tty", "tty"), (5, 1, "console", "tty"), (4, 64, "ttyS0", "tty")];
    for (major, minor, name, class) in chars {
        let dir = format!("/devices/virtual/{class}/{name}");
        file(&cx, &root, &format!("{dir}/dev"), &format!("{major}:{minor}\n"))?;
        file(&cx, &root, &format!("{dir}/uevent"), &format!("MAJOR={major}\nMINOR={minor}\nDEVNAME={name}\n"))?;
        link(&cx, &root, &format!("/dev/char/{major}:{minor}"), &format!("../..{dir}"));
        link(&cx, &root, &format!("/class/{class}/{name}"), &format!("../..{dir}"));
    }
    Ok(root.inode().clone())
}

/// An empty cgroup v2 hierarchy: the root cgroup's interface files, no controllers enabled.
pub fn new_cgroup2() -> SysResult<Arc<dyn Inode>> {
    let (root, creds) = instance("cgroup2");
    let cx = Caller::new(&root, &creds);
    for (name, contents) in [("cgroup.controllers", ""), ("cgroup.subtree_control", ""), ("cgroup.procs", ""), ("cgroup.threads", ""),
        ("cgroup.max.depth", "max\n"), ("cgroup.max.descendants", "max\n")] {
        file(&cx, &root, &format!("/{name}"), contents)?;
    }
    Ok(root.inode().clone())
}
