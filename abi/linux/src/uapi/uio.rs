//! Scatter/gather I/O vectors (`include/uapi/linux/uio.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct iovec`: a user buffer address and length.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IoVec {
    pub iov_base: u64,
    pub iov_len: u64,
}
const _: () = assert!(size_of::<IoVec>() == 16);

/// Most iovecs one readv/writev/sendmsg may take (`UIO_MAXIOV`, glibc's `IOV_MAX`).
pub const UIO_MAXIOV: usize = 1024;
/// Iovec count Linux handles on its stack without allocating.
pub const UIO_FASTIOV: usize = 8;
