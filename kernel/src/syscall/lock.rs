//! flock(2) and fcntl's record locks (F_GETLK/F_SETLK/F_SETLKW and the F_OFD_* forms).

use alloc::sync::Arc;

use fs::vfs::OpenFile;
use linux_abi::uapi::fcntl::{F_GETLK, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_RDLCK, F_SETLKW, F_UNLCK, F_WRLCK, Flock};
use linux_abi::uapi::fcntl::{SEEK_CUR, SEEK_END, SEEK_SET};
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::locks::{self, Lock, Owner};
use crate::mm::user;
use crate::process::current;

const LOCK_SH: u64 = 1;
const LOCK_EX: u64 = 2;
const LOCK_NB: u64 = 4;
const LOCK_UN: u64 = 8;

pub fn sys_flock(f: &mut TrapFrame) -> SysResult<usize> {
    let (fd, op) = (f.arg(0) as i32, f.arg(1));
    let file = current().process.files().lock().get(fd)?;
    if file.is_path_only() {
        return Err(Errno::EBADF);
    }
    let (write, unlock) = match op & !LOCK_NB {
        LOCK_SH => (false, false),
        LOCK_EX => (true, false),
        LOCK_UN => (false, true),
        _ => return Err(Errno::EINVAL),
    };
    let lock = Lock { owner: Owner::Description(Arc::downgrade(&file)), write, start: 0, end: u64::MAX, flock: true };
    locks::set(file.inode(), lock, unlock, op & LOCK_NB == 0).map(|_| 0)
}

/// Decodes a struct flock's range against the file (l_whence/l_start/l_len; negative lengths
/// lock backwards, as POSIX allows).
fn range(file: &OpenFile, fl: &Flock) -> SysResult<(u64, u64)> {
    let base: i64 = match fl.l_whence as u32 {
        SEEK_SET => 0,
        SEEK_CUR => file.pos() as i64,
        SEEK_END => file.metadata().size as i64,
        _ => return Err(Errno::EINVAL),
    };
    let start = base.checked_add(fl.l_start).ok_or(Errno::EOVERFLOW)?;
    let (start, end) = match fl.l_len {
        0 => (start, i64::MAX),
        len if len > 0 => (start, start.checked_add(len - 1).ok_or(Errno::EOVERFLOW)?),
        len => (start.checked_add(len).ok_or(Errno::EINVAL)?, start - 1),
    };
    if start < 0 {
        return Err(Errno::EINVAL);
    }
    Ok((start as u64, end as u64))
}

/// fcntl's lock commands.
pub fn fcntl_lock(fd: i32, cmd: u32, arg: u64) -> SysResult<usize> {
    let t = current();
    let file = t.process.files().lock().get(fd)?;
    let mut fl: Flock = user::read(arg)?;
    let ofd = matches!(cmd, F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW);
    if ofd && fl.l_pid != 0 {
        return Err(Errno::EINVAL);
    }
    let owner = if ofd { Owner::Description(Arc::downgrade(&file)) } else { Owner::Process(t.process.pid) };
    let (start, end) = range(&file, &fl)?;
    let write = match fl.l_type {
        F_RDLCK => false,
        F_WRLCK => true,
        F_UNLCK => false,
        _ => return Err(Errno::EINVAL),
    };
    let lock = Lock { owner, write, start, end, flock: false };
    if matches!(cmd, F_GETLK | F_OFD_GETLK) {
        if fl.l_type == F_UNLCK {
            return Err(Errno::EINVAL);
        }
        match locks::conflicting(file.inode(), &lock) {
            None => fl.l_type = F_UNLCK,
            Some(c) => {
                fl.l_type = if c.write { F_WRLCK } else { F_RDLCK };
                fl.l_whence = SEEK_SET as i16;
                fl.l_start = c.start as i64;
                fl.l_len = if c.end >= i64::MAX as u64 { 0 } else { (c.end - c.start + 1) as i64 };
                fl.l_pid = match c.owner {
                    Owner::Process(p) => p as i32,
                    Owner::Description(_) => -1,
                };
            }
        }
        user::write(arg, &fl)?;
        return Ok(0);
    }
    // A lock's mode must match how the file was opened.
    if fl.l_type == F_RDLCK && !file.readable() || fl.l_type == F_WRLCK && !file.writable() {
        return Err(Errno::EBADF);
    }
    let wait = matches!(cmd, F_SETLKW | F_OFD_SETLKW);
    locks::set(file.inode(), lock, fl.l_type == F_UNLCK, wait).map(|_| 0)
}
