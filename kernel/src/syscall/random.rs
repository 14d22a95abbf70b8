//! getrandom.

use linux_abi::uapi::random::GrndFlags;
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::mm::user;

/// Largest single transfer (MAX_RW_COUNT).
const MAX_COUNT: u64 = 0x7fff_f000;

pub fn sys_getrandom(f: &mut TrapFrame) -> SysResult<usize> {
    let (buf, len, flags) = (f.arg(0), f.arg(1).min(MAX_COUNT) as usize, f.arg(2));
    if flags > u32::MAX as u64 {
        return Err(Errno::EINVAL);
    }
    GrndFlags::validate(flags as u32).ok_or(Errno::EINVAL)?;
    // The CSPRNG is seeded before user space starts, so every flavour is always ready.
    let mut chunk = [0u8; 256];
    let mut done = 0;
    while done < len {
        let n = chunk.len().min(len - done);
        crate::rand::fill(&mut chunk[..n]);
        let copied = user::copy_to_user_partial(buf + done as u64, &chunk[..n])?;
        done += copied;
        if copied < n {
            return if done > 0 { Ok(done) } else { Err(Errno::EFAULT) };
        }
    }
    chunk.fill(0);
    Ok(done)
}
