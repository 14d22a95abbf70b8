//! The top of /proc: its fixed entries, one directory per process, and the system-wide files
//! (`meminfo.c`, `stat.c`, `uptime.c`, `loadavg.c`, `version.c`, `cmdline.c`,
//! `fs/filesystems.c`, `mm/swapfile.c`).

use alloc::vec::Vec;

use super::ProcFs;
use super::node::{Node, emit_dots};
use super::pid::{Task, name_to_int};
use super::provider::{LoadAvg, MemInfo, SystemStat, Uts};
use super::seq::Seq;
use super::sysctl::SysDir;
use crate::vfs::types::{DirSink, FileType};
use crate::{Errno, SysResult};

/// The system-wide regular files of /proc.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RootFile {
    Stat,
    Swaps,
    Uptime,
    Cmdline,
    Cpuinfo,
    Loadavg,
    Meminfo,
    Version,
    Filesystems,
}

/// The fixed entries in the order Linux lists them: its entry tree is sorted by name length
/// first, then bytes (`proc_match`).
pub(crate) const ENTRIES: [(&[u8], Node); 11] = [
    (b"sys", Node::SysDir(SysDir::Top)),
    (b"stat", Node::File(RootFile::Stat)),
    (b"swaps", Node::File(RootFile::Swaps)),
    (b"mounts", Node::MountsLink),
    (b"uptime", Node::File(RootFile::Uptime)),
    (b"cmdline", Node::File(RootFile::Cmdline)),
    (b"cpuinfo", Node::File(RootFile::Cpuinfo)),
    (b"loadavg", Node::File(RootFile::Loadavg)),
    (b"meminfo", Node::File(RootFile::Meminfo)),
    (b"version", Node::File(RootFile::Version)),
    (b"filesystems", Node::File(RootFile::Filesystems)),
];

/// Directory positions as Linux numbers them: fixed entries from 2, `self` and `thread-self`
/// at 256 and 257, then process `n` at `TGID_OFFSET + n`, so a position stays valid however
/// processes come and go.
const FIRST_PROCESS_ENTRY: u64 = 256;
const TGID_OFFSET: u64 = FIRST_PROCESS_ENTRY + 2;
/// Pids are below this (`PID_MAX_LIMIT` on 64-bit).
pub(crate) const PID_MAX_LIMIT: u64 = 4 * 1024 * 1024;

pub(crate) fn lookup(fs: &ProcFs, name: &[u8]) -> SysResult<Node> {
    match name {
        b"self" => return Ok(Node::SelfLink),
        b"thread-self" => return Ok(Node::ThreadSelfLink),
        _ => {}
    }
    if let Some((_, node)) = ENTRIES.iter().find(|(n, _)| *n == name) {
        return Ok(*node);
    }
    let pid = name_to_int(name).ok_or(Errno::ENOENT)?;
    if pid == 0 || fs.provider.process(pid).is_none() {
        return Err(Errno::ENOENT);
    }
    Ok(Node::PidDir(Task { pid, tid: None }))
}

pub(crate) fn readdir(fs: &ProcFs, pos: u64, sink: &mut dyn DirSink) -> SysResult<()> {
    let Some(mut pos) = emit_dots(pos, sink, Node::Root.ino(), Node::Root.ino()) else {
        return Ok(());
    };
    for (i, (name, node)) in ENTRIES.iter().enumerate() {
        let cookie = 2 + i as u64;
        if cookie < pos {
            continue;
        }
        if !sink.push(node.ino(), cookie + 1, node.file_type().dirent_type(), name) {
            return Ok(());
        }
        pos = cookie + 1;
    }
    pos = pos.max(FIRST_PROCESS_ENTRY);
    let links = [
        (FIRST_PROCESS_ENTRY, &b"self"[..], Node::SelfLink),
        (
            FIRST_PROCESS_ENTRY + 1,
            &b"thread-self"[..],
            Node::ThreadSelfLink,
        ),
    ];
    for (cookie, name, node) in links {
        if pos == cookie {
            if !sink.push(
                node.ino(),
                cookie + 1,
                FileType::Symlink.dirent_type(),
                name,
            ) {
                return Ok(());
            }
            pos = cookie + 1;
        }
    }
    let first = pos.saturating_sub(TGID_OFFSET);
    let mut pids: Vec<u32> = fs
        .provider
        .pids()
        .into_iter()
        .filter(|&p| p != 0 && u64::from(p) >= first && u64::from(p) < PID_MAX_LIMIT)
        .collect();
    pids.sort_unstable();
    pids.dedup();
    for pid in pids {
        let node = Node::PidDir(Task { pid, tid: None });
        let name = alloc::format!("{pid}");
        let next = TGID_OFFSET + u64::from(pid) + 1;
        if !sink.push(
            node.ino(),
            next,
            FileType::Directory.dirent_type(),
            name.as_bytes(),
        ) {
            return Ok(());
        }
    }
    Ok(())
}

pub(crate) fn generate(fs: &ProcFs, file: RootFile) -> Vec<u8> {
    let p = &fs.provider;
    match file {
        RootFile::Stat => stat(&p.system_stat()),
        RootFile::Swaps => SWAPS_HEADER.to_vec(),
        RootFile::Uptime => {
            let idle = p
                .system_stat()
                .cpus
                .iter()
                .fold(0u64, |sum, c| sum.saturating_add(c.idle));
            uptime(p.uptime_ns(), idle)
        }
        RootFile::Cmdline => {
            let mut text = p.kernel_cmdline();
            text.push(b'\n');
            text
        }
        RootFile::Cpuinfo => p.cpuinfo(),
        RootFile::Loadavg => loadavg(&p.loadavg()),
        RootFile::Meminfo => meminfo(&p.meminfo()),
        RootFile::Version => version(&p.uts()),
        RootFile::Filesystems => {
            let mut m = Seq::new();
            for t in p.filesystems() {
                m.puts(if t.nodev { b"nodev" } else { b"" });
                m.putc(b'\t');
                m.puts(&t.name);
                m.putc(b'\n');
            }
            m.into_bytes()
        }
    }
}

/// `/proc/swaps` without swap devices: the header alone.
const SWAPS_HEADER: &[u8] = b"Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

/// Clock ticks per second as user space sees them (`USER_HZ`).
const USER_HZ: u64 = 100;

/// `nsec_to_clock_t`.
pub(crate) fn clock_t(ns: u64) -> u64 {
    ns / (1_000_000_000 / USER_HZ)
}

/// `show_val_kb`: a 16-column label, the value right-aligned in 8, " kB".
fn kb(m: &mut Seq, label: &str, kib: u64) {
    m.dec_width(label, kib, 8);
    m.puts(b" kB\n");
}

/// `/proc/meminfo` of an x86_64 kernel without highmem, zswap, transparent or hugetlb huge
/// pages and CMA; `DirectMap1G` appears only when 1 GiB pages map memory.
pub(crate) fn meminfo(i: &MemInfo) -> Vec<u8> {
    let mut m = Seq::new();
    kb(&mut m, "MemTotal:       ", i.total);
    kb(&mut m, "MemFree:        ", i.free);
    kb(&mut m, "MemAvailable:   ", i.available);
    kb(&mut m, "Buffers:        ", i.buffers);
    kb(&mut m, "Cached:         ", i.cached);
    kb(&mut m, "SwapCached:     ", i.swap_cached);
    kb(
        &mut m,
        "Active:         ",
        i.active_anon.saturating_add(i.active_file),
    );
    kb(
        &mut m,
        "Inactive:       ",
        i.inactive_anon.saturating_add(i.inactive_file),
    );
    kb(&mut m, "Active(anon):   ", i.active_anon);
    kb(&mut m, "Inactive(anon): ", i.inactive_anon);
    kb(&mut m, "Active(file):   ", i.active_file);
    kb(&mut m, "Inactive(file): ", i.inactive_file);
    kb(&mut m, "Unevictable:    ", i.unevictable);
    kb(&mut m, "Mlocked:        ", i.mlocked);
    kb(&mut m, "SwapTotal:      ", i.swap_total);
    kb(&mut m, "SwapFree:       ", i.swap_free);
    kb(&mut m, "Dirty:          ", i.dirty);
    kb(&mut m, "Writeback:      ", i.writeback);
    kb(&mut m, "AnonPages:      ", i.anon_pages);
    kb(&mut m, "Mapped:         ", i.mapped);
    kb(&mut m, "Shmem:          ", i.shmem);
    kb(&mut m, "KReclaimable:   ", i.kreclaimable);
    let slab = i.slab_reclaimable.saturating_add(i.slab_unreclaimable);
    kb(&mut m, "Slab:           ", slab);
    kb(&mut m, "SReclaimable:   ", i.slab_reclaimable);
    kb(&mut m, "SUnreclaim:     ", i.slab_unreclaimable);
    kb(&mut m, "KernelStack:    ", i.kernel_stack);
    kb(&mut m, "PageTables:     ", i.page_tables);
    kb(&mut m, "SecPageTables:  ", 0);
    kb(&mut m, "NFS_Unstable:   ", 0);
    kb(&mut m, "Bounce:         ", 0);
    kb(&mut m, "WritebackTmp:   ", 0);
    kb(&mut m, "CommitLimit:    ", i.commit_limit);
    kb(&mut m, "Committed_AS:   ", i.committed_as);
    kb(&mut m, "VmallocTotal:   ", i.vmalloc_total);
    kb(&mut m, "VmallocUsed:    ", i.vmalloc_used);
    kb(&mut m, "VmallocChunk:   ", 0);
    kb(&mut m, "Percpu:         ", i.percpu);
    m.dec_width("HardwareCorrupted: ", 0, 5);
    m.puts(b" kB\n");
    kb(&mut m, "Balloon:        ", 0);
    kb(&mut m, "DirectMap4k:    ", i.direct_map_4k);
    kb(&mut m, "DirectMap2M:    ", i.direct_map_2m);
    if i.direct_map_1g != 0 {
        kb(&mut m, "DirectMap1G:    ", i.direct_map_1g);
    }
    m.into_bytes()
}

fn cpu_line(m: &mut Seq, label: &str, c: &super::provider::CpuTimes) {
    m.puts(label.as_bytes());
    for (i, v) in [
        c.user,
        c.nice,
        c.system,
        c.idle,
        c.iowait,
        c.irq,
        c.softirq,
        c.steal,
        c.guest,
        c.guest_nice,
    ]
    .into_iter()
    .enumerate()
    {
        m.dec(if i == 0 { "" } else { " " }, clock_t(v));
    }
    m.putc(b'\n');
}

/// `/proc/stat` (`show_stat`): the total is summed in nanoseconds before conversion, as Linux
/// does, so it can exceed the sum of the per-CPU tick counts.
pub(crate) fn stat(s: &SystemStat) -> Vec<u8> {
    let mut total = super::provider::CpuTimes::default();
    for c in &s.cpus {
        total.user = total.user.saturating_add(c.user);
        total.nice = total.nice.saturating_add(c.nice);
        total.system = total.system.saturating_add(c.system);
        total.idle = total.idle.saturating_add(c.idle);
        total.iowait = total.iowait.saturating_add(c.iowait);
        total.irq = total.irq.saturating_add(c.irq);
        total.softirq = total.softirq.saturating_add(c.softirq);
        total.steal = total.steal.saturating_add(c.steal);
        total.guest = total.guest.saturating_add(c.guest);
        total.guest_nice = total.guest_nice.saturating_add(c.guest_nice);
    }
    let mut m = Seq::new();
    cpu_line(&mut m, "cpu  ", &total);
    for (i, c) in s.cpus.iter().enumerate() {
        cpu_line(&mut m, &alloc::format!("cpu{i} "), c);
    }
    m.dec("intr ", s.intr_total);
    for &n in &s.irqs {
        m.dec(" ", n);
    }
    m.dec("\nctxt ", s.context_switches);
    m.dec("\nbtime ", s.boot_time);
    m.dec("\nprocesses ", s.processes);
    m.dec("\nprocs_running ", s.procs_running);
    m.dec("\nprocs_blocked ", s.procs_blocked);
    let softirq_total = s.softirqs.iter().fold(0u64, |a, &b| a.saturating_add(b));
    m.dec("\nsoftirq ", softirq_total);
    for &n in &s.softirqs {
        m.dec(" ", n);
    }
    m.putc(b'\n');
    m.into_bytes()
}

/// Seconds with two decimals, truncated (`%lu.%02lu`).
fn centiseconds(m: &mut Seq, ns: u64) {
    m.dec("", ns / 1_000_000_000);
    m.putc(b'.');
    m.dec_zero_padded(ns % 1_000_000_000 / 10_000_000, 2);
}

/// `/proc/uptime`: time since boot and idle time summed over the CPUs.
pub(crate) fn uptime(uptime_ns: u64, idle_ns: u64) -> Vec<u8> {
    let mut m = Seq::new();
    centiseconds(&mut m, uptime_ns);
    m.putc(b' ');
    centiseconds(&mut m, idle_ns);
    m.putc(b'\n');
    m.into_bytes()
}

/// Fixed-point load averages (`FSHIFT` 11).
const FSHIFT: u32 = 11;
const FIXED_1: u64 = 1 << FSHIFT;

/// `/proc/loadavg`: rounded to hundredths the way `get_avenrun(.., FIXED_1/200, ..)` does.
pub(crate) fn loadavg(l: &LoadAvg) -> Vec<u8> {
    let mut m = Seq::new();
    for (i, &avg) in l.avenrun.iter().enumerate() {
        let x = avg.saturating_add(FIXED_1 / 200);
        let int = x >> FSHIFT;
        let frac = ((x & (FIXED_1 - 1)) * 100) >> FSHIFT;
        m.dec(if i == 0 { "" } else { " " }, int);
        m.putc(b'.');
        m.dec_zero_padded(frac, 2);
    }
    m.dec(" ", l.running);
    m.dec("/", l.threads);
    m.dec(" ", u64::from(l.last_pid));
    m.putc(b'\n');
    m.into_bytes()
}

/// `/proc/version` (`linux_proc_banner`).
pub(crate) fn version(u: &Uts) -> Vec<u8> {
    let mut m = Seq::new();
    m.puts(&u.sysname);
    m.puts(b" version ");
    m.puts(&u.release);
    m.putc(b' ');
    m.puts(&u.build);
    m.putc(b' ');
    m.puts(&u.version);
    m.putc(b'\n');
    m.into_bytes()
}
