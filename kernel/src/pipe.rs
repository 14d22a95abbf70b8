//! Pipes: a 64 KiB ring (Linux's default 16 pages) between a read end and a write end, with
//! Linux's semantics — blocking and O_NONBLOCK, writes of at most PIPE_BUF bytes are atomic,
//! EOF when the last writer goes, EPIPE and SIGPIPE when the last reader goes.

use alloc::collections::VecDeque;
use alloc::sync::Arc;

use fs::vfs::{FileOps, OpenFile, Path, ReadDest, WriteSrc, short_count};
use linux_abi::uapi::poll::{POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM};
use linux_abi::{Errno, SysResult};

use crate::sched::wait::{WaitOpts, WaitQueue};
use crate::sync::SpinLock;

pub const PIPE_SIZE: usize = 65536;
pub const PIPE_BUF: usize = 4096;

struct State {
    buf: VecDeque<u8>,
    readers: usize,
    writers: usize,
}

pub struct Pipe {
    state: SpinLock<State>,
    /// Woken when data arrives or the last writer leaves.
    readable: WaitQueue,
    /// Woken when room appears or the last reader leaves.
    writable: WaitQueue,
}

struct End {
    pipe: Arc<Pipe>,
    write: bool,
}

impl FileOps for End {
    fn read(&self, file: &OpenFile, dest: &mut dyn ReadDest) -> SysResult<usize> {
        let want = dest.dest_len();
        if want == 0 {
            return Ok(0);
        }
        let p = &self.pipe;
        let nonblock = file.is_nonblocking();
        let mut chunk = [0u8; 4096];
        let n = p.readable.wait(WaitOpts::INTERRUPTIBLE, || {
            let mut s = p.state.lock();
            if s.buf.is_empty() {
                return if s.writers == 0 {
                    Some(Ok(0))
                } else if nonblock {
                    Some(Err(Errno::EAGAIN))
                } else {
                    None
                };
            }
            let n = want.min(s.buf.len()).min(chunk.len());
            for (dst, b) in chunk.iter_mut().zip(s.buf.drain(..n)) {
                *dst = b;
            }
            Some(Ok(n))
        })??;
        if n > 0 {
            p.writable.wake_all();
        }
        match dest.copy_out(0, &chunk[..n]) {
            Ok(()) => Ok(n),
            Err(fault) => short_count(0, fault),
        }
    }

    fn write(&self, file: &OpenFile, src: &dyn WriteSrc) -> SysResult<usize> {
        let total = src.src_len();
        let p = &self.pipe;
        let nonblock = file.is_nonblocking();
        let mut done = 0;
        let mut chunk = [0u8; 4096];
        while done < total {
            let n = (total - done).min(chunk.len());
            if let Err(fault) = src.copy_in(done, &mut chunk[..n]) {
                return short_count(done, fault);
            }
            // Up to PIPE_BUF bytes go in one piece; larger writes may interleave between chunks.
            let atomic = total <= PIPE_BUF;
            let wrote = p.writable.wait(WaitOpts::INTERRUPTIBLE, || {
                let mut s = p.state.lock();
                if s.readers == 0 {
                    return Some(Err(Errno::EPIPE));
                }
                let room = PIPE_SIZE - s.buf.len();
                let fits = if atomic { room >= n } else { room > 0 };
                if !fits {
                    return if nonblock { Some(Err(Errno::EAGAIN)) } else { None };
                }
                let k = n.min(room);
                s.buf.extend(&chunk[..k]);
                Some(Ok(k))
            });
            match wrote {
                Ok(Ok(k)) => {
                    done += k;
                    p.readable.wake_all();
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
        let n = self.pipe.state.lock().buf.len() as i32;
        crate::mm::user::write(arg as u64, &n)?;
        Ok(0)
    }

    fn poll(&self, _file: &OpenFile) -> u16 {
        let s = self.pipe.state.lock();
        if self.write {
            let mut m = 0;
            if PIPE_SIZE - s.buf.len() >= PIPE_BUF {
                m |= POLLOUT | POLLWRNORM;
            }
            if s.readers == 0 {
                m |= POLLERR;
            }
            m
        } else {
            let mut m = 0;
            if !s.buf.is_empty() {
                m |= POLLIN | POLLRDNORM;
            }
            if s.writers == 0 {
                m |= POLLHUP;
            }
            m
        }
    }

    fn release(&self, _file: &OpenFile) {
        let mut s = self.pipe.state.lock();
        if self.write {
            s.writers -= 1;
        } else {
            s.readers -= 1;
        }
        drop(s);
        self.pipe.readable.wake_all();
        self.pipe.writable.wake_all();
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

/// Creates a pipe: (read end, write end). `flags` may carry O_NONBLOCK (and O_DIRECT, refused).
pub fn new_pipe(flags: u32) -> SysResult<(Arc<OpenFile>, Arc<OpenFile>)> {
    let root = pipefs_root();
    let attr = fs::vfs::NewInode { mode: fs::vfs::S_IFIFO | 0o600, uid: 0, gid: 0, rdev: 0 };
    static SEQ: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);
    let name = alloc::format!("pipe{}", SEQ.fetch_add(1, core::sync::atomic::Ordering::Relaxed));
    let inode = root.inode().create(name.as_bytes(), &attr)?;
    // The directory entry is not needed: the pipe is reachable only through its fds.
    let _ = root.inode().unlink(name.as_bytes());
    let path = Path { mnt: root.mnt.clone(), dentry: fs::vfs::Dentry::new_detached(inode, b"pipe:") };
    let pipe = Arc::new(Pipe {
        state: SpinLock::new(State { buf: VecDeque::new(), readers: 1, writers: 1 }),
        readable: WaitQueue::new(),
        writable: WaitQueue::new(),
    });
    let status = flags & fs::vfs::O_NONBLOCK;
    let r = OpenFile::new_with_ops(path.clone(), Arc::new(End { pipe: pipe.clone(), write: false }), fs::vfs::O_RDONLY | status);
    let w = OpenFile::new_with_ops(path, Arc::new(End { pipe, write: true }), fs::vfs::O_WRONLY | status);
    Ok((r, w))
}
