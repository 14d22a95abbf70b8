//! The kernel side of /proc: snapshots of processes, memory and system state for
//! `fs::procfs` (which formats them exactly as Linux does).

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::Ordering;

use fs::procfs::*;
use fs::vfs::Path;
use linux_abi::uapi::signal::{SIG_DFL, SIG_IGN};
use linux_abi::{Errno, SysResult};

use crate::mm::{PAGE_SIZE, frame, page_align_up};
use crate::process::{Process, Thread, current_thread, tasks};
use crate::sched::state;
use crate::sync::SpinLock;

/// What /proc/mounts shows as a mount's source and options, recorded at mount time.
static MOUNT_SOURCES: SpinLock<alloc::collections::BTreeMap<u64, MountSource>> =
    SpinLock::new(alloc::collections::BTreeMap::new());

pub fn record_mount(at: &Path, source: &[u8], options: &[u8]) {
    MOUNT_SOURCES.lock().insert(at.mnt.id(), MountSource { source: source.to_vec(), options: options.to_vec() });
}

/// Realtime at boot, for /proc/stat's btime.
fn boot_time_secs() -> u64 {
    ((crate::time::realtime_ns() - crate::arch::cpu::uptime_ns() as i64) / 1_000_000_000).max(0) as u64
}

struct Provider;

fn thread_state(t: &Thread) -> TaskState {
    match t.sched.state.load(Ordering::Relaxed) {
        state::RUNNING | state::RUNNABLE => TaskState::Running,
        state::STOPPED => TaskState::Stopped,
        state::DEAD => TaskState::Dead,
        _ => TaskState::Sleeping,
    }
}

fn mem_stats(p: &Process) -> Option<MemStats> {
    let rel_zombie = p.rel.lock().zombie.is_some();
    if rel_zombie {
        return None;
    }
    let mm = p.mm();
    let space = mm.lock();
    let pages = |bytes: u64| bytes / PAGE_SIZE;
    let mut s = MemStats::default();
    for v in space.vmas() {
        let len = v.end - v.start;
        s.total_vm += pages(len);
        if v.grows_down {
            s.stack_vm += pages(len);
        } else if v.prot.contains(crate::mm::address_space::Prot::EXEC) && v.file.is_some() {
            s.exec_vm += pages(len);
        } else if v.prot.contains(crate::mm::address_space::Prot::WRITE) && !v.shared {
            s.data_vm += pages(len);
        }
        let resident = space.resident_pages(v.start, v.end);
        if v.file.is_some() { s.rss_file += resident } else { s.rss_anon += resident }
    }
    s.hiwater_vm = s.total_vm;
    s.hiwater_rss = s.rss();
    s.start_brk = space.brk_start;
    (s.arg_start, s.arg_end) = space.args;
    (s.env_start, s.env_end) = space.env;
    s.start_stack = space.args.0;
    Some(s)
}

fn info(p: &Arc<Process>, t: Option<&Arc<Thread>>) -> ProcessInfo {
    let (pgid, sid, zombie, stopped) = {
        let r = p.rel.lock();
        (r.pgid, r.sid, r.zombie, r.stopped)
    };
    let threads = p.threads();
    let leader = t.cloned().or_else(|| threads.first().cloned());
    let creds = p.creds.lock().clone();
    let (cu, cs) = *p.children_times.lock();
    let (utime, stime) = match t {
        Some(t) => (t.utime.load(Ordering::Relaxed), t.stime.load(Ordering::Relaxed)),
        None => threads.iter().fold((0, 0), |(u, s), t| (u + t.utime.load(Ordering::Relaxed), s + t.stime.load(Ordering::Relaxed))),
    };
    let state = if zombie.is_some() {
        TaskState::Zombie
    } else if stopped {
        TaskState::Stopped
    } else {
        leader.as_ref().map_or(TaskState::Sleeping, |l| thread_state(l))
    };
    let signals = {
        let acts = p.sighand().lock().clone();
        let (mut ignored, mut caught) = (0u64, 0u64);
        for (i, a) in acts.0.iter().enumerate() {
            match a.handler {
                SIG_IGN => ignored |= 1 << i,
                SIG_DFL => {}
                _ => caught |= 1 << i,
            }
        }
        let (pending, blocked) = leader.as_ref().map_or((0, 0), |l| {
            let s = l.sig.lock();
            (s.pending.set.0, s.mask.0)
        });
        SignalMasks { pending, shared_pending: p.shared_pending.lock().set.0, blocked, ignored, caught }
    };
    let (tty_nr, tty_pgrp) = crate::tty::ctty_of(p).map_or((0, -1), |(dev, pgrp)| (dev, pgrp as i32));
    ProcessInfo {
        tgid: p.pid,
        tid: t.map_or(p.pid, |t| t.tid),
        ppid: p.ppid(),
        pgid,
        sid,
        tty_nr,
        tty_pgrp,
        state,
        comm: p.comm_str().into_bytes(),
        uid: Ids { real: creds.uid, effective: creds.euid, saved: creds.suid, fs: creds.fsuid },
        gid: Ids { real: creds.gid, effective: creds.egid, saved: creds.sgid, fs: creds.fsgid },
        groups: creds.groups,
        umask: zombie.is_none().then(|| p.fs.lock().umask),
        num_threads: threads.len().max(1) as u32,
        start_time_ns: p.start_ns,
        utime_ns: utime,
        stime_ns: stime,
        cutime_ns: cu,
        cstime_ns: cs,
        exit_signal: p.exit_signal as i32,
        exit_code: zombie.map_or(0, |z| z.raw() as i32),
        signals,
        fd_size: 64,
        priority: 20 + p.nice.load(core::sync::atomic::Ordering::Relaxed),
        nice: p.nice.load(core::sync::atomic::Ordering::Relaxed),
        mm: mem_stats(p),
        caps: if creds.euid == 0 {
            Capabilities { permitted: 0x1ff_ffff_ffff, effective: 0x1ff_ffff_ffff, bounding: 0x1ff_ffff_ffff, ..Default::default() }
        } else {
            Capabilities { bounding: 0x1ff_ffff_ffff, ..Default::default() }
        },
        ..Default::default()
    }
}

impl ProcProvider for Provider {
    fn current_pid(&self) -> u32 {
        current_thread().map_or(0, |t| t.process.pid)
    }

    fn current_tid(&self) -> u32 {
        current_thread().map_or(0, |t| t.tid)
    }

    fn pids(&self) -> Vec<u32> {
        let mut v: Vec<u32> = tasks::all_processes().iter().map(|p| p.pid).collect();
        v.sort_unstable();
        v
    }

    fn tids(&self, pid: u32) -> Vec<u32> {
        tasks::process(pid).map_or(Vec::new(), |p| {
            let mut v: Vec<u32> = p.threads().iter().map(|t| t.tid).collect();
            if v.is_empty() {
                v.push(pid);
            }
            v.sort_unstable();
            v
        })
    }

    fn process(&self, pid: u32) -> Option<ProcessInfo> {
        tasks::process(pid).map(|p| info(&p, None))
    }

    fn thread(&self, pid: u32, tid: u32) -> Option<ProcessInfo> {
        let p = tasks::process(pid)?;
        let t = p.threads().into_iter().find(|t| t.tid == tid);
        if t.is_none() && tid != pid {
            return None;
        }
        Some(info(&p, t.as_ref()))
    }

    fn paths(&self, tid: u32) -> Option<TaskPaths> {
        let t = tasks::thread(tid)?;
        let p = &t.process;
        if p.rel.lock().zombie.is_some() {
            return None;
        }
        let fsctx = p.fs.lock().clone();
        Some(TaskPaths { root: fsctx.root, cwd: fsctx.cwd, exe: p.exe.lock().clone() })
    }

    fn cmdline(&self, pid: u32) -> Vec<u8> {
        tasks::process(pid).map_or(Vec::new(), |p| {
            let mm = p.mm();
            let mut space = mm.lock();
            let (s, e) = space.args;
            space.read_bytes(s, (e - s) as usize)
        })
    }

    fn environ(&self, pid: u32) -> Vec<u8> {
        tasks::process(pid).map_or(Vec::new(), |p| {
            let mm = p.mm();
            let mut space = mm.lock();
            let (s, e) = space.env;
            space.read_bytes(s, (e - s) as usize)
        })
    }

    fn maps(&self, pid: u32) -> Vec<MapEntry> {
        let Some(p) = tasks::process(pid) else { return Vec::new() };
        let mm = p.mm();
        let space = mm.lock();
        let heap = page_align_up(space.brk_start).unwrap_or(0);
        space
            .vmas()
            .map(|v| {
                use crate::mm::address_space::Prot;
                let backing = match (&v.file, v.grows_down) {
                    (Some(f), _) => f.path.clone().map_or(MapBacking::Anon, MapBacking::File),
                    (None, true) => MapBacking::Named(b"[stack]".to_vec()),
                    (None, false) if v.start == heap && heap != 0 => MapBacking::Named(b"[heap]".to_vec()),
                    (None, false) => MapBacking::Anon,
                };
                let rss = space.resident_pages(v.start, v.end) * PAGE_SIZE;
                MapEntry {
                    start: v.start,
                    end: v.end,
                    read: v.prot.contains(Prot::READ),
                    write: v.prot.contains(Prot::WRITE),
                    exec: v.prot.contains(Prot::EXEC),
                    shared: v.shared,
                    offset: v.file.as_ref().map_or(0, |f| f.offset),
                    backing,
                    usage: MapUsage {
                        rss,
                        pss: rss,
                        private_dirty: rss,
                        anonymous: if v.file.is_none() { rss } else { 0 },
                        ..Default::default()
                    },
                }
            })
            .collect()
    }

    fn fds(&self, pid: u32) -> Vec<FdEntry> {
        let Some(p) = tasks::process(pid) else { return Vec::new() };
        let files = p.files();
        let table = files.lock();
        table
            .iter()
            .map(|(fd, e)| {
                let meta = e.file.metadata();
                let anon_name = (meta.file_type() == Some(fs::vfs::FileType::Fifo) && e.file.path().mnt.root().inode().fs().name() == "pipefs")
                    .then(|| alloc::format!("pipe:[{}]", meta.ino).into_bytes());
                FdEntry { fd: fd as u32, file: e.file.clone(), cloexec: e.cloexec, anon_name }
            })
            .collect()
    }

    fn set_comm(&self, tid: u32, comm: &[u8]) -> SysResult<()> {
        let t = tasks::thread(tid).ok_or(Errno::ESRCH)?;
        let mut name = [0u8; 16];
        let n = comm.iter().position(|&b| b == b'\n' || b == 0).unwrap_or(comm.len()).min(15);
        name[..n].copy_from_slice(&comm[..n]);
        *t.process.comm.lock() = name;
        Ok(())
    }

    fn mount_source(&self, mount_id: u64) -> Option<MountSource> {
        MOUNT_SOURCES.lock().get(&mount_id).cloned()
    }

    fn meminfo(&self) -> MemInfo {
        let kib = |pages: usize| pages as u64 * PAGE_SIZE / 1024;
        let total = kib(frame::total_frames());
        let free = kib(frame::free_frames());
        let (heap_used, _) = crate::mm::heap::usage();
        let threads: u64 = tasks::all_processes().iter().map(|p| p.threads().len() as u64).sum();
        MemInfo {
            total,
            free,
            available: free,
            slab_unreclaimable: heap_used as u64 / 1024,
            kernel_stack: threads * 32,
            commit_limit: total / 2,
            vmalloc_total: 34_359_738_367,
            direct_map_2m: total,
            ..Default::default()
        }
    }

    fn system_stat(&self) -> SystemStat {
        let tick = 1_000_000_000 / crate::arch::pic::HZ;
        let (mut user, mut system) = (0, 0);
        for p in tasks::all_processes() {
            for t in p.threads() {
                user += t.utime.load(Ordering::Relaxed);
                system += t.stime.load(Ordering::Relaxed);
            }
            let (cu, cs) = *p.children_times.lock();
            user += cu;
            system += cs;
        }
        let idle = crate::sched::timer::IDLE_TICKS.load(Ordering::Relaxed) * tick;
        SystemStat {
            cpus: alloc::vec![CpuTimes { user, system, idle, ..Default::default() }],
            context_switches: crate::sched::CONTEXT_SWITCHES.load(Ordering::Relaxed),
            boot_time: boot_time_secs(),
            processes: crate::sched::FORKS.load(Ordering::Relaxed),
            procs_running: crate::sched::runnable_count() as u64,
            ..Default::default()
        }
    }

    fn uptime_ns(&self) -> u64 {
        crate::arch::cpu::uptime_ns()
    }

    fn loadavg(&self) -> LoadAvg {
        let threads: u64 = tasks::all_processes().iter().map(|p| p.threads().len() as u64).sum();
        LoadAvg {
            avenrun: *crate::sched::timer::AVENRUN.lock(),
            running: crate::sched::runnable_count() as u64,
            threads,
            last_pid: tasks::last_pid(),
        }
    }

    fn cpuinfo(&self) -> Vec<u8> {
        crate::arch::cpu::cpuinfo().into_bytes()
    }

    fn nr_cpu_ids(&self) -> u32 {
        1
    }

    fn filesystems(&self) -> Vec<FsType> {
        let nodev = ["sysfs", "tmpfs", "devtmpfs", "proc", "pipefs", "cgroup2"];
        let mut v: Vec<FsType> = nodev.iter().map(|n| FsType { name: n.as_bytes().to_vec(), nodev: true }).collect();
        for n in crate::block::mount::DISK_FILESYSTEMS {
            v.push(FsType { name: n.as_bytes().to_vec(), nodev: false });
        }
        v
    }

    fn kernel_cmdline(&self) -> Vec<u8> {
        crate::init::cmdline().into_bytes()
    }

    fn uts(&self) -> Uts {
        Uts {
            sysname: b"Linux".to_vec(),
            nodename: crate::uts::hostname(),
            release: crate::uts::RELEASE.to_vec(),
            version: crate::uts::VERSION.to_vec(),
            machine: b"x86_64".to_vec(),
            domainname: crate::uts::domainname(),
            build: b"(root@rkernel) (rustc)".to_vec(),
        }
    }

    fn set_hostname(&self, name: &[u8]) -> SysResult<()> {
        crate::uts::set_hostname(name)
    }

    fn set_domainname(&self, name: &[u8]) -> SysResult<()> {
        crate::uts::set_domainname(name)
    }

    fn pid_max(&self) -> u32 {
        tasks::PID_MAX
    }

    fn file_max(&self) -> u64 {
        // Linux: 10% of memory in KiB, at least NR_FILE.
        (frame::total_frames() as u64 * PAGE_SIZE / 1024 / 10).max(8192)
    }
}

/// The root of a new procfs instance.
pub fn new_instance() -> Arc<dyn fs::vfs::Inode> {
    fs::procfs::new(Arc::new(Provider))
}
