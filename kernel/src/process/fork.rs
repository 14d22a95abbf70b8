//! fork, vfork, clone, clone3: one path, with clone flags choosing what the child shares.

use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};

use linux_abi::uapi::sched::*;
use linux_abi::{Errno, SysResult};

use super::exit::Completion;
use super::fpu::FpuState;
use super::signal::SigPending;
use super::{Process, Relations, Thread, current, tasks};
use crate::arch::TrapFrame;
use crate::arch::usercopy::USER_END;
use crate::mm::user;
use crate::sched::wait::WaitQueue;
use crate::sync::SpinLock;

/// What clone/clone3 asked for, decoded.
pub struct CloneRequest {
    pub flags: u64,
    pub exit_signal: u32,
    pub stack: u64,
    pub parent_tid: u64,
    pub child_tid: u64,
    pub tls: u64,
}

/// Creates the child described by `req` from the calling thread, whose user registers are
/// `frame`. Returns the child's tid (in the parent).
pub fn do_clone(req: &CloneRequest, frame: &TrapFrame) -> SysResult<u32> {
    let flags = req.flags;
    let parent_thread = current();
    let parent = &parent_thread.process;
    validate_clone_flags(flags, parent.pid == 1)?;
    if flags & !(SUPPORTED) != 0 {
        // Namespaces, pidfds, cgroups, ptrace: honoured by Linux, not implemented here.
        return Err(Errno::EINVAL);
    }
    if flags & CLONE_THREAD == 0 {
        let nproc = parent.limits.lock().get(linux_abi::uapi::resource::RLIMIT_NPROC).map_or(u64::MAX, |l| l.cur);
        let uid = parent.creds.lock().uid;
        if uid != 0 && tasks::count() as u64 >= nproc {
            return Err(Errno::EAGAIN);
        }
    }
    let tid = tasks::alloc_pid()?;

    let mm = if flags & CLONE_VM != 0 {
        parent.mm()
    } else {
        super::Mm::new(parent.mm().lock().fork()?)
    };

    // The parent's live FPU registers become the child's initial state.
    parent_thread.fpu.save();
    let fpu = FpuState::new().ok_or(Errno::ENOMEM)?;
    fpu.copy_from(&parent_thread.fpu);

    let process = if flags & CLONE_THREAD != 0 {
        parent.clone()
    } else {
        let files = if flags & CLONE_FILES != 0 {
            parent.files()
        } else {
            Arc::new(SpinLock::new(parent.files().lock().clone()))
        };
        let fs = if flags & CLONE_FS != 0 {
            parent.fs.clone()
        } else {
            Arc::new(SpinLock::new(parent.fs.lock().clone()))
        };
        let sighand = if flags & CLONE_SIGHAND != 0 {
            parent.sighand()
        } else {
            Arc::new(SpinLock::new(parent.sighand().lock().clone()))
        };
        let (pgid, sid) = {
            let r = parent.rel.lock();
            (r.pgid, r.sid)
        };
        let real_parent = if flags & CLONE_PARENT != 0 { parent.parent() } else { Some(parent.clone()) };
        Arc::new(Process {
            pid: tid,
            mm: SpinLock::new(mm),
            files: SpinLock::new(files),
            fs,
            sighand: SpinLock::new(sighand),
            limits: SpinLock::new(parent.limits.lock().clone()),
            creds: SpinLock::new(parent.creds.lock().clone()),
            comm: SpinLock::new(*parent.comm.lock()),
            rel: SpinLock::new(Relations {
                parent: real_parent.as_ref().map_or(Weak::new(), Arc::downgrade),
                children: Vec::new(),
                threads: Vec::new(),
                pgid,
                sid,
                zombie: None,
                group_exit: None,
                stop_report: None,
                continue_report: false,
                stopped: false,
            }),
            exit_signal: req.exit_signal,
            child_event: WaitQueue::new(),
            shared_pending: SpinLock::new(SigPending::default()),
            did_exec: AtomicBool::new(false),
            itimers: SpinLock::new(Default::default()),
            children_times: SpinLock::new((0, 0)),
            exe: SpinLock::new(parent.exe.lock().clone()),
            start_ns: crate::arch::cpu::uptime_ns(),
            prctl: SpinLock::new(parent.prctl.lock().forked()),
            nice: core::sync::atomic::AtomicI32::new(parent.nice.load(core::sync::atomic::Ordering::Relaxed)),
        })
    };

    let child = Arc::new(Thread::new(tid, process.clone(), fpu)?);
    child.sig.lock().mask = parent_thread.sig.lock().mask;
    child.gs_base.store(parent_thread.gs_base.load(Ordering::Relaxed), Ordering::Relaxed);
    let tls = if flags & CLONE_SETTLS != 0 {
        if req.tls >= USER_END {
            return Err(Errno::EPERM);
        }
        req.tls
    } else {
        parent_thread.fs_base.load(Ordering::Relaxed)
    };
    child.fs_base.store(tls, Ordering::Relaxed);
    if flags & CLONE_CHILD_CLEARTID != 0 {
        child.clear_child_tid.store(req.child_tid, Ordering::Relaxed);
    }

    // The child returns 0 from the syscall, on its own stack if one was given.
    let mut cframe = *frame;
    cframe.rax = 0;
    if req.stack != 0 {
        cframe.rsp = req.stack;
    }
    // SAFETY: the child's kernel stack is new and exclusively ours; the frame goes at its top.
    unsafe {
        child.user_frame().write(cframe);
        *child.sched.saved_rsp.get() = crate::arch::switch::prepare_stack(child.user_frame() as u64);
    }

    if flags & CLONE_PARENT_SETTID != 0 {
        user::write(req.parent_tid, &tid)?;
    }
    if flags & CLONE_CHILD_SETTID != 0 {
        // Written in the child's address space (a copy, unless CLONE_VM).
        let mm = process.mm();
        mm.lock().write_bytes(req.child_tid, &tid.to_ne_bytes())?;
    }

    let vfork = if flags & CLONE_VFORK != 0 {
        let c = Arc::new(Completion::new());
        *child.vfork_done.lock() = Some(c.clone());
        Some(c)
    } else {
        None
    };

    // Publish: thread list, tree, tables, run queue.
    process.rel.lock().threads.push(child.clone());
    if flags & CLONE_THREAD != 0 {
        tasks::register_thread(&child);
    } else {
        if let Some(p) = process.parent() {
            p.rel.lock().children.push(process.clone());
        }
        tasks::register(&process, &child);
    }
    crate::sched::spawn(child);

    if let Some(done) = vfork {
        // The parent sleeps (uninterruptibly for the child's sake, as Linux's killable wait)
        // until the child execs or exits and gives the memory back.
        done.wait();
    }
    Ok(tid)
}

/// Clone flags this kernel implements; the rest are refused with EINVAL.
const SUPPORTED: u64 = CLONE_VM
    | CLONE_FS
    | CLONE_FILES
    | CLONE_SIGHAND
    | CLONE_PARENT
    | CLONE_THREAD
    | CLONE_SYSVSEM
    | CLONE_SETTLS
    | CLONE_PARENT_SETTID
    | CLONE_CHILD_CLEARTID
    | CLONE_CHILD_SETTID
    | CLONE_VFORK
    | CLONE_DETACHED
    | CLONE_UNTRACED
    | CSIGNAL;
