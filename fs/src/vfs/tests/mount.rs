use alloc::sync::Arc;

use crate::testutil::*;
use crate::tmpfs::{self, TmpfsOptions};
use crate::vfs::*;

fn fresh() -> Arc<dyn Inode> {
    tmpfs::new(TmpfsOptions::default())
}

#[test]
fn mount_cross_and_back() {
    let root = new_root();
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    mkdir(&cx, &root, b"/mnt", 0o755).unwrap();
    put(&cx, b"/mnt/under", b"hidden");
    let target = lookup(&cx, &root, b"/mnt", true).unwrap();
    let top = mount(fresh(), &target, 0).unwrap();
    assert_eq!(lookup(&cx, &root, b"/mnt", true).unwrap(), top);
    assert_eq!(
        lookup(&cx, &root, b"/mnt/under", true).err(),
        Some(Errno::ENOENT)
    );
    mkdir(&cx, &root, b"/mnt/sub", 0o755).unwrap();
    let sub = lookup(&cx, &root, b"/mnt/sub", true).unwrap();
    assert_ne!(sub.metadata().dev, root.metadata().dev);
    assert_eq!(lookup(&cx, &sub, b"../..", true).unwrap(), root);
    assert_eq!(lookup(&cx, &top, b"..", true).unwrap(), root);
    assert_eq!(path_of(&sub, &root), b"/mnt/sub");
    // ".." inside the mounted tree never leaves the mount root upwards into the lower tree.
    assert_eq!(
        lookup(&cx, &sub, b"../under", true).err(),
        Some(Errno::ENOENT)
    );

    drop(sub);
    assert_eq!(
        umount(lookup(&cx, &root, b"/mnt", true).unwrap(), 0).err(),
        Some(Errno::EBUSY),
        "`top` is held"
    );
    drop(top);
    umount(lookup(&cx, &root, b"/mnt", true).unwrap(), 0).unwrap();
    assert_eq!(get(&cx, b"/mnt/under"), b"hidden");
}

#[test]
fn umount_rules() {
    let root = new_root();
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    mkdir(&cx, &root, b"/m", 0o755).unwrap();
    let target = lookup(&cx, &root, b"/m", true).unwrap();
    drop(mount(fresh(), &target, 0).unwrap());
    drop(target);
    put(&cx, b"/m/f", b"x");
    assert_eq!(
        umount(lookup(&cx, &root, b"/m/f", true).unwrap(), 0).err(),
        Some(Errno::EINVAL)
    );
    assert_eq!(umount(root.clone(), 0).err(), Some(Errno::EINVAL));
    let busy = open(&cx, &root, b"/m/f", O_RDONLY, 0).unwrap();
    assert_eq!(
        umount(lookup(&cx, &root, b"/m", true).unwrap(), 0).err(),
        Some(Errno::EBUSY)
    );
    // The mountpoint cannot be removed or renamed while covered.
    assert_eq!(rmdir(&cx, &root, b"/m").err(), Some(Errno::EBUSY));
    assert_eq!(
        rename(&cx, &root, b"/m", &root, b"/m2", 0).err(),
        Some(Errno::EBUSY)
    );
    umount(
        lookup(&cx, &root, b"/m", true).unwrap(),
        mount::UMOUNT_DETACH,
    )
    .unwrap();
    assert_eq!(lookup(&cx, &root, b"/m/f", true).err(), Some(Errno::ENOENT));
    // The detached tree stays usable through the open file.
    assert_eq!(read_all(&busy), b"x");
    rmdir(&cx, &root, b"/m").unwrap();
}

#[test]
fn stacked_mounts_and_bind() {
    let root = new_root();
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    mkdir(&cx, &root, b"/m", 0o755).unwrap();
    let lower = mount(fresh(), &lookup(&cx, &root, b"/m", true).unwrap(), 0).unwrap();
    put(&cx, b"/m/lower", b"1");
    drop(lower);
    let upper = mount(fresh(), &lookup(&cx, &root, b"/m", true).unwrap(), 0).unwrap();
    assert_eq!(stat(&cx, b"/m/lower").err(), Some(Errno::ENOENT));
    drop(upper);
    umount(lookup(&cx, &root, b"/m", true).unwrap(), 0).unwrap();
    assert_eq!(get(&cx, b"/m/lower"), b"1");

    mkdir(&cx, &root, b"/b", 0o755).unwrap();
    let src = lookup(&cx, &root, b"/m", true).unwrap();
    drop(bind_mount(&src, &lookup(&cx, &root, b"/b", true).unwrap(), 0).unwrap());
    assert_eq!(get(&cx, b"/b/lower"), b"1");
    put(&cx, b"/b/new", b"2");
    assert_eq!(get(&cx, b"/m/new"), b"2");
    assert_eq!(
        path_of(&lookup(&cx, &root, b"/b/new", true).unwrap(), &root),
        b"/b/new"
    );
    // Links and renames do not cross mounts, even of the same filesystem.
    assert_eq!(
        rename(&cx, &root, b"/b/new", &root, b"/m/new2", 0).err(),
        Some(Errno::EXDEV)
    );
    let old = lookup(&cx, &root, b"/b/new", true).unwrap();
    assert_eq!(link(&cx, &old, &root, b"/m/l").err(), Some(Errno::EXDEV));
}

#[test]
fn read_only_mount() {
    let root = new_root();
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    mkdir(&cx, &root, b"/ro", 0o755).unwrap();
    let fs = fresh();
    let top = mount(fs, &lookup(&cx, &root, b"/ro", true).unwrap(), 0).unwrap();
    put(&cx, b"/ro/f", b"data");
    mkdir(&cx, &root, b"/ro/d", 0o755).unwrap();
    top.mnt.set_flags(mount::MNT_RDONLY);
    assert_eq!(
        open(&cx, &root, b"/ro/f", O_WRONLY, 0).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(
        open(&cx, &root, b"/ro/f", O_RDONLY | O_TRUNC, 0).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(
        open(&cx, &root, b"/ro/g", O_WRONLY | O_CREAT, 0o644).err(),
        Some(Errno::EROFS)
    );
    assert_eq!(
        open(&cx, &root, b"/ro/f", O_RDONLY | O_CREAT, 0o644).map(|f| read_all(&f)),
        Ok(b"data".to_vec())
    );
    assert_eq!(
        mkdir(&cx, &root, b"/ro/d", 0o755).err(),
        Some(Errno::EEXIST)
    );
    assert_eq!(mkdir(&cx, &root, b"/ro/e", 0o755).err(), Some(Errno::EROFS));
    assert_eq!(unlink(&cx, &root, b"/ro/f").err(), Some(Errno::EROFS));
    assert_eq!(rmdir(&cx, &root, b"/ro/d").err(), Some(Errno::EROFS));
    assert_eq!(
        faccessat(&cx, &root, b"/ro/f", MAY_WRITE, true).err(),
        Some(Errno::EROFS)
    );
    let f = lookup(&cx, &root, b"/ro/f", true).unwrap();
    assert_eq!(chmod(&cx, &f, 0o600).err(), Some(Errno::EROFS));
    assert_eq!(truncate(&cx, &f, 0).err(), Some(Errno::EROFS));
}
