//! Signal-frame layouts on x86_64: `struct sigcontext`, `struct ucontext`,
//! `struct rt_sigframe`, the FXSAVE software-reserved bytes, and the register
//! file (`arch/x86/include/uapi/asm/{sigcontext.h,ucontext.h}`,
//! `include/uapi/asm-generic/ucontext.h`, `arch/x86/include/asm/sigframe.h`,
//! `arch/x86/include/asm/ptrace.h`).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::siginfo::SigInfo;
use super::signal::StackT;

/// `uc_flags`: the fpstate holds XSAVE data (set when the CPU has XSAVE).
pub const UC_FP_XSTATE: u64 = 0x1;
/// `uc_flags`: `sigcontext.ss` is valid (always set by 64-bit kernels).
pub const UC_SIGCONTEXT_SS: u64 = 0x2;
/// `uc_flags`: sigreturn restores SS exactly instead of repairing a bad one;
/// set when the signal interrupted 64-bit code.
pub const UC_STRICT_RESTORE_SS: u64 = 0x4;

/// `_fpx_sw_bytes.magic1` when the fpstate is an XSAVE image.
pub const FP_XSTATE_MAGIC1: u32 = 0x4650_5853;
/// Stored right after the XSAVE image (`fpstate + xstate_size`).
pub const FP_XSTATE_MAGIC2: u32 = 0x4650_5845;
pub const FP_XSTATE_MAGIC2_SIZE: usize = 4;

/// Size of the legacy FXSAVE region (`struct fxregs_state`).
pub const FXSAVE_SIZE: usize = 512;
/// Offset of MXCSR and MXCSR_MASK in the FXSAVE region.
pub const FXSAVE_MXCSR: usize = 24;
pub const FXSAVE_MXCSR_MASK: usize = 28;
/// Offset of `sw_reserved` ([`FpxSwBytes`]) in the FXSAVE region: bytes the
/// hardware ignores and Linux uses to describe the extended state.
pub const FX_SW_BYTES_OFFSET: usize = 464;
/// The XSAVE header (`xstate_bv`, `xcomp_bv`, reserved) follows the legacy region.
pub const XSAVE_HEADER_OFFSET: usize = FXSAVE_SIZE;
pub const XSAVE_HEADER_SIZE: usize = 64;
/// Smallest XSAVE image: legacy region plus header.
pub const XSAVE_MIN_SIZE: usize = FXSAVE_SIZE + XSAVE_HEADER_SIZE;

pub const XFEATURE_MASK_FP: u64 = 1 << 0;
pub const XFEATURE_MASK_SSE: u64 = 1 << 1;
pub const XFEATURE_MASK_YMM: u64 = 1 << 2;
pub const XFEATURE_MASK_FPSSE: u64 = XFEATURE_MASK_FP | XFEATURE_MASK_SSE;
/// MXCSR after reset: all exceptions masked, round to nearest.
pub const MXCSR_DEFAULT: u32 = 0x1f80;

// RFLAGS bits (`arch/x86/include/uapi/asm/processor-flags.h`).
pub const X86_EFLAGS_CF: u64 = 1 << 0;
pub const X86_EFLAGS_PF: u64 = 1 << 2;
pub const X86_EFLAGS_AF: u64 = 1 << 4;
pub const X86_EFLAGS_ZF: u64 = 1 << 6;
pub const X86_EFLAGS_SF: u64 = 1 << 7;
pub const X86_EFLAGS_TF: u64 = 1 << 8;
pub const X86_EFLAGS_IF: u64 = 1 << 9;
pub const X86_EFLAGS_DF: u64 = 1 << 10;
pub const X86_EFLAGS_OF: u64 = 1 << 11;
pub const X86_EFLAGS_RF: u64 = 1 << 16;
pub const X86_EFLAGS_AC: u64 = 1 << 18;
/// The RFLAGS bits sigreturn takes from the sigcontext; the rest (IF, IOPL,
/// ...) stay as the kernel has them (`FIX_EFLAGS`, `asm/sighandling.h`).
pub const FIX_EFLAGS: u64 = X86_EFLAGS_AC
    | X86_EFLAGS_OF
    | X86_EFLAGS_DF
    | X86_EFLAGS_TF
    | X86_EFLAGS_SF
    | X86_EFLAGS_ZF
    | X86_EFLAGS_AF
    | X86_EFLAGS_PF
    | X86_EFLAGS_CF
    | X86_EFLAGS_RF;

/// `struct _fpx_sw_bytes`: bytes 464..512 of the FXSAVE region in a signal frame.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct FpxSwBytes {
    /// [`FP_XSTATE_MAGIC1`] for an XSAVE image, 0 for a plain FXSAVE one.
    pub magic1: u32,
    /// Size of the whole fpstate area: `xstate_size` + [`FP_XSTATE_MAGIC2_SIZE`].
    pub extended_size: u32,
    /// The XSAVE features the image may hold (`user_xfeatures`).
    pub xfeatures: u64,
    /// Size of the XSAVE image proper.
    pub xstate_size: u32,
    pub padding: [u32; 7],
}
const _: () = assert!(size_of::<FpxSwBytes>() == 48);

/// x86_64 `struct sigcontext` (`uc_mcontext`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SigContext {
    pub r8: u64,
    pub r9: u64,
    pub r10: u64,
    pub r11: u64,
    pub r12: u64,
    pub r13: u64,
    pub r14: u64,
    pub r15: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub rdx: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rsp: u64,
    pub rip: u64,
    pub eflags: u64,
    pub cs: u16,
    pub gs: u16,
    pub fs: u16,
    /// Valid when `uc_flags` has [`UC_SIGCONTEXT_SS`] (old name: `__pad0`).
    pub ss: u16,
    pub err: u64,
    pub trapno: u64,
    pub oldmask: u64,
    pub cr2: u64,
    /// User address of the FXSAVE/XSAVE image; 0 when there is none.
    pub fpstate: u64,
    pub reserved1: [u64; 8],
}
const _: () = assert!(size_of::<SigContext>() == 256);

/// `struct ucontext` as the kernel lays it out on x86_64 (8-byte sigset).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct UContext {
    pub uc_flags: u64,
    pub uc_link: u64,
    pub uc_stack: StackT,
    pub uc_mcontext: SigContext,
    pub uc_sigmask: u64,
}
const _: () = assert!(size_of::<UContext>() == 304);

/// x86_64 `struct rt_sigframe`: what rsp points at when a handler starts. The
/// handler's `ret` pops `pretcode` (the sa_restorer), so rt_sigreturn finds
/// the frame at `rsp - 8`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct RtSigframe {
    pub pretcode: u64,
    pub uc: UContext,
    pub info: SigInfo,
}
pub const RT_SIGFRAME_SIZE: usize = size_of::<RtSigframe>();
const _: () = assert!(RT_SIGFRAME_SIZE == 440);
/// Offsets of `uc` and `info` in the frame (the handler's rdx and rsi).
pub const RT_SIGFRAME_UC: usize = 8;
pub const RT_SIGFRAME_INFO: usize = RT_SIGFRAME_UC + size_of::<UContext>();

/// The user register file, in the order of Linux's `struct pt_regs` (and of
/// the first 21 words of ptrace's `user_regs_struct`). The kernel converts its
/// own trap/syscall frame to and from this.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct UserRegs {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub rbp: u64,
    pub rbx: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rax: u64,
    pub rcx: u64,
    pub rdx: u64,
    pub rsi: u64,
    pub rdi: u64,
    /// The syscall number on syscall entry; `u64::MAX` (-1) when not in a syscall.
    pub orig_rax: u64,
    pub rip: u64,
    pub cs: u64,
    pub eflags: u64,
    pub rsp: u64,
    pub ss: u64,
}
const _: () = assert!(size_of::<UserRegs>() == 21 * 8);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn sigcontext_offsets_match_uapi() {
        assert_eq!(offset_of!(SigContext, rdi), 64);
        assert_eq!(offset_of!(SigContext, rsp), 120);
        assert_eq!(offset_of!(SigContext, rip), 128);
        assert_eq!(offset_of!(SigContext, eflags), 136);
        assert_eq!(offset_of!(SigContext, cs), 144);
        assert_eq!(offset_of!(SigContext, ss), 150);
        assert_eq!(offset_of!(SigContext, err), 152);
        assert_eq!(offset_of!(SigContext, oldmask), 168);
        assert_eq!(offset_of!(SigContext, cr2), 176);
        assert_eq!(offset_of!(SigContext, fpstate), 184);
        assert_eq!(offset_of!(SigContext, reserved1), 192);
    }

    #[test]
    fn ucontext_and_frame_offsets_match_linux() {
        // glibc's ucontext_t differs after uc_mcontext; these are the kernel's.
        assert_eq!(offset_of!(UContext, uc_stack), 16);
        assert_eq!(offset_of!(UContext, uc_mcontext), 40);
        assert_eq!(offset_of!(UContext, uc_sigmask), 296);
        assert_eq!(offset_of!(RtSigframe, uc), RT_SIGFRAME_UC);
        assert_eq!(offset_of!(RtSigframe, info), 312);
        assert_eq!(RT_SIGFRAME_INFO, 312);
    }

    #[test]
    fn fix_eflags_value() {
        // 0x40DD5 was Linux's mask before RF joined it.
        assert_eq!(FIX_EFLAGS, 0x50DD5);
    }

    #[test]
    fn pt_regs_order() {
        assert_eq!(offset_of!(UserRegs, rax), 80);
        assert_eq!(offset_of!(UserRegs, orig_rax), 120);
        assert_eq!(offset_of!(UserRegs, rip), 128);
        assert_eq!(offset_of!(UserRegs, ss), 160);
    }
}
