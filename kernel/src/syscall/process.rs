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
use crate::process::fork::{CloneRequest, do_clone};
use crate::process::wait::{Event, Selector, WaitFlags, wait_child};
use crate::process::{current, tasks};
use linux_abi::uapi::resource::{RUSAGE_CHILDREN, RUSAGE_SELF, RUSAGE_THREAD, Rusage};
use linux_abi::uapi::sched::{CLONE_ARGS_SIZE_VER0, CLONE_VFORK, CLONE_VM, CSIGNAL, CloneArgs};
use linux_abi::uapi::siginfo::{CLD_CONTINUED, CLD_EXITED, CLD_KILLED, CLD_STOPPED, SigInfo};
use linux_abi::uapi::signal::{SIGCHLD, SIGCONT};
use linux_abi::uapi::wait::*;

pub fn sys_getpid(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().process.pid as usize)
}

pub fn sys_gettid(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().tid as usize)
}

pub fn sys_getppid(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().process.ppid() as usize)
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
    crate::process::exit::exit_thread(WaitStatus::Exited(f.arg(0) as u8))
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

/// get_robust_list(pid, head_ptr, len_ptr): the list head a thread registered (pid 0: the caller).
pub fn sys_get_robust_list(f: &mut TrapFrame) -> SysResult<usize> {
    let (pid, head_ptr, len_ptr) = (f.arg(0) as i32, f.arg(1), f.arg(2));
    let head = if pid == 0 {
        current().robust_list.load(Ordering::Relaxed)
    } else {
        let t = tasks::thread(pid as u32).ok_or(Errno::ESRCH)?;
        if !may_signal_ids(&t.process) {
            return Err(Errno::EPERM);
        }
        t.robust_list.load(Ordering::Relaxed)
    };
    user::write(head_ptr, &head)?;
    user::write(len_ptr, &ROBUST_LIST_HEAD_SIZE)?;
    Ok(0)
}

/// Root, or the same real or effective uid (what Linux's ptrace_may_access comes to here).
fn may_signal_ids(target: &crate::process::Process) -> bool {
    let me = current().process.creds.lock().clone();
    let them = target.creds.lock();
    me.euid == 0 || me.uid == them.uid || me.euid == them.uid
}

/// The processes getpriority/setpriority address: one process, a process group, or a user's.
fn priority_targets(which: u32, who: u32) -> SysResult<alloc::vec::Vec<alloc::sync::Arc<crate::process::Process>>> {
    use linux_abi::uapi::resource::{PRIO_PGRP, PRIO_PROCESS, PRIO_USER};
    let me = &current().process;
    let all = tasks::all_processes();
    let alive = |p: &alloc::sync::Arc<crate::process::Process>| p.rel.lock().zombie.is_none();
    let found: alloc::vec::Vec<_> = match which {
        PRIO_PROCESS => {
            let pid = if who == 0 { me.pid } else { who };
            all.into_iter().filter(|p| p.pid == pid && alive(p)).collect()
        }
        PRIO_PGRP => {
            let pgid = if who == 0 { me.pgid() } else { who };
            all.into_iter().filter(|p| p.pgid() == pgid && alive(p)).collect()
        }
        PRIO_USER => {
            let uid = if who == 0 { me.creds.lock().uid } else { who };
            all.into_iter().filter(|p| p.creds.lock().uid == uid && alive(p)).collect()
        }
        _ => return Err(Errno::EINVAL),
    };
    if found.is_empty() {
        return Err(Errno::ESRCH);
    }
    Ok(found)
}

/// getpriority: 20 - nice of the highest-priority (lowest nice) target, so never negative.
pub fn sys_getpriority(f: &mut TrapFrame) -> SysResult<usize> {
    let targets = priority_targets(f.arg(0) as u32, f.arg(1) as u32)?;
    let nice = targets.iter().map(|p| p.nice.load(Ordering::Relaxed)).min().unwrap_or(0);
    Ok((20 - nice) as usize)
}

/// setpriority: nice is clamped to -20..=19; lowering it needs root or RLIMIT_NICE
/// (Linux's can_nice), changing another user's process needs root.
pub fn sys_setpriority(f: &mut TrapFrame) -> SysResult<usize> {
    let targets = priority_targets(f.arg(0) as u32, f.arg(1) as u32)?;
    let nice = (f.arg(2) as i32).clamp(-20, 19);
    let me = &current().process;
    let creds = me.creds.lock().clone();
    let rlim = me.limits.lock().get(linux_abi::uapi::resource::RLIMIT_NICE).map_or(0, |l| l.cur);
    let mut result = Ok(0);
    for p in targets {
        let owner = p.creds.lock().uid;
        if creds.euid != 0 && creds.euid != owner && creds.uid != owner {
            result = Err(Errno::EPERM);
            continue;
        }
        if nice < p.nice.load(Ordering::Relaxed) && creds.euid != 0 && (20 - nice) as u64 > rlim {
            result = Err(Errno::EACCES);
            continue;
        }
        p.nice.store(nice, Ordering::Relaxed);
    }
    result
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

pub fn sys_setrlimit(f: &mut TrapFrame) -> SysResult<usize> {
    let new: Rlimit = user::read(f.arg(1))?;
    do_prlimit(f.arg(0) as u32, Some(new), 0)
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
    crate::sched::schedule();
    Ok(0)
}

/// Reads execve's argv and envp. The exact limit (a quarter of RLIMIT_STACK) is applied when the
/// stack is built; this bound (Linux's ceiling, 3/4 of 8 MiB) only stops a runaway argv from
/// exhausting kernel memory.
type Strings = alloc::vec::Vec<alloc::vec::Vec<u8>>;

fn exec_args(argv: u64, envp: u64) -> SysResult<(Strings, Strings)> {
    use linux_abi::stack::MAX_ARG_STRLEN;
    const ARGS_CEILING: usize = 6 << 20;
    Ok((
        user::read_cstr_array(argv, MAX_ARG_STRLEN - 1, ARGS_CEILING)?,
        user::read_cstr_array(envp, MAX_ARG_STRLEN - 1, ARGS_CEILING)?,
    ))
}

pub fn sys_execve(f: &mut TrapFrame) -> SysResult<usize> {
    let path = user::read_cstr(f.arg(0), 4095, Errno::ENAMETOOLONG)?;
    let (argv, envp) = exec_args(f.arg(1), f.arg(2))?;
    crate::process::exec::execve(current(), &path, argv, envp, f)?;
    Ok(0)
}

pub fn sys_execveat(f: &mut TrapFrame) -> SysResult<usize> {
    use linux_abi::uapi::fcntl::AtFlags;
    let (dirfd, path, flags) = (f.arg(0) as i32, f.arg(1), f.arg(4) as u32);
    if flags & !(AtFlags::EMPTY_PATH | AtFlags::SYMLINK_NOFOLLOW).bits() != 0 {
        return Err(Errno::EINVAL);
    }
    let path = user::read_cstr(path, 4095, Errno::ENAMETOOLONG)?;
    let (argv, envp) = exec_args(f.arg(2), f.arg(3))?;
    let t = current();
    let target = if path.is_empty() {
        if flags & AtFlags::EMPTY_PATH.bits() == 0 {
            return Err(Errno::ENOENT);
        }
        t.process.files().lock().get(dirfd)?.path().clone()
    } else {
        let follow = flags & AtFlags::SYMLINK_NOFOLLOW.bits() == 0;
        let p = crate::vfs::resolve_at(t, dirfd, &path, follow)?;
        if p.metadata().file_type() == Some(fs::vfs::FileType::Symlink) {
            return Err(Errno::ELOOP);
        }
        p
    };
    // What a script's interpreter is told the script is called (Linux: /dev/fd/N).
    let name = if path.is_empty() { alloc::format!("/dev/fd/{dirfd}").into_bytes() } else { path };
    crate::process::exec::execve_path(t, target, &name, argv, envp, f)?;
    Ok(0)
}

pub fn sys_fork(f: &mut TrapFrame) -> SysResult<usize> {
    let req = CloneRequest { flags: 0, exit_signal: SIGCHLD, stack: 0, parent_tid: 0, child_tid: 0, tls: 0 };
    do_clone(&req, f).map(|t| t as usize)
}

pub fn sys_vfork(f: &mut TrapFrame) -> SysResult<usize> {
    let req = CloneRequest {
        flags: CLONE_VM | CLONE_VFORK,
        exit_signal: SIGCHLD,
        stack: 0,
        parent_tid: 0,
        child_tid: 0,
        tls: 0,
    };
    do_clone(&req, f).map(|t| t as usize)
}

pub fn sys_clone(f: &mut TrapFrame) -> SysResult<usize> {
    // x86_64 argument order: flags, stack, parent_tid, child_tid, tls.
    let flags = f.arg(0);
    let req = CloneRequest {
        flags: flags & !CSIGNAL,
        exit_signal: (flags & CSIGNAL) as u32,
        stack: f.arg(1),
        parent_tid: f.arg(2),
        child_tid: f.arg(3),
        tls: f.arg(4),
    };
    do_clone(&req, f).map(|t| t as usize)
}

pub fn sys_clone3(f: &mut TrapFrame) -> SysResult<usize> {
    let (addr, size) = (f.arg(0), f.arg(1) as usize);
    if !(CLONE_ARGS_SIZE_VER0..=4096).contains(&size) {
        return Err(Errno::EINVAL);
    }
    let mut raw = alloc::vec![0u8; size];
    user::copy_from_user(&mut raw, addr)?;
    let args = CloneArgs::from_user_bytes(&raw)?;
    args.check_clone3()?;
    // set_tid (pid namespaces) and cgroups are not implemented.
    if args.set_tid != 0 || args.set_tid_size != 0 || args.cgroup != 0 {
        return Err(Errno::EINVAL);
    }
    let req = CloneRequest {
        flags: args.flags,
        exit_signal: args.exit_signal as u32,
        // clone3 gives the stack's lowest address and size; the child starts at its top.
        stack: if args.stack != 0 { args.stack + args.stack_size } else { 0 },
        parent_tid: args.parent_tid,
        child_tid: args.child_tid,
        tls: args.tls,
    };
    do_clone(&req, f).map(|t| t as usize)
}

fn selector(pid: i32) -> Selector {
    match pid {
        -1 => Selector::Any,
        0 => Selector::Pgid(current().process.pgid()),
        p if p < -1 => Selector::Pgid((-p) as u32),
        p => Selector::Pid(p as u32),
    }
}

pub fn sys_wait4(f: &mut TrapFrame) -> SysResult<usize> {
    let (pid, status, options, rusage) = (f.arg(0) as i32, f.arg(1), f.arg(2) as u32, f.arg(3));
    const KNOWN: u32 = WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WALL | __WCLONE;
    if options & !KNOWN != 0 || pid == i32::MIN {
        return Err(Errno::EINVAL);
    }
    let flags = WaitFlags {
        exited: true,
        stopped: options & WUNTRACED != 0,
        continued: options & WCONTINUED != 0,
        nohang: options & WNOHANG != 0,
        nowait: false,
        clone_children: options & __WCLONE != 0,
        all_children: options & __WALL != 0,
    };
    let Some(r) = wait_child(selector(pid), flags)? else { return Ok(0) };
    if status != 0 {
        user::write(status, &r.status())?;
    }
    if rusage != 0 {
        user::write(rusage, &rusage_of(r.utime_ns, r.stime_ns))?;
    }
    Ok(r.pid as usize)
}

pub fn sys_waitid(f: &mut TrapFrame) -> SysResult<usize> {
    let (idtype, id, infop, options, rusage) = (f.arg(0) as u32, f.arg(1) as i32, f.arg(2), f.arg(3) as u32, f.arg(4));
    const KNOWN: u32 = WNOHANG | WSTOPPED | WEXITED | WCONTINUED | WNOWAIT | __WNOTHREAD | __WALL | __WCLONE;
    if options & !KNOWN != 0 || options & (WEXITED | WSTOPPED | WCONTINUED) == 0 {
        return Err(Errno::EINVAL);
    }
    let sel = match idtype {
        P_ALL => Selector::Any,
        P_PID if id > 0 => Selector::Pid(id as u32),
        P_PGID if id >= 0 => Selector::Pgid(if id == 0 { current().process.pgid() } else { id as u32 }),
        // P_PIDFD needs pidfds.
        _ => return Err(Errno::EINVAL),
    };
    let flags = WaitFlags {
        exited: options & WEXITED != 0,
        stopped: options & WSTOPPED != 0,
        continued: options & WCONTINUED != 0,
        nohang: options & WNOHANG != 0,
        nowait: options & WNOWAIT != 0,
        clone_children: options & __WCLONE != 0,
        all_children: options & __WALL != 0,
    };
    let reaped = wait_child(sel, flags)?;
    if infop != 0 {
        let info = match &reaped {
            None => SigInfo::default(),
            Some(r) => {
                let (code, status) = match r.event {
                    Event::Exited(WaitStatus::Exited(c)) => (CLD_EXITED, c as i32),
                    Event::Exited(WaitStatus::Signaled(s)) => (CLD_KILLED, s as i32),
                    Event::Stopped(s) => (CLD_STOPPED, s as i32),
                    Event::Continued => (CLD_CONTINUED, SIGCONT as i32),
                };
                SigInfo::chld(SIGCHLD, code, r.pid as i32, r.uid, status, (r.utime_ns / 10_000_000) as i64, (r.stime_ns / 10_000_000) as i64)
            }
        };
        user::write(infop, &info)?;
    }
    if rusage != 0 {
        let (u, s) = reaped.as_ref().map_or((0, 0), |r| (r.utime_ns, r.stime_ns));
        user::write(rusage, &rusage_of(u, s))?;
    }
    Ok(0)
}

fn timeval_of(ns: u64) -> linux_abi::uapi::time::Timeval {
    linux_abi::uapi::time::Timeval { tv_sec: (ns / 1_000_000_000) as i64, tv_usec: ((ns / 1000) % 1_000_000) as i64 }
}

fn rusage_of(utime_ns: u64, stime_ns: u64) -> Rusage {
    Rusage { ru_utime: timeval_of(utime_ns), ru_stime: timeval_of(stime_ns), ..Default::default() }
}

pub fn sys_getrusage(f: &mut TrapFrame) -> SysResult<usize> {
    let who = f.arg(0) as i32;
    let t = current();
    let sum = |threads: &[alloc::sync::Arc<crate::process::Thread>]| {
        threads.iter().fold((0, 0), |(u, s), t| (u + t.utime.load(Ordering::Relaxed), s + t.stime.load(Ordering::Relaxed)))
    };
    let (u, s) = match who {
        RUSAGE_SELF => sum(&t.process.threads()),
        RUSAGE_THREAD => (t.utime.load(Ordering::Relaxed), t.stime.load(Ordering::Relaxed)),
        RUSAGE_CHILDREN => *t.process.children_times.lock(),
        _ => return Err(Errno::EINVAL),
    };
    user::write(f.arg(1), &rusage_of(u, s))?;
    Ok(0)
}

pub fn sys_getpgid(f: &mut TrapFrame) -> SysResult<usize> {
    let pid = f.arg(0) as i32;
    let p = if pid == 0 { current().process.clone() } else { tasks::process(pid as u32).ok_or(Errno::ESRCH)? };
    Ok(p.pgid() as usize)
}

pub fn sys_getpgrp(_: &mut TrapFrame) -> SysResult<usize> {
    Ok(current().process.pgid() as usize)
}

pub fn sys_getsid(f: &mut TrapFrame) -> SysResult<usize> {
    let pid = f.arg(0) as i32;
    let p = if pid == 0 { current().process.clone() } else { tasks::process(pid as u32).ok_or(Errno::ESRCH)? };
    Ok(p.sid() as usize)
}

pub fn sys_setpgid(f: &mut TrapFrame) -> SysResult<usize> {
    let (pid, pgid) = (f.arg(0) as i32, f.arg(1) as i32);
    if pgid < 0 {
        return Err(Errno::EINVAL);
    }
    let me = current().process.clone();
    let target = if pid == 0 || pid as u32 == me.pid {
        me.clone()
    } else {
        let t = tasks::process(pid as u32).ok_or(Errno::ESRCH)?;
        // Only the caller or its children may be moved.
        if !t.parent().is_some_and(|p| alloc::sync::Arc::ptr_eq(&p, &me)) {
            return Err(Errno::ESRCH);
        }
        if t.sid() != me.sid() {
            return Err(Errno::EPERM);
        }
        if t.did_exec.load(Ordering::Relaxed) {
            return Err(Errno::EACCES);
        }
        t
    };
    let pgid = if pgid == 0 { target.pid } else { pgid as u32 };
    // A session leader cannot move; the group must exist in the same session (or be new).
    if target.sid() == target.pid {
        return Err(Errno::EPERM);
    }
    if pgid != target.pid {
        let sid = target.sid();
        let exists = tasks::all_processes().iter().any(|p| p.pgid() == pgid && p.sid() == sid);
        if !exists {
            return Err(Errno::EPERM);
        }
    }
    target.rel.lock().pgid = pgid;
    Ok(0)
}

pub fn sys_setsid(_: &mut TrapFrame) -> SysResult<usize> {
    let me = current().process.clone();
    // Fails if the caller already leads a process group.
    if tasks::all_processes().iter().any(|p| p.pgid() == me.pid) {
        return Err(Errno::EPERM);
    }
    let mut rel = me.rel.lock();
    rel.pgid = me.pid;
    rel.sid = me.pid;
    drop(rel);
    crate::tty::detach_session(&me);
    Ok(me.pid as usize)
}

pub fn sys_umask(f: &mut TrapFrame) -> SysResult<usize> {
    let fs = current().process.fs.clone();
    let mut ctx = fs.lock();
    let old = ctx.umask;
    ctx.umask = f.arg(0) as u32 & 0o777;
    Ok(old as usize)
}

/// Identity changes follow Linux's rules: with CAP_SETUID (euid 0 here) any value; otherwise
/// only to one of the current real/effective/saved ids. -1 leaves a field unchanged.
fn set_ids(which_uid: bool, r: u32, e: u32, s: u32, setuid_semantics: bool) -> SysResult<usize> {
    let t = current();
    let mut c = t.process.creds.lock();
    let privileged = c.euid == 0;
    let (cr, ce, cs) = if which_uid { (c.uid, c.euid, c.suid) } else { (c.gid, c.egid, c.sgid) };
    let allowed = |v: u32| v == u32::MAX || privileged || v == cr || v == ce || v == cs;
    if !(allowed(r) && allowed(e) && allowed(s)) {
        return Err(Errno::EPERM);
    }
    let pick = |new: u32, old: u32| if new == u32::MAX { old } else { new };
    let (nr, ne, ns) = if setuid_semantics {
        // setuid/setgid: privileged callers set all three, others only the effective id.
        if privileged { (e, e, e) } else { (cr, e, cs) }
    } else {
        (pick(r, cr), pick(e, ce), pick(s, cs))
    };
    if which_uid {
        (c.uid, c.euid, c.suid, c.fsuid) = (nr, ne, ns, ne);
    } else {
        (c.gid, c.egid, c.sgid, c.fsgid) = (nr, ne, ns, ne);
    }
    Ok(0)
}

pub fn sys_setuid(f: &mut TrapFrame) -> SysResult<usize> {
    let id = f.arg(0) as u32;
    if id == u32::MAX {
        return Err(Errno::EINVAL);
    }
    set_ids(true, u32::MAX, id, u32::MAX, true)
}

pub fn sys_setgid(f: &mut TrapFrame) -> SysResult<usize> {
    let id = f.arg(0) as u32;
    if id == u32::MAX {
        return Err(Errno::EINVAL);
    }
    set_ids(false, u32::MAX, id, u32::MAX, true)
}

pub fn sys_setresuid(f: &mut TrapFrame) -> SysResult<usize> {
    set_ids(true, f.arg(0) as u32, f.arg(1) as u32, f.arg(2) as u32, false)
}

pub fn sys_setresgid(f: &mut TrapFrame) -> SysResult<usize> {
    set_ids(false, f.arg(0) as u32, f.arg(1) as u32, f.arg(2) as u32, false)
}

pub fn sys_setreuid(f: &mut TrapFrame) -> SysResult<usize> {
    let (r, e) = (f.arg(0) as u32, f.arg(1) as u32);
    // The saved id follows the new effective id when the real id is set or the effective id
    // changes to something other than the old real id.
    let c = current().process.creds.lock().clone();
    let s = if r != u32::MAX || (e != u32::MAX && e != c.uid) { if e != u32::MAX { e } else { c.euid } } else { u32::MAX };
    set_ids(true, r, e, s, false)
}

pub fn sys_setregid(f: &mut TrapFrame) -> SysResult<usize> {
    let (r, e) = (f.arg(0) as u32, f.arg(1) as u32);
    let c = current().process.creds.lock().clone();
    let s = if r != u32::MAX || (e != u32::MAX && e != c.gid) { if e != u32::MAX { e } else { c.egid } } else { u32::MAX };
    set_ids(false, r, e, s, false)
}

pub fn sys_setgroups(f: &mut TrapFrame) -> SysResult<usize> {
    let (size, list) = (f.arg(0) as usize, f.arg(1));
    const NGROUPS_MAX: usize = 65536;
    if size > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    let t = current();
    if t.process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    let mut groups = alloc::vec::Vec::with_capacity(size);
    for i in 0..size {
        groups.push(user::read::<u32>(list + 4 * i as u64)?);
    }
    groups.sort_unstable();
    t.process.creds.lock().groups = groups;
    Ok(0)
}

fn set_fs_id(uid: bool, id: u32) -> usize {
    let t = current();
    let mut c = t.process.creds.lock();
    let old = if uid { c.fsuid } else { c.fsgid };
    let ok = if uid {
        c.euid == 0 || [c.uid, c.euid, c.suid, c.fsuid].contains(&id)
    } else {
        c.euid == 0 || [c.gid, c.egid, c.sgid, c.fsgid].contains(&id)
    };
    if ok && id != u32::MAX {
        if uid { c.fsuid = id } else { c.fsgid = id }
    }
    old as usize
}

pub fn sys_setfsuid(f: &mut TrapFrame) -> SysResult<usize> {
    Ok(set_fs_id(true, f.arg(0) as u32))
}

pub fn sys_setfsgid(f: &mut TrapFrame) -> SysResult<usize> {
    Ok(set_fs_id(false, f.arg(0) as u32))
}
