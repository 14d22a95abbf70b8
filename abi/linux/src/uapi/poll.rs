//! poll(2) and select(2) (`include/uapi/asm-generic/poll.h`, `linux/posix_types.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `struct pollfd`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct PollFd {
    pub fd: i32,
    pub events: i16,
    pub revents: i16,
}
const _: () = assert!(size_of::<PollFd>() == 8);

pub const POLLIN: u16 = 0x001;
pub const POLLPRI: u16 = 0x002;
pub const POLLOUT: u16 = 0x004;
pub const POLLERR: u16 = 0x008;
pub const POLLHUP: u16 = 0x010;
pub const POLLNVAL: u16 = 0x020;
pub const POLLRDNORM: u16 = 0x040;
pub const POLLRDBAND: u16 = 0x080;
pub const POLLWRNORM: u16 = 0x100;
pub const POLLWRBAND: u16 = 0x200;
pub const POLLMSG: u16 = 0x400;
pub const POLLRDHUP: u16 = 0x2000;

/// select(2) event classes, as fs/select.c maps them onto poll bits.
pub const SELECT_IN: u16 = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
pub const SELECT_OUT: u16 = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
pub const SELECT_EX: u16 = POLLPRI;

/// `FD_SETSIZE`: the bits in a `fd_set`.
pub const FD_SETSIZE: usize = 1024;
