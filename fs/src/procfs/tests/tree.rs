//! Directory listings, inode numbers, links, permissions and writes.

use alloc::string::String;
use alloc::vec::Vec;

use super::*;

const ROOT_LISTING: [&str; 15] = [
    ".",
    "..",
    "sys",
    "stat",
    "swaps",
    "mounts",
    "uptime",
    "cmdline",
    "cpuinfo",
    "loadavg",
    "meminfo",
    "version",
    "filesystems",
    "self",
    "thread-self",
];

#[test]
fn root_lists_fixed_entries_then_processes() {
    let w = world();
    let me = w.creds_of(42, 42);
    let mut expected: Vec<String> = ROOT_LISTING.iter().map(|s| String::from(*s)).collect();
    expected.extend(["1", "2", "42", "77"].map(String::from));
    assert_eq!(w.names(&me, b"/proc"), expected);
    for batch in [1, 2, 5] {
        let names: Vec<Vec<u8>> = w
            .list(&me, b"/proc", batch)
            .into_iter()
            .map(|e| e.0)
            .collect();
        assert_eq!(names.len(), expected.len(), "batch {batch}");
    }
    let entries = w.list(&me, b"/proc", 100);
    let dt = |name: &str| entries.iter().find(|e| e.0 == name.as_bytes()).unwrap().2;
    assert_eq!(dt("sys"), FileType::Directory.dirent_type());
    assert_eq!(dt("mounts"), FileType::Symlink.dirent_type());
    assert_eq!(dt("self"), FileType::Symlink.dirent_type());
    assert_eq!(dt("meminfo"), FileType::Regular.dirent_type());
    assert_eq!(dt("42"), FileType::Directory.dirent_type());
}

#[test]
fn root_positions_survive_processes_coming_and_going() {
    let w = world();
    let me = w.creds_of(42, 42);
    let dir = w.open(&me, b"/proc", O_RDONLY | O_DIRECTORY).unwrap();
    let mut first = Entries {
        limit: Some(16),
        ..Default::default()
    };
    dir.getdents(&mut first).unwrap();
    assert_eq!(first.names().last().copied(), Some(&b"1"[..]));
    // Process 2 exits, 50 starts, 10 starts (below the position reached: not shown).
    let mut p50 = w.fake.procs.lock().get(&77).unwrap().clone();
    p50.info.tgid = 50;
    let mut p10 = p50.clone();
    p10.info.tgid = 10;
    {
        let mut procs = w.fake.procs.lock();
        procs.remove(&2);
        procs.insert(50, p50);
        procs.insert(10, p10);
    }
    let mut rest = Entries::default();
    dir.getdents(&mut rest).unwrap();
    assert_eq!(rest.names(), [&b"10"[..], b"42", b"50", b"77"]);
    // The position is a cookie: lseek back to a saved one resumes there.
    let (_, _, next_after_sys, _) = first.items[2].clone();
    dir.lseek(next_after_sys as i64, SEEK_SET).unwrap();
    let mut again = Entries {
        limit: Some(1),
        ..Default::default()
    };
    dir.getdents(&mut again).unwrap();
    assert_eq!(again.names(), [&b"stat"[..]]);
}

#[test]
fn pid_directory_lists_linux_entries_with_matching_inodes() {
    let w = world();
    let me = w.creds_of(42, 42);
    let entries = w.list(&me, b"/proc/42", 3);
    let names: Vec<&[u8]> = entries.iter().map(|e| &e.0[..]).collect();
    assert_eq!(
        names,
        [
            &b"."[..],
            b"..",
            b"task",
            b"fd",
            b"fdinfo",
            b"environ",
            b"status",
            b"comm",
            b"cmdline",
            b"stat",
            b"statm",
            b"maps",
            b"cwd",
            b"root",
            b"exe",
            b"mounts",
            b"mountinfo",
            b"smaps_rollup"
        ]
    );
    for (name, ino, dtype) in &entries[2..] {
        let mut path = b"/proc/42/".to_vec();
        path.extend_from_slice(name);
        let meta = w.stat(&me, &path).unwrap();
        assert_eq!(meta.ino, *ino, "{}", String::from_utf8_lossy(name));
        assert_eq!(meta.file_type().unwrap().dirent_type(), *dtype);
    }
    assert_eq!(entries[0].1, w.stat(&me, b"/proc/42").unwrap().ino);
    assert_eq!(entries[1].1, w.stat(&me, b"/proc").unwrap().ino);
    // A thread directory: the same without `task`, its ".." the task directory.
    let thread = w.list(&me, b"/proc/42/task/43", 100);
    assert_eq!(thread.len(), entries.len() - 1);
    assert_eq!(thread[2].0, b"fd");
    assert_eq!(thread[1].1, w.stat(&me, b"/proc/42/task").unwrap().ino);
    assert_eq!(w.names(&me, b"/proc/42/task"), [".", "..", "42", "43"]);
    assert_eq!(w.names(&me, b"/proc/42/fd"), [".", "..", "0", "1", "3"]);
    assert_eq!(w.names(&me, b"/proc/42/fdinfo"), [".", "..", "0", "1", "3"]);
    assert_eq!(w.names(&me, b"/proc/sys"), [".", "..", "fs", "kernel"]);
    assert_eq!(
        w.names(&me, b"/proc/sys/kernel"),
        [
            ".",
            "..",
            "domainname",
            "hostname",
            "osrelease",
            "ostype",
            "pid_max",
            "version"
        ]
    );
}

#[test]
fn inode_numbers_are_stable_and_distinct() {
    let w = world();
    let me = w.creds_of(42, 42);
    let paths: [&[u8]; 9] = [
        b"/proc",
        b"/proc/42",
        b"/proc/42/status",
        b"/proc/42/task/42/status",
        b"/proc/42/task/43/status",
        b"/proc/1/status",
        b"/proc/42/fd/3",
        b"/proc/42/fdinfo/3",
        b"/proc/meminfo",
    ];
    let inos: Vec<u64> = paths.iter().map(|p| w.stat(&me, p).unwrap().ino).collect();
    let mut unique = inos.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), inos.len(), "{inos:?}");
    assert_eq!(inos[0], 1);
    // Fresh lookups (no dentry kept) give the same numbers.
    let again: Vec<u64> = paths.iter().map(|p| w.stat(&me, p).unwrap().ino).collect();
    assert_eq!(inos, again);
    let st = w.stat(&me, b"/proc/42/status").unwrap();
    assert_eq!(st.dev, w.proc_mnt.metadata().dev);
    assert_eq!((st.size, st.nlink), (0, 1));
    assert_eq!(w.stat(&me, b"/proc/42").unwrap().nlink, 5);
    assert_eq!(w.stat(&me, b"/proc/42/task").unwrap().nlink, 4);
}

#[test]
fn self_and_thread_self_follow_the_caller() {
    let w = world();
    let me = w.creds_of(42, 43);
    assert_eq!(w.readlink(&me, b"/proc/self").unwrap(), b"42");
    assert_eq!(
        w.readlink(&me, b"/proc/thread-self").unwrap(),
        b"42/task/43"
    );
    assert_eq!(w.text(&me, b"/proc/thread-self/comm"), "worker\n");
    assert_eq!(w.readlink(&me, b"/proc/mounts").unwrap(), b"self/mounts");
    let root = w.creds_of(1, 1);
    assert_eq!(w.readlink(&root, b"/proc/self").unwrap(), b"1");
    assert_eq!(w.text(&root, b"/proc/self/comm"), "init\n");
    w.fake.set_current(0, 0);
    assert_eq!(w.readlink(&root, b"/proc/self"), Err(Errno::ENOENT));
    let link = w.stat(&root, b"/proc/self").unwrap();
    assert_eq!((link.mode, link.uid), (S_IFLNK | 0o777, 0));
}

#[test]
fn magic_links_show_and_lead_to_the_files() {
    let w = world();
    let me = w.creds_of(42, 42);
    assert_eq!(w.readlink(&me, b"/proc/self/exe").unwrap(), b"/bin/sh");
    assert_eq!(w.readlink(&me, b"/proc/42/cwd").unwrap(), b"/tmp");
    assert_eq!(w.readlink(&me, b"/proc/42/root").unwrap(), b"/");
    assert_eq!(w.readlink(&me, b"/proc/42/fd/0").unwrap(), b"/tmp/file");
    assert_eq!(w.readlink(&me, b"/proc/42/fd/1").unwrap(), b"pipe:[4242]");
    assert_eq!(
        w.readlink(&me, b"/proc/42/fd/3").unwrap(),
        b"/tmp/gone (deleted)"
    );
    assert_eq!(w.readlink(&me, b"/proc/42/fd/2"), Err(Errno::ENOENT));
    // A kernel thread has no executable; only those allowed to look learn that.
    assert_eq!(w.readlink(&me, b"/proc/2/exe"), Err(Errno::EACCES));
    let root = w.creds_of(1, 1);
    assert_eq!(w.readlink(&root, b"/proc/2/exe"), Err(Errno::ENOENT));
    let me = w.creds_of(42, 42);
    // Following them jumps to the location itself, even to an unlinked file.
    assert_eq!(w.read(&me, b"/proc/self/fd/0").unwrap(), b"file data");
    // The file's own permissions still apply (it is root's, mode 0600).
    assert_eq!(
        w.open(&me, b"/proc/42/fd/3", O_RDONLY).err(),
        Some(Errno::EACCES)
    );
    let root = w.creds_of(1, 1);
    let gone = w.open(&root, b"/proc/42/fd/3", O_RDONLY).unwrap();
    let held = w.fake.fds(42).into_iter().find(|e| e.fd == 3).unwrap().file;
    assert!(same_inode(gone.inode(), held.inode()));
    let me = w.creds_of(42, 42);
    let cx = Caller::new(&w.root, &me);
    let tmp = lookup(&cx, &w.root, b"/tmp", true).unwrap();
    assert_eq!(lookup(&cx, &w.root, b"/proc/42/cwd", true).unwrap(), tmp);
    assert_eq!(
        lookup(&cx, &w.root, b"/proc/42/cwd/file", true)
            .unwrap()
            .metadata()
            .size,
        9
    );
    assert_eq!(w.read(&me, b"/proc/self/exe").unwrap(), b"#!");
    // Paths are shown from the reader's root.
    let tmp_root = tmp.clone();
    w.fake.with(42, |p| {
        if let Some(paths) = &mut p.paths {
            paths.root = tmp_root;
        }
    });
    assert_eq!(w.readlink(&me, b"/proc/42/fd/0").unwrap(), b"/file");
    assert_eq!(w.readlink(&me, b"/proc/42/cwd").unwrap(), b"/");
}

#[test]
fn modes_and_owners_follow_the_process() {
    let w = world();
    let root = w.creds_of(1, 1);
    let st = |p: &[u8]| {
        let m = w.stat(&root, p).unwrap();
        (m.mode, m.uid, m.gid)
    };
    assert_eq!(st(b"/proc"), (S_IFDIR | 0o555, 0, 0));
    assert_eq!(st(b"/proc/42"), (S_IFDIR | 0o555, 1000, 1000));
    assert_eq!(st(b"/proc/42/environ"), (S_IFREG | 0o400, 1000, 1000));
    assert_eq!(st(b"/proc/42/comm"), (S_IFREG | 0o644, 1000, 1000));
    assert_eq!(st(b"/proc/42/fd"), (S_IFDIR | 0o500, 1000, 1000));
    assert_eq!(st(b"/proc/42/fdinfo"), (S_IFDIR | 0o555, 1000, 1000));
    assert_eq!(st(b"/proc/42/exe"), (S_IFLNK | 0o777, 1000, 1000));
    assert_eq!(st(b"/proc/42/fd/0"), (S_IFLNK | 0o700, 1000, 1000));
    assert_eq!(st(b"/proc/42/fd/1"), (S_IFLNK | 0o300, 1000, 1000));
    assert_eq!(st(b"/proc/42/fdinfo/1"), (S_IFREG | 0o444, 1000, 1000));
    assert_eq!(w.stat(&root, b"/proc/42/fd/1").unwrap().size, 64);
    // Not dumpable: the directory keeps the effective ids, the rest is root's.
    assert_eq!(st(b"/proc/77"), (S_IFDIR | 0o555, 0, 1000));
    assert_eq!(st(b"/proc/77/status"), (S_IFREG | 0o444, 0, 0));
    assert_eq!(st(b"/proc/2/status"), (S_IFREG | 0o444, 0, 0));
    assert_eq!(st(b"/proc/sys/kernel/hostname"), (S_IFREG | 0o644, 0, 0));
    assert_eq!(st(b"/proc/sys/kernel/ostype"), (S_IFREG | 0o444, 0, 0));
    assert_eq!(st(b"/proc/meminfo"), (S_IFREG | 0o444, 0, 0));
    w.fake.with(42, |p| p.info.dumpable = false);
    assert_eq!(st(b"/proc/42/status"), (S_IFREG | 0o444, 0, 0));
    assert_eq!(st(b"/proc/42"), (S_IFDIR | 0o555, 1000, 1000));
}

#[test]
fn other_users_cannot_look_into_a_process() {
    let w = world();
    let me = w.creds_of(42, 42);
    // Root's init: environ and fd are the owner's, links need ptrace access.
    assert_eq!(w.read(&me, b"/proc/1/environ"), Err(Errno::EACCES));
    assert_eq!(
        w.open(&me, b"/proc/1/fd", O_RDONLY | O_DIRECTORY).err(),
        Some(Errno::EACCES)
    );
    assert_eq!(w.readlink(&me, b"/proc/1/exe"), Err(Errno::EACCES));
    assert_eq!(w.readlink(&me, b"/proc/1/cwd"), Err(Errno::EACCES));
    assert_eq!(w.read(&me, b"/proc/1/maps"), Err(Errno::EACCES));
    assert_eq!(w.read(&me, b"/proc/1/smaps_rollup"), Err(Errno::EACCES));
    assert_eq!(
        w.open(&me, b"/proc/1/fdinfo", O_RDONLY | O_DIRECTORY).err(),
        Some(Errno::EACCES)
    );
    // World-readable files are readable.
    assert!(w.text(&me, b"/proc/1/status").starts_with("Name:\tinit\n"));
    assert_eq!(w.read(&me, b"/proc/1/cmdline").unwrap(), b"/sbin/init\0");
    // The setuid process runs as root and is not dumpable: its own user cannot peek either.
    assert_eq!(w.read(&me, b"/proc/77/maps"), Err(Errno::EACCES));
    assert_eq!(w.read(&me, b"/proc/77/environ"), Err(Errno::EACCES));
    assert_eq!(w.readlink(&me, b"/proc/77/exe"), Err(Errno::EACCES));
    // A process may always look at itself.
    assert!(w.read(&me, b"/proc/42/environ").is_ok());
    assert!(w.read(&me, b"/proc/self/fdinfo/0").is_ok());
    // Root may look anywhere.
    let root = w.creds_of(1, 1);
    assert_eq!(w.read(&root, b"/proc/77/environ").unwrap(), b"SECRET=1\0");
    assert!(w.read(&root, b"/proc/77/maps").is_ok());
    assert_eq!(w.readlink(&root, b"/proc/42/fd/0").unwrap(), b"/tmp/file");
    assert_eq!(w.names(&root, b"/proc/42/fdinfo").len(), 5);
}

#[test]
fn comm_is_writable_from_inside_the_process_only() {
    let w = world();
    let me = w.creds_of(42, 42);
    assert_eq!(w.write(&me, b"/proc/self/comm", b"renamed"), Ok(7));
    assert_eq!(w.text(&me, b"/proc/42/comm"), "renamed\n");
    assert_eq!(
        w.write(&me, b"/proc/42/task/43/comm", b"abcdefghijklmnopqrstuvwxyz"),
        Ok(26)
    );
    assert_eq!(w.text(&me, b"/proc/42/task/43/comm"), "abcdefghijklmno\n");
    assert_eq!(w.text(&me, b"/proc/42/comm"), "renamed\n");
    let root = w.creds_of(1, 1);
    assert_eq!(w.write(&root, b"/proc/42/comm", b"x"), Err(Errno::EINVAL));
    let me = w.creds_of(42, 42);
    assert_eq!(w.write(&me, b"/proc/1/comm", b"x"), Err(Errno::EACCES));
    assert_eq!(w.write(&me, b"/proc/42/status", b"x"), Err(Errno::EACCES));
    let root = w.creds_of(1, 1);
    assert_eq!(w.write(&root, b"/proc/meminfo", b"x"), Err(Errno::EINVAL));
}

#[test]
fn sysctl_writes() {
    let w = world();
    let root = w.creds_of(1, 1);
    assert_eq!(
        w.write(&root, b"/proc/sys/kernel/hostname", b"box\n"),
        Ok(4)
    );
    assert_eq!(w.fake.uts().nodename, b"box");
    assert_eq!(w.text(&root, b"/proc/sys/kernel/hostname"), "box\n");
    // A write continuing at the end appends; one past it changes nothing.
    let f = w
        .open(&root, b"/proc/sys/kernel/domainname", O_WRONLY | O_TRUNC)
        .unwrap();
    assert_eq!(f.write(b"lan"), Ok(3));
    assert_eq!(f.write(b".example"), Ok(8));
    assert_eq!(w.fake.uts().domainname, b"lan.example");
    assert_eq!(f.pwrite(b"zz", 100), Ok(2));
    assert_eq!(w.fake.uts().domainname, b"lan.example");
    assert_eq!(
        w.write(&root, b"/proc/sys/kernel/pid_max", b"32768\n"),
        Ok(6)
    );
    assert_eq!(w.text(&root, b"/proc/sys/kernel/pid_max"), "32768\n");
    for bad in [&b"12"[..], b"-5", b"abc", b"5000000", b"\n"] {
        assert_eq!(
            w.write(&root, b"/proc/sys/kernel/pid_max", bad),
            Err(Errno::EINVAL),
            "{bad:?}"
        );
    }
    assert_eq!(w.fake.pid_max(), 32768);
    // Read-only entries refuse even root; others refuse everyone but root.
    assert_eq!(
        w.write(&root, b"/proc/sys/kernel/ostype", b"x"),
        Err(Errno::EACCES)
    );
    assert_eq!(
        w.write(&root, b"/proc/sys/fs/file-max", b"100"),
        Err(Errno::EPERM)
    );
    let me = w.creds_of(42, 42);
    assert_eq!(
        w.write(&me, b"/proc/sys/kernel/hostname", b"mine"),
        Err(Errno::EACCES)
    );
    let cx = Caller::new(&w.root, &root);
    let host = lookup(&cx, &w.root, b"/proc/sys/kernel/hostname", true).unwrap();
    assert_eq!(chmod(&cx, &host, 0o666), Err(Errno::EPERM));
    // A number is read whole at offset 0 only.
    let f = w
        .open(&root, b"/proc/sys/kernel/pid_max", O_RDONLY)
        .unwrap();
    let mut one = [0u8; 1];
    assert_eq!(f.read(&mut one), Ok(1));
    assert_eq!(f.read(&mut one), Ok(0));
}

#[test]
fn reading_at_offset_zero_regenerates_a_snapshot() {
    let w = world();
    let root = w.creds_of(1, 1);
    *w.fake.uptime_ns.lock() = 1_000_000_000;
    let f = w.open(&root, b"/proc/uptime", O_RDONLY).unwrap();
    let mut head = [0u8; 2];
    assert_eq!(f.read(&mut head), Ok(2));
    // The rest of this read comes from the same snapshot...
    *w.fake.uptime_ns.lock() = 22_000_000_000;
    let mut rest = [0u8; 100];
    let n = f.read(&mut rest).unwrap();
    assert_eq!([&head[..], &rest[..n]].concat(), b"1.00 0.00\n");
    assert_eq!(f.read(&mut rest), Ok(0));
    // ... and rewinding shows the new state, as `top` expects.
    f.lseek(0, SEEK_SET).unwrap();
    let n = f.read(&mut rest).unwrap();
    assert_eq!(&rest[..n], b"22.00 0.00\n");
    let mut buf = [0u8; 100];
    assert_eq!(f.pread(&mut buf, 3), Ok(8));
    assert_eq!(&buf[..8], b"00 0.00\n");
    // Each open file has its own snapshot.
    let g = w.open(&root, b"/proc/uptime", O_RDONLY).unwrap();
    assert_eq!(g.read(&mut head), Ok(2));
    *w.fake.uptime_ns.lock() = 333_000_000_000;
    assert_eq!(w.read(&root, b"/proc/uptime").unwrap(), b"333.00 0.00\n");
    let n = g.read(&mut rest).unwrap();
    assert_eq!([&head[..], &rest[..n]].concat(), b"22.00 0.00\n");
    assert_eq!(
        f.pread(&mut buf, 3),
        Ok(8),
        "f still reads its own snapshot"
    );
    // Reading the inode directly (no open file) sees the current state.
    let cx = Caller::new(&w.root, &root);
    let inode = lookup(&cx, &w.root, b"/proc/uptime", true).unwrap();
    let n = inode.inode().read_at(4, &mut buf).unwrap();
    assert_eq!(&buf[..n], b"00 0.00\n");
}

#[test]
fn a_vanished_process_disappears() {
    let w = world();
    let root = w.creds_of(1, 1);
    let status = w.open(&root, b"/proc/42/status", O_RDONLY).unwrap();
    let dir = w.open(&root, b"/proc/42", O_RDONLY | O_DIRECTORY).unwrap();
    w.fake.procs.lock().remove(&42);
    let mut buf = [0u8; 100];
    assert_eq!(status.pread(&mut buf, 0), Err(Errno::ESRCH));
    // The open directory keeps its dentry (there is no revalidation), but nothing in it
    // resolves any more.
    assert_eq!(w.stat(&root, b"/proc/42/stat").err(), Some(Errno::ENOENT));
    assert_eq!(w.readlink(&root, b"/proc/42/exe"), Err(Errno::ENOENT));
    let mut e = Entries::default();
    assert_eq!(dir.getdents(&mut e), Err(Errno::ENOENT));
    assert!(!w.names(&root, b"/proc").contains(&String::from("42")));
    assert_eq!(w.stat(&root, b"/proc/0").err(), Some(Errno::ENOENT));
    assert_eq!(w.stat(&root, b"/proc/01").err(), Some(Errno::ENOENT));
}

#[test]
fn statfs_and_type_name() {
    let w = world();
    let fs = w.proc_mnt.fs();
    assert_eq!(fs.name(), "proc");
    assert_eq!(fs.statfs().fs_type, PROC_SUPER_MAGIC);
    assert_eq!(fs.statfs().block_size, 4096);
}
