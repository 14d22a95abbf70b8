//! The global tables of processes and threads by id (Linux's pid hash), and pid allocation.

use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use linux_abi::{Errno, SysResult};

use super::{Pid, Process, Thread};
use crate::sync::SpinLock;

/// /proc/sys/kernel/pid_max default on 64-bit, and the low range skipped after wrapping.
pub const PID_MAX: Pid = 4_194_304;
const RESERVED_PIDS: Pid = 300;

struct Tasks {
    processes: BTreeMap<Pid, Weak<Process>>,
    threads: BTreeMap<Pid, Weak<Thread>>,
    last: Pid,
}

static TASKS: SpinLock<Tasks> =
    SpinLock::new(Tasks { processes: BTreeMap::new(), threads: BTreeMap::new(), last: 0 });

/// The next unused id (not a live thread, process, or a group/session id in use).
pub fn alloc_pid() -> SysResult<Pid> {
    let mut t = TASKS.lock();
    let in_use = |t: &Tasks, id: Pid| {
        t.threads.contains_key(&id)
            || t.processes.contains_key(&id)
            || t.processes.values().any(|p| p.upgrade().is_some_and(|p| p.pgid() == id || p.sid() == id))
    };
    let mut candidate = t.last;
    for _ in 0..PID_MAX {
        candidate = if candidate + 1 >= PID_MAX { RESERVED_PIDS } else { candidate + 1 };
        if !in_use(&t, candidate) {
            t.last = candidate;
            return Ok(candidate);
        }
    }
    Err(Errno::EAGAIN)
}

pub fn register(process: &Arc<Process>, thread: &Arc<Thread>) {
    let mut t = TASKS.lock();
    t.processes.insert(process.pid, Arc::downgrade(process));
    t.threads.insert(thread.tid, Arc::downgrade(thread));
}

pub fn register_thread(thread: &Arc<Thread>) {
    TASKS.lock().threads.insert(thread.tid, Arc::downgrade(thread));
}

pub fn unregister_thread(tid: Pid) {
    TASKS.lock().threads.remove(&tid);
}

pub fn unregister_process(pid: Pid) {
    let mut t = TASKS.lock();
    t.processes.remove(&pid);
    t.threads.remove(&pid);
}

pub fn thread(tid: Pid) -> Option<Arc<Thread>> {
    TASKS.lock().threads.get(&tid).and_then(|w| w.upgrade())
}

pub fn process(pid: Pid) -> Option<Arc<Process>> {
    TASKS.lock().processes.get(&pid).and_then(|w| w.upgrade())
}

/// Every live (non-reaped) process.
pub fn all_processes() -> Vec<Arc<Process>> {
    TASKS.lock().processes.values().filter_map(|w| w.upgrade()).collect()
}

/// The most recently allocated pid (/proc/loadavg).
pub fn last_pid() -> Pid {
    TASKS.lock().last
}

pub fn count() -> usize {
    TASKS.lock().processes.len()
}

pub fn init_process() -> Option<Arc<Process>> {
    process(1)
}
