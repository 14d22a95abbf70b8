//! rt_sigaction and rt_sigprocmask: actions and the mask are recorded; delivery arrives with the
//! signals work.

use core::sync::atomic::Ordering;

use linux_abi::uapi::signal::{KernelSigaction, NSIG, SIG_BLOCK, SIG_SETMASK, SIG_UNBLOCK, SIGKILL, SIGSTOP, SigSet};
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::mm::user;
use crate::process::current;

const SIGSET_SIZE: u64 = 8;

pub fn sys_rt_sigaction(f: &mut TrapFrame) -> SysResult<usize> {
    let (sig, act, oact, size) = (f.arg(0) as u32, f.arg(1), f.arg(2), f.arg(3));
    if size != SIGSET_SIZE || sig == 0 || sig > NSIG {
        return Err(Errno::EINVAL);
    }
    if act != 0 && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let new = if act != 0 { Some(user::read::<KernelSigaction>(act)?) } else { None };
    let t = current();
    let old = t.process.sigactions.lock().0[sig as usize - 1];
    if oact != 0 {
        user::write(oact, &old)?;
    }
    if let Some(mut new) = new {
        new.mask = new.mask.difference(SigSet::UNBLOCKABLE);
        t.process.sigactions.lock().0[sig as usize - 1] = new;
    }
    Ok(0)
}

pub fn sys_rt_sigprocmask(f: &mut TrapFrame) -> SysResult<usize> {
    let (how, set, oset, size) = (f.arg(0) as u32, f.arg(1), f.arg(2), f.arg(3));
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let t = current();
    let old = SigSet(t.sigmask.load(Ordering::Relaxed));
    let new = if set != 0 {
        let set = user::read::<u64>(set).map(SigSet)?;
        Some(match how {
            SIG_BLOCK => old.union(set),
            SIG_UNBLOCK => old.difference(set),
            SIG_SETMASK => set,
            _ => return Err(Errno::EINVAL),
        })
    } else {
        None
    };
    if oset != 0 {
        user::write(oset, &old.0)?;
    }
    if let Some(new) = new {
        t.sigmask.store(new.difference(SigSet::UNBLOCKABLE).0, Ordering::Relaxed);
    }
    Ok(0)
}
