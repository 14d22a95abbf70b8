//! Permission checks (Linux `generic_permission`, `inode_permission`, sticky directories).

use alloc::vec::Vec;

use super::inode::Inode;
use super::types::*;
use crate::{Errno, SysResult};

pub const MAY_EXEC: u32 = 1;
pub const MAY_WRITE: u32 = 2;
pub const MAY_READ: u32 = 4;

/// Who is asking: the filesystem uid/gid and supplementary groups. uid 0 holds every
/// capability (`CAP_DAC_OVERRIDE`, `CAP_DAC_READ_SEARCH`, `CAP_FOWNER`, `CAP_CHOWN`,
/// `CAP_FSETID`, `CAP_MKNOD`), as for root without a user namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub uid: u32,
    pub gid: u32,
    pub groups: Vec<u32>,
}

impl Credentials {
    pub fn root() -> Self {
        Credentials {
            uid: 0,
            gid: 0,
            groups: Vec::new(),
        }
    }

    pub fn new(uid: u32, gid: u32) -> Self {
        Credentials {
            uid,
            gid,
            groups: Vec::new(),
        }
    }

    pub fn is_superuser(&self) -> bool {
        self.uid == 0
    }

    /// `in_group_p`: the primary or a supplementary group.
    pub fn in_group(&self, gid: u32) -> bool {
        self.gid == gid || self.groups.contains(&gid)
    }
}

/// Linux `generic_permission` on `meta` for `mask` (`MAY_READ | MAY_WRITE | MAY_EXEC`).
/// The owner class applies to the owner even when group or other would allow more.
pub fn generic_permission(meta: &Metadata, creds: &Credentials, mask: u32) -> SysResult<()> {
    let mask = mask & (MAY_READ | MAY_WRITE | MAY_EXEC);
    let mode = meta.mode;
    let class = if creds.uid == meta.uid {
        mode >> 6
    } else if creds.in_group(meta.gid) {
        mode >> 3
    } else {
        mode
    };
    if mask & !class & 7 == 0 {
        return Ok(());
    }
    if creds.is_superuser() {
        // CAP_DAC_READ_SEARCH / CAP_DAC_OVERRIDE: directories are always searchable and writable;
        // a file is executable only if some execute bit is set.
        if meta.is_dir() || mask & MAY_EXEC == 0 || mode & S_IXUGO != 0 {
            return Ok(());
        }
    }
    Err(Errno::EACCES)
}

/// [`generic_permission`] on an inode's current metadata.
pub fn access(inode: &dyn Inode, creds: &Credentials, mask: u32) -> SysResult<()> {
    generic_permission(&inode.metadata(), creds, mask)
}

/// `inode_owner_or_capable`: the owner, or `CAP_FOWNER`.
pub fn owner_or_capable(meta: &Metadata, creds: &Credentials) -> bool {
    creds.uid == meta.uid || creds.is_superuser()
}

/// `check_sticky`: in a sticky directory only the file's owner, the directory's owner or
/// `CAP_FOWNER` may delete or rename. True when the operation is forbidden.
pub fn sticky_forbids(dir: &Metadata, victim: &Metadata, creds: &Credentials) -> bool {
    dir.mode & S_ISVTX != 0
        && creds.uid != victim.uid
        && creds.uid != dir.uid
        && !creds.is_superuser()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(mode: u32, uid: u32, gid: u32) -> Metadata {
        Metadata {
            mode,
            uid,
            gid,
            ..Default::default()
        }
    }

    #[test]
    fn owner_group_other_classes() {
        let alice = Credentials {
            uid: 1000,
            gid: 100,
            groups: alloc::vec![200],
        };
        let f = meta(S_IFREG | 0o640, 1000, 100);
        assert_eq!(generic_permission(&f, &alice, MAY_READ | MAY_WRITE), Ok(()));
        assert_eq!(generic_permission(&f, &alice, MAY_EXEC), Err(Errno::EACCES));
        // Owner class wins even when "other" would allow more.
        let g = meta(S_IFREG | 0o007, 1000, 100);
        assert_eq!(generic_permission(&g, &alice, MAY_READ), Err(Errno::EACCES));
        // Supplementary group.
        let h = meta(S_IFREG | 0o040, 1, 200);
        assert_eq!(generic_permission(&h, &alice, MAY_READ), Ok(()));
        let bob = Credentials::new(1001, 101);
        assert_eq!(generic_permission(&h, &bob, MAY_READ), Err(Errno::EACCES));
    }

    #[test]
    fn root_overrides_like_linux() {
        let root = Credentials::root();
        assert_eq!(
            generic_permission(&meta(S_IFREG, 5, 5), &root, MAY_READ | MAY_WRITE),
            Ok(())
        );
        assert_eq!(
            generic_permission(&meta(S_IFREG | 0o644, 5, 5), &root, MAY_EXEC),
            Err(Errno::EACCES)
        );
        assert_eq!(
            generic_permission(&meta(S_IFREG | 0o001, 5, 5), &root, MAY_EXEC),
            Ok(())
        );
        assert_eq!(
            generic_permission(&meta(S_IFDIR, 5, 5), &root, MAY_EXEC | MAY_WRITE),
            Ok(())
        );
    }

    #[test]
    fn sticky() {
        let dir = meta(S_IFDIR | 0o1777, 0, 0);
        let file = meta(S_IFREG | 0o666, 1000, 1000);
        assert!(sticky_forbids(&dir, &file, &Credentials::new(1001, 1001)));
        assert!(!sticky_forbids(&dir, &file, &Credentials::new(1000, 1)));
        assert!(!sticky_forbids(&dir, &file, &Credentials::root()));
        assert!(!sticky_forbids(
            &meta(S_IFDIR | 0o777, 0, 0),
            &file,
            &Credentials::new(7, 7)
        ));
    }
}
