//! Building and unwinding signal frames on the user stack (layout and rules in
//! `linux_abi::uapi::sigframe`): conversion between the trap frame and Linux's register set, the
//! thread's FPU image, and the user copies.

use linux_abi::uapi::signal::{KernelSigaction, SS_DISABLE, SaFlags, StackT};
use linux_abi::uapi::sigframe::*;
use linux_abi::uapi::ucontext::UserRegs;
use linux_abi::{Errno, SysResult};

use super::Thread;
use super::signal::SigInfo;
use crate::arch::TrapFrame;
use crate::arch::cpu;
use crate::arch::gdt::{USER_CS, USER_DS};
use crate::arch::trap::SYSCALL_VECTOR;
use crate::mm::user;

const SELECTORS: Selectors = Selectors { cs: USER_CS as u64, ss: USER_DS as u64 };

pub fn to_regs(f: &TrapFrame) -> UserRegs {
    UserRegs {
        r15: f.r15,
        r14: f.r14,
        r13: f.r13,
        r12: f.r12,
        rbp: f.rbp,
        rbx: f.rbx,
        r11: f.r11,
        r10: f.r10,
        r9: f.r9,
        r8: f.r8,
        rax: f.rax,
        rcx: f.rcx,
        rdx: f.rdx,
        rsi: f.rsi,
        rdi: f.rdi,
        orig_rax: if f.vector == SYSCALL_VECTOR { f.orig_rax } else { u64::MAX },
        rip: f.rip,
        cs: f.cs,
        eflags: f.rflags,
        rsp: f.rsp,
        ss: f.ss,
    }
}

/// Loads `r` into the frame. The frame stops being a syscall frame when orig_rax is -1, so no
/// restart logic applies to it again.
pub fn from_regs(f: &mut TrapFrame, r: &UserRegs) {
    f.r15 = r.r15;
    f.r14 = r.r14;
    f.r13 = r.r13;
    f.r12 = r.r12;
    f.rbp = r.rbp;
    f.rbx = r.rbx;
    f.r11 = r.r11;
    f.r10 = r.r10;
    f.r9 = r.r9;
    f.r8 = r.r8;
    f.rax = r.rax;
    f.rcx = r.rcx;
    f.rdx = r.rdx;
    f.rsi = r.rsi;
    f.rdi = r.rdi;
    f.orig_rax = r.orig_rax;
    f.rip = r.rip;
    f.cs = r.cs;
    f.rflags = r.eflags;
    f.rsp = r.rsp;
    f.ss = r.ss;
}

fn fpu_config() -> FpuConfig {
    if cpu::has_xsave() {
        FpuConfig { xsave: true, user_size: cpu::xsave_size(), user_xfeatures: cpu::xcr0() }
    } else {
        FpuConfig::FXSAVE
    }
}

/// AT_MINSIGSTKSZ for this CPU.
pub fn frame_size() -> usize {
    sigframe_size(cpu::xsave_size())
}

fn altstack(t: &Thread) -> AltStack {
    let s = t.sig.lock().altstack;
    if s.ss_size == 0 { AltStack::DISABLED } else { AltStack { sp: s.ss_sp, size: s.ss_size, flags: s.ss_flags } }
}

pub fn on_altstack(t: &Thread, sp: u64) -> bool {
    altstack(t).on_sig_stack(sp)
}

/// Adjusts an interrupted syscall's result for signal handling (EINTR or restart).
pub fn fix_syscall_restart(frame: &mut TrapFrame, handler: Option<&KernelSigaction>) {
    if frame.vector != SYSCALL_VECTOR {
        return;
    }
    let mut regs = to_regs(frame);
    let how = match handler {
        Some(a) => Interruption::Handler { sa_restart: SaFlags::from_bits_truncate(a.flags).contains(SaFlags::RESTART) },
        None => Interruption::NoHandler,
    };
    prepare_syscall_restart(&mut regs, how);
    frame.rax = regs.rax;
    frame.rip = regs.rip;
}

/// Sets up `frame` to run the handler of `act` for `info` on the user stack.
pub fn deliver(t: &Thread, frame: &mut TrapFrame, info: &SigInfo, act: &KernelSigaction) -> Result<(), FrameError> {
    t.fpu.save();
    let regs = to_regs(frame);
    let saved_mask = {
        let mut s = t.sig.lock();
        s.saved_mask.take().unwrap_or(s.mask).0
    };
    let fault = if frame.vector != SYSCALL_VECTOR && frame.vector < 32 {
        FaultContext { trapno: frame.vector, error_code: frame.orig_rax, cr2: x86_64::registers::control::Cr2::read_raw() }
    } else {
        FaultContext::default()
    };
    let req = RtFrameRequest {
        regs: &regs,
        sig: info.signo(),
        info,
        sa_flags: SaFlags::from_bits_truncate(act.flags),
        handler: act.handler,
        restorer: act.restorer,
        saved_mask,
        altstack: altstack(t),
        fpu: fpu_config(),
        fpstate: t.fpu.image(),
        fault,
        selectors: SELECTORS,
    };
    let sf = setup_rt_frame(&req)?;
    user::copy_to_user(sf.fpstate_addr, &sf.fpstate).map_err(|_| FrameError::BadAddress)?;
    user::copy_to_user(sf.sp, &sf.frame).map_err(|_| FrameError::BadAddress)?;
    let mut new = sf.regs;
    new.orig_rax = u64::MAX;
    from_regs(frame, &new);
    // A new frame origin: the exit path must not treat it as a syscall return.
    frame.vector = 0;
    // Handlers start with clean FPU/SSE state (fpu__clear_user_states).
    t.fpu.reset();
    t.fpu.restore();
    if sf.disarm_altstack {
        t.sig.lock().altstack = StackT { ss_sp: 0, ss_flags: SS_DISABLE, _pad: 0, ss_size: 0 };
    }
    Ok(())
}

/// rt_sigreturn: restores registers, mask, FPU state and altstack from the frame at rsp - 8.
pub fn sigreturn(frame: &mut TrapFrame) -> SysResult<()> {
    let t = super::current();
    let frame_addr = frame.rsp.wrapping_sub(8);
    let mut bytes = alloc::vec![0u8; RT_SIGRETURN_READ_SIZE];
    let restored = user::copy_from_user(&mut bytes, frame_addr)
        .ok()
        .and_then(|_| restore_rt_frame(&bytes, frame_addr, &to_regs(frame), SELECTORS).ok());
    let Some(restored) = restored else {
        super::signal::force(&super::current_arc(), super::signal::kernel_info(linux_abi::uapi::signal::SIGSEGV));
        return Err(Errno::EFAULT);
    };
    let cfg = fpu_config();
    if restored.fpstate_addr == 0 {
        t.fpu.reset();
    } else {
        let mut img = alloc::vec![0u8; cfg.sigframe_fpstate_size()];
        let ok = user::copy_from_user(&mut img, restored.fpstate_addr).is_ok();
        match ok.then(|| restore_fpstate(&img, restored.fpstate_addr, &cfg, cpu::mxcsr_mask(), &cpu::xstate_size_of)) {
            Some(Ok(image)) => t.fpu.set_image(&image),
            _ => {
                super::signal::force(&super::current_arc(), super::signal::kernel_info(linux_abi::uapi::signal::SIGSEGV));
                return Err(Errno::EFAULT);
            }
        }
    }
    t.fpu.restore();
    {
        let mut s = t.sig.lock();
        s.mask = linux_abi::uapi::signal::SigSet(restored.mask);
        // uc_stack is applied like sigaltstack(uc_stack, NULL), errors ignored.
        let a = restored.altstack;
        if !on_altstack_locked(&s.altstack, frame.rsp) {
            let mode = a.ss_flags & !linux_abi::uapi::signal::SS_FLAG_BITS;
            if mode == SS_DISABLE {
                s.altstack = StackT { ss_sp: 0, ss_flags: SS_DISABLE, _pad: 0, ss_size: 0 };
            } else if mode == 0 && a.ss_size >= *super::signal::MINSIGSTKSZ as u64 {
                s.altstack = a;
            }
        }
    }
    t.sig_hint.store(true, core::sync::atomic::Ordering::Relaxed);
    from_regs(frame, &restored.regs);
    frame.vector = 0;
    Ok(())
}

fn on_altstack_locked(s: &StackT, sp: u64) -> bool {
    s.ss_size != 0 && AltStack { sp: s.ss_sp, size: s.ss_size, flags: s.ss_flags }.on_sig_stack(sp)
}
