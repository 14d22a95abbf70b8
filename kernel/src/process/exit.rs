//! Process termination. With a single process so far, every exit is init's, which ends the system
//! the way Linux does: "Attempted to kill init!" and the `panic=` policy.

/// How a process ended, encoded as wait(2) reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitStatus {
    Exited(u8),
    Signaled(u32),
}

impl WaitStatus {
    pub fn raw(self) -> u32 {
        match self {
            WaitStatus::Exited(code) => (code as u32) << 8,
            WaitStatus::Signaled(sig) => sig & 0x7f,
        }
    }
}

pub fn exit_group(status: WaitStatus) -> ! {
    let t = super::current();
    if t.process.pid == 1 {
        crate::panic::halt_or_reboot(format_args!("Attempted to kill init! exitcode={:#010x}", status.raw()));
    }
    unreachable!("only init exists until the scheduler lands")
}
