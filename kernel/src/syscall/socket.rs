//! Sockets. AF_NETLINK/NETLINK_ROUTE works (what getifaddrs() needs); the other families are not
//! implemented yet and answer EAFNOSUPPORT, as Linux does for a family it was built without.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, Ordering};

use fs::vfs::{FileOps, OpenFile, Path, ReadDest, WriteSrc, short_count};
use linux_abi::uapi::poll::{POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use linux_abi::{Errno, SysResult};
use net::netlink::{self, AF_NETLINK, NETLINK_ROUTE};

use crate::arch::TrapFrame;
use crate::mm::user;
use crate::process::current;
use crate::process::fdtable::FdEntry;
use crate::sched::wait::{WaitOpts, WaitQueue};
use crate::sync::SpinLock;
use crate::vfs::UserBuf;

const SOCK_DGRAM: u32 = 2;
const SOCK_RAW: u32 = 3;
const SOCK_TYPE_MASK: u32 = 0xf;
const SOCK_NONBLOCK: u32 = 0o4000;
const SOCK_CLOEXEC: u32 = 0o2000000;
const MSG_DONTWAIT: u32 = 0x40;
const MSG_TRUNC: u32 = 0x20;
const MSG_PEEK: u32 = 0x2;
const SOL_SOCKET: u32 = 1;
const SO_SNDBUF: u32 = 7;
const SO_RCVBUF: u32 = 8;

/// A netlink socket talking to the kernel: each send queues the kernel's reply datagram.
struct NetlinkSocket {
    port: AtomicU32,
    replies: SpinLock<VecDeque<Vec<u8>>>,
    readable: WaitQueue,
}

impl NetlinkSocket {
    fn port(&self) -> u32 {
        // Autobind to the process's pid on first use, as Linux does.
        let _ = self.port.compare_exchange(0, current().process.pid, Ordering::Relaxed, Ordering::Relaxed);
        self.port.load(Ordering::Relaxed)
    }

    fn send(&self, data: &[u8]) -> SysResult<usize> {
        let reply = netlink::respond(data, self.port())?;
        if !reply.is_empty() {
            self.replies.lock().push_back(reply);
            self.readable.wake_all();
        }
        Ok(data.len())
    }

    /// Takes (or peeks at) the next reply; returns it whole with its full length.
    fn recv(&self, nonblock: bool, peek: bool) -> SysResult<Vec<u8>> {
        self.readable.wait(WaitOpts::INTERRUPTIBLE, || {
            let mut q = self.replies.lock();
            match if peek { q.front().cloned() } else { q.pop_front() } {
                Some(d) => Some(Ok(d)),
                None if nonblock => Some(Err(Errno::EAGAIN)),
                None => None,
            }
        })?
    }
}

impl FileOps for NetlinkSocket {
    fn read(&self, file: &OpenFile, dest: &mut dyn ReadDest) -> SysResult<usize> {
        let d = self.recv(file.is_nonblocking(), false)?;
        let n = d.len().min(dest.dest_len());
        dest.copy_out(0, &d[..n]).map_or_else(|f| short_count(0, f), |_| Ok(n))
    }

    fn write(&self, _file: &OpenFile, src: &dyn WriteSrc) -> SysResult<usize> {
        let mut buf = alloc::vec![0u8; src.src_len().min(65536)];
        src.copy_in(0, &mut buf).map_err(|_| Errno::EFAULT)?;
        self.send(&buf)
    }

    fn poll(&self, _file: &OpenFile) -> u16 {
        let ready = if self.replies.lock().is_empty() { 0 } else { POLLIN | POLLRDNORM };
        ready | POLLOUT | POLLWRNORM
    }
}

/// sockfs: socket inodes, so fstat reports S_IFSOCK.
fn sockfs_path() -> SysResult<Path> {
    static ROOT: spin::Once<Path> = spin::Once::new();
    let root = ROOT.call_once(|| {
        let opts = fs::tmpfs::TmpfsOptions { name: "sockfs", mode: 0o700, ..Default::default() };
        fs::vfs::mount_root(fs::tmpfs::new(opts), 0)
    });
    static SEQ: AtomicU32 = AtomicU32::new(0);
    let name = alloc::format!("socket{}", SEQ.fetch_add(1, Ordering::Relaxed));
    let attr = fs::vfs::NewInode { mode: fs::vfs::S_IFSOCK | 0o777, uid: 0, gid: 0, rdev: 0 };
    let inode = root.inode().create(name.as_bytes(), &attr)?;
    let _ = root.inode().unlink(name.as_bytes());
    Ok(Path { mnt: root.mnt.clone(), dentry: fs::vfs::Dentry::new_detached(inode, b"socket:") })
}

fn netlink_of(fd: u64) -> SysResult<(Arc<OpenFile>, Arc<NetlinkSocket>)> {
    let file = current().process.files().lock().get(fd as i32)?;
    let ops = file.ops().cloned().ok_or(Errno::ENOTSOCK)?;
    // Sockets are the only FileOps created here; anything else is not a socket.
    let sock = SOCKETS.lock().iter().find(|s| core::ptr::addr_eq(Arc::as_ptr(s), Arc::as_ptr(&ops))).cloned();
    sock.map(|s| (file, s)).ok_or(Errno::ENOTSOCK)
}

/// Live netlink sockets (weakly identifies socket fds for the socket calls).
static SOCKETS: SpinLock<Vec<Arc<NetlinkSocket>>> = SpinLock::new(Vec::new());

pub fn sys_socket(f: &mut TrapFrame) -> SysResult<usize> {
    let (domain, kind, protocol) = (f.arg(0) as u32, f.arg(1) as u32, f.arg(2) as u32);
    if kind & !(SOCK_TYPE_MASK | SOCK_NONBLOCK | SOCK_CLOEXEC) != 0 {
        return Err(Errno::EINVAL);
    }
    if domain != AF_NETLINK {
        return Err(Errno::EAFNOSUPPORT);
    }
    if !matches!(kind & SOCK_TYPE_MASK, SOCK_RAW | SOCK_DGRAM) {
        return Err(Errno::ESOCKTNOSUPPORT);
    }
    if protocol != NETLINK_ROUTE {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let sock = Arc::new(NetlinkSocket { port: AtomicU32::new(0), replies: SpinLock::new(VecDeque::new()), readable: WaitQueue::new() });
    SOCKETS.lock().retain(|s| Arc::strong_count(s) > 1);
    SOCKETS.lock().push(sock.clone());
    let flags = fs::vfs::O_RDWR | if kind & SOCK_NONBLOCK != 0 { fs::vfs::O_NONBLOCK } else { 0 };
    let file = OpenFile::new_with_ops(sockfs_path()?, sock, flags);
    let t = current();
    let limit = super::fs::nofile_limit(t);
    let fd = t.process.files().lock().insert_from(0, limit, FdEntry { file, cloexec: kind & SOCK_CLOEXEC != 0 })?;
    Ok(fd as usize)
}

/// struct sockaddr_nl.
fn sockaddr_nl(port: u32) -> [u8; 12] {
    let mut a = [0u8; 12];
    a[0..2].copy_from_slice(&(AF_NETLINK as u16).to_ne_bytes());
    a[4..8].copy_from_slice(&port.to_ne_bytes());
    a
}

/// Writes an address for the *name/recvfrom/accept calls: truncated to the caller's buffer,
/// with the real length stored back.
fn put_addr(addr: u64, len_addr: u64, bytes: &[u8]) -> SysResult<()> {
    if addr == 0 || len_addr == 0 {
        return Ok(());
    }
    let len: u32 = user::read(len_addr)?;
    if (len as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    user::copy_to_user(addr, &bytes[..bytes.len().min(len as usize)])?;
    user::write(len_addr, &(bytes.len() as u32))
}

pub fn sys_bind(f: &mut TrapFrame) -> SysResult<usize> {
    let (_, sock) = netlink_of(f.arg(0))?;
    let len = f.arg(2) as usize;
    if len < 12 {
        return Err(Errno::EINVAL);
    }
    let mut a = [0u8; 12];
    user::copy_from_user(&mut a, f.arg(1))?;
    if u16::from_ne_bytes([a[0], a[1]]) as u32 != AF_NETLINK {
        return Err(Errno::EINVAL);
    }
    let port = u32::from_ne_bytes([a[4], a[5], a[6], a[7]]);
    // Multicast groups need membership handling that does not exist yet.
    if u32::from_ne_bytes([a[8], a[9], a[10], a[11]]) != 0 {
        return Err(Errno::EINVAL);
    }
    sock.port.store(if port == 0 { current().process.pid } else { port }, Ordering::Relaxed);
    Ok(0)
}

pub fn sys_getsockname(f: &mut TrapFrame) -> SysResult<usize> {
    let (_, sock) = netlink_of(f.arg(0))?;
    put_addr(f.arg(1), f.arg(2), &sockaddr_nl(sock.port())).map(|_| 0)
}

pub fn sys_sendto(f: &mut TrapFrame) -> SysResult<usize> {
    let (_, sock) = netlink_of(f.arg(0))?;
    let len = f.arg(2).min(65536) as usize;
    let mut buf = alloc::vec![0u8; len];
    user::copy_from_user(&mut buf, f.arg(1))?;
    sock.send(&buf)
}

fn recv_into(sock: &NetlinkSocket, file: &OpenFile, bufs: &[UserBuf], flags: u32) -> SysResult<(usize, usize)> {
    let nonblock = file.is_nonblocking() || flags & MSG_DONTWAIT != 0;
    let d = sock.recv(nonblock, flags & MSG_PEEK != 0)?;
    let mut at = 0;
    for b in bufs {
        let n = (d.len() - at).min(b.len);
        user::copy_to_user(b.addr, &d[at..at + n])?;
        at += n;
        if at == d.len() {
            break;
        }
    }
    Ok((at, d.len()))
}

pub fn sys_recvfrom(f: &mut TrapFrame) -> SysResult<usize> {
    let (fd, buf, len, flags, addr, addr_len) = (f.arg(0), f.arg(1), f.arg(2), f.arg(3) as u32, f.arg(4), f.arg(5));
    let (file, sock) = netlink_of(fd)?;
    let (copied, full) = recv_into(&sock, &file, &[UserBuf::new(buf, len.min(0x7fff_f000) as usize)?], flags)?;
    put_addr(addr, addr_len, &sockaddr_nl(0))?;
    Ok(if flags & MSG_TRUNC != 0 { full } else { copied })
}

/// struct msghdr's fields, read from user memory.
fn msghdr(addr: u64) -> SysResult<[u64; 7]> {
    user::read::<[u64; 7]>(addr)
}

fn msg_iovecs(iov: u64, count: u64) -> SysResult<Vec<UserBuf>> {
    if count > linux_abi::uapi::uio::UIO_MAXIOV as u64 {
        return Err(Errno::EMSGSIZE);
    }
    (0..count)
        .map(|i| {
            let v: linux_abi::uapi::uio::IoVec = user::read(iov + 16 * i)?;
            UserBuf::new(v.iov_base, v.iov_len as usize)
        })
        .collect()
}

pub fn sys_sendmsg(f: &mut TrapFrame) -> SysResult<usize> {
    let (_, sock) = netlink_of(f.arg(0))?;
    let m = msghdr(f.arg(1))?;
    let mut data = Vec::new();
    for b in msg_iovecs(m[2], m[3])? {
        let start = data.len();
        data.resize(start + b.len.min(65536), 0);
        user::copy_from_user(&mut data[start..], b.addr)?;
    }
    sock.send(&data)
}

pub fn sys_recvmsg(f: &mut TrapFrame) -> SysResult<usize> {
    let (file, sock) = netlink_of(f.arg(0))?;
    let flags = f.arg(2) as u32;
    let m = msghdr(f.arg(1))?;
    let (copied, full) = recv_into(&sock, &file, &msg_iovecs(m[2], m[3])?, flags)?;
    // msg_name (sender: the kernel), msg_controllen 0, msg_flags (MSG_TRUNC if cut).
    if m[0] != 0 && m[1] as u32 >= 12 {
        user::copy_to_user(m[0], &sockaddr_nl(0))?;
        user::write(f.arg(1) + 8, &12u32)?;
    }
    user::write(f.arg(1) + 40, &0u64)?;
    user::write(f.arg(1) + 48, &(if copied < full { MSG_TRUNC } else { 0 }))?;
    Ok(if flags & MSG_TRUNC != 0 { full } else { copied })
}

pub fn sys_setsockopt(f: &mut TrapFrame) -> SysResult<usize> {
    netlink_of(f.arg(0))?;
    match (f.arg(1) as u32, f.arg(2) as u32) {
        // Buffer sizes are advisory: replies are queued whole.
        (SOL_SOCKET, SO_SNDBUF | SO_RCVBUF) => Ok(0),
        _ => Err(Errno::ENOPROTOOPT),
    }
}
