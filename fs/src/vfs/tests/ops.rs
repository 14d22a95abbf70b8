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
fn mkdir_rules() {
    with_root(|root, cx| {
        mkdir(cx, root, b"/d", 0o777).unwrap();
        let m = stat(cx, b"/d").unwrap();
        assert_eq!(m.mode, S_IFDIR | 0o755, "umask applied");
        assert_eq!((m.nlink, m.size), (2, 40));
        assert_eq!(root.metadata().nlink, 3);
        assert_eq!(mkdir(cx, root, b"/d", 0o755).err(), Some(Errno::EEXIST));
        assert_eq!(mkdir(cx, root, b"/d/.", 0o755).err(), Some(Errno::EEXIST));
        assert_eq!(mkdir(cx, root, b"/", 0o755).err(), Some(Errno::EEXIST));
        assert_eq!(mkdir(cx, root, b"/x/y", 0o755).err(), Some(Errno::ENOENT));
        mkdir(cx, root, b"/d/trailing//", 0o755).unwrap();
        assert_eq!(stat(cx, b"/d").unwrap().size, 60);
        // setgid directories pass their group and the bit on.
        mkdir(cx, root, b"/g", 0o755).unwrap();
        let g = lookup(cx, root, b"/g", true).unwrap();
        chown(cx, &g, None, Some(50)).unwrap();
        chmod(cx, &g, 0o2777).unwrap();
        let user = Credentials::new(1000, 1000);
        let ucx = Caller {
            root,
            creds: &user,
            umask: 0,
        };
        mkdir(&ucx, root, b"/g/sub", 0o755).unwrap();
        let sub = stat(cx, b"/g/sub").unwrap();
        assert_eq!((sub.uid, sub.gid, sub.mode), (1000, 50, S_IFDIR | 0o2755));
        // A non-member creating a group-executable setgid file loses the bit.
        open(&ucx, root, b"/g/f", O_CREAT | O_WRONLY, 0o2775).unwrap();
        assert_eq!(stat(cx, b"/g/f").unwrap().mode, S_IFREG | 0o775);
        assert_eq!(
            mkdir(&ucx, root, b"/nope", 0o755).err(),
            Some(Errno::EACCES)
        );
    });
}

#[test]
fn mknod_types() {
    with_root(|root, cx| {
        mknod(cx, root, b"/reg", 0o644, 0).unwrap();
        assert_eq!(stat(cx, b"/reg").unwrap().mode, S_IFREG | 0o644);
        mknod(cx, root, b"/fifo", S_IFIFO | 0o666, 0).unwrap();
        assert_eq!(stat(cx, b"/fifo").unwrap().mode, S_IFIFO | 0o644);
        mknod(cx, root, b"/null", S_IFCHR | 0o666, makedev(1, 3)).unwrap();
        assert_eq!(stat(cx, b"/null").unwrap().rdev, makedev(1, 3));
        mknod(cx, root, b"/sock", S_IFSOCK | 0o600, makedev(9, 9)).unwrap();
        assert_eq!(
            stat(cx, b"/sock").unwrap().rdev,
            0,
            "rdev only for device nodes"
        );
        assert_eq!(
            mknod(cx, root, b"/dir", S_IFDIR | 0o755, 0).err(),
            Some(Errno::EPERM)
        );
        assert_eq!(
            mknod(cx, root, b"/bad", 0o170000, 0).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            mknod(cx, root, b"/slash/", 0o644, 0).err(),
            Some(Errno::ENOENT)
        );
        let user = Credentials::new(1000, 1000);
        mkdir(cx, root, b"/pub", 0o777).unwrap();
        chmod(cx, &lookup(cx, root, b"/pub", true).unwrap(), 0o777).unwrap();
        let ucx = Caller::new(root, &user);
        assert_eq!(
            mknod(&ucx, root, b"/pub/dev", S_IFBLK | 0o600, makedev(8, 0)).err(),
            Some(Errno::EPERM)
        );
        mknod(&ucx, root, b"/pub/fifo", S_IFIFO | 0o600, 0).unwrap();
    });
}

#[test]
fn hard_links() {
    with_root(|root, cx| {
        put(cx, b"/f", b"shared");
        let f = lookup(cx, root, b"/f", true).unwrap();
        link(cx, &f, root, b"/g").unwrap();
        assert_eq!(stat(cx, b"/f").unwrap().nlink, 2);
        assert_eq!(stat(cx, b"/g").unwrap().ino, f.metadata().ino);
        assert_eq!(link(cx, &f, root, b"/g").err(), Some(Errno::EEXIST));
        assert_eq!(link(cx, &f, root, b"/h/").err(), Some(Errno::ENOENT));
        mkdir(cx, root, b"/d", 0o755).unwrap();
        let d = lookup(cx, root, b"/d", true).unwrap();
        assert_eq!(link(cx, &d, root, b"/d2").err(), Some(Errno::EPERM));
        unlink(cx, root, b"/f").unwrap();
        assert_eq!(get(cx, b"/g"), b"shared");
        assert_eq!(stat(cx, b"/g").unwrap().nlink, 1);
        // An inode with no names left cannot be linked back.
        unlink(cx, root, b"/g").unwrap();
        assert_eq!(link(cx, &f, root, b"/again").err(), Some(Errno::ENOENT));
    });
}

#[test]
fn unlink_rules() {
    with_root(|root, cx| {
        let f = put(cx, b"/f", b"still here");
        unlink(cx, root, b"/f").unwrap();
        assert_eq!(stat(cx, b"/f").err(), Some(Errno::ENOENT));
        assert!(f.dentry().is_deleted());
        assert_eq!(f.pread(&mut [0u8; 20], 0), Ok(10), "data lives while open");
        assert_eq!(f.metadata().nlink, 0);
        assert_eq!(unlink(cx, root, b"/f").err(), Some(Errno::ENOENT));
        mkdir(cx, root, b"/d", 0o755).unwrap();
        put(cx, b"/file", b"");
        assert_eq!(unlink(cx, root, b"/d").err(), Some(Errno::EISDIR));
        assert_eq!(unlink(cx, root, b"/d/.").err(), Some(Errno::EISDIR));
        assert_eq!(unlink(cx, root, b"/d/").err(), Some(Errno::EISDIR));
        assert_eq!(unlink(cx, root, b"/file/").err(), Some(Errno::ENOTDIR));
        assert_eq!(unlink(cx, root, b"/missing/").err(), Some(Errno::ENOENT));
    });
}

#[test]
fn sticky_directory() {
    with_root(|root, cx| {
        mkdir(cx, root, b"/tmp", 0o777).unwrap();
        chmod(cx, &lookup(cx, root, b"/tmp", true).unwrap(), 0o1777).unwrap();
        let alice = Credentials::new(1000, 1000);
        let bob = Credentials::new(1001, 1001);
        let acx = Caller::new(root, &alice);
        let bcx = Caller::new(root, &bob);
        open(&acx, root, b"/tmp/a", O_CREAT | O_WRONLY, 0o666).unwrap();
        assert_eq!(unlink(&bcx, root, b"/tmp/a").err(), Some(Errno::EPERM));
        assert_eq!(
            rename(&bcx, root, b"/tmp/a", root, b"/tmp/b", 0).err(),
            Some(Errno::EPERM)
        );
        unlink(&acx, root, b"/tmp/a").unwrap();
    });
}

#[test]
fn rmdir_rules() {
    with_root(|root, cx| {
        mkdir(cx, root, b"/d", 0o755).unwrap();
        mkdir(cx, root, b"/d/e", 0o755).unwrap();
        put(cx, b"/f", b"");
        assert_eq!(rmdir(cx, root, b"/d").err(), Some(Errno::ENOTEMPTY));
        assert_eq!(rmdir(cx, root, b"/d/e/..").err(), Some(Errno::ENOTEMPTY));
        assert_eq!(rmdir(cx, root, b"/d/.").err(), Some(Errno::EINVAL));
        assert_eq!(rmdir(cx, root, b"/").err(), Some(Errno::EBUSY));
        assert_eq!(rmdir(cx, root, b"/f").err(), Some(Errno::ENOTDIR));
        assert_eq!(rmdir(cx, root, b"/nope").err(), Some(Errno::ENOENT));
        assert_eq!(stat(cx, b"/d").unwrap().nlink, 3);
        let cwd = lookup(cx, root, b"/d/e", true).unwrap();
        let dirfile = open(cx, root, b"/d/e", O_RDONLY, 0).unwrap();
        rmdir(cx, root, b"/d/e/").unwrap();
        assert_eq!(stat(cx, b"/d").unwrap().nlink, 2);
        assert_eq!(cwd.metadata().nlink, 0);
        // A removed working directory stays usable for lookups of "." but nothing new fits.
        assert_eq!(mkdir(cx, &cwd, b"x", 0o755).err(), Some(Errno::ENOENT));
        assert_eq!(
            open(cx, &cwd, b"x", O_CREAT | O_WRONLY, 0o644).err(),
            Some(Errno::ENOENT)
        );
        assert_eq!(
            dirfile.getdents(&mut Entries::default()).err(),
            Some(Errno::ENOENT)
        );
        rmdir(cx, root, b"/d").unwrap();
    });
}

#[test]
fn rename_files_and_dirs() {
    with_root(|root, cx| {
        put(cx, b"/a", b"A");
        put(cx, b"/b", b"B");
        let old_b = open(cx, root, b"/b", O_RDONLY, 0).unwrap();
        rename(cx, root, b"/a", root, b"/b", 0).unwrap();
        assert_eq!(get(cx, b"/b"), b"A");
        assert_eq!(stat(cx, b"/a").err(), Some(Errno::ENOENT));
        assert_eq!(old_b.metadata().nlink, 0);
        assert!(old_b.dentry().is_deleted());

        mkdir(cx, root, b"/d", 0o755).unwrap();
        mkdir(cx, root, b"/d/sub", 0o755).unwrap();
        mkdir(cx, root, b"/empty", 0o755).unwrap();
        mkdir(cx, root, b"/full", 0o755).unwrap();
        put(cx, b"/full/x", b"");
        assert_eq!(
            rename(cx, root, b"/d", root, b"/full", 0).err(),
            Some(Errno::ENOTEMPTY)
        );
        assert_eq!(
            rename(cx, root, b"/d", root, b"/b", 0).err(),
            Some(Errno::ENOTDIR)
        );
        assert_eq!(
            rename(cx, root, b"/b", root, b"/empty", 0).err(),
            Some(Errno::EISDIR)
        );
        assert_eq!(
            rename(cx, root, b"/d", root, b"/d/sub/x", 0).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            rename(cx, root, b"/d", root, b"/d/x", 0).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            rename(cx, root, b"/d/sub", root, b"/d", 0).err(),
            Some(Errno::ENOTEMPTY)
        );
        assert_eq!(
            rename(cx, root, b"/b/", root, b"/c", 0).err(),
            Some(Errno::ENOTDIR)
        );
        assert_eq!(
            rename(cx, root, b"/b", root, b"/c/", 0).err(),
            Some(Errno::ENOTDIR)
        );
        assert_eq!(
            rename(cx, root, b"/d/.", root, b"/c", 0).err(),
            Some(Errno::EBUSY)
        );
        assert_eq!(
            rename(cx, root, b"/b", root, b"/d/..", 0).err(),
            Some(Errno::EBUSY)
        );
        assert_eq!(
            rename(cx, root, b"/b", root, b"/d/..", RENAME_NOREPLACE).err(),
            Some(Errno::EEXIST)
        );
        assert_eq!(
            rename(cx, root, b"/nope", root, b"/c", 0).err(),
            Some(Errno::ENOENT)
        );
        assert_eq!(
            rename(cx, root, b"/b", root, b"/c", 8).err(),
            Some(Errno::EINVAL)
        );

        let sub = lookup(cx, root, b"/d/sub", true).unwrap();
        let nlinks = (
            stat(cx, b"/").unwrap().nlink,
            stat(cx, b"/d").unwrap().nlink,
            stat(cx, b"/empty").unwrap().nlink,
        );
        rename(cx, root, b"/d/sub", root, b"/empty/moved/", 0).unwrap();
        assert_eq!(stat(cx, b"/d").unwrap().nlink, nlinks.1 - 1);
        assert_eq!(stat(cx, b"/empty").unwrap().nlink, nlinks.2 + 1);
        assert_eq!(
            path_of(&sub, root),
            b"/empty/moved",
            "the dentry moved with the rename"
        );
        assert_eq!(
            lookup(cx, &sub, b"..", true).unwrap().metadata().ino,
            stat(cx, b"/empty").unwrap().ino
        );
        let f = open(cx, &sub, b"..", O_RDONLY, 0).unwrap();
        let dots = list(&f, 100);
        assert!(dots.contains(&b"moved".to_vec()));
        // Replacing an empty directory.
        mkdir(cx, root, b"/e2", 0o755).unwrap();
        rename(cx, root, b"/empty", root, b"/e2", 0).unwrap();
        assert_eq!(
            stat(cx, b"/").unwrap().nlink,
            nlinks.0,
            "one subdirectory added, one replaced"
        );
        assert_eq!(path_of(&sub, root), b"/e2/moved");
    });
}

#[test]
fn rename_special_cases() {
    with_root(|root, cx| {
        put(cx, b"/a", b"A");
        let a = lookup(cx, root, b"/a", true).unwrap();
        link(cx, &a, root, b"/a2").unwrap();
        rename(cx, root, b"/a", root, b"/a2", 0).unwrap();
        assert!(
            stat(cx, b"/a").is_ok() && stat(cx, b"/a2").is_ok(),
            "same inode: nothing happens"
        );
        put(cx, b"/b", b"B");
        assert_eq!(
            rename(cx, root, b"/a", root, b"/b", RENAME_NOREPLACE).err(),
            Some(Errno::EEXIST)
        );
        rename(cx, root, b"/a", root, b"/c", RENAME_NOREPLACE).unwrap();
        mkdir(cx, root, b"/d", 0o755).unwrap();
        put(cx, b"/d/inside", b"I");
        rename(cx, root, b"/c", root, b"/d", RENAME_EXCHANGE).unwrap();
        assert_eq!(get(cx, b"/c/inside"), b"I");
        assert_eq!(get(cx, b"/d"), b"A");
        assert_eq!(
            rename(cx, root, b"/c", root, b"/zz", RENAME_EXCHANGE).err(),
            Some(Errno::ENOENT)
        );
        assert_eq!(
            rename(
                cx,
                root,
                b"/c",
                root,
                b"/d",
                RENAME_EXCHANGE | RENAME_NOREPLACE
            )
            .err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            rename(cx, root, b"/c", root, b"/c/inside", RENAME_EXCHANGE).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            rename(cx, root, b"/c/inside", root, b"/c", RENAME_EXCHANGE).err(),
            Some(Errno::EINVAL)
        );
    });
}

#[test]
fn chmod_chown_rules() {
    with_root(|root, cx| {
        put(cx, b"/f", b"");
        let f = lookup(cx, root, b"/f", true).unwrap();
        chown(cx, &f, Some(1000), Some(1000)).unwrap();
        let alice = Credentials {
            uid: 1000,
            gid: 1000,
            groups: alloc::vec![20],
        };
        let bob = Credentials::new(1001, 1001);
        let acx = Caller::new(root, &alice);
        let bcx = Caller::new(root, &bob);
        assert_eq!(chmod(&bcx, &f, 0o777).err(), Some(Errno::EPERM));
        chmod(&acx, &f, 0o6755).unwrap();
        assert_eq!(f.metadata().mode, S_IFREG | 0o6755);
        assert_eq!(chown(&acx, &f, Some(1001), None).err(), Some(Errno::EPERM));
        assert_eq!(chown(&acx, &f, None, Some(30)).err(), Some(Errno::EPERM));
        assert_eq!(
            chown(&bcx, &f, Some(1000), None).err(),
            Some(Errno::EPERM),
            "only the owner may no-op"
        );
        chown(&acx, &f, Some(1000), Some(20)).unwrap();
        let m = f.metadata();
        assert_eq!(
            (m.uid, m.gid, m.mode),
            (1000, 20, S_IFREG | 0o755),
            "setuid and group-exec setgid cleared"
        );
        // Not in the file's group: setgid cannot be set.
        chown(cx, &f, None, Some(99)).unwrap();
        chmod(&acx, &f, 0o2644).unwrap();
        assert_eq!(f.metadata().mode, S_IFREG | 0o644);
        // chown(-1, -1) still clears setuid on a file.
        chmod(cx, &f, 0o4755).unwrap();
        chown(cx, &f, None, None).unwrap();
        assert_eq!(f.metadata().mode, S_IFREG | 0o755);
        let ctime = f.metadata().ctime;
        chmod(cx, &f, 0o700).unwrap();
        assert!(f.metadata().ctime > ctime);
    });
}

#[test]
fn utimens_rules() {
    with_root(|root, cx| {
        mkdir(cx, root, b"/pub", 0o777).unwrap();
        put(cx, b"/pub/w", b"");
        chmod(cx, &lookup(cx, root, b"/pub/w", true).unwrap(), 0o666).unwrap();
        put(cx, b"/pub/r", b"");
        let user = Credentials::new(1000, 1000);
        let ucx = Caller::new(root, &user);
        let w = lookup(cx, root, b"/pub/w", true).unwrap();
        let r = lookup(cx, root, b"/pub/r", true).unwrap();
        let t = Timespec::new(12345, 678);
        assert_eq!(
            utimens(&ucx, &w, TimeUpdate::Set(t), TimeUpdate::Omit).err(),
            Some(Errno::EPERM)
        );
        utimens(&ucx, &w, TimeUpdate::Now, TimeUpdate::Now).unwrap();
        assert_eq!(
            utimens(&ucx, &r, TimeUpdate::Now, TimeUpdate::Omit).err(),
            Some(Errno::EACCES)
        );
        let before = r.metadata();
        utimens(cx, &r, TimeUpdate::Omit, TimeUpdate::Omit).unwrap();
        assert_eq!(r.metadata(), before);
        utimens(cx, &r, TimeUpdate::Set(t), TimeUpdate::Omit).unwrap();
        let after = r.metadata();
        assert_eq!((after.atime, after.mtime), (t, before.mtime));
        assert!(after.ctime > before.ctime);
    });
}

#[test]
fn truncate_access_readlink() {
    with_root(|root, cx| {
        put(cx, b"/f", b"0123456789");
        let f = lookup(cx, root, b"/f", true).unwrap();
        truncate(cx, &f, 4).unwrap();
        truncate(cx, &f, 8).unwrap();
        assert_eq!(get(cx, b"/f"), b"0123\0\0\0\0");
        assert_eq!(truncate(cx, &f, -1).err(), Some(Errno::EINVAL));
        assert_eq!(truncate(cx, root, 0).err(), Some(Errno::EISDIR));
        let user = Credentials::new(1000, 1000);
        let ucx = Caller::new(root, &user);
        assert_eq!(truncate(&ucx, &f, 0).err(), Some(Errno::EACCES));

        assert_eq!(
            faccessat(cx, root, b"/f", MAY_EXEC, true).err(),
            Some(Errno::EACCES),
            "root needs an x bit"
        );
        chmod(cx, &f, 0o744).unwrap();
        faccessat(cx, root, b"/f", MAY_EXEC, true).unwrap();
        assert_eq!(
            faccessat(&ucx, root, b"/f", MAY_EXEC, true).err(),
            Some(Errno::EACCES)
        );
        faccessat(&ucx, root, b"/f", MAY_READ, true).unwrap();
        faccessat(&ucx, root, b"/f", 0, true).unwrap();
        assert_eq!(
            faccessat(cx, root, b"/f", 8, true).err(),
            Some(Errno::EINVAL)
        );
        assert_eq!(
            faccessat(cx, root, b"/g", 0, true).err(),
            Some(Errno::ENOENT)
        );

        symlink(cx, b"f", root, b"/l").unwrap();
        assert_eq!(readlink(cx, root, b"/l").unwrap(), b"f");
        assert_eq!(readlink(cx, root, b"/f").err(), Some(Errno::EINVAL));
        assert_eq!(stat(cx, b"/l").unwrap().size, 1);
        assert_eq!(check_chdir(cx, &f).err(), Some(Errno::ENOTDIR));
        check_chdir(&ucx, root).unwrap();
    });
}
