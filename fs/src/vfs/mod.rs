//! The filesystem-independent layer. Everything the kernel needs is re-exported here.

pub mod blkdev;
pub mod chardev;
pub mod dentry;
pub mod fifo;
pub mod file;
pub mod inode;
pub mod io;
pub mod mount;
pub mod namei;
pub mod ops;
pub mod perm;
pub mod types;

pub use blkdev::register_block_device;
pub use chardev::{CharDevice, char_device, register_char_device, unregister_char_device};
pub use dentry::Dentry;
pub use fifo::{FifoOpener, set_fifo_opener};
pub use file::{FileOps, OpenFile, POLLNVAL, open, open_exec};
pub use inode::{
    FileSystem, Inode, LinkTarget, alloc_anon_dev, downcast_inode, relatime_needs_update,
    same_inode,
};
pub use io::{Fault, ReadDest, WriteSrc, fill_zeroes, short_count};
pub use mount::{Mount, Path, bind_mount, mount, mount_root, path_of, umount};
pub use namei::{Caller, Last, LastKind, lookup, lookup_parent};
pub use ops::{
    TimeUpdate, check_chdir, chmod, chown, faccessat, link, mkdir, mknod, readlink, readlink_path,
    rename, rmdir, symlink, truncate, unlink, utimens,
};
pub use perm::{Credentials, MAY_EXEC, MAY_READ, MAY_WRITE, access, generic_permission};
pub use types::*;

pub use crate::{Errno, SysResult};

#[cfg(test)]
mod tests;
