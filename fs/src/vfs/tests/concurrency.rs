extern crate std;

use alloc::format;
use alloc::vec::Vec;
use std::sync::Barrier;
use std::thread;

use crate::testutil::*;
use crate::vfs::*;

#[test]
fn exclusive_create_has_one_winner() {
    let root = new_root();
    let creds = root_creds();
    for round in 0..20 {
        let name = format!("/f{round}");
        let barrier = Barrier::new(8);
        let wins: usize = thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let cx = Caller::new(&root, &creds);
                        barrier.wait();
                        match open(
                            &cx,
                            &root,
                            name.as_bytes(),
                            O_CREAT | O_EXCL | O_WRONLY,
                            0o644,
                        ) {
                            Ok(_) => 1,
                            Err(e) => {
                                assert_eq!(e, Errno::EEXIST);
                                0
                            }
                        }
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).sum()
        });
        assert_eq!(wins, 1);
    }
}

#[test]
fn concurrent_namespace_changes_stay_consistent() {
    let root = new_root();
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    for d in ["/a", "/b"] {
        mkdir(&cx, &root, d.as_bytes(), 0o755).unwrap();
    }
    thread::scope(|s| {
        for t in 0..4 {
            let (root, creds) = (&root, &creds);
            s.spawn(move || {
                let cx = Caller::new(root, creds);
                for i in 0..200 {
                    let (from, to) = if (i + t) % 2 == 0 {
                        ("/a", "/b")
                    } else {
                        ("/b", "/a")
                    };
                    let name = format!("{from}/t{t}-{i}");
                    put(&cx, name.as_bytes(), b"x");
                    let moved = format!("{to}/t{t}-{i}");
                    rename(&cx, root, name.as_bytes(), root, moved.as_bytes(), 0).unwrap();
                    if i % 3 == 0 {
                        unlink(&cx, root, moved.as_bytes()).unwrap();
                    }
                    // Concurrent lookups of the other directory never see half-done work.
                    let _ = stat(&cx, format!("{from}/t{}-{i}", (t + 1) % 4).as_bytes());
                }
            });
        }
    });
    let count = ls(&cx, b"/a").len() + ls(&cx, b"/b").len();
    assert_eq!(count, 4 * (200 - 67));
    let size = |p: &[u8]| stat(&cx, p).unwrap().size;
    assert_eq!(size(b"/a") + size(b"/b"), 80 + 20 * count as u64);
}

#[test]
fn dentries_are_rebuilt_after_release() {
    let root = new_root();
    let creds = root_creds();
    let cx = Caller::new(&root, &creds);
    mkdir(&cx, &root, b"/d", 0o755).unwrap();
    put(&cx, b"/d/f", b"1");
    let first = lookup(&cx, &root, b"/d/f", true).unwrap();
    let again = lookup(&cx, &root, b"/d/f", true).unwrap();
    assert_eq!(first, again, "one live dentry per name");
    let ino = first.metadata().ino;
    drop((first, again));
    assert_eq!(stat(&cx, b"/d/f").unwrap().ino, ino);
    for i in 0..100 {
        put(&cx, format!("/d/g{i}").as_bytes(), b"");
    }
    assert_eq!(ls(&cx, b"/d").len(), 101);
}
