//! uname.

use linux_abi::SysResult;
use linux_abi::uapi::utsname::Utsname;

use crate::arch::TrapFrame;
use crate::mm::user;

/// The release we report: the Linux ABI version this kernel implements.
pub const RELEASE: &[u8] = b"6.18.0";
pub const VERSION: &[u8] = b"#1 SMP PREEMPT_DYNAMIC";

pub fn sys_uname(f: &mut TrapFrame) -> SysResult<usize> {
    let u = Utsname::new(b"Linux", b"(none)", RELEASE, VERSION, b"x86_64", b"(none)");
    user::write(f.arg(0), &u)?;
    Ok(0)
}
