//! Extended attributes. No filesystem here stores them, so the calls answer as Linux does for a
//! filesystem without xattr support once the target has been resolved: setting is ENOTSUP,
//! getting and removing ENODATA, listing an empty list.

use linux_abi::uapi::fcntl::AT_FDCWD;
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::mm::user;
use crate::process::current;
use crate::vfs::resolve_at;

/// XATTR_NAME_MAX and XATTR_SIZE_MAX.
const NAME_MAX: usize = 255;
const SIZE_MAX: u64 = 65536;
const XATTR_CREATE: u64 = 1;
const XATTR_REPLACE: u64 = 2;

/// Resolves the target: a path (following symlinks unless `l*`), or an fd (`f*`).
fn target(arg: u64, kind: u8) -> SysResult<()> {
    let t = current();
    if kind == b'f' {
        t.process.files().lock().get(arg as i32)?;
        return Ok(());
    }
    let path = user::read_cstr(arg, 4095, Errno::ENAMETOOLONG)?;
    resolve_at(t, AT_FDCWD, &path, kind != b'l').map(|_| ())
}

fn name(addr: u64) -> SysResult<()> {
    let n = user::read_cstr(addr, NAME_MAX, Errno::ERANGE)?;
    if n.is_empty() { Err(Errno::ERANGE) } else { Ok(()) }
}

fn set(f: &TrapFrame, kind: u8) -> SysResult<usize> {
    let (size, flags) = (f.arg(3), f.arg(4));
    if flags & !(XATTR_CREATE | XATTR_REPLACE) != 0 || size > SIZE_MAX {
        return Err(if size > SIZE_MAX { Errno::E2BIG } else { Errno::EINVAL });
    }
    name(f.arg(1))?;
    target(f.arg(0), kind)?;
    Err(Errno::ENOTSUP)
}

fn get(f: &TrapFrame, kind: u8) -> SysResult<usize> {
    name(f.arg(1))?;
    target(f.arg(0), kind)?;
    Err(Errno::ENODATA)
}

fn list(f: &TrapFrame, kind: u8) -> SysResult<usize> {
    target(f.arg(0), kind)?;
    Ok(0)
}

fn remove(f: &TrapFrame, kind: u8) -> SysResult<usize> {
    name(f.arg(1))?;
    target(f.arg(0), kind)?;
    Err(Errno::ENODATA)
}

pub fn sys_setxattr(f: &mut TrapFrame) -> SysResult<usize> {
    set(f, b'p')
}
pub fn sys_lsetxattr(f: &mut TrapFrame) -> SysResult<usize> {
    set(f, b'l')
}
pub fn sys_fsetxattr(f: &mut TrapFrame) -> SysResult<usize> {
    set(f, b'f')
}
pub fn sys_getxattr(f: &mut TrapFrame) -> SysResult<usize> {
    get(f, b'p')
}
pub fn sys_lgetxattr(f: &mut TrapFrame) -> SysResult<usize> {
    get(f, b'l')
}
pub fn sys_fgetxattr(f: &mut TrapFrame) -> SysResult<usize> {
    get(f, b'f')
}
pub fn sys_listxattr(f: &mut TrapFrame) -> SysResult<usize> {
    list(f, b'p')
}
pub fn sys_llistxattr(f: &mut TrapFrame) -> SysResult<usize> {
    list(f, b'l')
}
pub fn sys_flistxattr(f: &mut TrapFrame) -> SysResult<usize> {
    list(f, b'f')
}
pub fn sys_removexattr(f: &mut TrapFrame) -> SysResult<usize> {
    remove(f, b'p')
}
pub fn sys_lremovexattr(f: &mut TrapFrame) -> SysResult<usize> {
    remove(f, b'l')
}
pub fn sys_fremovexattr(f: &mut TrapFrame) -> SysResult<usize> {
    remove(f, b'f')
}
