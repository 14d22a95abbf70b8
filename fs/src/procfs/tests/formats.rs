//! File contents against Linux's exact layout.

use alloc::string::String;
use alloc::vec::Vec;

use super::*;

#[test]
fn pid_stat_line_has_linux_layout() {
    let w = world();
    let me = w.creds_of(42, 42);
    let line = w.text(&me, b"/proc/42/stat");
    assert_eq!(
        line,
        "42 (sh) S 1 42 1 34816 42 4194560 100 7 2 0 150 30 5 0 20 0 2 0 512 2101248 300 \
         18446744073709551615 93824992231424 93824992321827 140737488347136 0 0 0 65536 4 65538 \
         0 0 0 17 0 0 0 0 0 0 93824992329728 93824992330400 93824992333824 140737488347392 \
         140737488347408 140737488347408 140737488347520 0\n"
    );
    assert_eq!(line.split_whitespace().count(), 52);
    // Through `self`, and for a thread (its own state and name; wchan shown as it is alone).
    assert_eq!(w.text(&me, b"/proc/self/stat"), line);
    let thread = w.text(&me, b"/proc/42/task/43/stat");
    assert!(thread.starts_with("43 (worker) R 1 42 1 "), "{thread}");
    let fields: Vec<&str> = thread.split(' ').collect();
    assert_eq!(fields[34], "0", "a running thread has no wchan");
}

#[test]
fn stat_hides_addresses_from_readers_without_ptrace_access() {
    let w = world();
    let me = w.creds_of(42, 42);
    let line = w.text(&me, b"/proc/77/stat");
    let f: Vec<&str> = line.trim_end().split(' ').collect();
    assert_eq!(f.len(), 52);
    assert_eq!(
        &f[25..28],
        ["1", "1", "0"],
        "start_code end_code start_stack"
    );
    assert!(f[44..].iter().all(|v| *v == "0"), "{line}");
    // Root may see them.
    let root = w.creds_of(1, 1);
    let line = w.text(&root, b"/proc/42/stat");
    assert!(line.contains(" 93824992231424 93824992321827 "));
}

#[test]
fn status_lines_in_linux_order_and_spacing() {
    let w = world();
    let me = w.creds_of(42, 42);
    let expected = concat!(
        "Name:\tsh\n",
        "Umask:\t0022\n",
        "State:\tS (sleeping)\n",
        "Tgid:\t42\n",
        "Ngid:\t0\n",
        "Pid:\t42\n",
        "PPid:\t1\n",
        "TracerPid:\t0\n",
        "Uid:\t1000\t1000\t1000\t1000\n",
        "Gid:\t1000\t1000\t1000\t1000\n",
        "FDSize:\t64\n",
        "Groups:\t10 1000 \n",
        "NStgid:\t42\n",
        "NSpid:\t42\n",
        "NSpgid:\t42\n",
        "NSsid:\t1\n",
        "Kthread:\t0\n",
        "VmPeak:\t    2400 kB\n",
        "VmSize:\t    2052 kB\n",
        "VmLck:\t       0 kB\n",
        "VmPin:\t       0 kB\n",
        "VmHWM:\t    1200 kB\n",
        "VmRSS:\t    1200 kB\n",
        "RssAnon:\t     800 kB\n",
        "RssFile:\t     400 kB\n",
        "RssShmem:\t       0 kB\n",
        "VmData:\t     200 kB\n",
        "VmStk:\t     132 kB\n",
        "VmExe:\t      92 kB\n",
        "VmLib:\t      68 kB\n",
        "VmPTE:\t      16 kB\n",
        "VmSwap:\t       0 kB\n",
        "CoreDumping:\t0\n",
        "THP_enabled:\t0\n",
        "untag_mask:\t0xffffffffffffffff\n",
        "Threads:\t2\n",
        "SigQ:\t0/7823\n",
        "SigPnd:\t0000000000000000\n",
        "ShdPnd:\t0000000000000000\n",
        "SigBlk:\t0000000000010000\n",
        "SigIgn:\t0000000000000004\n",
        "SigCgt:\t0000000000010002\n",
        "CapInh:\t0000000000000000\n",
        "CapPrm:\t0000000000000000\n",
        "CapEff:\t0000000000000000\n",
        "CapBnd:\t000001ffffffffff\n",
        "CapAmb:\t0000000000000000\n",
        "NoNewPrivs:\t0\n",
        "Seccomp:\t0\n",
        "Seccomp_filters:\t0\n",
        "Speculation_Store_Bypass:\tunknown\n",
        "SpeculationIndirectBranch:\tunsupported\n",
        "Cpus_allowed:\t1\n",
        "Cpus_allowed_list:\t0\n",
        "voluntary_ctxt_switches:\t10\n",
        "nonvoluntary_ctxt_switches:\t3\n",
        "x86_Thread_features:\t\n",
        "x86_Thread_features_locked:\t\n",
    );
    assert_eq!(w.text(&me, b"/proc/42/status"), expected);
    let thread = w.text(&me, b"/proc/42/task/43/status");
    assert!(thread.starts_with("Name:\tworker\nUmask:\t0022\nState:\tR (running)\nTgid:\t42\n"));
    assert!(thread.contains("\nPid:\t43\n"));
    // A zombie has no filesystem context and no memory.
    w.fake.with(42, |p| {
        p.info.state = TaskState::Zombie;
        p.info.umask = None;
        p.info.mm = None;
    });
    let zombie = w.text(&me, b"/proc/42/status");
    assert!(zombie.starts_with("Name:\tsh\nState:\tZ (zombie)\nTgid:\t42\n"), "{zombie}");
    assert!(zombie.contains("\nKthread:\t0\nThreads:\t2\n"));
}

#[test]
fn kernel_thread_has_no_memory_lines() {
    let w = world();
    let root = w.creds_of(1, 1);
    let status = w.text(&root, b"/proc/2/status");
    assert!(status.contains("\nKthread:\t1\nThreads:\t1\n"), "{status}");
    assert!(!status.contains("Vm"));
    assert_eq!(w.text(&root, b"/proc/2/statm"), "0 0 0 0 0 0 0\n");
    let stat = w.text(&root, b"/proc/2/stat");
    assert!(
        stat.starts_with("2 (kthreadd) R 0 2 2 0 -1 2129984 "),
        "{stat}"
    );
}

#[test]
fn names_are_escaped_in_status_but_not_in_stat() {
    let w = world();
    w.fake.with(42, |p| p.info.comm = b"a b\\c\nd)".to_vec());
    let me = w.creds_of(42, 42);
    assert!(
        w.text(&me, b"/proc/42/status")
            .starts_with("Name:\ta b\\\\c\\nd)\n")
    );
    assert!(
        w.text(&me, b"/proc/42/stat")
            .starts_with("42 (a b\\c\nd)) S ")
    );
    assert_eq!(w.text(&me, b"/proc/42/comm"), "a b\\c\nd)\n");
}

#[test]
fn statm_counts_pages() {
    let w = world();
    let me = w.creds_of(42, 42);
    assert_eq!(w.text(&me, b"/proc/42/statm"), "513 300 100 23 0 83 0\n");
}

#[test]
fn meminfo_alignment() {
    let w = world();
    *w.fake.mem.lock() = MemInfo {
        total: 2_014_976,
        free: 1_800_000,
        available: 1_900_000,
        cached: 50_000,
        active_anon: 1000,
        inactive_anon: 2000,
        active_file: 3000,
        inactive_file: 4000,
        shmem: 48,
        kreclaimable: 500,
        slab_reclaimable: 500,
        slab_unreclaimable: 1500,
        kernel_stack: 64,
        page_tables: 120,
        commit_limit: 1_007_488,
        committed_as: 12_000,
        vmalloc_total: 34_359_738_367,
        direct_map_4k: 12_288,
        direct_map_2m: 2_084_864,
        ..Default::default()
    };
    let root = w.creds_of(1, 1);
    let expected = concat!(
        "MemTotal:        2014976 kB\n",
        "MemFree:         1800000 kB\n",
        "MemAvailable:    1900000 kB\n",
        "Buffers:               0 kB\n",
        "Cached:            50000 kB\n",
        "SwapCached:            0 kB\n",
        "Active:             4000 kB\n",
        "Inactive:           6000 kB\n",
        "Active(anon):       1000 kB\n",
        "Inactive(anon):     2000 kB\n",
        "Active(file):       3000 kB\n",
        "Inactive(file):     4000 kB\n",
        "Unevictable:           0 kB\n",
        "Mlocked:               0 kB\n",
        "SwapTotal:             0 kB\n",
        "SwapFree:              0 kB\n",
        "Dirty:                 0 kB\n",
        "Writeback:             0 kB\n",
        "AnonPages:             0 kB\n",
        "Mapped:                0 kB\n",
        "Shmem:                48 kB\n",
        "KReclaimable:        500 kB\n",
        "Slab:               2000 kB\n",
        "SReclaimable:        500 kB\n",
        "SUnreclaim:         1500 kB\n",
        "KernelStack:          64 kB\n",
        "PageTables:          120 kB\n",
        "SecPageTables:         0 kB\n",
        "NFS_Unstable:          0 kB\n",
        "Bounce:                0 kB\n",
        "WritebackTmp:          0 kB\n",
        "CommitLimit:     1007488 kB\n",
        "Committed_AS:      12000 kB\n",
        "VmallocTotal:   34359738367 kB\n",
        "VmallocUsed:           0 kB\n",
        "VmallocChunk:          0 kB\n",
        "Percpu:                0 kB\n",
        "HardwareCorrupted:     0 kB\n",
        "Balloon:               0 kB\n",
        "DirectMap4k:       12288 kB\n",
        "DirectMap2M:     2084864 kB\n",
    );
    assert_eq!(w.text(&root, b"/proc/meminfo"), expected);
}

fn two_cpus() -> SystemStat {
    SystemStat {
        cpus: alloc::vec![
            CpuTimes {
                user: 1_000_000_000,
                system: 500_000_000,
                idle: 3_050_000_000,
                irq: 10_000_000,
                softirq: 5_000_000,
                ..Default::default()
            },
            CpuTimes {
                user: 1_005_000_000,
                idle: 1_000_000_000,
                softirq: 5_000_000,
                ..Default::default()
            },
        ],
        intr_total: 1234,
        irqs: alloc::vec![12, 0, 0, 7],
        softirqs: [0, 10, 0, 0, 0, 0, 0, 0, 20, 0],
        context_switches: 5678,
        boot_time: 1_700_000_000,
        processes: 99,
        procs_running: 1,
        procs_blocked: 0,
    }
}

#[test]
fn system_stat_sums_nanoseconds_before_converting() {
    let w = world();
    *w.fake.stat.lock() = two_cpus();
    let root = w.creds_of(1, 1);
    assert_eq!(
        w.text(&root, b"/proc/stat"),
        concat!(
            "cpu  200 0 50 405 0 1 1 0 0 0\n",
            "cpu0 100 0 50 305 0 1 0 0 0 0\n",
            "cpu1 100 0 0 100 0 0 0 0 0 0\n",
            "intr 1234 12 0 0 7\n",
            "ctxt 5678\n",
            "btime 1700000000\n",
            "processes 99\n",
            "procs_running 1\n",
            "procs_blocked 0\n",
            "softirq 30 0 10 0 0 0 0 0 0 20 0\n",
        )
    );
}

#[test]
fn uptime_loadavg_and_fixed_texts() {
    let w = world();
    *w.fake.stat.lock() = two_cpus();
    *w.fake.uptime_ns.lock() = 12_345_678_901;
    let root = w.creds_of(1, 1);
    assert_eq!(w.text(&root, b"/proc/uptime"), "12.34 4.05\n");
    *w.fake.uptime_ns.lock() = 3_000_000_000;
    assert_eq!(w.text(&root, b"/proc/uptime"), "3.00 4.05\n");
    assert_eq!(w.text(&root, b"/proc/loadavg"), "0.50 1.25 0.00 1/57 99\n");
    assert_eq!(
        w.text(&root, b"/proc/version"),
        "Linux version 6.18.0 (builder@host) (rustc 1.95.0) #1 SMP PREEMPT_DYNAMIC Thu Jan  1 \
         00:00:00 UTC 2026\n"
    );
    assert_eq!(
        w.text(&root, b"/proc/cmdline"),
        "root=/dev/vda rw init=/bin/sh\n"
    );
    assert_eq!(
        w.text(&root, b"/proc/filesystems"),
        "nodev\ttmpfs\n\text2\nnodev\tproc\n"
    );
    assert_eq!(
        w.text(&root, b"/proc/swaps"),
        "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
    );
    assert_eq!(
        w.text(&root, b"/proc/cpuinfo"),
        "processor\t: 0\nvendor_id\t: GenuineIntel\n\n"
    );
}

#[test]
fn maps_lines_pad_names_to_column_73() {
    let w = world();
    let me = w.creds_of(42, 42);
    let text = w.text(&me, b"/proc/42/maps");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 6);
    let sh = w.stat(&me, b"/bin/sh").unwrap();
    let file_prefix = alloc::format!(
        "555555554000-55555556b000 r-xp 00000000 {:02x}:{:02x} {} ",
        major(sh.dev),
        minor(sh.dev),
        sh.ino
    );
    assert_eq!(lines[0], alloc::format!("{file_prefix:<72} /bin/sh\n"));
    assert_eq!(lines[0].find("/bin/sh"), Some(73));
    assert!(lines[1].starts_with("55555556b000-55555556d000 rw-p 00016000 "));
    assert_eq!(
        lines[2],
        "55555556d000-55555558e000 rw-p 00000000 00:00 0                          [heap]\n"
    );
    // An unnamed mapping ends right after the inode, its separating space kept; anonymous
    // memory shows offset 0 whatever the kernel's pgoff.
    assert_eq!(
        lines[3],
        "7ffff7ffe000-7ffff7fff000 rw-p 00000000 00:00 0 \n"
    );
    assert_eq!(
        lines[4],
        "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]\n"
    );
    assert_eq!(
        lines[5],
        "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n"
    );
}

#[test]
fn maps_escape_newlines_and_mark_deleted_files() {
    let w = world();
    let root = w.creds_of(1, 1);
    let cx = Caller::new(&w.root, &root);
    put(&cx, b"/tmp/odd\nname", b"x");
    let odd = lookup(&cx, &w.root, b"/tmp/odd\nname", true).unwrap();
    unlink(&cx, &w.root, b"/tmp/odd\nname").unwrap();
    w.fake.with(42, |p| {
        p.maps = alloc::vec![super::map(
            0x1000,
            0x2000,
            "r--s",
            0x3000,
            MapBacking::File(odd)
        )]
    });
    let text = w.text(&root, b"/proc/42/maps");
    assert!(
        text.starts_with("00001000-00002000 r--s 00003000 "),
        "{text}"
    );
    assert!(text.ends_with(" /tmp/odd\\012name (deleted)\n"), "{text}");
}

#[test]
fn smaps_rollup_sums_the_process_mappings() {
    let w = world();
    let me = w.creds_of(42, 42);
    let expected = concat!(
        "555555554000-7ffffffff000 ---p 00000000 00:00 0                          [rollup]\n",
        "Rss:                 184 kB\n",
        "Pss:                 184 kB\n",
        "Pss_Dirty:             0 kB\n",
        "Pss_Anon:              0 kB\n",
        "Pss_File:              0 kB\n",
        "Pss_Shmem:             0 kB\n",
        "Shared_Clean:          0 kB\n",
        "Shared_Dirty:          0 kB\n",
        "Private_Clean:       184 kB\n",
        "Private_Dirty:         0 kB\n",
        "Referenced:            0 kB\n",
        "Anonymous:             0 kB\n",
        "KSM:                   0 kB\n",
        "LazyFree:              0 kB\n",
        "AnonHugePages:         0 kB\n",
        "ShmemPmdMapped:        0 kB\n",
        "FilePmdMapped:         0 kB\n",
        "Shared_Hugetlb:        0 kB\n",
        "Private_Hugetlb:       0 kB\n",
        "Swap:                  0 kB\n",
        "SwapPss:               0 kB\n",
        "Locked:                0 kB\n",
    );
    assert_eq!(w.text(&me, b"/proc/42/smaps_rollup"), expected);
    w.fake.with(42, |p| p.maps.clear());
    assert!(
        w.text(&me, b"/proc/42/smaps_rollup")
            .starts_with("00000000-00000000 ---p 00000000 00:00 0 ")
    );
}

#[test]
fn mountinfo_and_mounts_lines() {
    let w = world();
    let me = w.creds_of(42, 42);
    let (rid, pid) = (w.root.mnt.id(), w.proc_mnt.mnt.id());
    let (rdev, pdev) = (w.root.metadata().dev, w.proc_mnt.metadata().dev);
    assert_eq!(
        w.text(&me, b"/proc/self/mountinfo"),
        alloc::format!(
            "{rid} {rid} {}:{} / / rw - tmpfs /dev/root rw,mode=755\n\
             {pid} {rid} {}:{} / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n",
            major(rdev),
            minor(rdev),
            major(pdev),
            minor(pdev)
        )
    );
    let mounts =
        "/dev/root / tmpfs rw,mode=755 0 0\nproc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n";
    assert_eq!(w.text(&me, b"/proc/42/mounts"), mounts);
    assert_eq!(w.text(&me, b"/proc/mounts"), mounts);
}

#[test]
fn mounts_are_seen_from_the_process_root() {
    let w = world();
    let root = w.creds_of(1, 1);
    let cx = Caller::new(&w.root, &root);
    mkdir(&cx, &w.root, b"/tmp/my dir", 0o755).unwrap();
    let target = lookup(&cx, &w.root, b"/tmp/my dir", true).unwrap();
    let sub = mount(
        crate::tmpfs::new(crate::tmpfs::TmpfsOptions::default()),
        &target,
        crate::vfs::mount::MNT_RDONLY,
    )
    .unwrap();
    // A chrooted shell: mounts outside /tmp disappear, the one inside is shown from there.
    let tmp = lookup(&cx, &w.root, b"/tmp", true).unwrap();
    w.fake.with(42, |p| {
        if let Some(paths) = &mut p.paths {
            paths.root = tmp.clone();
        }
    });
    assert_eq!(
        w.text(&root, b"/proc/42/mounts"),
        "none /my\\040dir tmpfs ro 0 0\n"
    );
    let info = w.text(&root, b"/proc/42/mountinfo");
    let expected_tail = alloc::format!(
        " {} {}:{} / /my\\040dir ro - tmpfs none rw\n",
        w.root.mnt.id(),
        major(sub.metadata().dev),
        minor(sub.metadata().dev)
    );
    assert!(info.starts_with(&alloc::format!("{}", sub.mnt.id())));
    assert!(info.ends_with(&expected_tail), "{info}");
    assert_eq!(info.lines().count(), 1);
}

#[test]
fn fdinfo_shows_position_flags_mount_and_inode() {
    let w = world();
    let me = w.creds_of(42, 42);
    let gone = w.fake.fds(42).into_iter().find(|e| e.fd == 3).unwrap().file;
    gone.write(b"12345").unwrap();
    assert_eq!(
        w.text(&me, b"/proc/42/fdinfo/3"),
        alloc::format!(
            "pos:\t5\nflags:\t02100002\nmnt_id:\t{}\nino:\t{}\n",
            w.root.mnt.id(),
            gone.metadata().ino
        )
    );
    assert!(
        w.text(&me, b"/proc/42/fdinfo/1")
            .starts_with("pos:\t0\nflags:\t0100001\n")
    );
}

#[test]
fn cmdline_environ_comm() {
    let w = world();
    let me = w.creds_of(42, 42);
    assert_eq!(
        w.read(&me, b"/proc/42/cmdline").unwrap(),
        b"sh\0-c\0sleep 1\0"
    );
    assert_eq!(
        w.read(&me, b"/proc/42/environ").unwrap(),
        b"PATH=/bin\0USER=me\0"
    );
    assert_eq!(w.text(&me, b"/proc/42/comm"), "sh\n");
    assert_eq!(w.text(&me, b"/proc/42/task/43/comm"), "worker\n");
    assert_eq!(w.read(&me, b"/proc/2/cmdline").unwrap(), b"");
}

#[test]
fn sysctl_values_end_in_newline() {
    let w = world();
    let me = w.creds_of(42, 42);
    let read = |p: &[u8]| String::from_utf8(w.read(&me, p).unwrap()).unwrap();
    assert_eq!(read(b"/proc/sys/kernel/hostname"), "localhost\n");
    assert_eq!(read(b"/proc/sys/kernel/ostype"), "Linux\n");
    assert_eq!(read(b"/proc/sys/kernel/osrelease"), "6.18.0\n");
    assert_eq!(read(b"/proc/sys/kernel/domainname"), "(none)\n");
    assert_eq!(read(b"/proc/sys/kernel/pid_max"), "4194304\n");
    assert_eq!(read(b"/proc/sys/fs/file-max"), "9223372036854775807\n");
    assert!(read(b"/proc/sys/kernel/version").starts_with("#1 SMP"));
}
