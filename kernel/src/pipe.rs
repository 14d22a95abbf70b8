//! Pipes: a ring of 16 page buffers (Linux's default; F_SETPIPE_SZ changes it) between a read
//! end and a write end, with Linux's semantics — blocking and O_NONBLOCK, writes of at most
//! PIPE_BUF bytes are atomic, small writes share a page, packet mode (O_DIRECT),
//! EOF when the last writer goes, EPIPE and SIGPIPE when the last reader goes. FIFOs (named
//! pipes) and reopening a pipe through /proc/PID/fd/N find the pipe of their inode in a table.

use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::{Arc, Weak};

use fs::vfs::{FileOps, OpenFile, Path, ReadDest, WriteSrc, short_count};
use linux_abi::uapi::poll::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use linux_abi::{Errno, SysResult};

use crate::sched::wait::{WaitOpts, WaitQueue};
use crate::sync::SpinLock;

/// Linux's default pipe: 16 buffers of a page (PIPE_BUF, the atomic write size, is one page).
pub const PIPE_DEF_BUFFERS: usize = 16;
const PAGE: usize = 4096;
/// pipe_max_size: the most an unprivileged F_SETPIPE_SZ may ask for.
const PIPE_MAX_SIZE: usize = 1 << 20;
/// Linux allocates the buffer ring with kcalloc: more than KMALLOC_MAX_SIZE (4 MiB) of 40-byte
/// `struct pipe_buffer`s is ENOMEM.
const MAX_SLOTS: usize = (4 << 20) / 40;

/// One buffer of the ring (Linux's `struct pipe_buffer` and its page): the unread bytes are
/// `data[start..]`; it holds at most a page.
struct Buf {
    data: alloc::vec::Vec<u8>,
    start: usize,
    /// Written by a plain (not packet-mode) write: later small writes may fill its page.
    can_merge: bool,
}

impl Buf {
    fn len(&self) -> usize {
        self.data.len() - self.start
    }
}

struct State {
    /// Linux's ring of page buffers: at most `slots` of them. Small writes fill the last page
    /// while it has room; anything else takes a new one, so capacity is counted in pages.
    bufs: VecDeque<Buf>,
    slots: usize,
    bytes: usize,
    readers: usize,
    writers: usize,
    /// Opens of each end so far: a FIFO open waiting for its partner waits for these to move
    /// (Linux's r_counter/w_counter), so a partner that comes and goes still counts.
    read_opens: u64,
    write_opens: u64,
}

impl State {
    fn full(&self) -> bool {
        self.bufs.len() >= self.slots
    }

    /// Takes up to `want` bytes (one packet only, the rest of it dropped, in packet mode).
    fn take(&mut self, want: usize, packet: bool) -> alloc::vec::Vec<u8> {
        let mut out = alloc::vec::Vec::with_capacity(want.min(self.bytes));
        while out.len() < want {
            let Some(b) = self.bufs.front_mut() else { break };
            let n = (want - out.len()).min(b.len());
            out.extend_from_slice(&b.data[b.start..b.start + n]);
            b.start += n;
            self.bytes -= n;
            if packet {
                self.bytes -= b.len();
                b.start = b.data.len();
            }
            if b.len() == 0 {
                self.bufs.pop_front();
            }
            if packet {
                break;
            }
        }
        out
    }
}

pub struct Pipe {
    state: SpinLock<State>,
    /// Woken when data arrives or the last writer leaves.
    readable: WaitQueue,
    /// Woken when room appears or the last reader leaves.
    writable: WaitQueue,
}

/// An open end: read, write, or both (a FIFO opened O_RDWR).
struct End {
    pipe: Arc<Pipe>,
    read: bool,
    write: bool,
}

fn packet_mode(file: &OpenFile) -> bool {
    file.flags() & fs::vfs::O_DIRECT != 0
}

impl FileOps for End {
    fn read(&self, file: &OpenFile, dest: &mut dyn ReadDest) -> SysResult<usize> {
        let want = dest.dest_len();
        if want == 0 {
            return Ok(0);
        }
        let p = &self.pipe;
        let nonblock = file.is_nonblocking();
        let data = p.readable.wait(WaitOpts::INTERRUPTIBLE, || {
            let mut s = p.state.lock();
            if s.bytes == 0 {
                return if s.writers == 0 {
                    Some(Ok(alloc::vec::Vec::new()))
                } else if nonblock {
                    Some(Err(Errno::EAGAIN))
                } else {
                    None
                };
            }
            Some(Ok(s.take(want, packet_mode(file))))
        })??;
        if !data.is_empty() {
            p.writable.wake_all();
        }
        match dest.copy_out(0, &data) {
            Ok(()) => Ok(data.len()),
            Err(fault) => short_count(0, fault),
        }
    }

    /// Linux's pipe_write: the part of the write beyond whole pages goes into the last buffer if
    /// its page has room (so a write of up to PIPE_BUF bytes is never split), the rest into new
    /// page buffers while slots are free; then it waits (or, O_NONBLOCK, returns what it wrote
    /// or EAGAIN).
    fn write(&self, file: &OpenFile, src: &dyn WriteSrc) -> SysResult<usize> {
        let total = src.src_len();
        if total == 0 {
            return Ok(0);
        }
        let p = &self.pipe;
        let nonblock = file.is_nonblocking();
        let packet = packet_mode(file);
        let mut done = 0;
        let mut page = [0u8; PAGE];
        let mut tried_merge = false;
        while done < total {
            let wrote = p.writable.wait(WaitOpts::INTERRUPTIBLE, || {
                let mut s = p.state.lock();
                if s.readers == 0 {
                    return Some(Err(Errno::EPIPE));
                }
                if !tried_merge {
                    tried_merge = true;
                    let chars = total % PAGE;
                    if let Some(last) = s.bufs.back_mut()
                        && chars > 0
                        && last.can_merge
                        && last.data.len() + chars <= PAGE
                    {
                        if let Err(fault) = src.copy_in(0, &mut page[..chars]) {
                            return Some(short_count(0, fault));
                        }
                        last.data.extend_from_slice(&page[..chars]);
                        s.bytes += chars;
                        return Some(Ok(chars));
                    }
                }
                if s.full() {
                    return if nonblock { Some(Err(Errno::EAGAIN)) } else { None };
                }
                let n = (total - done).min(PAGE);
                if let Err(fault) = src.copy_in(done, &mut page[..n]) {
                    return Some(short_count(0, fault));
                }
                s.bufs.push_back(Buf { data: page[..n].to_vec(), start: 0, can_merge: !packet });
                s.bytes += n;
                Some(Ok(n))
            });
            match wrote {
                Ok(Ok(k)) => {
                    done += k;
                    p.readable.wake_all();
                    if k == 0 {
                        break;
                    }
                }
                Ok(Err(Errno::EPIPE)) | Err(Errno::EPIPE) => {
                    let t = crate::process::current_arc();
                    let sig = linux_abi::uapi::signal::SIGPIPE;
                    crate::process::signal::send_to_thread(&t, sig, crate::process::signal::kernel_info(sig));
                    return if done > 0 { Ok(done) } else { Err(Errno::EPIPE) };
                }
                Ok(Err(e)) | Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
            }
        }
        Ok(done)
    }

    fn ioctl(&self, _file: &OpenFile, cmd: u32, arg: usize) -> SysResult<usize> {
        const FIONREAD: u32 = 0x541b;
        if cmd != FIONREAD {
            return Err(Errno::ENOTTY);
        }
        let n = self.pipe.state.lock().bytes as i32;
        crate::mm::user::write(arg as u64, &n)?;
        Ok(0)
    }

    fn poll(&self, _file: &OpenFile) -> u16 {
        let s = self.pipe.state.lock();
        let mut m = 0;
        if self.write {
            if !s.full() {
                m |= POLLOUT | POLLWRNORM;
            }
            if s.readers == 0 {
                m |= POLLERR;
            }
        }
        if self.read {
            if s.bytes > 0 {
                m |= POLLIN | POLLRDNORM;
            }
            // A FIFO that never had a writer is not hung up (Linux: w_counter still 0).
            if s.writers == 0 && s.write_opens > 0 {
                m |= POLLHUP;
            }
        }
        m
    }

    fn release(&self, _file: &OpenFile) {
        self.drop_counts();
    }
}

/// pipefs: where pipe inodes live, so fstat reports a FIFO with its own inode number.
fn pipefs_root() -> &'static Path {
    static ROOT: spin::Once<Path> = spin::Once::new();
    ROOT.call_once(|| {
        let opts = fs::tmpfs::TmpfsOptions { name: "pipefs", mode: 0o700, ..Default::default() };
        fs::vfs::mount_root(fs::tmpfs::new(opts), 0)
    })
}

impl Pipe {
    fn new(readers: usize, writers: usize) -> Arc<Pipe> {
        Arc::new(Pipe {
            state: SpinLock::new(State {
                bufs: VecDeque::new(),
                slots: PIPE_DEF_BUFFERS,
                bytes: 0,
                readers,
                writers,
                read_opens: readers as u64,
                write_opens: writers as u64,
            }),
            readable: WaitQueue::new(),
            writable: WaitQueue::new(),
        })
    }
}

/// The pipe of each FIFO or pipefs inode that has one, by inode address (a live pipe keeps an
/// open file, hence its inode, so the address cannot be reused while the entry is alive).
static BY_INODE: SpinLock<BTreeMap<usize, (Weak<Pipe>, bool)>> = SpinLock::new(BTreeMap::new());

fn inode_key(path: &Path) -> usize {
    Arc::as_ptr(path.inode()) as *const () as usize
}

/// The pipe of a FIFO inode, made on its first open (its data goes when the last end closes),
/// and whether it is an anonymous pipe (pipe(2), reopened through /proc/PID/fd/N).
fn pipe_of(path: &Path) -> (Arc<Pipe>, bool) {
    let mut table = BY_INODE.lock();
    if let Some((p, anonymous)) = table.get(&inode_key(path)).and_then(|(w, a)| Some((w.upgrade()?, *a))) {
        return (p, anonymous);
    }
    table.retain(|_, (w, _)| w.strong_count() > 0);
    let p = Pipe::new(0, 0);
    table.insert(inode_key(path), (Arc::downgrade(&p), false));
    (p, false)
}

/// Opening a FIFO (Linux `fifo_open`): a reader waits for a writer and a writer for a reader,
/// unless O_NONBLOCK (a reader then opens at once; a writer fails with ENXIO); O_RDWR never
/// waits. Reopening an anonymous pipe never waits either.
struct Fifos;

impl fs::vfs::FifoOpener for Fifos {
    fn open(&self, path: &Path, flags: u32) -> SysResult<Arc<dyn FileOps>> {
        let nonblock = flags & fs::vfs::O_NONBLOCK != 0;
        let acc = flags & fs::vfs::O_ACCMODE;
        let (read, write) = (acc != fs::vfs::O_WRONLY, acc != fs::vfs::O_RDONLY);
        let (pipe, anonymous) = pipe_of(path);
        let partner_opens = {
            let mut s = pipe.state.lock();
            if write && !read && nonblock && s.readers == 0 && !anonymous {
                return Err(Errno::ENXIO);
            }
            if read {
                s.readers += 1;
                s.read_opens += 1;
            }
            if write {
                s.writers += 1;
                s.write_opens += 1;
            }
            if read { s.write_opens } else { s.read_opens }
        };
        pipe.readable.wake_all();
        pipe.writable.wake_all();
        let end = Arc::new(End { pipe: pipe.clone(), read, write });
        if read != write && !(read && nonblock) && !anonymous {
            // Wait for the other end; on a signal the open fails and this end goes away again.
            let queue = if read { &pipe.readable } else { &pipe.writable };
            queue.wait(WaitOpts::INTERRUPTIBLE, || {
                let s = pipe.state.lock();
                let (now, others) = if read { (s.write_opens, s.writers) } else { (s.read_opens, s.readers) };
                (others > 0 || now != partner_opens).then_some(())
            })
            .inspect_err(|_| end.drop_counts())?;
        }
        Ok(end)
    }
}

impl End {
    /// Gives back this end's reader/writer counts (its last close, or an open that did not
    /// complete) and wakes both sides: readers may now see EOF, writers EPIPE.
    fn drop_counts(&self) {
        let mut s = self.pipe.state.lock();
        if self.write {
            s.writers -= 1;
        }
        if self.read {
            s.readers -= 1;
        }
        drop(s);
        self.pipe.readable.wake_all();
        self.pipe.writable.wake_all();
    }
}

/// Lets FIFOs open through this module (called once at boot).
pub fn register_fifos() {
    fs::vfs::set_fifo_opener(Arc::new(Fifos));
}

/// F_GETPIPE_SZ / F_SETPIPE_SZ on a pipe or FIFO (Linux's pipe_fcntl): the capacity in bytes, a
/// whole number of pages. A new size is rounded up to a power of two pages; it may not hold
/// less than the buffers in use (EBUSY), nor exceed pipe_max_size without privilege (EPERM).
pub fn fcntl(file: &OpenFile, set: Option<u64>, privileged: bool) -> SysResult<usize> {
    let pipe = BY_INODE
        .lock()
        .get(&inode_key(file.path()))
        .and_then(|(w, _)| w.upgrade())
        .filter(|_| file.metadata().file_type() == Some(fs::vfs::FileType::Fifo))
        .ok_or(Errno::EBADF)?;
    let mut s = pipe.state.lock();
    let Some(size) = set else { return Ok(s.slots * PAGE) };
    if size > 1 << 31 {
        return Err(Errno::EINVAL);
    }
    let slots = (size as usize).max(PAGE).div_ceil(PAGE).next_power_of_two();
    if slots * PAGE > PIPE_MAX_SIZE && !privileged {
        return Err(Errno::EPERM);
    }
    if slots > MAX_SLOTS {
        return Err(Errno::ENOMEM);
    }
    if slots < s.bufs.len() {
        return Err(Errno::EBUSY);
    }
    s.slots = slots;
    drop(s);
    pipe.writable.wake_all();
    Ok(slots * PAGE)
}

/// Creates a pipe: (read end, write end). `flags` may carry O_NONBLOCK and O_DIRECT (packet
/// mode: each write of up to a page is one packet, and a read takes at most one).
pub fn new_pipe(flags: u32) -> SysResult<(Arc<OpenFile>, Arc<OpenFile>)> {
    let root = pipefs_root();
    let attr = fs::vfs::NewInode { mode: fs::vfs::S_IFIFO | 0o600, uid: 0, gid: 0, rdev: 0 };
    static SEQ: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
    let name = alloc::format!("pipe{}", SEQ.fetch_add(1, core::sync::atomic::Ordering::Relaxed));
    let inode = root.inode().create(name.as_bytes(), &attr)?;
    // The directory entry is not needed: the pipe is reachable only through its fds (and
    // /proc/PID/fd/N, which reopens it through BY_INODE like a FIFO).
    let _ = root.inode().unlink(name.as_bytes());
    let path = Path { mnt: root.mnt.clone(), dentry: fs::vfs::Dentry::new_detached(inode, b"pipe:") };
    let pipe = Pipe::new(1, 1);
    BY_INODE.lock().insert(inode_key(&path), (Arc::downgrade(&pipe), true));
    let status = flags & (fs::vfs::O_NONBLOCK | fs::vfs::O_DIRECT);
    let r = OpenFile::new_with_ops(
        path.clone(),
        Arc::new(End { pipe: pipe.clone(), read: true, write: false }),
        fs::vfs::O_RDONLY | status,
    );
    let w = OpenFile::new_with_ops(path, Arc::new(End { pipe, read: false, write: true }), fs::vfs::O_WRONLY | status);
    Ok((r, w))
}
