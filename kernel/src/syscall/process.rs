//! Process identity, exit, thread-local storage, limits: getpid family, exit/exit_group,
//! set_tid_address, set_robust_list, arch_prctl, getrlimit/prlimit64, sched_yield.

use core::sync::atomic::Ordering;

use linux_abi::uapi::prctl::{ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_FS, ARCH_SET_GS};
use linux_abi::uapi::resource::Rlimit;
use linux_abi::{Errno, SysResult};
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{FsBase, KernelGsBase};

use crate::arch::TrapFrame;
use crate::arch::usercopy::USER_END;
use crate::mm::user;
use crate::process::exit::{WaitStatus, exit_group};
use crate::process::limits::Limit;
use crate::process::current;

pub fn sys_getpid(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().process.pid as usize)
}

pub fn sys_gettid(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().tid as usize)
}

pub fn sys_getppid(_: &mut TrapFrame) -> SysResult<usize> {
    // Init's parent is the kernel (0); parents arrive with fork.
    Ok(0)
}

pub fn sys_getuid(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().process.creds.lock().uid as usize)
}

pub fn sys_geteuid(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().process.creds.lock().euid as usize)
}

pub fn sys_getgid(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().process.creds.lock().gid as usize)
}

pub fn sys_getegid(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().process.creds.lock().egid as usize)
}

/// Writes three ids (real, effective, saved) to user memory, as getresuid/getresgid.
fn write_res_ids(addrs: [u64; 3], ids: [u32; 3]) -> SysResult<usize> {
    for (addr, id) in addrs.into_iter().zip(ids) {
        user::write(addr, &id)?;
    }
    Ok(0)
}

pub fn sys_getresuid(f: &mut TrapFrame) -> SysResult<usize> {
    let c = current().process.creds.lock().clone();
    write_res_ids([f.arg(0), f.arg(1), f.arg(2)], [c.uid, c.euid, c.suid])
}

pub fn sys_getresgid(f: &mut TrapFrame) -> SysResult<usize> {
    let c = current().process.creds.lock().clone();
    write_res_ids([f.arg(0), f.arg(1), f.arg(2)], [c.gid, c.egid, c.sgid])
}

pub fn sys_getgroups(f: &mut TrapFrame) -> SysResult<usize> {
    let (size, list) = (f.arg(0) as i32, f.arg(1));
    let groups = current().process.creds.lock().groups.clone();
    if size < 0 {
        return Err(Errno::EINVAL);
    }
    if size == 0 {
        return Ok(groups.len());
    }
    if (size as usize) < groups.len() {
        return Err(Errno::EINVAL);
    }
    for (i, g) in groups.iter().enumerate() {
        user::write(list + 4 * i as u64, g)?;
    }
    Ok(groups.len())
}

pub fn sys_exit(f: &mut TrapFrame) -> SysResult<usize> {
    // Single-threaded processes only so far: exit ends the group.
    exit_group(WaitStatus::Exited(f.arg(0) as u8))
}

pub fn sys_exit_group(f: &mut TrapFrame) -> SysResult<usize> {
    exit_group(WaitStatus::Exited(f.arg(0) as u8))
}

pub fn sys_set_tid_address(f: &mut TrapFrame) -> SysResult<usize> {
    let t = current();
    t.clear_child_tid.store(f.arg(0), Ordering::Relaxed);
    Ok(t.tid as usize)
}

/// sizeof(struct robust_list_head) on x86_64.
const ROBUST_LIST_HEAD_SIZE: u64 = 24;

pub fn sys_set_robust_list(f: &mut TrapFrame) -> SysResult<usize> {
    if f.arg(1) != ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL);
    }
    current().robust_list.store(f.arg(0), Ordering::Relaxed);
    Ok(0)
}

pub fn sys_arch_prctl(f: &mut TrapFrame) -> SysResult<usize> {
    let (code, addr) = (f.arg(0) as u32, f.arg(1));
    let t = current();
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= USER_END {
                return Err(Errno::EPERM);
            }
            if code == ARCH_SET_FS {
                t.fs_base.store(addr, Ordering::Relaxed);
                FsBase::write(VirtAddr::new(addr));
            } else {
                // In the kernel the user GS base sits in KERNEL_GS_BASE until SWAPGS on return.
                t.gs_base.store(addr, Ordering::Relaxed);
                KernelGsBase::write(VirtAddr::new(addr));
            }
            Ok(0)
        }
        ARCH_GET_FS => user::write(addr, &t.fs_base.load(Ordering::Relaxed)).map(|_| 0),
        ARCH_GET_GS => user::write(addr, &t.gs_base.load(Ordering::Relaxed)).map(|_| 0),
        _ => Err(Errno::EINVAL),
    }
}

fn rlimit_of(l: Limit) -> Rlimit {
    Rlimit { rlim_cur: l.cur, rlim_max: l.max }
}

/// Linux's fs.nr_open default: the most RLIMIT_NOFILE may be raised to.
const NR_OPEN: u64 = 1 << 20;

fn do_prlimit(resource: u32, new: Option<Rlimit>, old_addr: u64) -> SysResult<usize> {
    let t = current();
    let old = t.process.limits.lock().get(resource).ok_or(Errno::EINVAL)?;
    if let Some(new) = new {
        if new.rlim_cur > new.rlim_max {
            return Err(Errno::EINVAL);
        }
        if resource == linux_abi::uapi::resource::RLIMIT_NOFILE && new.rlim_max > NR_OPEN {
            return Err(Errno::EPERM);
        }
        let creds = t.process.creds.lock();
        if new.rlim_max > old.max && creds.euid != 0 {
            return Err(Errno::EPERM);
        }
    }
    if old_addr != 0 {
        user::write(old_addr, &rlimit_of(old))?;
    }
    if let Some(new) = new {
        t.process.limits.lock().0[resource as usize] = Limit { cur: new.rlim_cur, max: new.rlim_max };
    }
    Ok(0)
}

pub fn sys_getrlimit(f: &mut TrapFrame) -> SysResult<usize> {
    if f.arg(1) == 0 {
        return Err(Errno::EFAULT);
    }
    do_prlimit(f.arg(0) as u32, None, f.arg(1))
}

pub fn sys_prlimit64(f: &mut TrapFrame) -> SysResult<usize> {
    let (pid, resource, new_addr, old_addr) = (f.arg(0) as i32, f.arg(1) as u32, f.arg(2), f.arg(3));
    if pid != 0 && pid as u32 != current().process.pid {
        return Err(Errno::ESRCH);
    }
    let new = if new_addr != 0 { Some(user::read::<Rlimit>(new_addr)?) } else { None };
    do_prlimit(resource, new, old_addr)
}

pub fn sys_sched_yield(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(0)
}

pub fn sys_execve(f: &mut TrapFrame) -> SysResult<usize> {
    use linux_abi::stack::MAX_ARG_STRLEN;
    // The exact limit (a quarter of RLIMIT_STACK) is applied when the stack is built; this bound
    // (Linux's ceiling, 3/4 of 8 MiB) only stops a runaway argv from exhausting kernel memory.
    const ARGS_CEILING: usize = 6 << 20;
    let path = user::read_cstr(f.arg(0), 4095, Errno::ENAMETOOLONG)?;
    let argv = user::read_cstr_array(f.arg(1), MAX_ARG_STRLEN - 1, ARGS_CEILING)?;
    let envp = user::read_cstr_array(f.arg(2), MAX_ARG_STRLEN - 1, ARGS_CEILING)?;
    crate::process::exec::execve(current(), &path, argv, envp, f)?;
    Ok(0)
}
