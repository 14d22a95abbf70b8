//! From a booted kernel to PID 1: parse the command line as Linux does, unpack the initramfs into
//! a tmpfs root, mount devtmpfs, open /dev/console as fds 0–2 and exec init.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;

use linux_abi::cmdline::{self, Cmdline};
use linux_abi::Errno;

use crate::boot_info::BootInfo;
use crate::mm::phys_to_virt;
use crate::process::{self, FsContext};

/// Linux's fallback list when neither rdinit nor init= names a working program.
const DEFAULT_INITS: [&str; 4] = ["/sbin/init", "/etc/init", "/bin/init", "/bin/sh"];

fn exists(root: &fs::vfs::Path, path: &str) -> bool {
    let creds = fs::vfs::Credentials::root();
    let cx = fs::vfs::Caller::new(root, &creds);
    fs::vfs::lookup(&cx, root, path.as_bytes(), true).is_ok()
}

/// Mounts `root=` on top of the initial rootfs and devtmpfs on its /dev; panics as Linux does
/// ("VFS: Unable to mount root fs") when that fails.
fn mount_root(cmd: &Cmdline, rootfs: &fs::vfs::Path) -> fs::vfs::Path {
    let spec = cmd.root.as_deref().unwrap_or("");
    let rdev = crate::block::mount::parse_root(spec);
    let read_only = cmd.read_only.unwrap_or(true);
    let mounted = rdev.ok_or(Errno::ENXIO).and_then(|rdev| {
        let dev = crate::block::mount::device(rdev)?;
        let fs_root = crate::block::mount::mount_fs(cmd.rootfstype.as_deref(), rdev, dev, read_only)?;
        let flags = if read_only { fs::vfs::mount::MNT_RDONLY } else { 0 };
        fs::vfs::mount(fs_root, rootfs, flags)
    });
    if let Ok(root) = &mounted {
        crate::procfs::record_mount(root, spec.as_bytes(), b"");
    }
    let root = match mounted {
        Ok(root) => root,
        Err(e) => {
            let (maj, min) = rdev.map_or((0, 0), |r| (fs::vfs::major(r), fs::vfs::minor(r)));
            log::error!("VFS: Cannot open root device \"{}\" or unknown-block({},{}): error {}", spec, maj, min, -e.as_return());
            for d in crate::block::disks() {
                for (name, minor, _, sectors) in &d.nodes {
                    log::error!("{:x}{:02x} {:>10} {}", crate::block::VIRTBLK_MAJOR, minor, sectors / 2, name);
                }
            }
            crate::panic::halt_or_reboot(format_args!("VFS: Unable to mount root fs on unknown-block({},{})", maj, min))
        }
    };
    log::info!("VFS: Mounted root ({} filesystem){} on device {}.", root.fs().name(), if read_only { " readonly" } else { "" }, spec);
    // devtmpfs on the new root's /dev (CONFIG_DEVTMPFS_MOUNT), with the disk nodes.
    let creds = fs::vfs::Credentials::root();
    let cx = fs::vfs::Caller::new(&root, &creds);
    match fs::vfs::lookup(&cx, &root, b"/dev", true) {
        Ok(target) => match fs::devfs::new().and_then(|d| fs::vfs::mount(d, &target, 0)) {
            Ok(dev) => {
                log::info!("devtmpfs: mounted");
                crate::procfs::record_mount(&dev, b"devtmpfs", b"mode=755");
                mount_shm(&dev);
                crate::block::create_dev_nodes(&dev);
            }
            Err(e) => log::warn!("devtmpfs: error mounting {:?}", e),
        },
        Err(e) => log::warn!("devtmpfs: no /dev on the root filesystem ({:?})", e),
    }
    root
}

/// POSIX shared memory (shm_open) lives in a tmpfs on /dev/shm, as init systems set up on Linux.
fn mount_shm(dev: &fs::vfs::Path) {
    let creds = fs::vfs::Credentials::root();
    let cx = fs::vfs::Caller::new(dev, &creds);
    let opts = fs::tmpfs::TmpfsOptions { name: "tmpfs", mode: 0o1777, ..Default::default() };
    let mounted = fs::vfs::lookup(&cx, dev, b"shm", true).and_then(|shm| fs::vfs::mount(fs::tmpfs::new(opts), &shm, 0));
    match mounted {
        Ok(shm) => crate::procfs::record_mount(&shm, b"shm", b""),
        Err(e) => log::warn!("tmpfs: not mounted on /dev/shm ({:?})", e),
    }
}

static CMDLINE: spin::Once<String> = spin::Once::new();

/// The kernel command line as booted (/proc/cmdline).
pub fn cmdline() -> String {
    CMDLINE.get().cloned().unwrap_or_default()
}

/// Takes in the command line and applies what must hold before the drivers print anything
/// (`quiet`, `loglevel=`, `panic=`), as Linux parses its early parameters first. Needs the heap.
pub fn early_params(info: &BootInfo) {
    let cmdline_text = String::from_utf8_lossy(info.cmdline()).into_owned();
    let cmd: Cmdline = cmdline::parse(&cmdline_text);
    CMDLINE.call_once(|| cmdline_text);
    if let Some(level) = cmd.loglevel {
        crate::console::set_loglevel(level);
    }
    if let Some(t) = cmd.panic_timeout {
        crate::panic::set_timeout(t);
    }
}

pub fn start(info: &BootInfo) -> ! {
    let cmdline_text = cmdline();
    let cmd: Cmdline = cmdline::parse(&cmdline_text);
    log::info!("Linux-ABI kernel (release {}) booting", core::str::from_utf8(crate::syscall::RELEASE).unwrap_or("?"));
    log::info!("Command line: {}", cmdline_text);
    for w in &cmd.warnings {
        log::warn!("{}", w);
    }
    let (total, free) = (crate::mm::frame::total_frames(), crate::mm::frame::free_frames());
    let (heap_used, heap_size) = crate::mm::heap::usage();
    log::info!("Memory: {}K/{}K available, kernel heap {}K/{}K", free * 4, total * 4, heap_used / 1024, heap_size / 1024);

    crate::vfs::init_clock();
    crate::tty::register_console_devices();
    crate::pipe::register_fifos();
    let archive: &[u8] = match info.initrd {
        // SAFETY: the loader placed the initrd at [start, end), which the frame allocator
        // excluded; the direct map covers it and nothing writes it until it is freed below.
        Some((start, end)) => unsafe {
            core::slice::from_raw_parts(phys_to_virt(start) as *const u8, (end - start) as usize)
        },
        None => &[],
    };
    let rootfs = fs::boot::init_rootfs(archive);
    crate::procfs::record_mount(&rootfs.root, b"rootfs", b"");
    match &rootfs.unpacked {
        Ok(_) if !archive.is_empty() => log::info!("Unpacked initramfs ({} KiB)", archive.len() / 1024),
        Ok(_) => {}
        Err(e) => log::error!("Initramfs unpacking failed: {:?}", e),
    }
    match &rootfs.dev {
        Some(Err(e)) => log::warn!("devtmpfs: not mounted on /dev ({:?})", e),
        Some(Ok(dev)) => {
            crate::procfs::record_mount(dev, b"devtmpfs", b"mode=755");
            mount_shm(dev);
            crate::block::create_dev_nodes(dev);
        }
        None => {}
    }
    if let Some((start, end)) = info.initrd {
        crate::mm::free_initrd(start, end);
        log::info!("Freeing initrd memory: {}K", (end - start) / 1024);
    }
    // Console first, from the initial rootfs, as Linux's console_on_rootfs.
    let console_root = rootfs.root.clone();
    // No usable rdinit in the initramfs: mount the real root (Linux's prepare_namespace).
    let rdinit = cmd.rdinit.as_deref().unwrap_or("/init");
    let root = if cmd.root.is_some() && !exists(&rootfs.root, rdinit) {
        mount_root(&cmd, &rootfs.root)
    } else {
        rootfs.root
    };

    let fsctx = FsContext { root: root.clone(), cwd: root.clone(), umask: 0o022 };
    let thread = match process::new_init(fsctx) {
        Ok(t) => t,
        Err(e) => crate::panic::halt_or_reboot(format_args!("cannot create init: {:?}", e)),
    };
    crate::vfs::open_console(&thread, &console_root);

    let argv_tail: Vec<Vec<u8>> = cmd.init_args.iter().map(|a| a.clone().into_bytes()).collect();
    let envp: Vec<Vec<u8>> = cmd.init_env.iter().map(|e| e.clone().into_bytes()).collect();
    let try_run = |path: &str| -> Result<(), Errno> {
        let mut argv = alloc::vec![path.as_bytes().to_vec()];
        argv.extend(argv_tail.iter().cloned());
        // SAFETY: the frame at the top of init's kernel stack is not in use yet.
        let frame = unsafe { &mut *thread.user_frame() };
        process::exec::execve(&thread, path.as_bytes(), argv, envp.clone(), frame)
    };
    let started = 'found: {
        if !Arc::ptr_eq(&root.mnt, &console_root.mnt) {
            // Booted from a disk: rdinit does not apply.
        } else {
            match try_run(rdinit) {
                Ok(()) => break 'found true,
                Err(Errno::ENOENT) if cmd.rdinit.is_none() => {}
                Err(e) => log::error!("Failed to execute {} (error {})", rdinit, -e.as_return()),
            }
        }
        if let Some(init) = cmd.init.as_deref() {
            match try_run(init) {
                Ok(()) => break 'found true,
                Err(e) => crate::panic::halt_or_reboot(format_args!(
                    "Requested init {} failed (error {}).",
                    init,
                    -e.as_return()
                )),
            }
        }
        DEFAULT_INITS.iter().any(|p| try_run(p).is_ok())
    };
    if !started {
        crate::panic::halt_or_reboot(format_args!(
            "No working init found.  Try passing init= option to kernel. See Linux Documentation/admin-guide/init.rst for guidance."
        ));
    }
    crate::sched::start_first(thread)
}
