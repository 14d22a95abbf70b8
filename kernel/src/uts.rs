//! The UTS names (uname, sethostname, setdomainname, /proc/sys/kernel/hostname).

use alloc::vec::Vec;

use linux_abi::{Errno, SysResult};

use crate::sync::SpinLock;

pub const RELEASE: &[u8] = b"6.18.0";
pub const VERSION: &[u8] = b"#1 SMP PREEMPT_DYNAMIC";
const NEW_UTS_LEN: usize = 64;

static HOSTNAME: SpinLock<Vec<u8>> = SpinLock::new(Vec::new());
static DOMAINNAME: SpinLock<Vec<u8>> = SpinLock::new(Vec::new());

fn or_none(v: &[u8]) -> Vec<u8> {
    if v.is_empty() { b"(none)".to_vec() } else { v.to_vec() }
}

pub fn hostname() -> Vec<u8> {
    or_none(&HOSTNAME.lock())
}

pub fn domainname() -> Vec<u8> {
    or_none(&DOMAINNAME.lock())
}

fn set(which: &SpinLock<Vec<u8>>, name: &[u8]) -> SysResult<()> {
    if name.len() > NEW_UTS_LEN {
        return Err(Errno::EINVAL);
    }
    *which.lock() = name.to_vec();
    Ok(())
}

pub fn set_hostname(name: &[u8]) -> SysResult<()> {
    set(&HOSTNAME, name)
}

pub fn set_domainname(name: &[u8]) -> SysResult<()> {
    set(&DOMAINNAME, name)
}
