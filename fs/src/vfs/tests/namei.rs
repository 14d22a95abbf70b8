use alloc::vec;
use alloc::vec::Vec;

use crate::testutil::*;
use crate::vfs::*;

fn setup() -> (Path, Credentials) {
    let root = new_root();
    let creds = root_creds();
    {
        let cx = Caller::new(&root, &creds);
        mkdir(&cx, &root, b"/a", 0o755).unwrap();
        mkdir(&cx, &root, b"/a/b", 0o755).unwrap();
        put(&cx, b"/a/b/c", b"data");
    }
    (root, creds)
}

fn ino(cx: &Caller, path: &[u8]) -> u64 {
    lookup(cx, cx.root, path, true).unwrap().metadata().ino
}

#[test]
fn dots_and_slashes() {
    let (root, creds) = setup();
    let cx = Caller::new(&root, &creds);
    let c = ino(&cx, b"/a/b/c");
    for p in [
        &b"/a//b/./c"[..],
        b"a/b/../b/c",
        b"///a/b/c",
        b"/../../a/b/c",
        b"./a/./b/c",
    ] {
        assert_eq!(
            ino(&cx, p),
            c,
            "{}",
            alloc::string::String::from_utf8_lossy(p)
        );
    }
    let a = lookup(&cx, &root, b"/a", true).unwrap();
    assert_eq!(lookup(&cx, &a, b"b/c", true).unwrap().metadata().ino, c);
    assert_eq!(lookup(&cx, &a, b"..", true).unwrap(), root);
    assert_eq!(lookup(&cx, &a, b"/", true).unwrap(), root);
    assert_eq!(
        lookup(&cx, &a, b"b/", true).unwrap().metadata().ino,
        ino(&cx, b"/a/b")
    );
}

#[test]
fn trailing_slash_needs_directory() {
    let (root, creds) = setup();
    let cx = Caller::new(&root, &creds);
    assert_eq!(
        lookup(&cx, &root, b"/a/b/c/", true).err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(
        lookup(&cx, &root, b"/a/b/c/.", true).err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(
        lookup(&cx, &root, b"/a/b/c/x", true).err(),
        Some(Errno::ENOTDIR)
    );
    assert!(lookup(&cx, &root, b"/a/b//", false).is_ok());
}

#[test]
fn length_limits() {
    let (root, creds) = setup();
    let cx = Caller::new(&root, &creds);
    assert_eq!(lookup(&cx, &root, b"", true).err(), Some(Errno::ENOENT));
    let long = vec![b'x'; 256];
    assert_eq!(
        lookup(&cx, &root, &long, true).err(),
        Some(Errno::ENAMETOOLONG)
    );
    assert_eq!(
        lookup(&cx, &root, &long[..255], true).err(),
        Some(Errno::ENOENT)
    );
    let mut path = Vec::new();
    while path.len() < 4096 {
        path.extend_from_slice(b"./");
    }
    assert_eq!(
        lookup(&cx, &root, &path[..4096], true).err(),
        Some(Errno::ENAMETOOLONG)
    );
    assert_eq!(lookup(&cx, &root, &path[..4094], true).unwrap(), root);
}

#[test]
fn symlinks() {
    let (root, creds) = setup();
    let cx = Caller::new(&root, &creds);
    let c = ino(&cx, b"/a/b/c");
    symlink(&cx, b"b", &root, b"/a/rel").unwrap();
    symlink(&cx, b"/a/b/c", &root, b"/abs").unwrap();
    symlink(&cx, b"../a/b/", &root, b"/a/up").unwrap();
    symlink(&cx, b"nowhere", &root, b"/dangling").unwrap();
    assert_eq!(ino(&cx, b"/a/rel/c"), c);
    assert_eq!(ino(&cx, b"/abs"), c);
    assert_eq!(ino(&cx, b"/a/up/c"), c);
    let link = lookup(&cx, &root, b"/abs", false).unwrap();
    assert_eq!(link.inode().file_type(), FileType::Symlink);
    assert_eq!(
        lookup(&cx, &root, b"/dangling", true).err(),
        Some(Errno::ENOENT)
    );
    assert!(lookup(&cx, &root, b"/dangling", false).is_ok());
    // A trailing slash follows the last symlink even without follow, and needs a directory.
    assert_eq!(
        lookup(&cx, &root, b"/a/rel/", false)
            .unwrap()
            .metadata()
            .ino,
        ino(&cx, b"/a/b")
    );
    assert_eq!(
        lookup(&cx, &root, b"/abs/", false).err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(
        symlink(&cx, b"", &root, b"/empty").err(),
        Some(Errno::ENOENT)
    );
}

#[test]
fn symlink_loops_and_the_forty_limit() {
    let (root, creds) = setup();
    let cx = Caller::new(&root, &creds);
    symlink(&cx, b"loop2", &root, b"/loop1").unwrap();
    symlink(&cx, b"loop1", &root, b"/loop2").unwrap();
    assert_eq!(
        lookup(&cx, &root, b"/loop1", true).err(),
        Some(Errno::ELOOP)
    );
    assert_eq!(
        lookup(&cx, &root, b"/loop1/x", false).err(),
        Some(Errno::ELOOP)
    );
    // l0 -> a/b/c, l<i> -> l<i-1>: following l<n> takes n+1 links.
    symlink(&cx, b"/a/b/c", &root, b"/l0").unwrap();
    for i in 1..41 {
        let target = alloc::format!("l{}", i - 1);
        let name = alloc::format!("/l{i}");
        symlink(&cx, target.as_bytes(), &root, name.as_bytes()).unwrap();
    }
    assert!(lookup(&cx, &root, b"/l39", true).is_ok());
    assert_eq!(lookup(&cx, &root, b"/l40", true).err(), Some(Errno::ELOOP));
}

#[test]
fn search_permission() {
    let (root, creds) = setup();
    let cx = Caller::new(&root, &creds);
    mkdir(&cx, &root, b"/private", 0o700).unwrap();
    mkdir(&cx, &root, b"/private/sub", 0o755).unwrap();
    mkdir(&cx, &root, b"/passage", 0o711).unwrap();
    mkdir(&cx, &root, b"/passage/sub", 0o755).unwrap();
    let user = Credentials::new(1000, 1000);
    let ucx = Caller::new(&root, &user);
    assert_eq!(
        lookup(&ucx, &root, b"/private/sub", true).err(),
        Some(Errno::EACCES)
    );
    assert_eq!(
        lookup(&ucx, &root, b"/private/.", true).err(),
        Some(Errno::EACCES)
    );
    assert!(lookup(&ucx, &root, b"/private", true).is_ok());
    assert!(lookup(&ucx, &root, b"/passage/sub", true).is_ok());
    assert!(lookup(&cx, &root, b"/private/sub", true).is_ok());
}

#[test]
fn relative_to_a_file_is_enotdir() {
    let (root, creds) = setup();
    let cx = Caller::new(&root, &creds);
    let file = lookup(&cx, &root, b"/a/b/c", true).unwrap();
    assert_eq!(lookup(&cx, &file, b"x", true).err(), Some(Errno::ENOTDIR));
    assert_eq!(lookup(&cx, &file, b".", true).err(), Some(Errno::ENOTDIR));
    assert!(lookup(&cx, &file, b"/a", true).is_ok());
}

#[test]
fn parent_and_last_component() {
    let (root, creds) = setup();
    let cx = Caller::new(&root, &creds);
    let a = lookup(&cx, &root, b"/a", true).unwrap();
    let (p, last) = lookup_parent(&cx, &root, b"/a/new/").unwrap();
    assert_eq!(
        (p, last.name(), last.trailing_slash),
        (a.clone(), Some(&b"new"[..]), true)
    );
    assert_eq!(
        lookup_parent(&cx, &root, b"/").unwrap().1.kind,
        LastKind::Root
    );
    assert_eq!(
        lookup_parent(&cx, &root, b"a/.").unwrap().1.kind,
        LastKind::Dot
    );
    let (p, last) = lookup_parent(&cx, &root, b"a/..").unwrap();
    assert_eq!((p, last.kind), (a, LastKind::DotDot));
    assert_eq!(
        lookup_parent(&cx, &root, b"/x/y").err(),
        Some(Errno::ENOENT)
    );
}

#[test]
fn changed_root_confines_lookups() {
    let (root, creds) = setup();
    let cx = Caller::new(&root, &creds);
    symlink(&cx, b"/b", &root, b"/a/jump").unwrap();
    let jail = lookup(&cx, &root, b"/a", true).unwrap();
    let jcx = Caller::new(&jail, &creds);
    assert_eq!(
        lookup(&jcx, &jail, b"/../../b/c", true)
            .unwrap()
            .metadata()
            .ino,
        ino(&cx, b"/a/b/c")
    );
    assert_eq!(
        lookup(&jcx, &jail, b"jump/c", true).unwrap().metadata().ino,
        ino(&cx, b"/a/b/c")
    );
    assert_eq!(
        path_of(&lookup(&jcx, &jail, b"/b", true).unwrap(), &jail),
        b"/b"
    );
    assert_eq!(
        path_of(&lookup(&cx, &root, b"/a/b", true).unwrap(), &root),
        b"/a/b"
    );
    assert_eq!(path_of(&root, &root), b"/");
}
