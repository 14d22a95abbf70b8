//! What procfs needs from the kernel.
//!
//! The kernel owns processes, memory and mounts; procfs only formats. Every method returns a
//! plain snapshot (no kernel lock is held while procfs formats it), so a provider takes its
//! locks, copies the fields out and lets go. Times are nanoseconds, memory sizes of processes
//! are pages (4 KiB) and system memory figures KiB, as Linux keeps them; procfs converts to the
//! units each file prints.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::vfs::{OpenFile, Path};
use crate::{Errno, SysResult};

/// What `/proc/<pid>/stat` and `status` call the scheduler state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaskState {
    #[default]
    Running,
    Sleeping,
    /// Uninterruptible sleep.
    DiskSleep,
    Stopped,
    TracingStop,
    Dead,
    Zombie,
    Parked,
    Idle,
}

impl TaskState {
    /// The text of the `State:` line (`task_state_array`).
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Running => "R (running)",
            TaskState::Sleeping => "S (sleeping)",
            TaskState::DiskSleep => "D (disk sleep)",
            TaskState::Stopped => "T (stopped)",
            TaskState::TracingStop => "t (tracing stop)",
            TaskState::Dead => "X (dead)",
            TaskState::Zombie => "Z (zombie)",
            TaskState::Parked => "P (parked)",
            TaskState::Idle => "I (idle)",
        }
    }

    /// The one-letter form `stat` shows.
    pub fn letter(self) -> u8 {
        self.name().as_bytes()[0]
    }
}

/// Real, effective, saved and filesystem ids.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ids {
    pub real: u32,
    pub effective: u32,
    pub saved: u32,
    pub fs: u32,
}

impl Ids {
    /// All four set to `id`.
    pub const fn all(id: u32) -> Ids {
        Ids {
            real: id,
            effective: id,
            saved: id,
            fs: id,
        }
    }
}

/// Signal sets: bit `n - 1` stands for signal `n` (64 signals).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SignalMasks {
    /// Pending for this thread only.
    pub pending: u64,
    /// Pending for the whole process.
    pub shared_pending: u64,
    pub blocked: u64,
    /// Handlers set to `SIG_IGN`.
    pub ignored: u64,
    /// Handlers set to a function.
    pub caught: u64,
}

/// Capability sets, bit `n` standing for capability `n`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    pub inheritable: u64,
    pub permitted: u64,
    pub effective: u64,
    pub bounding: u64,
    pub ambient: u64,
}

/// The address-space figures of a process (Linux `mm_struct` counters). Sizes are in pages
/// unless the name says bytes; the rest are user addresses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemStats {
    /// Pages mapped (`VmSize`) and the most ever mapped (`VmPeak`, at least `total_vm`).
    pub total_vm: u64,
    pub hiwater_vm: u64,
    pub locked_vm: u64,
    pub pinned_vm: u64,
    /// Highest resident set (`VmHWM`); at least the current one.
    pub hiwater_rss: u64,
    /// Resident pages by kind; their sum is the RSS.
    pub rss_anon: u64,
    pub rss_file: u64,
    pub rss_shmem: u64,
    /// Writable private non-stack pages (`VmData`), stack pages, executable pages.
    pub data_vm: u64,
    pub stack_vm: u64,
    pub exec_vm: u64,
    pub swap_pages: u64,
    pub page_table_bytes: u64,
    pub start_code: u64,
    pub end_code: u64,
    pub start_data: u64,
    pub end_data: u64,
    pub start_brk: u64,
    pub start_stack: u64,
    pub arg_start: u64,
    pub arg_end: u64,
    pub env_start: u64,
    pub env_end: u64,
}

impl MemStats {
    /// Resident pages (`get_mm_rss`).
    pub fn rss(&self) -> u64 {
        self.rss_anon
            .saturating_add(self.rss_file)
            .saturating_add(self.rss_shmem)
    }
}

/// A snapshot of one task: a whole process (thread group) for `/proc/<pid>`, or one thread for
/// `/proc/<pid>/task/<tid>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Thread-group id and this task's id (equal for a process view of a leader).
    pub tgid: u32,
    pub tid: u32,
    pub ppid: u32,
    pub pgid: u32,
    pub sid: u32,
    pub tracer_pid: u32,
    /// Controlling terminal (`new_encode_dev` of its device, 0 for none) and its foreground
    /// process group (-1 for none).
    pub tty_nr: u32,
    pub tty_pgrp: i32,
    pub state: TaskState,
    /// Command name, at most 15 bytes.
    pub comm: Vec<u8>,
    /// `PF_*` flags.
    pub flags: u32,
    pub kthread: bool,
    pub uid: Ids,
    pub gid: Ids,
    pub groups: Vec<u32>,
    /// `get_dumpable() == SUID_DUMP_USER`: false after a setuid exec or `PR_SET_DUMPABLE 0`;
    /// makes the per-process files root's and stops others from reading them.
    pub dumpable: bool,
    /// `None` once the task has no filesystem context (a zombie): no `Umask:` line.
    pub umask: Option<u32>,
    /// `task_prio` (20 + nice for normal tasks) and nice.
    pub priority: i32,
    pub nice: i32,
    pub rt_priority: u32,
    pub policy: u32,
    pub num_threads: u32,
    /// Start time, nanoseconds after boot.
    pub start_time_ns: u64,
    /// CPU time; for a process view, summed over its threads (dead ones included).
    pub utime_ns: u64,
    pub stime_ns: u64,
    /// CPU time of waited-for children.
    pub cutime_ns: u64,
    pub cstime_ns: u64,
    pub min_flt: u64,
    pub cmin_flt: u64,
    pub maj_flt: u64,
    pub cmaj_flt: u64,
    /// CPU it last ran on.
    pub cpu: u32,
    pub exit_signal: i32,
    pub exit_code: i32,
    pub signals: SignalMasks,
    /// `SigQ:` queued signals of the user and the `RLIMIT_SIGPENDING` soft limit.
    pub sigq_queued: u64,
    pub sigq_limit: u64,
    /// Size of the fd table (`FDSize:`).
    pub fd_size: u32,
    /// `RLIMIT_RSS` soft limit (`u64::MAX` for unlimited).
    pub rss_limit: u64,
    /// `None` for kernel threads and zombies (no address space).
    pub mm: Option<MemStats>,
    pub voluntary_switches: u64,
    pub involuntary_switches: u64,
    pub caps: Capabilities,
    pub no_new_privs: bool,
    pub seccomp_mode: u32,
    pub seccomp_filters: u32,
    /// CPUs the task may run on (bit per CPU).
    pub cpus_allowed: u64,
    pub core_dumping: bool,
}

impl Default for ProcessInfo {
    fn default() -> Self {
        ProcessInfo {
            tgid: 0,
            tid: 0,
            ppid: 0,
            pgid: 0,
            sid: 0,
            tracer_pid: 0,
            tty_nr: 0,
            tty_pgrp: -1,
            state: TaskState::Running,
            comm: Vec::new(),
            flags: 0,
            kthread: false,
            uid: Ids::default(),
            gid: Ids::default(),
            groups: Vec::new(),
            dumpable: true,
            umask: Some(0o022),
            priority: 20,
            nice: 0,
            rt_priority: 0,
            policy: 0,
            num_threads: 1,
            start_time_ns: 0,
            utime_ns: 0,
            stime_ns: 0,
            cutime_ns: 0,
            cstime_ns: 0,
            min_flt: 0,
            cmin_flt: 0,
            maj_flt: 0,
            cmaj_flt: 0,
            cpu: 0,
            exit_signal: 17,
            exit_code: 0,
            signals: SignalMasks::default(),
            sigq_queued: 0,
            sigq_limit: 0,
            fd_size: 64,
            rss_limit: u64::MAX,
            mm: None,
            voluntary_switches: 0,
            involuntary_switches: 0,
            caps: Capabilities::default(),
            no_new_privs: false,
            seccomp_mode: 0,
            seccomp_filters: 0,
            cpus_allowed: 1,
            core_dumping: false,
        }
    }
}

/// Where a process stands in the namespace.
#[derive(Clone)]
pub struct TaskPaths {
    pub root: Path,
    pub cwd: Path,
    /// The executable (`None`: a kernel thread, or exec has not happened).
    pub exe: Option<Path>,
}

/// One open file descriptor.
#[derive(Clone)]
pub struct FdEntry {
    pub fd: u32,
    pub file: Arc<OpenFile>,
    pub cloexec: bool,
    /// What `readlink` shows for a file with no name in the namespace: `pipe:[123]`,
    /// `socket:[45]`, `anon_inode:[eventfd]`. `None`: the file's path.
    pub anon_name: Option<Vec<u8>>,
}

/// What backs a mapping, as `maps` names it.
#[derive(Clone)]
pub enum MapBacking {
    /// Anonymous memory without a name.
    Anon,
    /// A file; device and inode numbers come from its inode.
    File(Path),
    /// A named special area, printed as given: `[heap]`, `[stack]`, `[vdso]`, `[vvar]`,
    /// `[vsyscall]`, `[anon:name]`.
    Named(Vec<u8>),
}

/// Memory use of a mapping (`smaps` counters), in bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapUsage {
    pub rss: u64,
    pub pss: u64,
    pub pss_dirty: u64,
    pub pss_anon: u64,
    pub pss_file: u64,
    pub pss_shmem: u64,
    pub shared_clean: u64,
    pub shared_dirty: u64,
    pub private_clean: u64,
    pub private_dirty: u64,
    pub referenced: u64,
    pub anonymous: u64,
    pub lazy_free: u64,
    pub swap: u64,
    pub swap_pss: u64,
    pub locked: u64,
}

/// One mapping (VMA), in address order.
#[derive(Clone)]
pub struct MapEntry {
    pub start: u64,
    pub end: u64,
    pub read: bool,
    pub write: bool,
    pub exec: bool,
    /// `VM_MAYSHARE`: a `MAP_SHARED` mapping (`s` instead of `p`).
    pub shared: bool,
    /// File offset in bytes (shown for file mappings only).
    pub offset: u64,
    pub backing: MapBacking,
    pub usage: MapUsage,
}

/// What a mount was made from: the device name `mount(2)` got ("/dev/vda1", "tmpfs", "proc")
/// and the filesystem's own options ("size=65536k,mode=755"), comma-separated without a
/// leading comma, empty for none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MountSource {
    pub source: Vec<u8>,
    pub options: Vec<u8>,
}

/// System memory for `/proc/meminfo`, in KiB. `Active:`, `Inactive:` and `Slab:` are the sums
/// of their parts; fields the kernel does not track stay 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemInfo {
    pub total: u64,
    pub free: u64,
    pub available: u64,
    pub buffers: u64,
    pub cached: u64,
    pub swap_cached: u64,
    pub active_anon: u64,
    pub inactive_anon: u64,
    pub active_file: u64,
    pub inactive_file: u64,
    pub unevictable: u64,
    pub mlocked: u64,
    pub swap_total: u64,
    pub swap_free: u64,
    pub dirty: u64,
    pub writeback: u64,
    pub anon_pages: u64,
    pub mapped: u64,
    pub shmem: u64,
    /// Reclaimable kernel memory, slab included (at least `slab_reclaimable`).
    pub kreclaimable: u64,
    /// Kernel heap in use, split as Linux splits its slab.
    pub slab_reclaimable: u64,
    pub slab_unreclaimable: u64,
    pub kernel_stack: u64,
    pub page_tables: u64,
    pub commit_limit: u64,
    pub committed_as: u64,
    pub vmalloc_total: u64,
    pub vmalloc_used: u64,
    pub percpu: u64,
    pub direct_map_4k: u64,
    pub direct_map_2m: u64,
    pub direct_map_1g: u64,
}

/// Time one CPU spent in each state, nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimes {
    pub user: u64,
    pub nice: u64,
    pub system: u64,
    pub idle: u64,
    pub iowait: u64,
    pub irq: u64,
    pub softirq: u64,
    pub steal: u64,
    pub guest: u64,
    pub guest_nice: u64,
}

/// Linux's softirq kinds (`NR_SOFTIRQS`).
pub const NR_SOFTIRQS: usize = 10;

/// System-wide counters for `/proc/stat` and `/proc/uptime`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemStat {
    /// Per online CPU, by CPU number.
    pub cpus: Vec<CpuTimes>,
    /// Interrupts serviced, all kinds (Linux adds local timer and IPI counts to the
    /// numbered ones).
    pub intr_total: u64,
    /// Count per interrupt number; the length is the number of interrupt numbers (`nr_irqs`).
    pub irqs: Vec<u64>,
    pub softirqs: [u64; NR_SOFTIRQS],
    pub context_switches: u64,
    /// Boot time, seconds since the epoch.
    pub boot_time: u64,
    /// Forks since boot.
    pub processes: u64,
    pub procs_running: u64,
    pub procs_blocked: u64,
}

/// `/proc/loadavg`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoadAvg {
    /// 1, 5 and 15 minute averages, fixed point with 11 fraction bits (Linux `avenrun`).
    pub avenrun: [u64; 3],
    pub running: u64,
    pub threads: u64,
    /// The most recently allocated pid.
    pub last_pid: u32,
}

/// A registered filesystem type (`/proc/filesystems`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsType {
    pub name: Vec<u8>,
    /// Needs no block device (shown as `nodev`).
    pub nodev: bool,
}

/// The `uname` fields, plus how the kernel was built for `/proc/version`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Uts {
    pub sysname: Vec<u8>,
    pub nodename: Vec<u8>,
    pub release: Vec<u8>,
    pub version: Vec<u8>,
    pub machine: Vec<u8>,
    pub domainname: Vec<u8>,
    /// What `/proc/version` shows between the release and the version:
    /// `(builder@host) (compiler version)`.
    pub build: Vec<u8>,
}

/// The kernel side of procfs. Pids are thread-group ids, tids thread ids; "task" is either.
pub trait ProcProvider: Send + Sync {
    /// The calling thread's process (thread-group id) and thread id; 0 when there is none
    /// (kernel context, which procfs treats as all-powerful).
    fn current_pid(&self) -> u32;
    fn current_tid(&self) -> u32;

    /// Live processes, zombies included, in any order.
    fn pids(&self) -> Vec<u32>;
    /// The threads of process `pid`, in any order.
    fn tids(&self, pid: u32) -> Vec<u32>;
    /// The process `pid` as a whole. As on Linux, the id of a thread that is not a group
    /// leader may also be answered (the hidden `/proc/<tid>`), with `tid` set to it.
    fn process(&self, pid: u32) -> Option<ProcessInfo>;
    /// Thread `tid` of process `pid` alone; `None` if it is not one of its threads.
    fn thread(&self, pid: u32, tid: u32) -> Option<ProcessInfo>;
    /// Root, working directory and executable of task `tid` (a pid names its leader).
    fn paths(&self, tid: u32) -> Option<TaskPaths>;
    /// What reading `/proc/<pid>/cmdline` gives: the argument area, or the setproctitle
    /// string (Linux `get_mm_cmdline`); empty without an address space.
    fn cmdline(&self, pid: u32) -> Vec<u8>;
    /// The environment area `env_start..env_end`; empty without an address space.
    fn environ(&self, pid: u32) -> Vec<u8>;
    /// The mappings of process `pid` in address order (the gate area last, if any).
    fn maps(&self, pid: u32) -> Vec<MapEntry>;
    /// The open file descriptors of process `pid`, in any order.
    fn fds(&self, pid: u32) -> Vec<FdEntry>;
    /// `comm` written through `/proc/<pid>/comm` (already cut to 15 bytes).
    fn set_comm(&self, tid: u32, comm: &[u8]) -> SysResult<()>;
    /// Device name and options of the mount with this id (`Mount::id`).
    fn mount_source(&self, mount_id: u64) -> Option<MountSource>;

    fn meminfo(&self) -> MemInfo;
    fn system_stat(&self) -> SystemStat;
    /// Nanoseconds since boot (`CLOCK_BOOTTIME`).
    fn uptime_ns(&self) -> u64;
    fn loadavg(&self) -> LoadAvg;
    /// The whole text of `/proc/cpuinfo`.
    fn cpuinfo(&self) -> Vec<u8>;
    /// Possible CPU numbers (`nr_cpu_ids`), the width of `Cpus_allowed:`.
    fn nr_cpu_ids(&self) -> u32;
    /// Registered filesystem types, in registration order.
    fn filesystems(&self) -> Vec<FsType>;
    /// The kernel command line.
    fn kernel_cmdline(&self) -> Vec<u8>;
    fn uts(&self) -> Uts;
    /// `/proc/sys/kernel/hostname` and `domainname` writes (at most 64 bytes, no NUL).
    fn set_hostname(&self, name: &[u8]) -> SysResult<()>;
    fn set_domainname(&self, name: &[u8]) -> SysResult<()>;
    fn pid_max(&self) -> u32;
    /// `/proc/sys/kernel/pid_max` write, already range-checked (301..=4194304).
    fn set_pid_max(&self, _value: u32) -> SysResult<()> {
        Err(Errno::EPERM)
    }
    fn file_max(&self) -> u64;
    /// `/proc/sys/fs/file-max` write (0..=`i64::MAX`).
    fn set_file_max(&self, _value: u64) -> SysResult<()> {
        Err(Errno::EPERM)
    }
}
