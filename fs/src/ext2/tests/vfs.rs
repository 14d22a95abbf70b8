//! ext2 under the VFS: path operations, open files, getdents, deferred deletion on close.

use super::*;
use crate::testutil::{get as vget, ls, put};
use crate::vfs::{self, Caller, Credentials, mount_root};

#[test]
fn path_operations_through_the_vfs() {
    let img = Image::mkfs(&["-b", "1024"], "8M");
    {
        let (fs, root) = img.mount();
        let ns = mount_root(root, 0);
        let creds = Credentials::root();
        let cx = Caller::new(&ns, &creds);
        vfs::mkdir(&cx, &ns, b"/a", 0o755).unwrap();
        vfs::mkdir(&cx, &ns, b"/a/b", 0o755).unwrap();
        put(&cx, b"/a/b/file", b"through the vfs");
        vfs::symlink(&cx, b"b/file", &ns, b"/a/link").unwrap();
        assert_eq!(vget(&cx, b"/a/link"), b"through the vfs");
        vfs::rename(&cx, &ns, b"/a/b", &ns, b"/moved", 0).unwrap();
        assert_eq!(
            ls(&cx, b"/"),
            [b"a".to_vec(), b"lost+found".to_vec(), b"moved".to_vec()]
        );
        assert_eq!(vget(&cx, b"/moved/file"), b"through the vfs");
        assert_eq!(vget(&cx, b"/moved/../a/../moved/file"), b"through the vfs");

        // Unlinked while open: readable until closed, then gone.
        let open = vfs::open(&cx, &ns, b"/moved/file", O_RDWR, 0).unwrap();
        let free_before = ns.fs().statfs().files_free;
        vfs::unlink(&cx, &ns, b"/moved/file").unwrap();
        assert_eq!(open.metadata().nlink, 0);
        let mut buf = [0u8; 7];
        assert_eq!(open.read(&mut buf), Ok(7));
        assert_eq!(&buf, b"through");
        assert_eq!(ns.fs().statfs().files_free, free_before);
        drop(open);
        assert_eq!(ns.fs().statfs().files_free, free_before + 1);

        let f = vfs::open(&cx, &ns, b"/trunc", O_RDWR | O_CREAT, 0o600).unwrap();
        assert_eq!(f.write(&pattern(5000, 1)), Ok(5000));
        f.truncate(10).unwrap();
        assert_eq!(f.metadata().size, 10);
        let f2 = vfs::open(&cx, &ns, b"/trunc", O_RDWR | O_TRUNC, 0).unwrap();
        assert_eq!(f2.metadata().size, 0);
        drop((f, f2));
        drop(ns);
        fs.unmount().unwrap();
    }
    img.assert_clean();
}
