//! Building and unwinding x86_64 signal frames, as pure functions.
//!
//! [`setup_rt_frame`] computes what Linux's `get_sigframe`,
//! `x64_setup_rt_frame` and `copy_fpstate_to_sigframe`
//! (`arch/x86/kernel/signal.c`, `signal_64.c`, `fpu/signal.c`) write to the
//! user stack and which registers the handler starts with;
//! [`restore_rt_frame`] and [`restore_fpstate`] undo it for rt_sigreturn. From
//! high to low addresses the frame is:
//!
//! ```text
//! regs.rsp
//!               128-byte red zone (skipped; or the top of the altstack)
//!               FP_XSTATE_MAGIC2 (XSAVE only)
//!               XSAVE/FXSAVE image           <- fpstate_addr, 64-byte aligned
//!               (padding)
//!               siginfo                      <- rsi
//!               ucontext                     <- rdx
//! sp            pretcode (sa_restorer)       <- rsp, (rsp + 8) % 16 == 0
//! ```
//!
//! The kernel supplies its own user segment selectors ([`Selectors`]): they
//! need not be Linux's 0x33/0x2b, and the user-visible sigcontext carries
//! whatever the kernel uses.

use alloc::vec;
use alloc::vec::Vec;

use zerocopy::{FromBytes, IntoBytes};

use super::siginfo::SigInfo;
use super::signal::{SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, SaFlags, SigSet, StackT};
use super::ucontext::*;
use crate::errno::Errno;
use crate::syscalls::nr;

/// The red zone below rsp that the x86_64 psABI lets leaf functions use.
const RED_ZONE: u64 = 128;
/// `FRAME_ALIGNMENT`.
const FRAME_ALIGN: u64 = 16;
/// The FXSAVE/XSAVE image's alignment.
const FPSTATE_ALIGN: u64 = 64;

/// Why a frame could not be built or unwound. Linux answers every one of
/// these with SIGSEGV (`force_sigsegv` on delivery, `signal_fault` on
/// sigreturn).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameError {
    /// The handler has no SA_RESTORER: x86_64 has no fallback trampoline.
    NoRestorer,
    /// The frame would run off the alternate signal stack.
    AltStackOverflow,
    /// The frame's addresses wrap around the address space.
    BadAddress,
    /// The FPU image given is smaller than `FpuConfig::user_size`.
    FpuImageTooSmall,
    /// Fewer bytes than [`RT_SIGRETURN_READ_SIZE`] (or the fpstate size) given.
    ShortFrame,
    /// sigreturn asked for a CS/SS this kernel cannot return to (Linux's IRET
    /// would fault).
    BadSelector,
    /// The FPU image in the frame would make XRSTOR/FXRSTOR fault: misaligned,
    /// reserved MXCSR bits, non-standard XSAVE header, or an xstate_size too
    /// small for its features.
    BadFpstate,
}

/// The kernel's user code and stack segment selectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selectors {
    pub cs: u64,
    pub ss: u64,
}

impl Selectors {
    /// Linux's `__USER_CS` and `__USER_DS`.
    pub const LINUX: Selectors = Selectors { cs: 0x33, ss: 0x2b };
}

/// A task's sigaltstack state (`sas_ss_sp`, `sas_ss_size`, `sas_ss_flags`).
/// `size == 0` means no alternate stack, as after `SS_DISABLE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AltStack {
    pub sp: u64,
    pub size: u64,
    /// The flags sigaltstack stored (`SS_AUTODISARM` is the one that matters).
    pub flags: i32,
}

impl AltStack {
    /// The state after `sas_ss_reset` (also the initial state).
    pub const DISABLED: AltStack = AltStack {
        sp: 0,
        size: 0,
        flags: SS_DISABLE,
    };

    /// `__on_sig_stack`: `sp` lies in `(ss_sp, ss_sp + ss_size]` (the stack
    /// grows down, so its top is inclusive).
    pub fn contains(&self, sp: u64) -> bool {
        sp > self.sp && sp - self.sp <= self.size
    }

    /// `on_sig_stack`: never true with SS_AUTODISARM, since the stack is
    /// disarmed while a handler runs on it.
    pub fn on_sig_stack(&self, sp: u64) -> bool {
        self.flags & SS_AUTODISARM == 0 && self.contains(sp)
    }

    /// `sas_ss_flags`: SS_DISABLE, SS_ONSTACK or 0 for the stack pointer `sp`
    /// (also what sigaltstack reports as the old `ss_flags`).
    pub fn sas_ss_flags(&self, sp: u64) -> i32 {
        if self.size == 0 {
            SS_DISABLE
        } else if self.on_sig_stack(sp) {
            SS_ONSTACK
        } else {
            0
        }
    }

    /// The `stack_t` Linux saves in `uc_stack`: the stored fields verbatim.
    pub fn to_stack_t(&self) -> StackT {
        StackT {
            ss_sp: self.sp,
            ss_flags: self.flags,
            _pad: 0,
            ss_size: self.size,
        }
    }
}

/// How the CPU's extended state is saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FpuConfig {
    /// XSAVE in use (`use_xsave()`); otherwise FXSAVE with a 512-byte image.
    pub xsave: bool,
    /// `fpstate->user_size`: size of the standard-format XSAVE image for
    /// `user_xfeatures` (CPUID.(0xD,0).EBX with XCR0 set), or 512.
    pub user_size: usize,
    /// `fpstate->user_xfeatures`: XCR0's user features (FP|SSE|... ).
    pub user_xfeatures: u64,
}

impl FpuConfig {
    /// A CPU with only FXSAVE.
    pub const FXSAVE: FpuConfig = FpuConfig {
        xsave: false,
        user_size: FXSAVE_SIZE,
        user_xfeatures: XFEATURE_MASK_FPSSE,
    };

    /// `xstate_sigframe_size`: the fpstate area on the stack, MAGIC2 included.
    pub fn sigframe_fpstate_size(&self) -> usize {
        if self.xsave {
            self.user_size + FP_XSTATE_MAGIC2_SIZE
        } else {
            self.user_size
        }
    }
}

/// The fault details Linux keeps in `thread.trap_nr`, `error_code` and `cr2`
/// and copies into the sigcontext (zero for signals not raised by a fault).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultContext {
    pub trapno: u64,
    pub error_code: u64,
    pub cr2: u64,
}

/// Everything delivery of one signal to a handler depends on.
#[derive(Clone, Copy, Debug)]
pub struct RtFrameRequest<'a> {
    /// The interrupted user registers, after any syscall-restart fix-up
    /// ([`prepare_syscall_restart`]).
    pub regs: &'a UserRegs,
    pub sig: u32,
    pub info: &'a SigInfo,
    /// The handler's `sa_flags` (SA_SIGINFO, SA_ONSTACK, SA_RESTORER matter).
    pub sa_flags: SaFlags,
    pub handler: u64,
    pub restorer: u64,
    /// The mask sigreturn will restore (`sigmask_to_save()`: the saved mask
    /// after sigsuspend/ppoll/pselect, else the current blocked mask).
    pub saved_mask: u64,
    pub altstack: AltStack,
    pub fpu: FpuConfig,
    /// The thread's FPU state as XSAVE (standard format) or FXSAVE stored it;
    /// at least `fpu.user_size` bytes.
    pub fpstate: &'a [u8],
    pub fault: FaultContext,
    pub selectors: Selectors,
}

/// A built signal frame: two blocks to copy to user memory plus the
/// registers the handler starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigFrame {
    /// Frame address and the handler's rsp.
    pub sp: u64,
    /// [`RT_SIGFRAME_SIZE`] bytes for `sp`.
    pub frame: Vec<u8>,
    /// Address of the FPU image (64-byte aligned); also in the sigcontext.
    pub fpstate_addr: u64,
    /// The FPU image (plus MAGIC2 under XSAVE) for `fpstate_addr`.
    pub fpstate: Vec<u8>,
    /// rip = handler, rsp = sp, rdi = sig, rsi = &info, rdx = &uc, rax = 0,
    /// user CS/SS, DF/RF/TF cleared.
    pub regs: UserRegs,
    /// The altstack had SS_AUTODISARM: once the frame is written the kernel
    /// must reset the task's altstack to [`AltStack::DISABLED`].
    pub disarm_altstack: bool,
}

/// Builds the rt signal frame for a handler, as Linux's `x64_setup_rt_frame`.
///
/// On success the kernel copies `frame` and `fpstate` to user memory (a
/// failed copy means SIGSEGV, as in Linux), loads `regs`, blocks
/// [`handler_blocked_mask`], resets the thread's FPU to its initial state
/// (Linux's `fpu__clear_user_states`: handlers start with clean FPU/SSE
/// state) and disarms the altstack if asked.
pub fn setup_rt_frame(req: &RtFrameRequest<'_>) -> Result<SigFrame, FrameError> {
    // x86_64 has no kernel-provided return trampoline.
    if !req.sa_flags.contains(SaFlags::RESTORER) {
        return Err(FrameError::NoRestorer);
    }
    let fpu = &req.fpu;
    let image = req
        .fpstate
        .get(..fpu.user_size)
        .ok_or(FrameError::FpuImageTooSmall)?;
    let regs = req.regs;
    let alt = &req.altstack;

    // get_sigframe.
    let nested_altstack = alt.on_sig_stack(regs.rsp);
    let mut entering_altstack = false;
    let mut sp = regs
        .rsp
        .checked_sub(RED_ZONE)
        .ok_or(FrameError::BadAddress)?;
    if req.sa_flags.contains(SaFlags::ONSTACK) && alt.sas_ss_flags(sp) == 0 {
        sp = alt.sp.checked_add(alt.size).ok_or(FrameError::BadAddress)?;
        entering_altstack = true;
    }
    let fp_size = fpu.sigframe_fpstate_size() as u64;
    let fpstate_addr = round_down(
        sp.checked_sub(fp_size).ok_or(FrameError::BadAddress)?,
        FPSTATE_ALIGN,
    );
    let frame_addr = fpstate_addr
        .checked_sub(RT_SIGFRAME_SIZE as u64)
        .map(|a| round_down(a, FRAME_ALIGN))
        .and_then(|a| a.checked_sub(8))
        .ok_or(FrameError::BadAddress)?;
    if (nested_altstack || entering_altstack) && !alt.contains(frame_addr) {
        return Err(FrameError::AltStackOverflow);
    }

    let fpstate = fpstate_for_sigframe(image, fpu);

    let user_64bit = regs.cs == req.selectors.cs;
    let mut uc_flags = UC_SIGCONTEXT_SS;
    if fpu.xsave {
        uc_flags |= UC_FP_XSTATE;
    }
    if user_64bit {
        uc_flags |= UC_STRICT_RESTORE_SS;
    }
    let frame = RtSigframe {
        pretcode: req.restorer,
        uc: UContext {
            uc_flags,
            uc_link: 0,
            uc_stack: alt.to_stack_t(),
            uc_mcontext: sigcontext_from(regs, fpstate_addr, req.saved_mask, &req.fault),
            uc_sigmask: req.saved_mask,
        },
        // Without SA_SIGINFO Linux leaves this part of the stack unwritten.
        info: if req.sa_flags.contains(SaFlags::SIGINFO) {
            req.info.to_user()
        } else {
            SigInfo::new(0, 0)
        },
    };

    let mut new = *regs;
    new.rdi = u64::from(req.sig);
    // For handlers declared without a prototype (varargs convention).
    new.rax = 0;
    new.rsi = frame_addr + RT_SIGFRAME_INFO as u64;
    new.rdx = frame_addr + RT_SIGFRAME_UC as u64;
    new.rip = req.handler;
    new.rsp = frame_addr;
    new.cs = req.selectors.cs;
    // force_valid_ss: this kernel's GDT has one user data segment, so any
    // other SS would fault on return.
    new.ss = req.selectors.ss;
    // The ABI wants DF clear at function entry; RF/TF would suppress or raise
    // debug traps inside the handler.
    new.eflags &= !(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);

    Ok(SigFrame {
        sp: frame_addr,
        frame: frame.as_bytes().to_vec(),
        fpstate_addr,
        fpstate,
        regs: new,
        disarm_altstack: alt.flags & SS_AUTODISARM != 0,
    })
}

/// The FPU image as `copy_fpstate_to_sigframe` leaves it in the frame.
fn fpstate_for_sigframe(image: &[u8], fpu: &FpuConfig) -> Vec<u8> {
    let mut out = vec![0u8; fpu.sigframe_fpstate_size()];
    out[..image.len()].copy_from_slice(image);
    let sw = FpxSwBytes {
        magic1: FP_XSTATE_MAGIC1,
        extended_size: (fpu.user_size + FP_XSTATE_MAGIC2_SIZE) as u32,
        xfeatures: fpu.user_xfeatures,
        xstate_size: fpu.user_size as u32,
        padding: [0; 7],
    };
    put(&mut out, FX_SW_BYTES_OFFSET, sw.as_bytes());
    if fpu.xsave && fpu.user_size >= XSAVE_MIN_SIZE {
        // Linux clears the header, XSAVE fills in xstate_bv only, and FP/SSE
        // are always marked present so that legacy handlers editing those
        // registers have the edits restored.
        let bv = get_u64(image, XSAVE_HEADER_OFFSET) & fpu.user_xfeatures;
        let header = &mut out[XSAVE_HEADER_OFFSET..XSAVE_HEADER_OFFSET + XSAVE_HEADER_SIZE];
        header.fill(0);
        header[..8].copy_from_slice(&(bv | XFEATURE_MASK_FPSSE).to_le_bytes());
        put(&mut out, fpu.user_size, &FP_XSTATE_MAGIC2.to_le_bytes());
    }
    out
}

fn sigcontext_from(regs: &UserRegs, fpstate: u64, mask: u64, fault: &FaultContext) -> SigContext {
    SigContext {
        r8: regs.r8,
        r9: regs.r9,
        r10: regs.r10,
        r11: regs.r11,
        r12: regs.r12,
        r13: regs.r13,
        r14: regs.r14,
        r15: regs.r15,
        rdi: regs.rdi,
        rsi: regs.rsi,
        rbp: regs.rbp,
        rbx: regs.rbx,
        rdx: regs.rdx,
        rax: regs.rax,
        rcx: regs.rcx,
        rsp: regs.rsp,
        rip: regs.rip,
        eflags: regs.eflags,
        // Selectors are 16 bits; Linux stores the low half.
        cs: regs.cs as u16,
        gs: 0,
        fs: 0,
        ss: regs.ss as u16,
        err: fault.error_code,
        trapno: fault.trapno,
        oldmask: mask,
        cr2: fault.cr2,
        fpstate,
        reserved1: [0; 8],
    }
}

/// How many bytes at the frame address rt_sigreturn reads: pretcode and the
/// ucontext (the siginfo is ignored).
pub const RT_SIGRETURN_READ_SIZE: usize = RT_SIGFRAME_INFO;

/// The state rt_sigreturn returns to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Restored {
    /// The registers to return to user space with; rax is the syscall's
    /// return value, orig_rax is -1 so no syscall restart happens.
    pub regs: UserRegs,
    /// The new blocked mask (SIGKILL and SIGSTOP already removed).
    pub mask: u64,
    /// Where the FPU image is; 0 means "reset the FPU to its initial state".
    /// Feed the bytes there to [`restore_fpstate`].
    pub fpstate_addr: u64,
    /// `uc_stack`: Linux applies it as `sigaltstack(&uc_stack, NULL)` and
    /// ignores every error except EFAULT.
    pub altstack: StackT,
    pub uc_flags: u64,
}

/// Unwinds a frame for rt_sigreturn, as Linux's `sys_rt_sigreturn` and
/// `restore_sigcontext`. `frame` holds at least [`RT_SIGRETURN_READ_SIZE`]
/// bytes read from `frame_addr` (the syscall-time rsp minus 8); `current` is
/// the register state at the rt_sigreturn syscall, whose RFLAGS bits outside
/// [`FIX_EFLAGS`] survive.
pub fn restore_rt_frame(
    frame: &[u8],
    frame_addr: u64,
    current: &UserRegs,
    selectors: Selectors,
) -> Result<Restored, FrameError> {
    frame_addr
        .checked_add(RT_SIGFRAME_SIZE as u64)
        .ok_or(FrameError::BadAddress)?;
    let uc_bytes = frame
        .get(RT_SIGFRAME_UC..RT_SIGFRAME_INFO)
        .ok_or(FrameError::ShortFrame)?;
    let uc = UContext::read_from_bytes(uc_bytes).map_err(|_| FrameError::ShortFrame)?;
    let sc = &uc.uc_mcontext;

    let mut regs = *current;
    regs.rbx = sc.rbx;
    regs.rcx = sc.rcx;
    regs.rdx = sc.rdx;
    regs.rsi = sc.rsi;
    regs.rdi = sc.rdi;
    regs.rbp = sc.rbp;
    regs.rax = sc.rax;
    regs.rsp = sc.rsp;
    regs.rip = sc.rip;
    regs.r8 = sc.r8;
    regs.r9 = sc.r9;
    regs.r10 = sc.r10;
    regs.r11 = sc.r11;
    regs.r12 = sc.r12;
    regs.r13 = sc.r13;
    regs.r14 = sc.r14;
    regs.r15 = sc.r15;
    // Forced to CPL 3 whatever user space wrote.
    regs.cs = u64::from(sc.cs | 3);
    regs.ss = u64::from(sc.ss | 3);
    regs.eflags = (current.eflags & !FIX_EFLAGS) | (sc.eflags & FIX_EFLAGS);
    regs.orig_rax = u64::MAX;

    // Without UC_STRICT_RESTORE_SS (old CRIU/DOSEMU-built frames) a bad SS
    // returning to 64-bit code is replaced by a valid one (force_valid_ss).
    if uc.uc_flags & UC_STRICT_RESTORE_SS == 0 && regs.cs == selectors.cs {
        regs.ss = selectors.ss;
    }
    // Linux would fault on IRET to any other selector, giving SIGSEGV.
    if regs.cs != selectors.cs || regs.ss != selectors.ss {
        return Err(FrameError::BadSelector);
    }

    Ok(Restored {
        regs,
        mask: SigSet(uc.uc_sigmask).difference(SigSet::UNBLOCKABLE).0,
        fpstate_addr: sc.fpstate,
        altstack: uc.uc_stack,
        uc_flags: uc.uc_flags,
    })
}

/// Validates and sanitises the FPU image of a frame for rt_sigreturn, as
/// Linux's `fpu__restore_sig` and `check_xstate_in_sigframe`.
///
/// `user` holds the bytes at `addr` (read `fpu.sigframe_fpstate_size()` of
/// them). `mxcsr_mask` is the CPU's MXCSR_MASK (0xffbf if FXSAVE reports 0).
/// `xstate_size_of(features)` gives the standard-format XSAVE size for a
/// feature set (Linux's `xstate_calculate_size`); it is only consulted when
/// the frame describes other features or another size than this kernel
/// wrote.
///
/// Returns an image of `fpu.user_size` bytes the kernel can load with XRSTOR
/// (requested-feature bitmap = `user_xfeatures`; features the frame does not
/// restore get their initial state through the header) or FXRSTOR.
pub fn restore_fpstate(
    user: &[u8],
    addr: u64,
    fpu: &FpuConfig,
    mxcsr_mask: u32,
    xstate_size_of: &dyn Fn(u64) -> usize,
) -> Result<Vec<u8>, FrameError> {
    let legacy = user.get(..FXSAVE_SIZE).ok_or(FrameError::ShortFrame)?;
    let mut out = vec![0u8; fpu.user_size.max(FXSAVE_SIZE)];
    if !fpu.xsave {
        // FXRSTOR faults on a misaligned image or reserved MXCSR bits.
        if !addr.is_multiple_of(16) || get_u32(legacy, FXSAVE_MXCSR) & !mxcsr_mask != 0 {
            return Err(FrameError::BadFpstate);
        }
        out[..FXSAVE_SIZE].copy_from_slice(legacy);
        return Ok(out);
    }

    let sw = FpxSwBytes::read_from_bytes(&legacy[FX_SW_BYTES_OFFSET..])
        .map_err(|_| FrameError::ShortFrame)?;
    let (fx_only, mut mask, size) = match check_xstate(user, &sw, fpu, xstate_size_of)? {
        Some((features, size)) => (false, features, size),
        // No valid XSAVE description: restore FP/SSE from the legacy region.
        None => (true, XFEATURE_MASK_FPSSE, FXSAVE_SIZE),
    };
    mask &= fpu.user_xfeatures;

    // XRSTOR wants 64-byte alignment, FXRSTOR 16.
    let align = if fx_only { 16 } else { FPSTATE_ALIGN };
    if !addr.is_multiple_of(align) {
        return Err(FrameError::BadFpstate);
    }
    let src = user.get(..size).ok_or(FrameError::ShortFrame)?;
    out[..size].copy_from_slice(src);

    let mxcsr = get_u32(legacy, FXSAVE_MXCSR);
    let mxcsr_loaded = fx_only || mask & (XFEATURE_MASK_SSE | XFEATURE_MASK_YMM) != 0;
    if mxcsr_loaded && mxcsr & !mxcsr_mask != 0 {
        return Err(FrameError::BadFpstate);
    }
    // Linux restores then re-initialises the features left out, which resets
    // MXCSR unless SSE itself was restored.
    if mask & XFEATURE_MASK_SSE == 0 {
        put(&mut out, FXSAVE_MXCSR, &MXCSR_DEFAULT.to_le_bytes());
    }

    if out.len() >= XSAVE_MIN_SIZE {
        let header = &mut out[XSAVE_HEADER_OFFSET..XSAVE_HEADER_OFFSET + XSAVE_HEADER_SIZE];
        if fx_only {
            header.fill(0);
        } else if header[8..].iter().any(|&b| b != 0) {
            // A compacted or reserved-bit header makes standard-form XRSTOR fault.
            return Err(FrameError::BadFpstate);
        }
        let bv = if fx_only {
            mask
        } else {
            get_u64(src, XSAVE_HEADER_OFFSET) & mask
        };
        header[..8].copy_from_slice(&bv.to_le_bytes());
    }
    Ok(out)
}

/// `check_xstate_in_sigframe`: `Some((features, xstate_size))` for a valid
/// XSAVE description, `None` to fall back to FX-only, `Err` for SIGSEGV.
fn check_xstate(
    user: &[u8],
    sw: &FpxSwBytes,
    fpu: &FpuConfig,
    xstate_size_of: &dyn Fn(u64) -> usize,
) -> Result<Option<(u64, usize)>, FrameError> {
    let xstate_size = sw.xstate_size as usize;
    if sw.magic1 != FP_XSTATE_MAGIC1
        || xstate_size < XSAVE_MIN_SIZE
        || xstate_size > fpu.user_size
        || (sw.extended_size as usize) < xstate_size + FP_XSTATE_MAGIC2_SIZE
    {
        return Ok(None);
    }
    let magic2 = user
        .get(xstate_size..xstate_size + FP_XSTATE_MAGIC2_SIZE)
        .ok_or(FrameError::ShortFrame)?;
    if get_u32(magic2, 0) != FP_XSTATE_MAGIC2 {
        return Ok(None);
    }
    if xstate_size == fpu.user_size && sw.xfeatures == fpu.user_xfeatures {
        return Ok(Some((sw.xfeatures, xstate_size)));
    }
    let features = sw.xfeatures & fpu.user_xfeatures;
    let needed = xstate_size_of(features);
    if xstate_size < needed {
        return Err(FrameError::BadFpstate);
    }
    Ok(Some((sw.xfeatures, needed.min(xstate_size))))
}

/// `AT_MINSIGSTKSZ` (Linux's `get_sigframe_size`) for a 64-bit-only kernel:
/// the largest frame plus worst-case alignment padding, for an XSAVE image of
/// `xstate_size` bytes (512 means FXSAVE only, so no MAGIC2 word).
pub fn sigframe_size(xstate_size: usize) -> usize {
    let fpstate = if xstate_size > FXSAVE_SIZE {
        xstate_size + FP_XSTATE_MAGIC2_SIZE
    } else {
        xstate_size
    };
    let max_frame_padding = FRAME_ALIGN as usize - 1;
    let max_xsave_padding = FPSTATE_ALIGN as usize - 1;
    (RT_SIGFRAME_SIZE + max_frame_padding + fpstate + max_xsave_padding)
        .next_multiple_of(FRAME_ALIGN as usize)
}

/// The blocked mask while the handler runs (`signal_delivered`): the current
/// mask plus sa_mask plus the signal itself unless SA_NODEFER.
pub fn handler_blocked_mask(blocked: u64, sa_mask: u64, sig: u32, sa_flags: SaFlags) -> u64 {
    let mut set = SigSet(blocked | sa_mask);
    if !sa_flags.contains(SaFlags::NODEFER) {
        set.add(sig);
    }
    set.difference(SigSet::UNBLOCKABLE).0
}

/// What signal handling does to a syscall a signal interrupted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interruption {
    /// A handler runs; its SA_RESTART flag decides about -ERESTARTSYS.
    Handler { sa_restart: bool },
    /// No handler runs (the signal was ignored, stopped the task, or none was
    /// pending after all).
    NoHandler,
}

/// Adjusts `regs` for an interrupted syscall before a frame is built or the
/// task returns to user space (`handle_signal`, `arch_do_signal_or_restart`):
/// the internal -ERESTART* codes become -EINTR or a re-execution of the
/// `syscall` instruction (rip - 2), -ERESTART_RESTARTBLOCK via
/// restart_syscall(2). Does nothing outside a syscall (orig_rax == -1).
pub fn prepare_syscall_restart(regs: &mut UserRegs, how: Interruption) {
    if regs.orig_rax as i64 == -1 {
        return;
    }
    let err = regs.rax as i64;
    let eintr = -(Errno::EINTR.0 as i64);
    let restart = |regs: &mut UserRegs| {
        regs.rax = regs.orig_rax;
        regs.rip = regs.rip.wrapping_sub(2);
    };
    let code = |e: Errno| -(e.0 as i64);
    match how {
        Interruption::Handler { sa_restart } => {
            if err == code(Errno::ERESTART_RESTARTBLOCK) || err == code(Errno::ERESTARTNOHAND) {
                regs.rax = eintr as u64;
            } else if err == code(Errno::ERESTARTSYS) {
                if sa_restart {
                    restart(regs);
                } else {
                    regs.rax = eintr as u64;
                }
            } else if err == code(Errno::ERESTARTNOINTR) {
                restart(regs);
            }
        }
        Interruption::NoHandler => {
            if err == code(Errno::ERESTARTNOHAND)
                || err == code(Errno::ERESTARTSYS)
                || err == code(Errno::ERESTARTNOINTR)
            {
                restart(regs);
            } else if err == code(Errno::ERESTART_RESTARTBLOCK) {
                regs.rax = nr::RESTART_SYSCALL as u64;
                regs.rip = regs.rip.wrapping_sub(2);
            }
        }
    }
}

const fn round_down(v: u64, align: u64) -> u64 {
    v & !(align - 1)
}

fn put(buf: &mut [u8], off: usize, bytes: &[u8]) {
    if let Some(dst) = buf.get_mut(off..off + bytes.len()) {
        dst.copy_from_slice(bytes);
    }
}

fn get_u32(buf: &[u8], off: usize) -> u32 {
    let mut b = [0u8; 4];
    if let Some(src) = buf.get(off..off + 4) {
        b.copy_from_slice(src);
    }
    u32::from_le_bytes(b)
}

fn get_u64(buf: &[u8], off: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(src) = buf.get(off..off + 8) {
        b.copy_from_slice(src);
    }
    u64::from_le_bytes(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::siginfo::SI_USER;
    use crate::uapi::signal::{SIGKILL, SIGSTOP, SIGUSR1, SIGUSR2};

    const SEL: Selectors = Selectors { cs: 0x23, ss: 0x1b };
    const XSAVE_SIZE: usize = 832; // x87+SSE+AVX
    const XFEATURES: u64 = 0b111;
    const FPU: FpuConfig = FpuConfig {
        xsave: true,
        user_size: XSAVE_SIZE,
        user_xfeatures: XFEATURES,
    };

    fn regs() -> UserRegs {
        UserRegs {
            r15: 15,
            r14: 14,
            r13: 13,
            r12: 12,
            rbp: 0xbb,
            rbx: 0xb,
            r11: 11,
            r10: 10,
            r9: 9,
            r8: 8,
            rax: 0xaa,
            rcx: 0xc,
            rdx: 0xd,
            rsi: 0x51,
            rdi: 0xd1,
            orig_rax: u64::MAX,
            rip: 0x40_1000,
            cs: SEL.cs,
            eflags: 0x202 | X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_CF,
            rsp: 0x7fff_f000_0123,
            ss: SEL.ss,
        }
    }

    fn fpu_image() -> Vec<u8> {
        let mut img = vec![0u8; XSAVE_SIZE];
        for (i, b) in img.iter_mut().enumerate() {
            *b = i as u8;
        }
        img[FXSAVE_MXCSR..FXSAVE_MXCSR + 4].copy_from_slice(&0x1f80u32.to_le_bytes());
        // Header: AVX in use, the rest of the header zero as XSAVE leaves it.
        img[512..576].fill(0);
        img[512..520].copy_from_slice(&0b100u64.to_le_bytes());
        img
    }

    fn request<'a>(r: &'a UserRegs, info: &'a SigInfo, img: &'a [u8]) -> RtFrameRequest<'a> {
        RtFrameRequest {
            regs: r,
            sig: SIGUSR1,
            info,
            sa_flags: SaFlags::SIGINFO | SaFlags::RESTORER,
            handler: 0x40_2000,
            restorer: 0x40_3000,
            saved_mask: 1 << 4,
            altstack: AltStack::DISABLED,
            fpu: FPU,
            fpstate: img,
            fault: FaultContext::default(),
            selectors: SEL,
        }
    }

    #[test]
    fn frame_layout_and_handler_registers() {
        let r = regs();
        let info = SigInfo::kill(SIGUSR1, SI_USER, 7, 1000);
        let img = fpu_image();
        let f = setup_rt_frame(&request(&r, &info, &img)).unwrap();

        assert_eq!((f.sp + 8) % 16, 0, "psABI alignment at function entry");
        assert_eq!(f.fpstate_addr % 64, 0);
        assert!(
            f.fpstate_addr + f.fpstate.len() as u64 <= r.rsp - 128,
            "red zone kept"
        );
        assert!(f.sp + RT_SIGFRAME_SIZE as u64 <= f.fpstate_addr);
        // Linux: fpstate = round_down(sp - 128 - 836, 64); frame =
        // round_down(fpstate - 440, 16) - 8.
        let fp = (r.rsp - 128 - 836) & !63;
        assert_eq!(f.fpstate_addr, fp);
        assert_eq!(f.sp, ((fp - 440) & !15) - 8);

        let frame = RtSigframe::read_from_bytes(&f.frame).unwrap();
        assert_eq!(frame.pretcode, 0x40_3000);
        assert_eq!(
            frame.uc.uc_flags,
            UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
        );
        assert_eq!(frame.uc.uc_sigmask, 1 << 4);
        assert_eq!(frame.uc.uc_mcontext.oldmask, 1 << 4);
        assert_eq!(frame.uc.uc_mcontext.fpstate, f.fpstate_addr);
        assert_eq!(frame.uc.uc_mcontext.rsp, r.rsp);
        assert_eq!(frame.uc.uc_mcontext.cs, SEL.cs as u16);
        assert_eq!(frame.uc.uc_stack.ss_flags, SS_DISABLE);
        assert_eq!(frame.info.pid(), 7);

        let h = f.regs;
        assert_eq!((h.rip, h.rsp, h.rdi, h.rax), (0x40_2000, f.sp, 10, 0));
        assert_eq!(h.rsi, f.sp + 312);
        assert_eq!(h.rdx, f.sp + 8);
        assert_eq!(h.eflags, 0x202 | X86_EFLAGS_CF);
        assert_eq!((h.r12, h.rbx), (12, 0xb), "callee registers untouched");
    }

    #[test]
    fn fpstate_gets_sw_bytes_magic2_and_fpsse() {
        let r = regs();
        let info = SigInfo::default();
        let img = fpu_image();
        let f = setup_rt_frame(&request(&r, &info, &img)).unwrap();
        assert_eq!(f.fpstate.len(), XSAVE_SIZE + 4);
        let sw = FpxSwBytes::read_from_bytes(&f.fpstate[464..512]).unwrap();
        assert_eq!(sw.magic1, FP_XSTATE_MAGIC1);
        assert_eq!(sw.extended_size as usize, XSAVE_SIZE + 4);
        assert_eq!(sw.xstate_size as usize, XSAVE_SIZE);
        assert_eq!(sw.xfeatures, XFEATURES);
        assert_eq!(get_u32(&f.fpstate, XSAVE_SIZE), FP_XSTATE_MAGIC2);
        assert_eq!(get_u64(&f.fpstate, 512), 0b111);
        assert_eq!(&f.fpstate[..464], &img[..464]);
        assert_eq!(&f.fpstate[576..XSAVE_SIZE], &img[576..]);
    }

    #[test]
    fn fxsave_only_frame() {
        let r = regs();
        let info = SigInfo::default();
        let img = vec![0x11u8; 512];
        let mut req = request(&r, &info, &img);
        req.fpu = FpuConfig::FXSAVE;
        let f = setup_rt_frame(&req).unwrap();
        assert_eq!(f.fpstate.len(), 512, "no MAGIC2 without XSAVE");
        let frame = RtSigframe::read_from_bytes(&f.frame).unwrap();
        assert_eq!(frame.uc.uc_flags, UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
        assert_eq!(f.fpstate_addr, (r.rsp - 128 - 512) & !63);
    }

    #[test]
    fn siginfo_only_with_sa_siginfo() {
        let r = regs();
        let info = SigInfo::kill(SIGUSR1, SI_USER, 7, 1000);
        let img = fpu_image();
        let mut req = request(&r, &info, &img);
        req.sa_flags = SaFlags::RESTORER;
        let f = setup_rt_frame(&req).unwrap();
        assert!(f.frame[312..].iter().all(|&b| b == 0));
        assert_eq!(f.regs.rsi, f.sp + 312, "rsi still points at the info slot");
    }

    #[test]
    fn no_restorer_is_an_error() {
        let r = regs();
        let info = SigInfo::default();
        let img = fpu_image();
        let mut req = request(&r, &info, &img);
        req.sa_flags = SaFlags::SIGINFO;
        assert_eq!(setup_rt_frame(&req), Err(FrameError::NoRestorer));
        req.sa_flags = SaFlags::RESTORER;
        req.fpstate = &img[..100];
        assert_eq!(setup_rt_frame(&req), Err(FrameError::FpuImageTooSmall));
    }

    #[test]
    fn altstack_switch_and_no_switch() {
        let r = regs();
        let info = SigInfo::default();
        let img = fpu_image();
        let alt = AltStack {
            sp: 0x1000_0000,
            size: 0x4000,
            flags: 0,
        };
        let mut req = request(&r, &info, &img);
        req.altstack = alt;
        // Without SA_ONSTACK the altstack is not used.
        let f = setup_rt_frame(&req).unwrap();
        assert!(f.sp > r.rsp - 0x10000);

        req.sa_flags |= SaFlags::ONSTACK;
        let f = setup_rt_frame(&req).unwrap();
        assert!(alt.contains(f.sp) && alt.contains(f.fpstate_addr));
        assert_eq!(f.fpstate_addr, (0x1000_4000 - 836) & !63);
        let frame = RtSigframe::read_from_bytes(&f.frame).unwrap();
        assert_eq!(frame.uc.uc_stack, alt.to_stack_t());
        assert!(!f.disarm_altstack);

        // Already on the altstack: nest below the current rsp, not at the top.
        let mut inner = r;
        inner.rsp = 0x1000_3000;
        req.regs = &inner;
        let f = setup_rt_frame(&req).unwrap();
        assert_eq!(f.fpstate_addr, (0x1000_3000 - 128 - 836) & !63);
    }

    #[test]
    fn altstack_overflow() {
        let r = regs();
        let info = SigInfo::default();
        let img = fpu_image();
        let mut req = request(&r, &info, &img);
        req.sa_flags |= SaFlags::ONSTACK;
        // Too small for fpstate + frame.
        req.altstack = AltStack {
            sp: 0x1000_0000,
            size: 1024,
            flags: 0,
        };
        assert_eq!(setup_rt_frame(&req), Err(FrameError::AltStackOverflow));
        // Nested and running off the bottom, even without SA_ONSTACK.
        req.sa_flags = SaFlags::RESTORER;
        req.altstack.size = 0x4000;
        let mut inner = r;
        inner.rsp = 0x1000_0000 + 1200;
        req.regs = &inner;
        assert_eq!(setup_rt_frame(&req), Err(FrameError::AltStackOverflow));
        // Wrapping below address 0.
        req.altstack = AltStack::DISABLED;
        for rsp in [100, 1200] {
            let low = UserRegs { rsp, ..r };
            let req = RtFrameRequest { regs: &low, ..req };
            assert_eq!(
                setup_rt_frame(&req),
                Err(FrameError::BadAddress),
                "rsp {rsp}"
            );
        }
    }

    #[test]
    fn autodisarm_altstack() {
        let r = regs();
        let info = SigInfo::default();
        let img = fpu_image();
        let alt = AltStack {
            sp: 0x1000_0000,
            size: 0x4000,
            flags: SS_AUTODISARM,
        };
        let mut req = request(&r, &info, &img);
        req.sa_flags |= SaFlags::ONSTACK;
        req.altstack = alt;
        let f = setup_rt_frame(&req).unwrap();
        assert!(f.disarm_altstack);
        let frame = RtSigframe::read_from_bytes(&f.frame).unwrap();
        assert_eq!(frame.uc.uc_stack.ss_flags, SS_AUTODISARM);
        // With SS_AUTODISARM a handler already on the stack starts over at its
        // top: on_sig_stack is false by construction.
        let mut inner = r;
        inner.rsp = 0x1000_3000;
        req.regs = &inner;
        let f2 = setup_rt_frame(&req).unwrap();
        assert_eq!(f2.fpstate_addr, f.fpstate_addr);
    }

    #[test]
    fn setup_then_restore_round_trip() {
        let r = regs();
        let info = SigInfo::default();
        let img = fpu_image();
        let f = setup_rt_frame(&request(&r, &info, &img)).unwrap();

        // The handler returns: `ret` pops pretcode, then the restorer runs
        // rt_sigreturn with rsp = frame + 8 and its own register values.
        let mut at_syscall = f.regs;
        at_syscall.rsp = f.sp + 8;
        at_syscall.rax = 15;
        at_syscall.orig_rax = 15;
        at_syscall.eflags = 0x246;
        let back = restore_rt_frame(&f.frame, at_syscall.rsp - 8, &at_syscall, SEL).unwrap();
        let mut want = r;
        want.orig_rax = u64::MAX;
        // DF/TF/CF came back from the sigcontext; IF from the live flags.
        assert_eq!(back.regs, want);
        assert_eq!(back.mask, 1 << 4);
        assert_eq!(back.fpstate_addr, f.fpstate_addr);
        assert_eq!(back.altstack.ss_flags, SS_DISABLE);
        assert_eq!(
            back.uc_flags,
            UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS
        );

        let fp =
            restore_fpstate(&f.fpstate, f.fpstate_addr, &FPU, 0xffff, &|_| XSAVE_SIZE).unwrap();
        assert_eq!(fp.len(), XSAVE_SIZE);
        assert_eq!(&fp[..464], &img[..464]);
        assert_eq!(&fp[576..], &img[576..]);
        assert_eq!(get_u64(&fp, 512), 0b111);
    }

    #[test]
    fn restore_masks_flags_selectors_and_signals() {
        let r = regs();
        let info = SigInfo::default();
        let img = fpu_image();
        let mut req = request(&r, &info, &img);
        req.saved_mask = (1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1)) | (1 << (SIGUSR2 - 1));
        let f = setup_rt_frame(&req).unwrap();
        let mut frame = RtSigframe::read_from_bytes(&f.frame).unwrap();
        // The handler sets IOPL and IF bits in the saved flags: ignored.
        frame.uc.uc_mcontext.eflags = 0x3000 | X86_EFLAGS_AC | X86_EFLAGS_RF;
        frame.uc.uc_mcontext.cs = 0x20; // RPL 0 gets forced to 3
        let cur = UserRegs {
            eflags: 0x202,
            ..f.regs
        };
        let back = restore_rt_frame(frame.as_bytes(), f.sp, &cur, SEL).unwrap();
        assert_eq!(back.regs.eflags, 0x202 | X86_EFLAGS_AC | X86_EFLAGS_RF);
        assert_eq!(back.regs.cs, 0x23);
        assert_eq!(back.mask, 1 << (SIGUSR2 - 1));

        // A foreign CS cannot be returned to.
        frame.uc.uc_mcontext.cs = 0x33;
        assert_eq!(
            restore_rt_frame(frame.as_bytes(), f.sp, &cur, SEL),
            Err(FrameError::BadSelector)
        );
        // A garbage SS is repaired only without UC_STRICT_RESTORE_SS.
        frame.uc.uc_mcontext.cs = 0x23;
        frame.uc.uc_mcontext.ss = 0;
        assert_eq!(
            restore_rt_frame(frame.as_bytes(), f.sp, &cur, SEL),
            Err(FrameError::BadSelector)
        );
        frame.uc.uc_flags = UC_SIGCONTEXT_SS;
        let back = restore_rt_frame(frame.as_bytes(), f.sp, &cur, SEL).unwrap();
        assert_eq!(back.regs.ss, SEL.ss);

        assert_eq!(
            restore_rt_frame(&frame.as_bytes()[..311], f.sp, &cur, SEL),
            Err(FrameError::ShortFrame)
        );
        assert!(restore_rt_frame(&frame.as_bytes()[..312], f.sp, &cur, SEL).is_ok());
        assert_eq!(
            restore_rt_frame(frame.as_bytes(), u64::MAX - 100, &cur, SEL),
            Err(FrameError::BadAddress)
        );
    }

    #[test]
    fn fpstate_restore_fallbacks_and_faults() {
        let img = fpu_image();
        let r = regs();
        let info = SigInfo::default();
        let f = setup_rt_frame(&request(&r, &info, &img)).unwrap();
        let size = |_| XSAVE_SIZE;

        // Misaligned for XRSTOR.
        assert_eq!(
            restore_fpstate(&f.fpstate, f.fpstate_addr + 16, &FPU, 0xffff, &size),
            Err(FrameError::BadFpstate)
        );
        // Broken magic: FX-only restore, FP/SSE from the legacy area only,
        // and FXRSTOR's 16-byte alignment is enough.
        let mut legacy = f.fpstate.clone();
        legacy[464..468].fill(0);
        let fp = restore_fpstate(&legacy, f.fpstate_addr + 16, &FPU, 0xffff, &size).unwrap();
        assert_eq!(get_u64(&fp, 512), XFEATURE_MASK_FPSSE);
        assert!(fp[576..].iter().all(|&b| b == 0));
        // Missing MAGIC2: also FX-only.
        let mut no_magic2 = f.fpstate.clone();
        no_magic2[XSAVE_SIZE] ^= 1;
        let fp = restore_fpstate(&no_magic2, f.fpstate_addr, &FPU, 0xffff, &size).unwrap();
        assert_eq!(get_u64(&fp, 512), XFEATURE_MASK_FPSSE);
        // Reserved MXCSR bits fault.
        let mut bad_mxcsr = f.fpstate.clone();
        bad_mxcsr[FXSAVE_MXCSR + 2] = 1;
        assert_eq!(
            restore_fpstate(&bad_mxcsr, f.fpstate_addr, &FPU, 0xffff, &size),
            Err(FrameError::BadFpstate)
        );
        // A compacted header faults.
        let mut compacted = f.fpstate.clone();
        compacted[512 + 15] = 0x80;
        assert_eq!(
            restore_fpstate(&compacted, f.fpstate_addr, &FPU, 0xffff, &size),
            Err(FrameError::BadFpstate)
        );
        // Restoring only x87 (a handler cleared SSE from xfeatures in the
        // sw bytes): SSE/AVX go to their initial state, MXCSR to its default.
        let mut x87 = f.fpstate.clone();
        x87[FXSAVE_MXCSR..FXSAVE_MXCSR + 4].copy_from_slice(&0x1f00u32.to_le_bytes());
        x87[472..480].copy_from_slice(&1u64.to_le_bytes());
        let fp = restore_fpstate(&x87, f.fpstate_addr, &FPU, 0xffff, &|_| 576).unwrap();
        assert_eq!(get_u64(&fp, 512), XFEATURE_MASK_FP);
        assert_eq!(get_u32(&fp, FXSAVE_MXCSR), MXCSR_DEFAULT);
        // An xstate_size too small for the features claimed faults.
        let mut small = f.fpstate.clone();
        small[480..484].copy_from_slice(&600u32.to_le_bytes());
        small[600..604].copy_from_slice(&FP_XSTATE_MAGIC2.to_le_bytes());
        assert_eq!(
            restore_fpstate(&small, f.fpstate_addr, &FPU, 0xffff, &size),
            Err(FrameError::BadFpstate)
        );
        assert_eq!(
            restore_fpstate(&f.fpstate[..100], f.fpstate_addr, &FPU, 0xffff, &size),
            Err(FrameError::ShortFrame)
        );
    }

    #[test]
    fn fxsave_restore() {
        let mut img = vec![0u8; 512];
        img[FXSAVE_MXCSR..FXSAVE_MXCSR + 4].copy_from_slice(&0x1f80u32.to_le_bytes());
        let fx = FpuConfig::FXSAVE;
        assert_eq!(
            restore_fpstate(&img, 0x1000, &fx, 0xffbf, &|_| 0).unwrap(),
            img
        );
        assert_eq!(
            restore_fpstate(&img, 0x1008, &fx, 0xffbf, &|_| 0),
            Err(FrameError::BadFpstate)
        );
        img[FXSAVE_MXCSR] = 0x40; // DAZ, not in mask 0xffbf
        assert_eq!(
            restore_fpstate(&img, 0x1000, &fx, 0xffbf, &|_| 0),
            Err(FrameError::BadFpstate)
        );
    }

    #[test]
    fn minsigstksz_matches_linux_formula() {
        // 440 + 15 + (832 + 4) + 63 = 1354, rounded up to 16.
        assert_eq!(sigframe_size(832), 1360);
        // FXSAVE only: 440 + 15 + 512 + 63 = 1030 -> 1040.
        assert_eq!(sigframe_size(512), 1040);
        // Any frame built fits in that much altstack, whatever the alignment.
        let r = regs();
        let info = SigInfo::default();
        let img = fpu_image();
        for misalign in 0..64 {
            let mut req = request(&r, &info, &img);
            req.sa_flags |= SaFlags::ONSTACK;
            req.altstack = AltStack {
                sp: 0x1000_0000 + misalign,
                size: sigframe_size(XSAVE_SIZE) as u64,
                flags: 0,
            };
            assert!(setup_rt_frame(&req).is_ok(), "misalign {misalign}");
        }
    }

    #[test]
    fn blocked_mask_during_handler() {
        let m = handler_blocked_mask(1, 1 << (SIGKILL - 1), SIGUSR1, SaFlags::empty());
        assert_eq!(m, 1 | (1 << (SIGUSR1 - 1)));
        let m = handler_blocked_mask(0, 0, SIGUSR1, SaFlags::NODEFER);
        assert_eq!(m, 0);
    }

    #[test]
    fn syscall_restart_rules() {
        let errno = |e: Errno| (-(e.0 as i64)) as u64;
        let at = |rax| UserRegs {
            rax,
            orig_rax: 0,
            rip: 0x1002,
            ..UserRegs::default()
        };
        let run = |rax, how| {
            let mut r = at(rax);
            prepare_syscall_restart(&mut r, how);
            (r.rax, r.rip)
        };
        let h = Interruption::Handler { sa_restart: false };
        let hr = Interruption::Handler { sa_restart: true };
        let eintr = errno(Errno::EINTR);
        assert_eq!(run(errno(Errno::ERESTARTSYS), h), (eintr, 0x1002));
        assert_eq!(run(errno(Errno::ERESTARTSYS), hr), (0, 0x1000));
        assert_eq!(run(errno(Errno::ERESTARTNOHAND), hr), (eintr, 0x1002));
        assert_eq!(run(errno(Errno::ERESTARTNOINTR), h), (0, 0x1000));
        assert_eq!(
            run(errno(Errno::ERESTART_RESTARTBLOCK), hr),
            (eintr, 0x1002)
        );
        let n = Interruption::NoHandler;
        assert_eq!(run(errno(Errno::ERESTARTNOHAND), n), (0, 0x1000));
        assert_eq!(run(errno(Errno::ERESTART_RESTARTBLOCK), n), (219, 0x1000));
        assert_eq!(run(errno(Errno::EAGAIN), n), (errno(Errno::EAGAIN), 0x1002));
        // Not in a syscall: untouched.
        let mut r = at(errno(Errno::ERESTARTSYS));
        r.orig_rax = u64::MAX;
        prepare_syscall_restart(&mut r, n);
        assert_eq!(r.rip, 0x1002);
    }
}
