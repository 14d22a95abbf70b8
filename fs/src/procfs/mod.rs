//! procfs: the /proc filesystem, in Linux 6.18's layout and formats.
//!
//! The kernel implements [`ProcProvider`] (processes, memory, mounts, system counters) and
//! mounts the root [`new`] returns on `/proc`. procfs turns the provider's snapshots into
//! Linux's files:
//!
//! - `/proc/{self,thread-self,mounts}` links, `meminfo`, `cpuinfo`, `stat`, `uptime`,
//!   `loadavg`, `filesystems`, `version`, `cmdline`, `swaps`;
//! - `/proc/sys/kernel/{hostname,domainname,ostype,osrelease,version,pid_max}` and
//!   `/proc/sys/fs/file-max`;
//! - `/proc/<pid>/` and `/proc/<pid>/task/<tid>/` with `exe`, `cwd`, `root` (magic links),
//!   `fd/`, `fdinfo/`, `maps`, `smaps_rollup`, `stat`, `statm`, `status`, `cmdline`,
//!   `environ`, `comm`, `mounts`, `mountinfo` (and `task/` in the process directory).
//!
//! Directory positions are stable cookies (a pid's or fd's number decides its position);
//! inode numbers are stable per (task, file).

mod array;
mod fd;
mod mounts;
mod node;
mod path;
mod pid;
mod provider;
mod root;
mod seq;
mod sysctl;
mod task_mmu;

#[cfg(test)]
mod tests;

use alloc::sync::Arc;

use crate::vfs::inode::{FileSystem, Inode, alloc_anon_dev};
use crate::vfs::types::{NAME_MAX, StatFs};
pub use provider::*;

/// `statfs` magic of procfs.
pub const PROC_SUPER_MAGIC: u64 = 0x9fa0;

/// A procfs instance over `provider`; returns its root directory, to be mounted on `/proc`.
pub fn new(provider: Arc<dyn ProcProvider>) -> Arc<dyn Inode> {
    let fs = Arc::new(ProcFs {
        provider,
        dev: alloc_anon_dev(),
    });
    node::ProcInode::make(&fs, node::Node::Root)
}

pub(crate) struct ProcFs {
    pub(crate) provider: Arc<dyn ProcProvider>,
    dev: u64,
}

impl FileSystem for ProcFs {
    fn name(&self) -> &'static str {
        "proc"
    }

    fn dev(&self) -> u64 {
        self.dev
    }

    fn statfs(&self) -> StatFs {
        StatFs {
            fs_type: PROC_SUPER_MAGIC,
            block_size: 4096,
            name_max: NAME_MAX as u64,
            fragment_size: 4096,
            ..Default::default()
        }
    }
}
