//! System information and control: uname, sysinfo, sched_getaffinity, prctl (name), reboot.

use linux_abi::{Errno, SysResult};
use linux_abi::uapi::utsname::Utsname;

use crate::arch::TrapFrame;
use crate::mm::user;

pub use crate::uts::RELEASE;
use crate::uts;

pub fn sys_uname(f: &mut TrapFrame) -> SysResult<usize> {
    let u = Utsname::new(b"Linux", &uts::hostname(), RELEASE, uts::VERSION, b"x86_64", &uts::domainname());
    user::write(f.arg(0), &u)?;
    Ok(0)
}

fn set_name(f: &TrapFrame, set: fn(&[u8]) -> SysResult<()>) -> SysResult<usize> {
    if crate::process::current().process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    let len = f.arg(1) as usize;
    if len > 64 {
        return Err(Errno::EINVAL);
    }
    let mut name = alloc::vec![0u8; len];
    user::copy_from_user(&mut name, f.arg(0))?;
    set(&name).map(|_| 0)
}

pub fn sys_sethostname(f: &mut TrapFrame) -> SysResult<usize> {
    set_name(f, uts::set_hostname)
}

pub fn sys_setdomainname(f: &mut TrapFrame) -> SysResult<usize> {
    set_name(f, uts::set_domainname)
}

const LINUX_REBOOT_MAGIC1: u64 = 0xfee1_dead;
const LINUX_REBOOT_MAGIC2: [u64; 4] = [672274793, 85072278, 369367448, 537993216];
const CMD_RESTART: u32 = 0x0123_4567;
const CMD_HALT: u32 = 0xcdef_0123;
const CMD_CAD_ON: u32 = 0x89ab_cdef;
const CMD_CAD_OFF: u32 = 0;
const CMD_POWER_OFF: u32 = 0x4321_fedc;
const CMD_RESTART2: u32 = 0xa1b2_c3d4;

pub fn sys_reboot(f: &mut TrapFrame) -> SysResult<usize> {
    let (m1, m2, cmd) = (f.arg(0), f.arg(1), f.arg(2) as u32);
    if crate::process::current().process.creds.lock().euid != 0 {
        return Err(Errno::EPERM);
    }
    if m1 != LINUX_REBOOT_MAGIC1 || !LINUX_REBOOT_MAGIC2.contains(&m2) {
        return Err(Errno::EINVAL);
    }
    match cmd {
        CMD_RESTART | CMD_RESTART2 => crate::power::restart(),
        CMD_POWER_OFF => crate::power::power_off(),
        CMD_HALT => crate::power::halt(),
        // Ctrl-Alt-Del has no keyboard to come from; the setting is accepted.
        CMD_CAD_ON | CMD_CAD_OFF => Ok(0),
        // Suspend and kexec are honoured by Linux, not implemented here.
        _ => Err(Errno::EINVAL),
    }
}

pub fn sys_sysinfo(f: &mut TrapFrame) -> SysResult<usize> {
    use linux_abi::uapi::sysinfo::Sysinfo;
    let free = crate::mm::frame::free_frames() as u64 * crate::mm::PAGE_SIZE;
    let total = crate::mm::frame::total_frames() as u64 * crate::mm::PAGE_SIZE;
    let info = Sysinfo {
        uptime: crate::arch::cpu::uptime_ns().div_ceil(1_000_000_000) as i64,
        totalram: total,
        freeram: free,
        procs: crate::process::tasks::count() as u16,
        mem_unit: 1,
        ..Default::default()
    };
    user::write(f.arg(0), &info)?;
    Ok(0)
}

pub fn sys_sched_getaffinity(f: &mut TrapFrame) -> SysResult<usize> {
    let (pid, len, mask) = (f.arg(0) as i32, f.arg(1) as usize, f.arg(2));
    if pid < 0 || (pid > 0 && crate::process::tasks::thread(pid as u32).is_none()) {
        return Err(Errno::ESRCH);
    }
    // One CPU; Linux requires room for nr_cpu_ids bits in whole longs.
    if len < 8 || len % 8 != 0 {
        return Err(Errno::EINVAL);
    }
    user::write(mask, &1u64)?;
    Ok(8)
}

pub fn sys_prctl(f: &mut TrapFrame) -> SysResult<usize> {
    use crate::process::DEFAULT_TIMER_SLACK_NS;
    use linux_abi::uapi::prctl::*;
    use linux_abi::uapi::signal::NSIG;
    let p = &crate::process::current().process;
    let (arg2, rest) = (f.arg(1), [f.arg(2), f.arg(3), f.arg(4)]);
    match f.arg(0) as u32 {
        PR_SET_NAME => {
            let mut name = [0u8; 16];
            let got = user::copy_from_user_partial(&mut name[..15], arg2)?;
            if got == 0 {
                return Err(Errno::EFAULT);
            }
            let n = name.iter().position(|&b| b == 0).unwrap_or(15);
            name[n..].fill(0);
            *p.comm.lock() = name;
            Ok(0)
        }
        PR_GET_NAME => user::write(arg2, &*p.comm.lock()).map(|_| 0),
        PR_SET_PDEATHSIG => {
            if arg2 > NSIG as u64 {
                return Err(Errno::EINVAL);
            }
            p.prctl.lock().pdeath_signal = arg2 as u32;
            Ok(0)
        }
        PR_GET_PDEATHSIG => user::write(arg2, &(p.prctl.lock().pdeath_signal as i32)).map(|_| 0),
        PR_GET_DUMPABLE => Ok(p.prctl.lock().dumpable as usize),
        PR_SET_DUMPABLE => {
            if arg2 > 1 {
                return Err(Errno::EINVAL);
            }
            p.prctl.lock().dumpable = arg2 as u32;
            Ok(0)
        }
        PR_GET_KEEPCAPS => Ok(p.prctl.lock().keepcaps as usize),
        PR_SET_KEEPCAPS => {
            if arg2 > 1 {
                return Err(Errno::EINVAL);
            }
            p.prctl.lock().keepcaps = arg2 == 1;
            Ok(0)
        }
        PR_GET_TIMERSLACK => Ok(p.prctl.lock().timer_slack_ns as usize),
        PR_SET_TIMERSLACK => {
            p.prctl.lock().timer_slack_ns = if arg2 == 0 { DEFAULT_TIMER_SLACK_NS } else { arg2 };
            Ok(0)
        }
        PR_SET_CHILD_SUBREAPER => {
            p.prctl.lock().child_subreaper = arg2 != 0;
            Ok(0)
        }
        PR_GET_CHILD_SUBREAPER => user::write(arg2, &(p.prctl.lock().child_subreaper as i32)).map(|_| 0),
        // no_new_privs can only be set, and its arguments must be exactly (1, 0, 0, 0).
        PR_SET_NO_NEW_PRIVS => {
            if arg2 != 1 || rest != [0; 3] {
                return Err(Errno::EINVAL);
            }
            p.prctl.lock().no_new_privs = true;
            Ok(0)
        }
        PR_GET_NO_NEW_PRIVS => {
            if arg2 != 0 || rest != [0; 3] {
                return Err(Errno::EINVAL);
            }
            Ok(p.prctl.lock().no_new_privs as usize)
        }
        // The rest of prctl is not implemented.
        _ => Err(Errno::EINVAL),
    }
}
