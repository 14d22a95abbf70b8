//! procfs tests: a fake kernel behind [`ProcProvider`], procfs mounted on `/proc` of a tmpfs
//! root, and everything exercised through the VFS as a process would.

mod formats;
mod tree;

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;

use super::*;
use crate::sync::Mutex;
use crate::testutil::*;
use crate::vfs::mount::{MNT_NODEV, MNT_NOEXEC, MNT_NOSUID, MNT_RELATIME};
use crate::vfs::*;
use crate::{Errno, SysResult};

#[derive(Clone)]
pub(super) struct FakeProc {
    pub info: ProcessInfo,
    pub threads: BTreeMap<u32, ProcessInfo>,
    pub paths: Option<TaskPaths>,
    pub fds: Vec<FdEntry>,
    pub maps: Vec<MapEntry>,
    pub cmdline: Vec<u8>,
    pub environ: Vec<u8>,
}

impl FakeProc {
    fn new(info: ProcessInfo) -> FakeProc {
        let mut threads = BTreeMap::new();
        threads.insert(info.tid, info.clone());
        FakeProc {
            info,
            threads,
            paths: None,
            fds: Vec::new(),
            maps: Vec::new(),
            cmdline: Vec::new(),
            environ: Vec::new(),
        }
    }
}

#[derive(Default)]
pub(super) struct Fake {
    /// (pid, tid) of the caller.
    pub current: Mutex<(u32, u32)>,
    pub procs: Mutex<BTreeMap<u32, FakeProc>>,
    pub uts: Mutex<Uts>,
    pub pid_max: Mutex<u32>,
    pub sources: Mutex<BTreeMap<u64, MountSource>>,
    pub uptime_ns: Mutex<u64>,
    pub stat: Mutex<SystemStat>,
    pub mem: Mutex<MemInfo>,
}

impl Fake {
    pub fn set_current(&self, pid: u32, tid: u32) {
        *self.current.lock() = (pid, tid);
    }

    pub fn with<R>(&self, pid: u32, f: impl FnOnce(&mut FakeProc) -> R) -> R {
        f(self.procs.lock().get_mut(&pid).expect("fake process"))
    }
}

impl ProcProvider for Fake {
    fn current_pid(&self) -> u32 {
        self.current.lock().0
    }

    fn current_tid(&self) -> u32 {
        self.current.lock().1
    }

    fn pids(&self) -> Vec<u32> {
        self.procs.lock().keys().rev().copied().collect()
    }

    fn tids(&self, pid: u32) -> Vec<u32> {
        self.procs
            .lock()
            .get(&pid)
            .map(|p| p.threads.keys().copied().collect())
            .unwrap_or_default()
    }

    fn process(&self, pid: u32) -> Option<ProcessInfo> {
        self.procs.lock().get(&pid).map(|p| p.info.clone())
    }

    fn thread(&self, pid: u32, tid: u32) -> Option<ProcessInfo> {
        self.procs.lock().get(&pid)?.threads.get(&tid).cloned()
    }

    fn paths(&self, tid: u32) -> Option<TaskPaths> {
        let procs = self.procs.lock();
        procs
            .values()
            .find(|p| p.threads.contains_key(&tid))
            .and_then(|p| p.paths.clone())
    }

    fn cmdline(&self, pid: u32) -> Vec<u8> {
        self.procs
            .lock()
            .get(&pid)
            .map(|p| p.cmdline.clone())
            .unwrap_or_default()
    }

    fn environ(&self, pid: u32) -> Vec<u8> {
        self.procs
            .lock()
            .get(&pid)
            .map(|p| p.environ.clone())
            .unwrap_or_default()
    }

    fn maps(&self, pid: u32) -> Vec<MapEntry> {
        self.procs
            .lock()
            .get(&pid)
            .map(|p| p.maps.clone())
            .unwrap_or_default()
    }

    fn fds(&self, pid: u32) -> Vec<FdEntry> {
        self.procs
            .lock()
            .get(&pid)
            .map(|p| p.fds.clone())
            .unwrap_or_default()
    }

    fn set_comm(&self, tid: u32, comm: &[u8]) -> SysResult<()> {
        let mut procs = self.procs.lock();
        let p = procs
            .values_mut()
            .find(|p| p.threads.contains_key(&tid))
            .ok_or(Errno::ESRCH)?;
        if let Some(t) = p.threads.get_mut(&tid) {
            t.comm = comm.to_vec();
        }
        if p.info.tid == tid {
            p.info.comm = comm.to_vec();
        }
        Ok(())
    }

    fn mount_source(&self, mount_id: u64) -> Option<MountSource> {
        self.sources.lock().get(&mount_id).cloned()
    }

    fn meminfo(&self) -> MemInfo {
        *self.mem.lock()
    }

    fn system_stat(&self) -> SystemStat {
        self.stat.lock().clone()
    }

    fn uptime_ns(&self) -> u64 {
        *self.uptime_ns.lock()
    }

    fn loadavg(&self) -> LoadAvg {
        LoadAvg {
            avenrun: [1024, 2560, 0],
            running: 1,
            threads: 57,
            last_pid: 99,
        }
    }

    fn cpuinfo(&self) -> Vec<u8> {
        b"processor\t: 0\nvendor_id\t: GenuineIntel\n\n".to_vec()
    }

    fn nr_cpu_ids(&self) -> u32 {
        1
    }

    fn filesystems(&self) -> Vec<FsType> {
        alloc::vec![
            FsType {
                name: b"tmpfs".to_vec(),
                nodev: true
            },
            FsType {
                name: b"ext2".to_vec(),
                nodev: false
            },
            FsType {
                name: b"proc".to_vec(),
                nodev: true
            },
        ]
    }

    fn kernel_cmdline(&self) -> Vec<u8> {
        b"root=/dev/vda rw init=/bin/sh".to_vec()
    }

    fn uts(&self) -> Uts {
        self.uts.lock().clone()
    }

    fn set_hostname(&self, name: &[u8]) -> SysResult<()> {
        self.uts.lock().nodename = name.to_vec();
        Ok(())
    }

    fn set_domainname(&self, name: &[u8]) -> SysResult<()> {
        self.uts.lock().domainname = name.to_vec();
        Ok(())
    }

    fn pid_max(&self) -> u32 {
        *self.pid_max.lock()
    }

    fn set_pid_max(&self, value: u32) -> SysResult<()> {
        *self.pid_max.lock() = value;
        Ok(())
    }

    fn file_max(&self) -> u64 {
        9_223_372_036_854_775_807
    }
}

/// A root filesystem with procfs on /proc and four fake processes:
/// 1 `init` (root), 2 `kthreadd` (kernel thread), 42 `sh` (uid 1000, threads 42 and 43,
/// with descriptors and mappings), 77 `su` (setuid: real uid 1000, effective 0, not dumpable).
pub(super) struct World {
    pub root: Path,
    pub proc_mnt: Path,
    pub fake: Arc<Fake>,
}

pub(super) const SH_START_CODE: u64 = 0x5555_5555_4000;

pub(super) fn sh_info() -> ProcessInfo {
    ProcessInfo {
        tgid: 42,
        tid: 42,
        ppid: 1,
        pgid: 42,
        sid: 1,
        tty_nr: makedev(136, 0) as u32,
        tty_pgrp: 42,
        state: TaskState::Sleeping,
        comm: b"sh".to_vec(),
        flags: 0x0040_0100,
        uid: Ids::all(1000),
        gid: Ids::all(1000),
        groups: alloc::vec![10, 1000],
        num_threads: 2,
        start_time_ns: 5_120_000_000,
        utime_ns: 1_500_000_000,
        stime_ns: 300_000_000,
        cutime_ns: 50_000_000,
        min_flt: 100,
        cmin_flt: 7,
        maj_flt: 2,
        signals: SignalMasks {
            blocked: 1 << 16,
            ignored: 1 << 2,
            caught: 1 << 16 | 1 << 1,
            ..Default::default()
        },
        sigq_limit: 7823,
        mm: Some(MemStats {
            total_vm: 513,
            hiwater_vm: 600,
            rss_anon: 200,
            rss_file: 100,
            data_vm: 50,
            stack_vm: 33,
            exec_vm: 40,
            page_table_bytes: 16384,
            start_code: SH_START_CODE,
            end_code: 0x5555_5556_a123,
            start_data: 0x5555_5556_c000,
            end_data: 0x5555_5556_c2a0,
            start_brk: 0x5555_5556_d000,
            start_stack: 0x7fff_ffff_e000,
            arg_start: 0x7fff_ffff_e100,
            arg_end: 0x7fff_ffff_e110,
            env_start: 0x7fff_ffff_e110,
            env_end: 0x7fff_ffff_e180,
            ..Default::default()
        }),
        voluntary_switches: 10,
        involuntary_switches: 3,
        caps: Capabilities {
            bounding: 0x1ff_ffff_ffff,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn root_info(pid: u32, comm: &[u8]) -> ProcessInfo {
    ProcessInfo {
        tgid: pid,
        tid: pid,
        pgid: pid,
        sid: pid,
        comm: comm.to_vec(),
        mm: Some(MemStats {
            total_vm: 100,
            rss_anon: 10,
            ..Default::default()
        }),
        caps: Capabilities {
            permitted: 0x1ff_ffff_ffff,
            effective: 0x1ff_ffff_ffff,
            bounding: 0x1ff_ffff_ffff,
            ..Default::default()
        },
        ..Default::default()
    }
}

fn map(start: u64, end: u64, perms: &str, offset: u64, backing: MapBacking) -> MapEntry {
    let p = perms.as_bytes();
    MapEntry {
        start,
        end,
        read: p[0] == b'r',
        write: p[1] == b'w',
        exec: p[2] == b'x',
        shared: p[3] == b's',
        offset,
        backing,
        usage: MapUsage {
            rss: (end - start) / 2,
            pss: (end - start) / 2,
            private_clean: (end - start) / 2,
            ..Default::default()
        },
    }
}

pub(super) fn world() -> World {
    let root = new_root();
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    for dir in [&b"/proc"[..], b"/tmp", b"/bin", b"/sbin"] {
        mkdir(&cx, &root, dir, 0o755).unwrap();
    }
    put(&cx, b"/bin/sh", b"#!");
    put(&cx, b"/sbin/init", b"#!");
    let file = put(&cx, b"/tmp/file", b"file data");
    let pipe = open(&cx, &root, b"/tmp/p", O_WRONLY | O_CREAT, 0o600).unwrap();
    let gone = open(&cx, &root, b"/tmp/gone", O_RDWR | O_CREAT, 0o600).unwrap();
    unlink(&cx, &root, b"/tmp/gone").unwrap();

    let fake = Arc::new(Fake::default());
    *fake.pid_max.lock() = 4_194_304;
    *fake.uts.lock() = Uts {
        sysname: b"Linux".to_vec(),
        nodename: b"localhost".to_vec(),
        release: b"6.18.0".to_vec(),
        version: b"#1 SMP PREEMPT_DYNAMIC Thu Jan  1 00:00:00 UTC 2026".to_vec(),
        machine: b"x86_64".to_vec(),
        domainname: b"(none)".to_vec(),
        build: b"(builder@host) (rustc 1.95.0)".to_vec(),
    };
    let target = lookup(&cx, &root, b"/proc", true).unwrap();
    let flags = MNT_NOSUID | MNT_NODEV | MNT_NOEXEC | MNT_RELATIME;
    let proc_mnt = mount(super::new(fake.clone()), &target, flags).unwrap();
    fake.sources.lock().insert(
        root.mnt.id(),
        MountSource {
            source: b"/dev/root".to_vec(),
            options: b"mode=755".to_vec(),
        },
    );
    fake.sources.lock().insert(
        proc_mnt.mnt.id(),
        MountSource {
            source: b"proc".to_vec(),
            options: Vec::new(),
        },
    );

    let at = |p: &[u8]| lookup(&cx, &root, p, true).unwrap();
    let paths = |cwd: &[u8], exe: &[u8]| TaskPaths {
        root: root.clone(),
        cwd: at(cwd),
        exe: Some(at(exe)),
    };

    let mut init = FakeProc::new(root_info(1, b"init"));
    init.paths = Some(paths(b"/", b"/sbin/init"));
    init.cmdline = b"/sbin/init\0".to_vec();
    init.environ = b"HOME=/\0".to_vec();

    let kthreadd = FakeProc::new(ProcessInfo {
        kthread: true,
        mm: None,
        flags: 0x0020_8040,
        ..root_info(2, b"kthreadd")
    });

    let mut sh = FakeProc::new(sh_info());
    sh.threads.insert(
        43,
        ProcessInfo {
            tid: 43,
            comm: b"worker".to_vec(),
            state: TaskState::Running,
            ..sh_info()
        },
    );
    sh.paths = Some(paths(b"/tmp", b"/bin/sh"));
    sh.cmdline = b"sh\0-c\0sleep 1\0".to_vec();
    sh.environ = b"PATH=/bin\0USER=me\0".to_vec();
    sh.fds = alloc::vec![
        FdEntry {
            fd: 0,
            file,
            cloexec: false,
            anon_name: None
        },
        FdEntry {
            fd: 1,
            file: pipe,
            cloexec: false,
            anon_name: Some(b"pipe:[4242]".to_vec())
        },
        FdEntry {
            fd: 3,
            file: gone,
            cloexec: true,
            anon_name: None
        },
    ];
    let sh_path = at(b"/bin/sh");
    sh.maps = alloc::vec![
        map(
            SH_START_CODE,
            0x5555_5556_b000,
            "r-xp",
            0,
            MapBacking::File(sh_path.clone())
        ),
        map(
            0x5555_5556_b000,
            0x5555_5556_d000,
            "rw-p",
            0x16000,
            MapBacking::File(sh_path)
        ),
        map(
            0x5555_5556_d000,
            0x5555_5558_e000,
            "rw-p",
            0,
            MapBacking::Named(b"[heap]".to_vec())
        ),
        map(
            0x7fff_f7ff_e000,
            0x7fff_f7ff_f000,
            "rw-p",
            0x1000,
            MapBacking::Anon
        ),
        map(
            0x7fff_fffd_e000,
            0x7fff_ffff_f000,
            "rw-p",
            0,
            MapBacking::Named(b"[stack]".to_vec())
        ),
        map(
            0xffff_ffff_ff60_0000,
            0xffff_ffff_ff60_1000,
            "--xp",
            0,
            MapBacking::Named(b"[vsyscall]".to_vec())
        ),
    ];

    let mut su = FakeProc::new(ProcessInfo {
        uid: Ids {
            real: 1000,
            effective: 0,
            saved: 0,
            fs: 0,
        },
        gid: Ids::all(1000),
        dumpable: false,
        caps: Capabilities::default(),
        ..root_info(77, b"su")
    });
    su.paths = Some(paths(b"/", b"/bin/sh"));
    su.environ = b"SECRET=1\0".to_vec();

    {
        let mut procs = fake.procs.lock();
        for p in [init, kthreadd, sh, su] {
            procs.insert(p.info.tgid, p);
        }
    }
    World {
        root,
        proc_mnt,
        fake,
    }
}

impl World {
    /// Act as process `pid` (thread `tid`): the fake's caller and the VFS credentials.
    pub fn creds_of(&self, pid: u32, tid: u32) -> Credentials {
        self.fake.set_current(pid, tid);
        let info = self.fake.process(pid).expect("process");
        Credentials {
            uid: info.uid.fs,
            gid: info.gid.fs,
            groups: info.groups,
        }
    }

    pub fn open(&self, creds: &Credentials, path: &[u8], flags: u32) -> SysResult<Arc<OpenFile>> {
        open(&Caller::new(&self.root, creds), &self.root, path, flags, 0)
    }

    pub fn read(&self, creds: &Credentials, path: &[u8]) -> SysResult<Vec<u8>> {
        let f = self.open(creds, path, O_RDONLY)?;
        let mut out = Vec::new();
        let mut buf = [0u8; 1000];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    pub fn text(&self, creds: &Credentials, path: &[u8]) -> alloc::string::String {
        alloc::string::String::from_utf8(self.read(creds, path).unwrap()).unwrap()
    }

    pub fn write(&self, creds: &Credentials, path: &[u8], data: &[u8]) -> SysResult<usize> {
        self.open(creds, path, O_WRONLY | O_TRUNC)?.write(&data)
    }

    pub fn readlink(&self, creds: &Credentials, path: &[u8]) -> SysResult<Vec<u8>> {
        readlink(&Caller::new(&self.root, creds), &self.root, path)
    }

    pub fn stat(&self, creds: &Credentials, path: &[u8]) -> SysResult<Metadata> {
        lookup(&Caller::new(&self.root, creds), &self.root, path, false).map(|p| p.metadata())
    }

    /// Directory entries (name, inode number, type), read `batch` at a time.
    pub fn list(&self, creds: &Credentials, path: &[u8], batch: usize) -> Vec<(Vec<u8>, u64, u8)> {
        let f = self.open(creds, path, O_RDONLY | O_DIRECTORY).unwrap();
        let mut all = Vec::new();
        loop {
            let mut e = Entries {
                limit: Some(batch),
                ..Default::default()
            };
            f.getdents(&mut e).unwrap();
            if e.items.is_empty() {
                return all;
            }
            all.extend(e.items.into_iter().map(|(n, ino, _, t)| (n, ino, t)));
        }
    }

    pub fn names(&self, creds: &Credentials, path: &[u8]) -> Vec<alloc::string::String> {
        self.list(creds, path, 1000)
            .into_iter()
            .map(|(n, ..)| alloc::string::String::from_utf8(n).unwrap())
            .collect()
    }
}
