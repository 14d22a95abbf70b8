//! wait4/waitid options, id types and the wait status word
//! (`include/uapi/linux/wait.h`, `kernel/exit.c`).

use super::siginfo::{CLD_DUMPED, CLD_EXITED, CLD_KILLED};
use crate::errno::{Errno, SysResult};

pub const WNOHANG: u32 = 0x0000_0001;
pub const WUNTRACED: u32 = 0x0000_0002;
pub const WSTOPPED: u32 = WUNTRACED;
pub const WEXITED: u32 = 0x0000_0004;
pub const WCONTINUED: u32 = 0x0000_0008;
/// Leave the child waitable (waitid only).
pub const WNOWAIT: u32 = 0x0100_0000;
/// Only children of this thread, not of its whole thread group.
pub const __WNOTHREAD: u32 = 0x2000_0000;
/// Children of any exit signal.
pub const __WALL: u32 = 0x4000_0000;
/// Only "clone" children: exit signal other than SIGCHLD.
pub const __WCLONE: u32 = 0x8000_0000;

/// Options wait4 accepts (others are EINVAL); WEXITED is implied.
pub const WAIT4_VALID: u32 = WNOHANG | WUNTRACED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL;
/// Options waitid accepts; at least one of WEXITED/WSTOPPED/WCONTINUED is required.
pub const WAITID_VALID: u32 =
    WNOHANG | WNOWAIT | WEXITED | WSTOPPED | WCONTINUED | __WNOTHREAD | __WCLONE | __WALL;

// waitid's idtype.
pub const P_ALL: u32 = 0;
pub const P_PID: u32 = 1;
pub const P_PGID: u32 = 2;
pub const P_PIDFD: u32 = 3;

/// Which children a wait call looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitTarget {
    Any,
    Pid(i32),
    /// A process group; `None` is the caller's own group.
    Pgid(Option<i32>),
    /// The process a pidfd refers to (the caller resolves the fd).
    Pidfd(i32),
}

/// A parsed wait request: target plus the options to use (`wo_flags`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitRequest {
    pub target: WaitTarget,
    pub options: u32,
}

/// wait4(2)'s argument rules (`kernel_wait4`): unknown options EINVAL,
/// `pid == INT_MIN` ESRCH; -1 any child, < -1 the group -pid, 0 the caller's
/// group, > 0 that child. WEXITED is added to the options.
pub fn wait4_request(upid: i32, options: u32) -> SysResult<WaitRequest> {
    if options & !WAIT4_VALID != 0 {
        return Err(Errno::EINVAL);
    }
    let target = match upid {
        i32::MIN => return Err(Errno::ESRCH),
        -1 => WaitTarget::Any,
        p if p < 0 => WaitTarget::Pgid(Some(-p)),
        0 => WaitTarget::Pgid(None),
        p => WaitTarget::Pid(p),
    };
    Ok(WaitRequest {
        target,
        options: options | WEXITED,
    })
}

/// waitid(2)'s argument rules (`kernel_waitid_prepare`), all EINVAL: unknown
/// options, none of WEXITED/WSTOPPED/WCONTINUED, unknown idtype, P_PID with
/// id <= 0, P_PGID or P_PIDFD with id < 0 (P_PGID 0 is the caller's group).
pub fn waitid_request(which: u32, upid: i32, options: u32) -> SysResult<WaitRequest> {
    if options & !WAITID_VALID != 0 || options & (WEXITED | WSTOPPED | WCONTINUED) == 0 {
        return Err(Errno::EINVAL);
    }
    let target = match which {
        P_ALL => WaitTarget::Any,
        P_PID if upid > 0 => WaitTarget::Pid(upid),
        P_PGID if upid > 0 => WaitTarget::Pgid(Some(upid)),
        P_PGID if upid == 0 => WaitTarget::Pgid(None),
        P_PIDFD if upid >= 0 => WaitTarget::Pidfd(upid),
        _ => return Err(Errno::EINVAL),
    };
    Ok(WaitRequest { target, options })
}

/// Whether a child with exit signal `exit_signal` (None for a thread or an
/// exit signal of 0) is eligible under `options` (`eligible_child`): __WALL
/// takes all, otherwise __WCLONE selects exactly the non-SIGCHLD children.
pub fn eligible_by_exit_signal(options: u32, exit_signal: Option<u32>) -> bool {
    if options & __WALL != 0 {
        return true;
    }
    let is_clone = exit_signal != Some(super::signal::SIGCHLD);
    is_clone == (options & __WCLONE != 0)
}

/// Status word of a child that called exit(code): `(code & 0xff) << 8`.
pub const fn wstatus_exited(code: u32) -> u32 {
    (code & 0xff) << 8
}

/// Status word of a child killed by `sig`, with 0x80 if it dumped core.
pub const fn wstatus_signaled(sig: u32, core_dumped: bool) -> u32 {
    (sig & 0x7f) | if core_dumped { 0x80 } else { 0 }
}

/// Status word of a child stopped by `sig`: `(sig << 8) | 0x7f`.
pub const fn wstatus_stopped(sig: u32) -> u32 {
    ((sig & 0xff) << 8) | 0x7f
}

/// Status word of a ptrace event stop: the stop status plus `event << 16`.
pub const fn wstatus_ptrace_event(sig: u32, event: u32) -> u32 {
    wstatus_stopped(sig) | ((event & 0xff) << 16)
}

/// Status word of a continued child (WCONTINUED).
pub const WSTATUS_CONTINUED: u32 = 0xffff;

/// A decoded status word (the `W*` macros of `<sys/wait.h>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    Exited(u32),
    Signaled { sig: u32, core_dumped: bool },
    Stopped(u32),
    Continued,
}

impl WaitStatus {
    pub fn decode(status: u32) -> Option<WaitStatus> {
        let low = status & 0x7f;
        if status == WSTATUS_CONTINUED {
            Some(WaitStatus::Continued)
        } else if status & 0xff == 0x7f {
            Some(WaitStatus::Stopped((status >> 8) & 0xff))
        } else if low == 0 {
            Some(WaitStatus::Exited((status >> 8) & 0xff))
        } else if low != 0x7f {
            Some(WaitStatus::Signaled {
                sig: low,
                core_dumped: status & 0x80 != 0,
            })
        } else {
            None
        }
    }

    pub const fn encode(self) -> u32 {
        match self {
            WaitStatus::Exited(code) => wstatus_exited(code),
            WaitStatus::Signaled { sig, core_dumped } => wstatus_signaled(sig, core_dumped),
            WaitStatus::Stopped(sig) => wstatus_stopped(sig),
            WaitStatus::Continued => WSTATUS_CONTINUED,
        }
    }
}

/// waitid's `(si_code, si_status)` for a dead child's status word
/// (`wait_task_zombie`): CLD_EXITED with the exit code, else CLD_KILLED or
/// CLD_DUMPED with the signal.
pub const fn exit_status_to_cld(status: u32) -> (i32, i32) {
    if status & 0x7f == 0 {
        (CLD_EXITED, (status >> 8) as i32)
    } else if status & 0x80 != 0 {
        (CLD_DUMPED, (status & 0x7f) as i32)
    } else {
        (CLD_KILLED, (status & 0x7f) as i32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::signal::{SIGCHLD, SIGSEGV, SIGSTOP, SIGTRAP, SIGUSR1};

    #[test]
    fn status_encodings_match_glibc_macros() {
        assert_eq!(wstatus_exited(3), 0x300);
        assert_eq!(wstatus_exited(256 + 7), 0x700, "exit code is 8 bits");
        assert_eq!(wstatus_signaled(SIGSEGV, true), 0x8b);
        assert_eq!(wstatus_stopped(SIGSTOP), 0x137f);
        assert_eq!(wstatus_ptrace_event(SIGTRAP, 1), 0x1_057f);
        for s in [
            WaitStatus::Exited(0),
            WaitStatus::Exited(255),
            WaitStatus::Signaled {
                sig: SIGSEGV,
                core_dumped: true,
            },
            WaitStatus::Signaled {
                sig: 64,
                core_dumped: false,
            },
            WaitStatus::Stopped(SIGSTOP),
            WaitStatus::Continued,
        ] {
            assert_eq!(WaitStatus::decode(s.encode()), Some(s));
        }
        // 0x7f in the low bits with a stop signal, not a signal 127.
        assert_eq!(WaitStatus::decode(0x7f), Some(WaitStatus::Stopped(0)));
    }

    #[test]
    fn cld_codes() {
        assert_eq!(exit_status_to_cld(wstatus_exited(2)), (CLD_EXITED, 2));
        assert_eq!(
            exit_status_to_cld(wstatus_signaled(9, false)),
            (CLD_KILLED, 9)
        );
        assert_eq!(
            exit_status_to_cld(wstatus_signaled(11, true)),
            (CLD_DUMPED, 11)
        );
    }

    #[test]
    fn wait4_arguments() {
        assert_eq!(wait4_request(-1, 0).unwrap().target, WaitTarget::Any);
        assert_eq!(
            wait4_request(-5, 0).unwrap().target,
            WaitTarget::Pgid(Some(5))
        );
        assert_eq!(wait4_request(0, 0).unwrap().target, WaitTarget::Pgid(None));
        let r = wait4_request(7, WNOHANG).unwrap();
        assert_eq!(
            r,
            WaitRequest {
                target: WaitTarget::Pid(7),
                options: WNOHANG | WEXITED
            }
        );
        assert_eq!(wait4_request(i32::MIN, 0), Err(Errno::ESRCH));
        assert_eq!(wait4_request(1, WNOWAIT), Err(Errno::EINVAL));
        assert_eq!(wait4_request(1, WEXITED), Err(Errno::EINVAL));
    }

    #[test]
    fn waitid_arguments() {
        assert_eq!(
            waitid_request(P_ALL, 123, WEXITED).unwrap().target,
            WaitTarget::Any
        );
        assert_eq!(
            waitid_request(P_PID, 4, WSTOPPED).unwrap().target,
            WaitTarget::Pid(4)
        );
        assert_eq!(
            waitid_request(P_PGID, 0, WEXITED).unwrap().target,
            WaitTarget::Pgid(None)
        );
        assert_eq!(
            waitid_request(P_PIDFD, 3, WEXITED).unwrap().target,
            WaitTarget::Pidfd(3)
        );
        assert_eq!(waitid_request(P_PID, 0, WEXITED), Err(Errno::EINVAL));
        assert_eq!(waitid_request(P_PGID, -1, WEXITED), Err(Errno::EINVAL));
        assert_eq!(waitid_request(P_PIDFD, -1, WEXITED), Err(Errno::EINVAL));
        assert_eq!(waitid_request(4, 1, WEXITED), Err(Errno::EINVAL));
        assert_eq!(waitid_request(P_ALL, 0, WNOHANG), Err(Errno::EINVAL));
        assert_eq!(waitid_request(P_ALL, 0, WEXITED | 0x10), Err(Errno::EINVAL));
    }

    #[test]
    fn clone_children_selection() {
        assert!(eligible_by_exit_signal(0, Some(SIGCHLD)));
        assert!(!eligible_by_exit_signal(0, Some(SIGUSR1)));
        assert!(eligible_by_exit_signal(__WCLONE, Some(SIGUSR1)));
        assert!(eligible_by_exit_signal(__WCLONE, None));
        assert!(!eligible_by_exit_signal(__WCLONE, Some(SIGCHLD)));
        assert!(eligible_by_exit_signal(__WALL, Some(SIGUSR1)));
    }
}
