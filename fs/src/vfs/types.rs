//! Plain data shared by the VFS and the filesystems: mode bits, open flags, device numbers,
//! inode metadata, attribute changes and directory-entry sinks. Values are Linux x86_64's.

// File types, permission bits, open flags, whence values, rename flags and poll bits are the
// ABI's (Linux x86_64 values).
pub use linux_abi::uapi::fcntl::{
    O_ACCMODE, O_APPEND, O_ASYNC, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_DSYNC, O_EXCL, O_LARGEFILE,
    O_NOATIME, O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_SYNC, O_TMPFILE, O_TRUNC, O_WRONLY,
    RENAME_EXCHANGE, RENAME_NOREPLACE, RENAME_WHITEOUT, SEEK_CUR, SEEK_DATA, SEEK_END, SEEK_HOLE, SEEK_SET,
};
pub use linux_abi::uapi::poll::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM};
pub use linux_abi::uapi::stat::{
    S_IALLUGO, S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK, S_ISGID, S_ISUID, S_ISVTX,
    S_IXGRP,
};

pub const S_IRWXUGO: u32 = 0o777;
pub const S_IXUGO: u32 = 0o111;
/// `__O_TMPFILE`; `O_TMPFILE` is this plus `O_DIRECTORY`.
pub const O_TMPFILE_BIT: u32 = linux_abi::uapi::fcntl::__O_TMPFILE;

/// What files without a poll method report (Linux `DEFAULT_POLLMASK`).
pub const DEFAULT_POLLMASK: u16 = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

/// Longest file name component (`NAME_MAX`) and path including the NUL (`PATH_MAX`).
pub const NAME_MAX: usize = 255;
pub const PATH_MAX: usize = 4096;
/// Symlinks followed during one lookup before `ELOOP` (`MAXSYMLINKS`).
pub const MAX_SYMLINKS: u32 = 40;
/// Largest byte count a single read or write moves (`MAX_RW_COUNT`).
pub const MAX_RW_COUNT: usize = 0x7fff_f000;
/// Largest file offset (`MAX_LFS_FILESIZE` on 64-bit).
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;

/// A `dev_t` as user space sees it (glibc's 64-bit encoding, equal to the kernel's
/// `new_encode_dev` for 12-bit majors and 20-bit minors).
pub const fn makedev(major: u32, minor: u32) -> u64 {
    let (major, minor) = (major as u64, minor as u64);
    ((major & 0xffff_f000) << 32)
        | ((major & 0xfff) << 8)
        | ((minor & 0xffff_ff00) << 12)
        | (minor & 0xff)
}

/// The major number of a [`makedev`] value.
pub const fn major(dev: u64) -> u32 {
    (((dev >> 32) & 0xffff_f000) | ((dev >> 8) & 0xfff)) as u32
}

/// The minor number of a [`makedev`] value.
pub const fn minor(dev: u64) -> u32 {
    (((dev >> 12) & 0xffff_ff00) | (dev & 0xff)) as u32
}

/// A point in time as `struct timespec` holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timespec {
    pub sec: i64,
    pub nsec: u32,
}

impl Timespec {
    pub const ZERO: Timespec = Timespec { sec: 0, nsec: 0 };

    pub const fn new(sec: i64, nsec: u32) -> Self {
        Timespec { sec, nsec }
    }
}

/// The type of an inode, from the `S_IFMT` bits of its mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

impl FileType {
    /// The type encoded in `mode`, or `None` for a type Linux does not define.
    pub const fn from_mode(mode: u32) -> Option<FileType> {
        Some(match mode & S_IFMT {
            S_IFREG => FileType::Regular,
            S_IFDIR => FileType::Directory,
            S_IFLNK => FileType::Symlink,
            S_IFCHR => FileType::CharDevice,
            S_IFBLK => FileType::BlockDevice,
            S_IFIFO => FileType::Fifo,
            S_IFSOCK => FileType::Socket,
            _ => return None,
        })
    }

    /// The `S_IF*` bits of this type.
    pub const fn mode_bits(self) -> u32 {
        match self {
            FileType::Regular => S_IFREG,
            FileType::Directory => S_IFDIR,
            FileType::Symlink => S_IFLNK,
            FileType::CharDevice => S_IFCHR,
            FileType::BlockDevice => S_IFBLK,
            FileType::Fifo => S_IFIFO,
            FileType::Socket => S_IFSOCK,
        }
    }

    /// The `d_type` of `linux_dirent64` (`DT_REG` = 8, `DT_DIR` = 4, ...).
    pub const fn dirent_type(self) -> u8 {
        (self.mode_bits() >> 12) as u8
    }
}

/// Everything `stat`/`statx` report about an inode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Metadata {
    /// Device of the filesystem ([`makedev`] encoding).
    pub dev: u64,
    pub ino: u64,
    /// Type and permission bits.
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    /// Device a device node stands for ([`makedev`] encoding).
    pub rdev: u64,
    pub size: u64,
    pub blksize: u32,
    /// Storage used, in 512-byte units.
    pub blocks: u64,
    pub atime: Timespec,
    pub mtime: Timespec,
    pub ctime: Timespec,
    /// Creation time, where the filesystem records one.
    pub btime: Option<Timespec>,
}

impl Metadata {
    pub fn file_type(&self) -> Option<FileType> {
        FileType::from_mode(self.mode)
    }

    pub fn is_dir(&self) -> bool {
        self.mode & S_IFMT == S_IFDIR
    }
}

/// A change of attributes, as `notify_change` applies it: every `Some` field is set. The VFS
/// decides the values (including ctime); the filesystem only stores them. A `size` change
/// truncates or extends the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SetAttr {
    /// Permission bits only (`S_IALLUGO`); the type never changes.
    pub mode: Option<u32>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub size: Option<u64>,
    pub atime: Option<Timespec>,
    pub mtime: Option<Timespec>,
    pub ctime: Option<Timespec>,
}

/// The attributes of an inode being created; the VFS computes them (umask, setgid directories).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewInode {
    /// Type and permission bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Device number of a device node, 0 otherwise.
    pub rdev: u64,
}

/// Where `readdir` puts entries (the kernel's implementation formats `linux_dirent64`).
pub trait DirSink {
    /// Offer one entry. `next` is the position to resume after it (the entry's `d_off`).
    /// Returns false, without taking the entry, when there is no room for it.
    fn push(&mut self, ino: u64, next: u64, dtype: u8, name: &[u8]) -> bool;
}

/// What `statfs` reports about a filesystem.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatFs {
    /// Filesystem magic number (`TMPFS_MAGIC`, ...).
    pub fs_type: u64,
    pub block_size: u64,
    pub blocks: u64,
    pub blocks_free: u64,
    pub blocks_avail: u64,
    pub files: u64,
    pub files_free: u64,
    pub name_max: u64,
    pub fragment_size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dev_encoding_matches_glibc() {
        assert_eq!(makedev(1, 3), 0x103);
        assert_eq!(makedev(4, 64), 0x440);
        assert_eq!(makedev(0, 0x12345), 0x12300045);
        let d = makedev(0x12345, 0xabcdef);
        assert_eq!((major(d), minor(d)), (0x12345, 0xabcdef));
    }

    #[test]
    fn file_types() {
        assert_eq!(
            FileType::from_mode(S_IFDIR | 0o755),
            Some(FileType::Directory)
        );
        assert_eq!(FileType::from_mode(0o644), None);
        assert_eq!(FileType::Regular.dirent_type(), 8);
        assert_eq!(FileType::Symlink.dirent_type(), 10);
        assert_eq!(FileType::Directory.dirent_type(), 4);
    }
}
