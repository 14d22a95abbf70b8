//! Signal syscalls: actions, masks, sending (kill/tkill/tgkill/rt_*sigqueueinfo), waiting
//! (rt_sigsuspend/rt_sigtimedwait/pause), sigaltstack, rt_sigreturn.

use alloc::sync::Arc;

use linux_abi::uapi::siginfo::{SI_TKILL, SI_USER, SigInfo, check_queueinfo_code};
use linux_abi::uapi::signal::*;
use linux_abi::{Errno, SysResult};

use crate::arch::TrapFrame;
use crate::mm::user;
use crate::process::signal::{kill_targets, send_to_process, send_to_thread};
use crate::process::{Process, Thread, current, current_arc, tasks};
use crate::sched::wait::{WaitOpts, WaitQueue};

const SIGSET_SIZE: u64 = 8;

fn valid_sig(sig: u64) -> SysResult<u32> {
    if sig == 0 || sig > NSIG as u64 { Err(Errno::EINVAL) } else { Ok(sig as u32) }
}

pub fn sys_rt_sigaction(f: &mut TrapFrame) -> SysResult<usize> {
    let (sig, act, oact, size) = (f.arg(0), f.arg(1), f.arg(2), f.arg(3));
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let sig = valid_sig(sig)?;
    if act != 0 && (sig == SIGKILL || sig == SIGSTOP) {
        return Err(Errno::EINVAL);
    }
    let new = if act != 0 { Some(user::read::<KernelSigaction>(act)?) } else { None };
    let t = current();
    let sighand = t.process.sighand();
    let old = sighand.lock().get(sig);
    if oact != 0 {
        user::write(oact, &old)?;
    }
    if let Some(mut new) = new {
        new.mask = new.mask.difference(SigSet::UNBLOCKABLE);
        sighand.lock().0[sig as usize - 1] = new;
        // Setting SIG_IGN (or SIG_DFL for a default-ignored signal) discards it if pending.
        if new.handler == SIG_IGN {
            crate::process::signal::discard_everywhere(&t.process, sig);
        }
    }
    Ok(0)
}

pub fn sys_rt_sigprocmask(f: &mut TrapFrame) -> SysResult<usize> {
    let (how, set, oset, size) = (f.arg(0) as u32, f.arg(1), f.arg(2), f.arg(3));
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let t = current();
    let old = t.sig.lock().mask;
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
        let new = new.difference(SigSet::UNBLOCKABLE);
        t.sig.lock().mask = new;
        // Signals that arrived while blocked are delivered on the way back to user mode
        // (Linux's recalc_sigpending when the mask shrinks).
        if !old.difference(new).is_empty() {
            t.sig_hint.store(true, core::sync::atomic::Ordering::Release);
        }
    }
    Ok(0)
}

pub fn sys_rt_sigpending(f: &mut TrapFrame) -> SysResult<usize> {
    if f.arg(1) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let t = current();
    let s = t.sig.lock();
    let pending = s.pending.set.union(t.process.shared_pending.lock().set);
    let blocked = s.mask;
    drop(s);
    user::write(f.arg(0), &SigSet(pending.0 & blocked.0).0)?;
    Ok(0)
}

/// May the caller signal `target`? (kill_ok_by_cred: root, or matching real/effective uids.)
fn may_signal(target: &Process, sig: u32) -> bool {
    let me = current();
    let c = me.process.creds.lock().clone();
    if c.euid == 0 {
        return true;
    }
    let tc = target.creds.lock().clone();
    (sig == SIGCONT && target.sid() == me.process.sid())
        || c.euid == tc.uid
        || c.euid == tc.suid
        || c.uid == tc.uid
        || c.uid == tc.suid
}

fn user_info(sig: u32, code: i32) -> SigInfo {
    let me = current();
    SigInfo::kill(sig, code, me.process.pid as i32, me.process.creds.lock().uid)
}

pub fn sys_kill(f: &mut TrapFrame) -> SysResult<usize> {
    let (pid, sig) = (f.arg(0) as i32, f.arg(1));
    if sig > NSIG as u64 {
        return Err(Errno::EINVAL);
    }
    let sig = sig as u32;
    let me = current();
    let targets = kill_targets(pid, &me.process);
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    let mut sent = false;
    for p in &targets {
        if may_signal(p, sig) {
            sent = true;
            send_to_process(p, sig, user_info(sig, SI_USER));
        }
    }
    if sent { Ok(0) } else { Err(Errno::EPERM) }
}

fn thread_target(tgid: Option<i32>, tid: i32) -> SysResult<Arc<Thread>> {
    if tid <= 0 || tgid.is_some_and(|g| g <= 0) {
        return Err(Errno::EINVAL);
    }
    let t = tasks::thread(tid as u32).ok_or(Errno::ESRCH)?;
    if tgid.is_some_and(|g| t.process.pid != g as u32) {
        return Err(Errno::ESRCH);
    }
    Ok(t)
}

fn send_thread(target: Arc<Thread>, sig: u32, info: SigInfo) -> SysResult<usize> {
    if !may_signal(&target.process, sig) {
        return Err(Errno::EPERM);
    }
    send_to_thread(&target, sig, info);
    Ok(0)
}

pub fn sys_tkill(f: &mut TrapFrame) -> SysResult<usize> {
    let sig = f.arg(1);
    if sig > NSIG as u64 {
        return Err(Errno::EINVAL);
    }
    let target = thread_target(None, f.arg(0) as i32)?;
    send_thread(target, sig as u32, user_info(sig as u32, SI_TKILL))
}

pub fn sys_tgkill(f: &mut TrapFrame) -> SysResult<usize> {
    let sig = f.arg(2);
    if sig > NSIG as u64 {
        return Err(Errno::EINVAL);
    }
    let target = thread_target(Some(f.arg(0) as i32), f.arg(1) as i32)?;
    send_thread(target, sig as u32, user_info(sig as u32, SI_TKILL))
}

fn queued_info(addr: u64, sig: u32, target_is_self: bool) -> SysResult<SigInfo> {
    let mut raw = [0u8; 128];
    user::copy_from_user(&mut raw, addr)?;
    let mut info = SigInfo::from_user_bytes(&raw)?;
    check_queueinfo_code(&info, target_is_self)?;
    info.si_signo = sig as i32;
    Ok(info)
}

pub fn sys_rt_sigqueueinfo(f: &mut TrapFrame) -> SysResult<usize> {
    let (pid, sig) = (f.arg(0) as i32, valid_sig(f.arg(1))?);
    let p = tasks::process(pid as u32).filter(|_| pid > 0).ok_or(Errno::ESRCH)?;
    let info = queued_info(f.arg(2), sig, p.pid == current().process.pid)?;
    if !may_signal(&p, sig) {
        return Err(Errno::EPERM);
    }
    send_to_process(&p, sig, info);
    Ok(0)
}

pub fn sys_rt_tgsigqueueinfo(f: &mut TrapFrame) -> SysResult<usize> {
    let sig = valid_sig(f.arg(2))?;
    let target = thread_target(Some(f.arg(0) as i32), f.arg(1) as i32)?;
    let info = queued_info(f.arg(3), sig, target.process.pid == current().process.pid)?;
    send_thread(target, sig, info)
}

/// Nothing wakes this queue: sleepers leave through signals (or their deadline).
static PAUSED: WaitQueue = WaitQueue::new();

pub fn sys_pause(_: &mut TrapFrame) -> SysResult<usize> {
    // Only a signal ends the wait, and pause is not restarted after a handler, whatever
    // SA_RESTART says (ERESTARTNOHAND, not the wait's ERESTARTSYS).
    let _ = PAUSED.wait(WaitOpts::INTERRUPTIBLE, || None::<()>);
    Err(Errno::ERESTARTNOHAND)
}

pub fn sys_rt_sigsuspend(f: &mut TrapFrame) -> SysResult<usize> {
    if f.arg(1) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask = SigSet(user::read::<u64>(f.arg(0))?).difference(SigSet::UNBLOCKABLE);
    let t = current();
    {
        let mut s = t.sig.lock();
        s.saved_mask = Some(s.mask);
        s.mask = mask;
    }
    let _ = PAUSED.wait(WaitOpts::INTERRUPTIBLE, || None::<()>);
    // The handler runs with `mask` in force; the old mask comes back when it returns.
    Err(Errno::ERESTARTNOHAND)
}

pub fn sys_rt_sigtimedwait(f: &mut TrapFrame) -> SysResult<usize> {
    let (set, info, timeout, size) = (f.arg(0), f.arg(1), f.arg(2), f.arg(3));
    if size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let wanted = SigSet(user::read::<u64>(set)?).difference(SigSet::UNBLOCKABLE);
    let deadline = if timeout != 0 {
        let ts: linux_abi::uapi::time::Timespec = user::read(timeout)?;
        Some(crate::arch::cpu::uptime_ns().saturating_add(ts.as_nanos().ok_or(Errno::EINVAL)?))
    } else {
        None
    };
    let t = current_arc();
    let got = crate::process::signal::take_from(&t, wanted);
    let got = match got {
        Some(i) => i,
        None => {
            // Wait with the wanted signals temporarily unblocked, so sending one wakes us.
            let old = {
                let mut s = t.sig.lock();
                let old = s.mask;
                s.real_blocked = old;
                s.mask = s.mask.difference(wanted);
                old
            };
            let r = PAUSED.wait(WaitOpts::until(deadline), || crate::process::signal::take_from(&t, wanted));
            {
                let mut s = t.sig.lock();
                s.mask = old;
                s.real_blocked = SigSet::default();
            }
            match r {
                Ok(i) => i,
                Err(Errno::ETIMEDOUT) => return Err(Errno::EAGAIN),
                Err(_) => return Err(Errno::EINTR),
            }
        }
    };
    if info != 0 {
        user::write(info, &got)?;
    }
    Ok(got.signo() as usize)
}

pub fn sys_sigaltstack(f: &mut TrapFrame) -> SysResult<usize> {
    let (ss, old) = (f.arg(0), f.arg(1));
    let t = current();
    let on_stack = crate::process::sigframe::on_altstack(t, f.rsp);
    if old != 0 {
        let mut cur = t.sig.lock().altstack;
        if cur.ss_size == 0 {
            cur.ss_flags = SS_DISABLE;
        } else if on_stack {
            cur.ss_flags |= SS_ONSTACK;
        }
        user::write(old, &cur)?;
    }
    if ss != 0 {
        let new: StackT = user::read(ss)?;
        if on_stack {
            return Err(Errno::EPERM);
        }
        let mode = new.ss_flags & !SS_FLAG_BITS;
        let mut s = t.sig.lock();
        match mode {
            SS_DISABLE => s.altstack = StackT { ss_sp: 0, ss_flags: SS_DISABLE, _pad: 0, ss_size: 0 },
            0 | SS_ONSTACK => {
                if new.ss_size < *crate::process::signal::MINSIGSTKSZ as u64 {
                    return Err(Errno::ENOMEM);
                }
                s.altstack = StackT { ss_flags: new.ss_flags & SS_FLAG_BITS, ..new };
            }
            _ => return Err(Errno::EINVAL),
        }
    }
    Ok(0)
}

pub fn sys_rt_sigreturn(f: &mut TrapFrame) -> SysResult<usize> {
    crate::process::sigframe::sigreturn(f)?;
    // Registers (including RAX) now come from the frame: return its RAX unchanged.
    Ok(f.rax as usize)
}
