//! From a booted kernel to PID 1: parse the command line as Linux does, unpack the initramfs into
//! a tmpfs root, mount devtmpfs, open /dev/console as fds 0–2 and exec init.

use alloc::string::String;
use alloc::vec::Vec;

use linux_abi::cmdline::{self, Cmdline};
use linux_abi::Errno;

use crate::boot_info::BootInfo;
use crate::mm::phys_to_virt;
use crate::process::{self, FsContext};

/// Linux's fallback list when neither rdinit nor init= names a working program.
const DEFAULT_INITS: [&str; 4] = ["/sbin/init", "/etc/init", "/bin/init", "/bin/sh"];

/// POSIX shared memory (shm_open) lives in a tmpfs on /dev/shm, as init systems set up on Linux.
fn mount_shm(dev: &fs::vfs::Path) {
    let creds = fs::vfs::Credentials::root();
    let cx = fs::vfs::Caller::new(dev, &creds);
    let opts = fs::tmpfs::TmpfsOptions { name: "tmpfs", mode: 0o1777, ..Default::default() };
    let mounted = fs::vfs::lookup(&cx, dev, b"shm", true).and_then(|shm| fs::vfs::mount(fs::tmpfs::new(opts), &shm, 0));
    if let Err(e) = mounted {
        log::warn!("tmpfs: not mounted on /dev/shm ({:?})", e);
    }
}

pub fn start(info: &BootInfo) -> ! {
    let cmdline_text = String::from_utf8_lossy(info.cmdline()).into_owned();
    let cmd: Cmdline = cmdline::parse(&cmdline_text);
    if let Some(level) = cmd.loglevel {
        crate::console::set_loglevel(level);
    }
    if let Some(t) = cmd.panic_timeout {
        crate::panic::set_timeout(t);
    }
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
    let archive: &[u8] = match info.initrd {
        // SAFETY: the loader placed the initrd at [start, end), which the frame allocator
        // excluded; the direct map covers it and nothing writes it until it is freed below.
        Some((start, end)) => unsafe {
            core::slice::from_raw_parts(phys_to_virt(start) as *const u8, (end - start) as usize)
        },
        None => &[],
    };
    let rootfs = fs::boot::init_rootfs(archive);
    match &rootfs.unpacked {
        Ok(_) if !archive.is_empty() => log::info!("Unpacked initramfs ({} KiB)", archive.len() / 1024),
        Ok(_) => {}
        Err(e) => log::error!("Initramfs unpacking failed: {:?}", e),
    }
    match &rootfs.dev {
        Some(Err(e)) => log::warn!("devtmpfs: not mounted on /dev ({:?})", e),
        Some(Ok(dev)) => {
            mount_shm(dev);
            crate::block::create_dev_nodes(dev);
        }
        None => {}
    }
    if let Some((start, end)) = info.initrd {
        crate::mm::free_initrd(start, end);
        log::info!("Freeing initrd memory: {}K", (end - start) / 1024);
    }
    let root = rootfs.root;

    let fsctx = FsContext { root: root.clone(), cwd: root, umask: 0o022 };
    let thread = match process::new_init(fsctx) {
        Ok(t) => t,
        Err(e) => crate::panic::halt_or_reboot(format_args!("cannot create init: {:?}", e)),
    };
    crate::vfs::open_console(&thread);

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
        let rdinit = cmd.rdinit.as_deref().unwrap_or("/init");
        match try_run(rdinit) {
            Ok(()) => break 'found true,
            Err(Errno::ENOENT) if cmd.rdinit.is_none() => {}
            Err(e) => log::error!("Failed to execute {} (error {})", rdinit, -e.as_return()),
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
