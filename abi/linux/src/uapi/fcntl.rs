//! open/fcntl/*at flags and commands (`include/uapi/asm-generic/fcntl.h`, which
//! x86_64 uses unchanged, and `include/uapi/linux/fcntl.h`), plus access(2) modes
//! and lseek whence values.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Mask of the access-mode field of the open flags: a value, not bits.
pub const O_ACCMODE: u32 = 0o3;
pub const O_RDONLY: u32 = 0o0;
pub const O_WRONLY: u32 = 0o1;
pub const O_RDWR: u32 = 0o2;

bitflags! {
    /// open(2) flags (x86_64 values, octal as in the C headers).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct OpenFlags: u32 {
        const WRONLY = O_WRONLY;
        const RDWR = O_RDWR;
        const CREAT = 0o100;
        const EXCL = 0o200;
        const NOCTTY = 0o400;
        const TRUNC = 0o1000;
        const APPEND = 0o2000;
        const NONBLOCK = 0o4000;
        const DSYNC = 0o10000;
        /// `FASYNC`: SIGIO-driven I/O.
        const ASYNC = 0o20000;
        const DIRECT = 0o40000;
        const LARGEFILE = 0o100000;
        const DIRECTORY = 0o200000;
        const NOFOLLOW = 0o400000;
        const NOATIME = 0o1000000;
        const CLOEXEC = 0o2000000;
        /// `O_SYNC` is `__O_SYNC | O_DSYNC`: a full-sync open also reports DSYNC.
        const SYNC = 0o4010000;
        const PATH = 0o10000000;
        /// `O_TMPFILE` is `__O_TMPFILE | O_DIRECTORY`.
        const TMPFILE = 0o20200000;
    }
}

impl OpenFlags {
    pub const RDONLY: OpenFlags = OpenFlags::empty();
    pub const NDELAY: OpenFlags = OpenFlags::NONBLOCK;
    pub const FASYNC: OpenFlags = OpenFlags::ASYNC;
    pub const RSYNC: OpenFlags = OpenFlags::SYNC;

    /// The access mode: `O_RDONLY`, `O_WRONLY`, `O_RDWR`, or 3 (which Linux
    /// accepts and treats as "no read, no write" for ioctl-only opens).
    pub const fn access_mode(self) -> u32 {
        self.bits() & O_ACCMODE
    }

    pub const fn readable(self) -> bool {
        matches!(self.access_mode(), O_RDONLY | O_RDWR)
    }

    pub const fn writable(self) -> bool {
        matches!(self.access_mode(), O_WRONLY | O_RDWR)
    }
}

/// The open flags as plain values, for code that works on the raw `u32`.
pub const O_CREAT: u32 = OpenFlags::CREAT.bits();
pub const O_EXCL: u32 = OpenFlags::EXCL.bits();
pub const O_NOCTTY: u32 = OpenFlags::NOCTTY.bits();
pub const O_TRUNC: u32 = OpenFlags::TRUNC.bits();
pub const O_APPEND: u32 = OpenFlags::APPEND.bits();
pub const O_NONBLOCK: u32 = OpenFlags::NONBLOCK.bits();
pub const O_DSYNC: u32 = OpenFlags::DSYNC.bits();
pub const O_ASYNC: u32 = OpenFlags::ASYNC.bits();
pub const O_DIRECT: u32 = OpenFlags::DIRECT.bits();
pub const O_LARGEFILE: u32 = OpenFlags::LARGEFILE.bits();
pub const O_DIRECTORY: u32 = OpenFlags::DIRECTORY.bits();
pub const O_NOFOLLOW: u32 = OpenFlags::NOFOLLOW.bits();
pub const O_NOATIME: u32 = OpenFlags::NOATIME.bits();
pub const O_CLOEXEC: u32 = OpenFlags::CLOEXEC.bits();
pub const O_SYNC: u32 = OpenFlags::SYNC.bits();
pub const O_PATH: u32 = OpenFlags::PATH.bits();
pub const O_TMPFILE: u32 = OpenFlags::TMPFILE.bits();

/// `__O_SYNC` alone (without the `O_DSYNC` bit O_SYNC implies).
pub const __O_SYNC: u32 = 0o4000000;
/// `__O_TMPFILE` alone (without the `O_DIRECTORY` bit O_TMPFILE implies).
pub const __O_TMPFILE: u32 = 0o20000000;
/// `VALID_OPEN_FLAGS`: every bit open(2) knows; openat2 rejects the rest.
pub const VALID_OPEN_FLAGS: u32 = O_ACCMODE | OpenFlags::all().bits();
/// Flags that may accompany `O_PATH` (`O_PATH_FLAGS`); others are dropped.
pub const O_PATH_FLAGS: u32 = OpenFlags::DIRECTORY.bits()
    | OpenFlags::NOFOLLOW.bits()
    | OpenFlags::PATH.bits()
    | OpenFlags::CLOEXEC.bits();

// fcntl(2) commands: values.
pub const F_DUPFD: u32 = 0;
pub const F_GETFD: u32 = 1;
pub const F_SETFD: u32 = 2;
pub const F_GETFL: u32 = 3;
pub const F_SETFL: u32 = 4;
pub const F_GETLK: u32 = 5;
pub const F_SETLK: u32 = 6;
pub const F_SETLKW: u32 = 7;
pub const F_SETOWN: u32 = 8;
pub const F_GETOWN: u32 = 9;
pub const F_SETSIG: u32 = 10;
pub const F_GETSIG: u32 = 11;
pub const F_SETOWN_EX: u32 = 15;
pub const F_GETOWN_EX: u32 = 16;
pub const F_GETOWNER_UIDS: u32 = 17;
pub const F_OFD_GETLK: u32 = 36;
pub const F_OFD_SETLK: u32 = 37;
pub const F_OFD_SETLKW: u32 = 38;
/// `F_LINUX_SPECIFIC_BASE`.
pub const F_LINUX_SPECIFIC_BASE: u32 = 1024;
pub const F_SETLEASE: u32 = F_LINUX_SPECIFIC_BASE;
pub const F_GETLEASE: u32 = F_LINUX_SPECIFIC_BASE + 1;
pub const F_NOTIFY: u32 = F_LINUX_SPECIFIC_BASE + 2;
pub const F_DUPFD_QUERY: u32 = F_LINUX_SPECIFIC_BASE + 3;
pub const F_CREATED_QUERY: u32 = F_LINUX_SPECIFIC_BASE + 4;
pub const F_CANCELLK: u32 = F_LINUX_SPECIFIC_BASE + 5;
pub const F_DUPFD_CLOEXEC: u32 = F_LINUX_SPECIFIC_BASE + 6;
pub const F_SETPIPE_SZ: u32 = F_LINUX_SPECIFIC_BASE + 7;
pub const F_GETPIPE_SZ: u32 = F_LINUX_SPECIFIC_BASE + 8;
pub const F_ADD_SEALS: u32 = F_LINUX_SPECIFIC_BASE + 9;
pub const F_GET_SEALS: u32 = F_LINUX_SPECIFIC_BASE + 10;
pub const F_GET_RW_HINT: u32 = F_LINUX_SPECIFIC_BASE + 11;
pub const F_SET_RW_HINT: u32 = F_LINUX_SPECIFIC_BASE + 12;
pub const F_GET_FILE_RW_HINT: u32 = F_LINUX_SPECIFIC_BASE + 13;
pub const F_SET_FILE_RW_HINT: u32 = F_LINUX_SPECIFIC_BASE + 14;

/// The only file-descriptor flag (F_GETFD/F_SETFD).
pub const FD_CLOEXEC: u32 = 1;

// Lock types (`l_type`).
pub const F_RDLCK: i16 = 0;
pub const F_WRLCK: i16 = 1;
pub const F_UNLCK: i16 = 2;

// Memfd seals (F_ADD_SEALS / F_GET_SEALS).
pub const F_SEAL_SEAL: u32 = 0x0001;
pub const F_SEAL_SHRINK: u32 = 0x0002;
pub const F_SEAL_GROW: u32 = 0x0004;
pub const F_SEAL_WRITE: u32 = 0x0008;
pub const F_SEAL_FUTURE_WRITE: u32 = 0x0010;
pub const F_SEAL_EXEC: u32 = 0x0020;

/// `struct flock` on x86_64 (F_GETLK/F_SETLK/F_OFD_*).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Flock {
    pub l_type: i16,
    pub l_whence: i16,
    /// C's alignment padding before `l_start`.
    pub _pad0: u32,
    pub l_start: i64,
    pub l_len: i64,
    pub l_pid: i32,
    /// C's tail padding.
    pub _pad1: u32,
}
const _: () = assert!(size_of::<Flock>() == 32);

/// The "current working directory" dirfd of the *at syscalls.
pub const AT_FDCWD: i32 = -100;

bitflags! {
    /// `AT_*` flags of the *at syscalls and statx.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct AtFlags: u32 {
        const SYMLINK_NOFOLLOW = 0x100;
        /// unlinkat: remove a directory. Same bit as `EACCESS` (faccessat).
        const REMOVEDIR = 0x200;
        /// faccessat: check with effective ids. Same bit as `REMOVEDIR` (unlinkat).
        const EACCESS = 0x200;
        const SYMLINK_FOLLOW = 0x400;
        const NO_AUTOMOUNT = 0x800;
        const EMPTY_PATH = 0x1000;
        const STATX_FORCE_SYNC = 0x2000;
        const STATX_DONT_SYNC = 0x4000;
        /// open_tree/mount_setattr: apply to the whole subtree.
        const RECURSIVE = 0x8000;
    }
}

/// statx sync-type field mask; its values are the three below.
pub const AT_STATX_SYNC_TYPE: u32 = 0x6000;
pub const AT_STATX_SYNC_AS_STAT: u32 = 0x0000;
pub const AT_STATX_FORCE_SYNC: u32 = 0x2000;
pub const AT_STATX_DONT_SYNC: u32 = 0x4000;

// access(2)/faccessat(2) modes.
pub const F_OK: u32 = 0;
pub const X_OK: u32 = 1;
pub const W_OK: u32 = 2;
pub const R_OK: u32 = 4;

// lseek(2) whence values (`include/uapi/linux/fs.h`).
pub const SEEK_SET: u32 = 0;
pub const SEEK_CUR: u32 = 1;
pub const SEEK_END: u32 = 2;
pub const SEEK_DATA: u32 = 3;
pub const SEEK_HOLE: u32 = 4;
pub const SEEK_MAX: u32 = SEEK_HOLE;

// renameat2(2) flags.
pub const RENAME_NOREPLACE: u32 = 1 << 0;
pub const RENAME_EXCHANGE: u32 = 1 << 1;
pub const RENAME_WHITEOUT: u32 = 1 << 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_flag_values_are_x86_64_octal() {
        // Spot checks against values glibc defines for x86_64.
        assert_eq!(OpenFlags::CREAT.bits(), 0x40);
        assert_eq!(OpenFlags::APPEND.bits(), 0x400);
        assert_eq!(OpenFlags::NONBLOCK.bits(), 0x800);
        assert_eq!(OpenFlags::DIRECTORY.bits(), 0x10000);
        assert_eq!(OpenFlags::CLOEXEC.bits(), 0x80000);
        assert_eq!(OpenFlags::SYNC.bits(), 0x101000);
        assert_eq!(OpenFlags::PATH.bits(), 0x200000);
        assert_eq!(OpenFlags::TMPFILE.bits(), 0x410000);
        assert!(OpenFlags::SYNC.contains(OpenFlags::DSYNC));
        assert!(OpenFlags::TMPFILE.contains(OpenFlags::DIRECTORY));
        assert_eq!(VALID_OPEN_FLAGS, 0o37777703);
    }

    #[test]
    fn access_mode_helpers() {
        let rw = OpenFlags::from_bits_retain(O_RDWR | OpenFlags::CREAT.bits());
        assert!(rw.readable() && rw.writable());
        let ro = OpenFlags::from_bits_retain(O_RDONLY);
        assert!(ro.readable() && !ro.writable());
        let three = OpenFlags::from_bits_retain(3);
        assert!(!three.readable() && !three.writable());
    }

    #[test]
    fn fcntl_command_values() {
        assert_eq!(F_DUPFD_CLOEXEC, 1030);
        assert_eq!(F_SETPIPE_SZ, 1031);
        assert_eq!(F_GET_SEALS, 1034);
        assert_eq!(AtFlags::EMPTY_PATH.bits(), 0x1000);
    }
}
