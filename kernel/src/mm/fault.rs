//! The page-fault handler: user faults are resolved by the address space or become SIGSEGV/SIGBUS;
//! kernel faults on user addresses inside a user-copy routine resolve the same way or resume at the
//! routine's fixup (→ EFAULT); any other kernel fault is a bug and panics with a report.

use linux_abi::uapi::resource::RLIMIT_STACK;
use x86_64::registers::control::Cr2;

use super::address_space::FaultError;
use crate::arch::TrapFrame;
use crate::arch::usercopy::{USER_END, fixup_for};

const PF_WRITE: u64 = 1 << 1;
const PF_USER: u64 = 1 << 2;
const PF_RSVD: u64 = 1 << 3;
const PF_INSTR: u64 = 1 << 4;

pub fn handle_page_fault(frame: &mut TrapFrame) {
    let addr = Cr2::read_raw();
    let err = frame.orig_rax;
    let from_user = err & PF_USER != 0;
    let fixup = if from_user { None } else { fixup_for(frame.rip) };
    let result = if addr < USER_END && err & PF_RSVD == 0 && (from_user || fixup.is_some()) {
        match crate::process::current_thread() {
            Some(t) => {
                // The stack may grow to the RLIMIT_STACK in force now, not the one at exec.
                let stack_limit = t.process.limits.lock().get(RLIMIT_STACK).map_or(u64::MAX, |l| l.cur);
                let (write, exec) = (err & PF_WRITE != 0, err & PF_INSTR != 0);
                t.process.mm().lock().handle_user_fault(addr, write, exec, stack_limit)
            }
            None => Err(FaultError::NotMapped),
        }
    } else {
        Err(FaultError::NotMapped)
    };
    let Err(why) = result else { return };
    if from_user {
        crate::process::signal::user_page_fault(frame, addr, why);
    } else if let Some(fix) = fixup {
        frame.rip = fix;
    } else {
        crate::panic::kernel_fault(frame, Some(addr));
    }
}
