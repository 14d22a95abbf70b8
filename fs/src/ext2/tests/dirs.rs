//! Directories: entries across blocks, readdir cookies, link counts, rmdir and rename.

use super::*;
use crate::vfs::inode::same_inode;

fn nlink(i: &Arc<dyn Inode>) -> u32 {
    i.metadata().nlink
}

fn dotdot(dir: &Arc<dyn Inode>) -> u64 {
    entries(dir)
        .into_iter()
        .find(|(n, ..)| n == b"..")
        .map(|(_, ino, _)| ino)
        .unwrap()
}

#[test]
fn many_entries_and_stable_cookies() {
    let img = Image::mkfs(&["-b", "1024"], "16M");
    {
        let (fs, root) = img.mount();
        let d = mkdir(&root, "many");
        let long = "x".repeat(200);
        let mut expect = Vec::new();
        for i in 0..600 {
            let name = format!("{i}-{}", &long[..i % 150]);
            file(&d, &name, b"");
            expect.push(name);
        }
        expect.sort();
        assert_eq!(names(&d), expect);
        let all = entries(&d);
        assert_eq!(
            (&all[0].0[..], &all[1].0[..]),
            (&b"."[..], &b".."[..]),
            "dot entries first"
        );
        assert_eq!(all[0].1, d.metadata().ino);
        assert_eq!(all[1].1, root.metadata().ino);
        assert!(
            all[2..]
                .iter()
                .all(|e| e.2 == FileType::Regular.dirent_type())
        );
        let m = d.metadata();
        assert_eq!(m.size % 1024, 0);
        assert!(m.size > 50 * 1024, "spans many blocks");
        assert_eq!(m.blocks, dense_dir_sectors(m.size / 1024));

        // Read a third, delete entries on both sides of the cursor, read on: nothing is seen
        // twice and every entry that stayed is seen.
        let mut first = Entries {
            limit: Some(200),
            ..Default::default()
        };
        d.readdir(0, &mut first).unwrap();
        let cursor = first.items.last().unwrap().2;
        let seen: Vec<Vec<u8>> = first.items.iter().map(|e| e.0.clone()).collect();
        let mut removed = Vec::new();
        for (i, name) in expect.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            d.unlink(name.as_bytes()).unwrap();
            removed.push(name.clone());
            let _ = i;
        }
        let mut rest = Entries::default();
        d.readdir(cursor, &mut rest).unwrap();
        let later: Vec<Vec<u8>> = rest.items.iter().map(|e| e.0.clone()).collect();
        for name in &later {
            assert!(
                !seen.contains(name),
                "{} seen twice",
                String::from_utf8_lossy(name)
            );
        }
        for name in expect.iter().filter(|n| !removed.contains(n)) {
            let n = name.as_bytes().to_vec();
            assert!(seen.contains(&n) || later.contains(&n), "{name} missed");
        }
        // Freed space is reused in place: the directory does not grow.
        let size = d.metadata().size;
        for i in 0..150 {
            file(&d, &format!("again-{i}"), b"");
        }
        assert_eq!(d.metadata().size, size);
        assert_eq!(names(&d).len(), 600 - removed.len() + 150);
        fs.unmount().unwrap();
    }
    img.assert_clean();
}

fn dense_dir_sectors(blocks: u64) -> u64 {
    let meta = if blocks > 12 {
        1 + (blocks > 12 + 256) as u64 * 2
    } else {
        0
    };
    (blocks + meta) * 2
}

#[test]
fn deep_trees_link_counts_and_rmdir() {
    let img = Image::mkfs(&["-b", "4096"], "16M");
    {
        let (fs, root) = img.mount();
        let root_links = nlink(&root);
        let mut path = Vec::new();
        let mut cur = root.clone();
        for i in 0..40 {
            cur = mkdir(&cur, &format!("level{i}"));
            path.push(cur.clone());
            assert_eq!(nlink(&cur), 2);
        }
        assert_eq!(nlink(&root), root_links + 1);
        assert!(path.windows(2).all(|w| nlink(&w[0]) == 3));
        assert_eq!(dotdot(&path[5]), path[4].metadata().ino);
        file(&cur, "leaf", b"leaf data");

        assert_eq!(root.rmdir(b"level0"), Err(Errno::ENOTEMPTY));
        assert_eq!(cur.rmdir(b"leaf"), Err(Errno::ENOTDIR));
        assert_eq!(path[38].unlink(b"level39"), Err(Errno::EISDIR));
        assert_eq!(root.rmdir(b"nope"), Err(Errno::ENOENT));
        cur.unlink(b"leaf").unwrap();
        for i in (0..40).rev() {
            let parent = if i == 0 {
                root.clone()
            } else {
                path[i - 1].clone()
            };
            parent.rmdir(format!("level{i}").as_bytes()).unwrap();
            assert_eq!(nlink(&path[i]), 0);
            assert_eq!(path[i].metadata().size, 0);
            assert_eq!(nlink(&parent), 2 + (i == 0) as u32 * (root_links - 2));
        }
        // A removed directory that is still referenced takes no new entries.
        assert_eq!(
            path[0].create(b"x", &attr(S_IFREG)).err(),
            Some(Errno::ENOENT)
        );
        assert!(entries(&path[0]).is_empty());
        drop(path);
        drop(cur);
        fs.unmount().unwrap();
    }
    img.assert_clean();
}

#[test]
fn rename_semantics() {
    let img = Image::mkfs(&["-b", "1024"], "8M");
    {
        let (fs, root) = img.mount();
        let a = mkdir(&root, "a");
        let b = mkdir(&root, "b");
        let f = file(&a, "f", b"contents");

        // A file across directories.
        a.rename(b"f", &b, b"g", 0).unwrap();
        assert_eq!(err(a.lookup(b"f")), Errno::ENOENT);
        assert!(same_inode(&b.lookup(b"g").unwrap(), &f));
        assert_eq!(read_all(&f), b"contents");

        // A directory across directories: its ".." and both link counts follow.
        let sub = mkdir(&a, "sub");
        file(&sub, "inner", b"x");
        assert_eq!((nlink(&a), nlink(&b)), (3, 2));
        a.rename(b"sub", &b, b"sub2", 0).unwrap();
        assert_eq!((nlink(&a), nlink(&b)), (2, 3));
        assert_eq!(dotdot(&sub), b.metadata().ino);
        // Within one directory nothing changes but the name.
        b.rename(b"sub2", &b, b"sub3", 0).unwrap();
        assert_eq!(nlink(&b), 3);
        assert_eq!(dotdot(&sub), b.metadata().ino);

        // Replacing a file frees the old one.
        let free_before = fs_files_free(&root);
        let victim = file(&b, "victim", b"old");
        b.rename(b"g", &b, b"victim", 0).unwrap();
        assert_eq!(nlink(&victim), 0);
        assert_eq!(read_all(&b.lookup(b"victim").unwrap()), b"contents");
        drop(victim);
        assert_eq!(fs_files_free(&root), free_before);

        // Replacing directories.
        let empty = mkdir(&a, "empty");
        let full = mkdir(&a, "full");
        file(&full, "x", b"");
        assert_eq!(b.rename(b"sub3", &a, b"full", 0), Err(Errno::ENOTEMPTY));
        b.rename(b"sub3", &a, b"empty", 0).unwrap();
        assert_eq!(nlink(&empty), 0);
        assert_eq!((nlink(&a), nlink(&b)), (4, 2));
        assert_eq!(dotdot(&sub), a.metadata().ino);
        drop(empty);

        // Type mismatches, flags, loops, bad names.
        file(&a, "plain", b"");
        assert_eq!(a.rename(b"empty", &a, b"plain", 0), Err(Errno::ENOTDIR));
        assert_eq!(a.rename(b"plain", &a, b"full", 0), Err(Errno::EISDIR));
        assert_eq!(
            a.rename(b"plain", &a, b"full", RENAME_NOREPLACE),
            Err(Errno::EEXIST)
        );
        assert_eq!(
            a.rename(b"plain", &a, b"full", RENAME_EXCHANGE),
            Err(Errno::EINVAL)
        );
        assert_eq!(root.rename(b"a", &sub, b"loop", 0), Err(Errno::EINVAL));
        assert_eq!(a.rename(b"nope", &a, b"x", 0), Err(Errno::ENOENT));
        let long = "n".repeat(256);
        assert_eq!(
            a.rename(b"plain", &a, long.as_bytes(), 0),
            Err(Errno::ENAMETOOLONG)
        );
        assert_eq!(
            a.create(long.as_bytes(), &attr(S_IFREG)).err(),
            Some(Errno::ENAMETOOLONG)
        );
        let max = "m".repeat(255);
        a.rename(b"plain", &a, max.as_bytes(), 0).unwrap();
        assert!(names(&a).contains(&max));
        // Renaming a name onto another name of the same inode does nothing.
        a.link(max.as_bytes(), &a.lookup(max.as_bytes()).unwrap())
            .unwrap_err();
        let same = a.lookup(max.as_bytes()).unwrap();
        a.link(b"alias", &same).unwrap();
        a.rename(b"alias", &a, max.as_bytes(), 0).unwrap();
        assert_eq!(nlink(&same), 2);
        fs.unmount().unwrap();
    }
    img.assert_clean();
}

fn fs_files_free(root: &Arc<dyn Inode>) -> u64 {
    root.fs().statfs().files_free
}
