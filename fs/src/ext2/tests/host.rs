//! Images populated by the host (`mke2fs -d`, `debugfs`), other revisions and feature sets.

use std::os::unix::fs::symlink as host_symlink;

use super::*;
use crate::vfs::inode::same_inode;

/// A host directory tree to copy into an image with `mke2fs -d`.
fn host_tree(dir: &Path) {
    let w = |p: &str, data: &[u8]| std::fs::write(dir.join(p), data).unwrap();
    std::fs::create_dir_all(dir.join("sub/deeper")).unwrap();
    w("hello.txt", b"hello world\n");
    w("empty", b"");
    w("big.bin", &pattern(300_000, 11));
    w("sub/deeper/file", b"deep");
    {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::File::create(dir.join("sparse.bin")).unwrap();
        f.seek(SeekFrom::Start(5 << 20)).unwrap();
        f.write_all(b"island").unwrap();
        f.set_len(10 << 20).unwrap();
    }
    host_symlink("hello.txt", dir.join("fast-link")).unwrap();
    host_symlink("t".repeat(200), dir.join("slow-link")).unwrap();
    std::fs::hard_link(dir.join("hello.txt"), dir.join("sub/hard")).unwrap();
    let (code, out) = run(Command::new("mkfifo").arg(dir.join("fifo")));
    assert_eq!(code, 0, "mkfifo: {out}");
}

fn host_image(bs: &str) -> Image {
    let src = TempDir::new();
    host_tree(&src.0);
    let src_arg = src.0.to_str().unwrap().to_string();
    let img = Image::mkfs(&["-b", bs, "-d", &src_arg], "32M");
    img.debugfs(
        "mknod dev-c c 4 64\n\
         mknod dev-b b 259 300\n\
         sif dev-c uid 100000\n\
         sif dev-c gid 65537\n\
         sif hello.txt uid 1234\n\
         sif hello.txt gid 5678\n\
         sif hello.txt mode 0104755\n\
         sif sub/deeper/file uid 70000\n",
    );
    img.assert_clean();
    img
}

fn check_host_tree(root: &Arc<dyn Inode>) {
    let hello = get(root, "hello.txt").unwrap();
    let m = hello.metadata();
    assert_eq!(read_all(&hello), b"hello world\n");
    assert_eq!(
        (m.mode, m.uid, m.gid, m.nlink),
        (S_IFREG | 0o4755, 1234, 5678, 2)
    );
    assert!(same_inode(&get(root, "sub/hard").unwrap(), &hello));
    assert_eq!(
        read_all(&get(root, "big.bin").unwrap()),
        pattern(300_000, 11)
    );
    assert_eq!(read_all(&get(root, "sub/deeper/file").unwrap()), b"deep");
    assert_eq!(get(root, "sub/deeper/file").unwrap().metadata().uid, 70000);
    assert_eq!(get(root, "empty").unwrap().metadata().size, 0);

    let sparse = get(root, "sparse.bin").unwrap();
    let m = sparse.metadata();
    assert_eq!(m.size, 10 << 20);
    assert!(m.blocks < 100, "holes stay holes ({} sectors)", m.blocks);
    let mut buf = [1u8; 8];
    sparse.read_at(5 << 20, &mut buf).unwrap();
    assert_eq!(&buf, b"island\0\0");
    sparse.read_at(1 << 20, &mut buf).unwrap();
    assert_eq!(buf, [0; 8]);

    assert_eq!(
        get(root, "fast-link").unwrap().readlink().unwrap(),
        b"hello.txt"
    );
    let slow = get(root, "slow-link").unwrap();
    assert_eq!(slow.readlink().unwrap(), "t".repeat(200).as_bytes());
    assert!(slow.metadata().blocks > 0);
    assert_eq!(get(root, "fifo").unwrap().metadata().mode & S_IFMT, S_IFIFO);

    let c = get(root, "dev-c").unwrap().metadata();
    assert_eq!(
        (c.mode & S_IFMT, c.rdev, c.uid, c.gid),
        (S_IFCHR, makedev(4, 64), 100_000, 65537)
    );
    let b = get(root, "dev-b").unwrap().metadata();
    assert_eq!((b.mode & S_IFMT, b.rdev), (S_IFBLK, makedev(259, 300)));

    let mut expect = vec![
        "big.bin",
        "dev-b",
        "dev-c",
        "empty",
        "fast-link",
        "fifo",
        "hello.txt",
        "lost+found",
        "slow-link",
        "sparse.bin",
        "sub",
    ];
    expect.sort();
    assert_eq!(names(root), expect);
}

#[test]
fn reads_host_made_images() {
    for bs in ["1024", "4096"] {
        let img = host_image(bs);
        {
            let (_fs, root) = img.mount_ro();
            check_host_tree(&root);
        }
        // Changing a host-made tree keeps it consistent.
        {
            let (fs, root) = img.mount();
            check_host_tree(&root);
            let hello = get(&root, "hello.txt").unwrap();
            hello.append(b"more\n").unwrap();
            get(&root, "sub").unwrap().unlink(b"hard").unwrap();
            root.unlink(b"big.bin").unwrap();
            root.unlink(b"dev-c").unwrap();
            root.unlink(b"slow-link").unwrap();
            get(&root, "sparse.bin")
                .unwrap()
                .setattr(&SetAttr {
                    size: Some(3 << 20),
                    ..Default::default()
                })
                .unwrap();
            root.rename(b"sub", &get(&root, "lost+found").unwrap(), b"moved", 0)
                .unwrap();
            fs.unmount().unwrap();
        }
        img.assert_clean();
    }
}

#[test]
fn revision_0() {
    let img = Image::mkfs(&["-r", "0", "-b", "1024"], "8M");
    {
        let (fs, root) = img.mount();
        let d = mkdir(&root, "dir");
        file(&d, "f", b"rev0");
        assert!(
            entries(&d).iter().all(|e| e.2 == 0),
            "no file types in rev 0 entries"
        );
        root.symlink(b"l", b"dir/f", &attr(S_IFLNK | 0o777))
            .unwrap();
        fs.unmount().unwrap();
    }
    img.assert_clean();
    // A file past 2 GiB moves the filesystem to revision 1 with large_file, as Linux does.
    {
        let (fs, root) = img.mount();
        file(&root, "large", b"").write_at(3 << 30, b"x").unwrap();
        fs.unmount().unwrap();
    }
    assert_eq!(img.sb_u32(crate::ext2::layout::sb::REV_LEVEL), 1);
    assert_ne!(
        img.sb_u32(crate::ext2::layout::sb::FEATURE_RO_COMPAT) & 2,
        0
    );
    img.assert_clean();
    let (_fs, root) = img.mount_ro();
    assert_eq!(read_all(&get(&root, "dir/f").unwrap()), b"rev0");
}

#[test]
fn feature_checks_match_linux() {
    // ext4 (extents, 64bit, flex_bg...) is refused outright.
    let ext4 = Image::mkfs(&["-t", "ext4"], "16M");
    assert_eq!(ext4.try_mount(true).err(), Some(Errno::EINVAL));
    assert_eq!(ext4.try_mount(false).err(), Some(Errno::EINVAL));
    // A read-only-compatible feature ext2 lacks: read-only mounts only.
    let huge = Image::mkfs(&["-O", "huge_file"], "8M");
    assert_eq!(huge.try_mount(false).err(), Some(Errno::EINVAL));
    let fs = huge.try_mount(true).unwrap();
    assert!(fs.is_readonly());
    assert_eq!(fs.remount(false), Err(Errno::EROFS));
    // ext3 is ext2 with a journal: Linux's ext2 mounts it (when clean).
    let ext3 = Image::mkfs(&["-t", "ext3", "-b", "1024"], "16M");
    {
        let (fs, root) = ext3.mount();
        file(&root, "f", &pattern(100_000, 2));
        fs.unmount().unwrap();
    }
    ext3.assert_clean();
    // Not a filesystem at all, or a device too small for its superblock.
    let blank = Arc::new(crate::blockdev::MemDisk::new(512, 2048));
    assert_eq!(
        mount_with(blank, &MountOptions::default()).err(),
        Some(Errno::EINVAL)
    );
    let tiny = Arc::new(crate::blockdev::MemDisk::new(512, 2));
    assert_eq!(
        mount_with(tiny, &MountOptions::default()).err(),
        Some(Errno::EINVAL)
    );
    // An image cut short of its block count.
    let img = Image::mkfs(&["-b", "1024"], "8M");
    let bytes = std::fs::read(&img.path).unwrap();
    let cut = crate::blockdev::MemDisk::from_bytes(512, bytes[..4 << 20].to_vec()).unwrap();
    assert_eq!(
        mount_with(Arc::new(cut), &MountOptions::default()).err(),
        Some(Errno::EINVAL)
    );
}

#[test]
fn statfs_matches_the_superblock() {
    let img = Image::mkfs(&["-b", "1024"], "8M");
    let (fs, root) = img.mount();
    let s = root.fs().statfs();
    assert_eq!(root.fs().name(), "ext2");
    assert_eq!(s.fs_type, 0xEF53);
    assert_eq!(
        (s.block_size, s.fragment_size, s.name_max),
        (1024, 1024, 255)
    );
    // 8192 blocks minus block 0, superblock + descriptors + 31 reserved GDT blocks... as
    // Linux counts overhead: first data block, sb + gdt per group, bitmaps and inode table.
    assert_eq!(s.blocks, 8192 - (1 + 1 + 1 + 2 + 512));
    assert_eq!(
        s.blocks_free,
        img.sb_u32(crate::ext2::layout::sb::FREE_BLOCKS_COUNT) as u64
    );
    assert_eq!(s.blocks_avail, s.blocks_free - 409);
    assert_eq!((s.files, s.files_free), (2048, 2037));
    drop(root);
    fs.unmount().unwrap();
}
