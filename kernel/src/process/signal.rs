//! Signals. For now: the action table (rt_sigaction records it) and synchronous faults, which
//! terminate the process with the signal as its default action would. Delivery to handlers,
//! masks and queues arrive with the signals work.

use linux_abi::uapi::signal::{KernelSigaction, NSIG, SIGBUS, SIGFPE, SIGILL, SIGSEGV, SIGTRAP};

use crate::arch::TrapFrame;
use crate::arch::trap::{exception_name, vector};
use crate::mm::address_space::FaultError;

pub struct SignalActions(pub [KernelSigaction; NSIG as usize]);

impl Default for SignalActions {
    fn default() -> Self {
        SignalActions([KernelSigaction::default(); NSIG as usize])
    }
}

impl SignalActions {
    /// execve: handled signals go back to SIG_DFL; ignored ones stay ignored (POSIX).
    pub fn reset_for_exec(&mut self) {
        for a in self.0.iter_mut() {
            if a.handler != linux_abi::uapi::signal::SIG_IGN {
                *a = KernelSigaction::default();
            }
        }
    }
}

/// Logs a fatal fault the way Linux's show_unhandled_signals does, then kills the process.
fn die(frame: &TrapFrame, sig: u32, what: &str, addr: Option<u64>) -> ! {
    let t = super::current();
    let comm = t.process.comm.lock();
    let name = core::str::from_utf8(&comm[..comm.iter().position(|&b| b == 0).unwrap_or(16)]).unwrap_or("?");
    match addr {
        Some(a) => log::info!(
            "{}[{}]: {} at {:x} ip {:016x} sp {:016x} error {:x}",
            name, t.tid, what, a, frame.rip, frame.rsp, frame.orig_rax
        ),
        None => log::info!("{}[{}]: {} ip:{:x} sp:{:x} error:{:x}", name, t.tid, what, frame.rip, frame.rsp, frame.orig_rax),
    }
    drop(comm);
    super::exit::exit_group(super::exit::WaitStatus::Signaled(sig))
}

pub fn user_page_fault(frame: &TrapFrame, addr: u64, why: FaultError) -> ! {
    match why {
        FaultError::Bus => die(frame, SIGBUS, "bus error", Some(addr)),
        FaultError::OutOfMemory => {
            log::warn!("out of memory: killing process {}", super::current().tid);
            die(frame, linux_abi::uapi::signal::SIGKILL, "out of memory", Some(addr))
        }
        _ => die(frame, SIGSEGV, "segfault", Some(addr)),
    }
}

pub fn user_exception(frame: &TrapFrame) -> ! {
    let sig = match frame.vector {
        vector::DIVIDE_ERROR | vector::X87_FPU | vector::SIMD_FP => SIGFPE,
        vector::INVALID_OPCODE => SIGILL,
        vector::DEBUG | vector::BREAKPOINT => SIGTRAP,
        vector::ALIGNMENT_CHECK => SIGBUS,
        _ => SIGSEGV,
    };
    die(frame, sig, exception_name(frame.vector), None)
}

/// AT_MINSIGSTKSZ: what a signal frame needs — Linux's rt_sigframe (siginfo + ucontext, 1 KiB
/// with padding) plus this CPU's XSAVE area and the FP_XSTATE_MAGIC2 word.
pub static MINSIGSTKSZ: spin::Lazy<usize> = spin::Lazy::new(|| 1024 + crate::arch::cpu::xsave_size() + 4);
