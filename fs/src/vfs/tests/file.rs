use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicUsize, Ordering};

use crate::devices;
use crate::testutil::*;
use crate::vfs::*;

fn with_root(f: impl FnOnce(&Path, &Caller)) {
    let root = new_root();
    let creds = root_creds();
    let cx = Caller {
        root: &root,
        creds: &creds,
        umask: 0o022,
    };
    f(&root, &cx);
}

#[test]
fn open_flag_semantics() {
    with_root(|root, cx| {
        put(cx, b"/f", b"content");
        mkdir(cx, root, b"/d", 0o755).unwrap();
        symlink(cx, b"f", root, b"/lf").unwrap();
        symlink(cx, b"new", root, b"/dangling").unwrap();
        let e = |path: &[u8], flags| open(cx, root, path, flags, 0o666).err();
        assert_eq!(e(b"/f", O_CREAT | O_EXCL | O_WRONLY), Some(Errno::EEXIST));
        assert_eq!(
            e(b"/dangling", O_CREAT | O_EXCL | O_WRONLY),
            Some(Errno::EEXIST)
        );
        assert_eq!(e(b"/lf", O_RDONLY | O_NOFOLLOW), Some(Errno::ELOOP));
        assert_eq!(e(b"/f", O_RDONLY | O_DIRECTORY), Some(Errno::ENOTDIR));
        assert_eq!(e(b"/lf", O_RDONLY | O_DIRECTORY), Some(Errno::ENOTDIR));
        assert_eq!(e(b"/d", O_WRONLY), Some(Errno::EISDIR));
        assert_eq!(e(b"/d", O_RDONLY | O_TRUNC), Some(Errno::EISDIR));
        assert_eq!(e(b"/d", O_RDONLY | O_CREAT), Some(Errno::EISDIR));
        assert_eq!(e(b"/", O_RDONLY | O_CREAT), Some(Errno::EISDIR));
        assert_eq!(e(b"/newdir/", O_RDONLY | O_CREAT), Some(Errno::EISDIR));
        assert_eq!(
            e(b"/x", O_RDONLY | O_CREAT | O_DIRECTORY),
            Some(Errno::EINVAL)
        );
        let tmp = open(cx, root, b"/d", O_TMPFILE | O_RDWR, 0o600).unwrap();
        assert_eq!(tmp.write(b"tmp"), Ok(3));
        assert_eq!(tmp.metadata().nlink, 0, "an O_TMPFILE file has no name");
        assert_eq!(tmp.metadata().mode, S_IFREG | 0o600);
        drop(tmp);
        assert_eq!(e(b"/d", O_TMPFILE | O_RDONLY), Some(Errno::EINVAL));
        assert_eq!(e(b"/f", O_TMPFILE | O_RDWR), Some(Errno::ENOTDIR));
        assert_eq!(e(b"/missing", O_RDONLY), Some(Errno::ENOENT));
        assert_eq!(e(b"/f/", O_RDONLY), Some(Errno::ENOTDIR));

        // O_CREAT through a dangling symlink creates its target.
        let f = open(cx, root, b"/dangling", O_CREAT | O_WRONLY, 0o666).unwrap();
        assert_eq!(stat(cx, b"/new").unwrap().mode, S_IFREG | 0o644);
        assert_eq!(
            f.flags(),
            O_WRONLY | O_LARGEFILE,
            "O_CREAT is not a status flag"
        );
        let f = open(cx, root, b"/f", O_RDONLY | O_CLOEXEC | O_NONBLOCK, 0).unwrap();
        assert_eq!(f.flags(), O_RDONLY | O_NONBLOCK | O_LARGEFILE);
        // O_TRUNC empties an existing file, needing write permission.
        let user = Credentials::new(1000, 1000);
        let ucx = Caller::new(root, &user);
        assert_eq!(
            open(&ucx, root, b"/f", O_RDONLY | O_TRUNC, 0).err(),
            Some(Errno::EACCES)
        );
        assert_eq!(
            open(&ucx, root, b"/f", O_WRONLY, 0).err(),
            Some(Errno::EACCES)
        );
        assert_eq!(
            open(&ucx, root, b"/d/x", O_CREAT | O_WRONLY, 0o644).err(),
            Some(Errno::EACCES)
        );
        assert_eq!(get(cx, b"/f"), b"content");
        open(cx, root, b"/f", O_RDONLY | O_TRUNC, 0).unwrap();
        assert_eq!(get(cx, b"/f"), b"");
        // O_NOATIME only for the owner.
        assert_eq!(
            open(&ucx, root, b"/f", O_RDONLY | O_NOATIME, 0).err(),
            Some(Errno::EPERM)
        );
    });
}

#[test]
fn o_path() {
    with_root(|root, cx| {
        put(cx, b"/f", b"x");
        symlink(cx, b"f", root, b"/l").unwrap();
        let p = open(
            cx,
            root,
            b"/l",
            O_PATH | O_NOFOLLOW | O_RDWR | O_CREAT | O_TRUNC,
            0,
        )
        .unwrap();
        assert!(p.is_path_only());
        assert_eq!(p.metadata().file_type(), Some(FileType::Symlink));
        assert_eq!(p.flags(), O_PATH | O_NOFOLLOW);
        assert_eq!(p.read(&mut [0u8; 4]).err(), Some(Errno::EBADF));
        assert_eq!(p.write(b"x").err(), Some(Errno::EBADF));
        assert_eq!(p.lseek(0, SEEK_SET).err(), Some(Errno::EBADF));
        assert_eq!(
            p.getdents(&mut Entries::default()).err(),
            Some(Errno::EBADF)
        );
        assert_eq!(p.poll(), POLLNVAL);
        assert_eq!(get(cx, b"/f"), b"x", "O_PATH ignores O_TRUNC");
        // No read permission is needed for O_PATH.
        let user = Credentials::new(1000, 1000);
        chmod(cx, &lookup(cx, root, b"/f", true).unwrap(), 0o000).unwrap();
        assert!(open(&Caller::new(root, &user), root, b"/f", O_PATH, 0).is_ok());
        assert_eq!(
            open(cx, root, b"/f", O_PATH | O_DIRECTORY, 0).err(),
            Some(Errno::ENOTDIR)
        );
    });
}

#[test]
fn read_write_positions() {
    with_root(|root, cx| {
        let f = open(cx, root, b"/f", O_RDWR | O_CREAT, 0o644).unwrap();
        assert_eq!(f.write(b"hello world"), Ok(11));
        assert_eq!(f.pos(), 11);
        assert_eq!(f.lseek(0, SEEK_SET), Ok(0));
        let mut buf = [0u8; 5];
        assert_eq!(f.read(&mut buf), Ok(5));
        assert_eq!(&buf, b"hello");
        // A second open file description has its own position; a shared one (dup) does not.
        let g = open(cx, root, b"/f", O_RDONLY, 0).unwrap();
        assert_eq!(g.read(&mut buf), Ok(5));
        let dup = f.clone();
        assert_eq!(dup.read(&mut buf), Ok(5));
        assert_eq!((&buf, f.pos()), (b" worl", 10));
        assert_eq!(f.pread(&mut buf, 6), Ok(5));
        assert_eq!((&buf, f.pos()), (b"world", 10));
        assert_eq!(f.pwrite(b"W", 6), Ok(1));
        assert_eq!(f.pos(), 10);
        assert_eq!(f.pread(&mut buf, 100), Ok(0));
        assert_eq!(f.pread(&mut buf, -1).err(), Some(Errno::EINVAL));
        assert_eq!(f.pread(&mut buf, i64::MAX - 2).err(), Some(Errno::EINVAL));
        assert_eq!(f.read(&mut [0u8; 0]), Ok(0));
        assert_eq!(g.write(b"x").err(), Some(Errno::EBADF));
        let w = open(cx, root, b"/f", O_WRONLY, 0).unwrap();
        assert_eq!(w.read(&mut buf).err(), Some(Errno::EBADF));
        let d = open(cx, root, b"/", O_RDONLY, 0).unwrap();
        assert_eq!(d.read(&mut buf).err(), Some(Errno::EISDIR));
        assert_eq!(d.pread(&mut buf, 0).err(), Some(Errno::EISDIR));
        assert_eq!(d.ioctl(0x5401, 0).err(), Some(Errno::ENOTTY));
        assert_eq!(get(cx, b"/f"), b"hello World");
        // Writing past the end leaves a hole of zeros.
        assert_eq!(f.pwrite(b"!", 20), Ok(1));
        assert_eq!(get(cx, b"/f"), b"hello World\0\0\0\0\0\0\0\0\0!");
    });
}

#[test]
fn append_mode() {
    with_root(|root, cx| {
        put(cx, b"/f", b"abc");
        let a = open(cx, root, b"/f", O_WRONLY | O_APPEND, 0).unwrap();
        let b = open(cx, root, b"/f", O_WRONLY, 0).unwrap();
        assert_eq!(a.write(b"d"), Ok(1));
        assert_eq!(a.pos(), 4);
        assert_eq!(b.write(b"XY"), Ok(2));
        assert_eq!(a.write(b"e"), Ok(1));
        assert_eq!(a.pwrite(b"f", 0), Ok(1), "pwrite on O_APPEND appends");
        assert_eq!(get(cx, b"/f"), b"XYcdef");
        a.set_status_flags(0, cx.creds).unwrap();
        assert_eq!(
            a.flags(),
            O_WRONLY | O_LARGEFILE,
            "access mode is not changed by F_SETFL"
        );
        assert_eq!(a.lseek(0, SEEK_SET), Ok(0));
        assert_eq!(a.write(b"z"), Ok(1));
        assert_eq!(get(cx, b"/f"), b"zYcdef");
        a.set_status_flags(O_APPEND | O_NONBLOCK | O_RDWR | O_TRUNC, cx.creds)
            .unwrap();
        assert_eq!(a.flags(), O_WRONLY | O_APPEND | O_NONBLOCK | O_LARGEFILE);
        let user = Credentials::new(1000, 1000);
        assert_eq!(
            a.set_status_flags(O_NOATIME, &user).err(),
            Some(Errno::EPERM)
        );
    });
}

#[test]
fn lseek_rules() {
    with_root(|root, cx| {
        let f = open(cx, root, b"/f", O_RDWR | O_CREAT, 0o644).unwrap();
        f.write(b"0123456789").unwrap();
        assert_eq!(f.lseek(-3, SEEK_END), Ok(7));
        assert_eq!(f.lseek(2, SEEK_CUR), Ok(9));
        assert_eq!(f.lseek(0, SEEK_CUR), Ok(9));
        assert_eq!(f.lseek(-10, SEEK_CUR).err(), Some(Errno::EINVAL));
        assert_eq!(f.lseek(-1, SEEK_SET).err(), Some(Errno::EINVAL));
        assert_eq!(f.lseek(i64::MAX, SEEK_END).err(), Some(Errno::EINVAL));
        assert_eq!(f.lseek(0, 5).err(), Some(Errno::EINVAL));
        assert_eq!(f.pos(), 9, "failed seeks keep the position");
        assert_eq!(
            f.lseek(100, SEEK_SET),
            Ok(100),
            "seeking past the end is fine"
        );
        // Sparse file: data in page 0 and page 3, size past page 5.
        f.pwrite(b"x", 3 * 4096 + 10).unwrap();
        f.truncate(5 * 4096 + 1).unwrap();
        assert_eq!(f.lseek(0, SEEK_DATA), Ok(0));
        assert_eq!(f.lseek(5, SEEK_HOLE), Ok(4096));
        assert_eq!(f.lseek(4096, SEEK_DATA), Ok(3 * 4096));
        assert_eq!(f.lseek(3 * 4096 + 5, SEEK_DATA), Ok(3 * 4096 + 5));
        assert_eq!(f.lseek(3 * 4096 + 5, SEEK_HOLE), Ok(4 * 4096));
        assert_eq!(f.lseek(4 * 4096, SEEK_DATA).err(), Some(Errno::ENXIO));
        assert_eq!(f.lseek(5 * 4096, SEEK_HOLE), Ok(5 * 4096));
        assert_eq!(f.lseek(5 * 4096 + 1, SEEK_HOLE).err(), Some(Errno::ENXIO));
        assert_eq!(f.lseek(-1, SEEK_DATA).err(), Some(Errno::ENXIO));

        let d = open(cx, root, b"/", O_RDONLY, 0).unwrap();
        assert_eq!(d.lseek(0, SEEK_END).err(), Some(Errno::EINVAL));
        assert_eq!(d.lseek(-1, SEEK_SET).err(), Some(Errno::EINVAL));
        assert_eq!(d.lseek(3, SEEK_SET), Ok(3));
        assert_eq!(d.lseek(1, SEEK_CUR), Ok(4));
    });
}

#[test]
fn getdents_positions_are_stable() {
    with_root(|root, cx| {
        mkdir(cx, root, b"/d", 0o755).unwrap();
        for i in 0..10 {
            put(cx, alloc::format!("/d/f{i}").as_bytes(), b"");
        }
        let d = open(cx, root, b"/d", O_RDONLY | O_DIRECTORY, 0).unwrap();
        let mut first = Entries {
            limit: Some(4),
            ..Default::default()
        };
        d.getdents(&mut first).unwrap();
        assert_eq!(first.names(), [&b"."[..], b"..", b"f0", b"f1"]);
        assert_eq!(first.items[0].1, stat(cx, b"/d").unwrap().ino);
        assert_eq!(first.items[1].1, root.metadata().ino);
        assert_eq!(first.items[2].3, FileType::Regular.dirent_type());
        let resume = d.pos();
        assert_eq!(resume, first.items[3].2);
        // Remove an entry already read and one not yet read; add a new one.
        unlink(cx, root, b"/d/f0").unwrap();
        unlink(cx, root, b"/d/f5").unwrap();
        mkdir(cx, root, b"/d/new", 0o755).unwrap();
        let rest = list(&d, 3);
        let expect: Vec<Vec<u8>> = ["f2", "f3", "f4", "f6", "f7", "f8", "f9", "new"]
            .iter()
            .map(|s| s.as_bytes().to_vec())
            .collect();
        assert_eq!(rest, expect);
        assert!(list(&d, 3).is_empty(), "at the end");
        // Seeking back to a saved position resumes there.
        d.lseek(resume as i64, SEEK_SET).unwrap();
        assert_eq!(list(&d, 100), expect);
        d.lseek(0, SEEK_SET).unwrap();
        assert_eq!(list(&d, 1).len(), 11);
        // Nothing fits: the position stays.
        let mut none = Entries {
            limit: Some(0),
            ..Default::default()
        };
        d.lseek(0, SEEK_SET).unwrap();
        d.getdents(&mut none).unwrap();
        assert_eq!(d.pos(), 0);
        let f = open(cx, root, b"/d/f1", O_RDONLY, 0).unwrap();
        assert_eq!(
            f.getdents(&mut Entries::default()).err(),
            Some(Errno::ENOTDIR)
        );
    });
}

/// A destination that faults after `ok` bytes.
struct Faulty {
    ok: usize,
    len: usize,
    got: Vec<u8>,
}

impl ReadDest for Faulty {
    fn dest_len(&self) -> usize {
        self.len
    }

    fn copy_out(&mut self, at: usize, src: &[u8]) -> Result<(), Fault> {
        let n = src.len().min(self.ok.saturating_sub(at));
        self.got.extend_from_slice(&src[..n]);
        if n == src.len() {
            Ok(())
        } else {
            Err(Fault { done: n })
        }
    }
}

struct FaultySrc {
    ok: usize,
    len: usize,
}

impl WriteSrc for FaultySrc {
    fn src_len(&self) -> usize {
        self.len
    }

    fn copy_in(&self, at: usize, dst: &mut [u8]) -> Result<(), Fault> {
        let n = dst.len().min(self.ok.saturating_sub(at));
        dst[..n].fill(b'w');
        if n == dst.len() {
            Ok(())
        } else {
            Err(Fault { done: n })
        }
    }
}

#[test]
fn faults_give_short_counts() {
    with_root(|root, cx| {
        let data: Vec<u8> = (0..10000u32).map(|i| i as u8).collect();
        let f = put(cx, b"/f", &data);
        f.lseek(0, SEEK_SET).unwrap();
        let mut dest = Faulty {
            ok: 5000,
            len: 8000,
            got: Vec::new(),
        };
        assert_eq!(f.read(&mut dest), Ok(5000));
        assert_eq!(dest.got, data[..5000]);
        assert_eq!(f.pos(), 5000);
        let mut dest = Faulty {
            ok: 0,
            len: 10,
            got: Vec::new(),
        };
        assert_eq!(f.read(&mut dest).err(), Some(Errno::EFAULT));
        assert_eq!(f.pos(), 5000);

        let g = open(cx, root, b"/g", O_RDWR | O_CREAT, 0o644).unwrap();
        assert_eq!(
            g.write(&FaultySrc {
                ok: 6000,
                len: 9000
            }),
            Ok(6000)
        );
        assert_eq!(g.metadata().size, 6000);
        assert_eq!(
            g.write(&FaultySrc { ok: 0, len: 10 }).err(),
            Some(Errno::EFAULT)
        );
        assert_eq!((g.pos(), g.metadata().size), (6000, 6000));
        // Reading zeros from /dev/zero also stops at the fault.
        devices::register_mem_devices();
        mknod(cx, root, b"/zero", S_IFCHR | 0o666, makedev(1, 5)).unwrap();
        let z = open(cx, root, b"/zero", O_RDONLY, 0).unwrap();
        assert_eq!(
            z.read(&mut Faulty {
                ok: 4097,
                len: 9000,
                got: Vec::new()
            }),
            Ok(4097)
        );
    });
}

#[test]
fn timestamps() {
    with_root(|root, cx| {
        let before = root.metadata();
        let f = put(cx, b"/f", b"x");
        let after = root.metadata();
        assert!(
            after.mtime > before.mtime && after.ctime > before.ctime,
            "create stamps the parent"
        );
        let m0 = f.metadata();
        assert_eq!(m0.btime, Some(m0.ctime.min(m0.btime.unwrap())));
        f.write(b"more").unwrap();
        let m1 = f.metadata();
        assert!(m1.mtime > m0.mtime && m1.ctime > m0.ctime);
        assert_eq!(f.write(b""), Ok(0));
        assert_eq!(
            f.metadata().mtime,
            m1.mtime,
            "an empty write changes nothing"
        );
        // relatime: the first read after a write updates atime, the next does not.
        f.pread(&mut [0u8; 2], 0).unwrap();
        let a1 = f.metadata().atime;
        assert!(a1 > m1.mtime);
        f.pread(&mut [0u8; 2], 0).unwrap();
        assert_eq!(f.metadata().atime, a1);
        let r = open(cx, root, b"/f", O_RDONLY | O_NOATIME, 0).unwrap();
        f.write(b"!").unwrap();
        let a2 = f.metadata().atime;
        r.read(&mut [0u8; 2]).unwrap();
        assert_eq!(f.metadata().atime, a2, "O_NOATIME");
        let c = f.metadata().ctime;
        let fp = lookup(cx, root, b"/f", true).unwrap();
        link(cx, &fp, root, b"/g").unwrap();
        assert!(f.metadata().ctime > c, "link count changes stamp ctime");
    });
}

struct CountingDevice {
    opens: AtomicUsize,
    releases: Arc<AtomicUsize>,
}

struct PerOpen {
    id: usize,
    releases: Arc<AtomicUsize>,
}

impl FileOps for CountingDevice {
    fn read(&self, _file: &OpenFile, _dest: &mut dyn ReadDest) -> SysResult<usize> {
        Ok(0)
    }
}

impl CharDevice for CountingDevice {
    fn open(&self, flags: u32) -> SysResult<Option<Arc<dyn FileOps>>> {
        if flags & O_ACCMODE == O_WRONLY {
            return Err(Errno::EPERM);
        }
        let id = self.opens.fetch_add(1, Ordering::Relaxed);
        Ok(Some(Arc::new(PerOpen {
            id,
            releases: self.releases.clone(),
        })))
    }
}

impl FileOps for PerOpen {
    fn ioctl(&self, _file: &OpenFile, cmd: u32, arg: usize) -> SysResult<usize> {
        Ok(self.id * 1000 + cmd as usize + arg)
    }

    fn release(&self, _file: &OpenFile) {
        self.releases.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn character_devices() {
    with_root(|root, cx| {
        devices::register_mem_devices();
        mknod(cx, root, b"/null", S_IFCHR | 0o666, makedev(1, 3)).unwrap();
        mknod(cx, root, b"/zero", S_IFCHR | 0o666, makedev(1, 5)).unwrap();
        mknod(cx, root, b"/full", S_IFCHR | 0o666, makedev(1, 7)).unwrap();
        mknod(cx, root, b"/none", S_IFCHR | 0o666, makedev(250, 250)).unwrap();
        mknod(cx, root, b"/blk", S_IFBLK | 0o666, makedev(8, 0)).unwrap();
        mknod(cx, root, b"/fifo", S_IFIFO | 0o666, 0).unwrap();
        let null = open(cx, root, b"/null", O_RDWR | O_TRUNC, 0).unwrap();
        let mut buf = [7u8; 6000];
        assert_eq!(null.read(&mut buf), Ok(0));
        assert_eq!(null.write(&[1u8; 100]), Ok(100));
        assert_eq!(null.lseek(50, SEEK_SET), Ok(0));
        assert_eq!(null.pread(&mut buf, 10), Ok(0));
        let zero = open(cx, root, b"/zero", O_RDONLY, 0).unwrap();
        assert_eq!(zero.read(&mut buf), Ok(6000));
        assert!(buf.iter().all(|&b| b == 0));
        let full = open(cx, root, b"/full", O_RDWR, 0).unwrap();
        assert_eq!(full.write(b"x").err(), Some(Errno::ENOSPC));
        buf[0] = 1;
        assert_eq!(full.read(&mut &mut buf[..10]), Ok(10));
        assert_eq!(buf[0], 0);
        assert_eq!(full.ioctl(1, 2).err(), Some(Errno::ENOTTY));
        assert_eq!(
            open(cx, root, b"/none", O_RDONLY, 0).err(),
            Some(Errno::ENXIO)
        );
        assert_eq!(
            open(cx, root, b"/blk", O_RDONLY, 0).err(),
            Some(Errno::ENXIO)
        );
        assert_eq!(
            open(cx, root, b"/fifo", O_RDONLY | O_NONBLOCK, 0).err(),
            Some(Errno::ENXIO)
        );

        let releases = Arc::new(AtomicUsize::new(0));
        let dev = Arc::new(CountingDevice {
            opens: AtomicUsize::new(0),
            releases: releases.clone(),
        });
        register_char_device(240, 1, dev.clone()).unwrap();
        assert_eq!(register_char_device(240, 1, dev).err(), Some(Errno::EBUSY));
        mknod(cx, root, b"/count", S_IFCHR | 0o666, makedev(240, 1)).unwrap();
        let a = open(cx, root, b"/count", O_RDONLY, 0).unwrap();
        let b = open(cx, root, b"/count", O_RDWR, 0).unwrap();
        assert_eq!(
            (a.ioctl(5, 1), b.ioctl(5, 1)),
            (Ok(6), Ok(1006)),
            "each open has its own operations"
        );
        assert_eq!(
            a.read(&mut buf).err(),
            Some(Errno::EINVAL),
            "no read method"
        );
        assert_eq!(a.lseek(0, SEEK_SET).err(), Some(Errno::ESPIPE));
        assert_eq!(a.pread(&mut buf, 0).err(), Some(Errno::ESPIPE));
        assert_eq!(
            open(cx, root, b"/count", O_WRONLY, 0).err(),
            Some(Errno::EPERM)
        );
        drop(a);
        assert_eq!(releases.load(Ordering::Relaxed), 1);
        drop(b);
        assert_eq!(releases.load(Ordering::Relaxed), 2);
        assert!(unregister_char_device(240, 1).is_some());
        assert_eq!(
            open(cx, root, b"/count", O_RDONLY, 0).err(),
            Some(Errno::ENXIO)
        );

        // nodev mounts refuse device nodes.
        let target = lookup(cx, root, b"/", true).unwrap();
        target.mnt.set_flags(mount::MNT_NODEV);
        assert_eq!(
            open(cx, root, b"/null", O_RDONLY, 0).err(),
            Some(Errno::EACCES)
        );
    });
}

#[test]
fn exec_open() {
    with_root(|root, cx| {
        put(cx, b"/bin", b"\x7fELF");
        mkdir(cx, root, b"/dir", 0o755).unwrap();
        assert_eq!(open_exec(cx, root, b"/bin").err(), Some(Errno::EACCES));
        chmod(cx, &lookup(cx, root, b"/bin", true).unwrap(), 0o711).unwrap();
        let user = Credentials::new(1000, 1000);
        let f = open_exec(&Caller::new(root, &user), root, b"/bin").unwrap();
        let mut buf = vec![0u8; 4];
        assert_eq!(
            f.read(&mut buf),
            Ok(4),
            "readable although the user has no read permission"
        );
        assert_eq!(open_exec(cx, root, b"/dir").err(), Some(Errno::EACCES));
        assert_eq!(open_exec(cx, root, b"/nope").err(), Some(Errno::ENOENT));
    });
}
