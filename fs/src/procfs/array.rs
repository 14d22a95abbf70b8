//! `/proc/<pid>/status`, `stat` and `statm` (Linux `fs/proc/array.c` and `task_mem`), for an
//! x86_64 kernel with PID namespaces, seccomp and user shadow stacks configured and without
//! NUMA, cpusets, transparent or hugetlb huge pages.

use alloc::vec::Vec;

use super::provider::{MemStats, ProcessInfo};
use super::root::clock_t;
use super::seq::Seq;

const PAGE_SHIFT: u32 = 12;
const PAGE_SIZE: u64 = 1 << PAGE_SHIFT;

fn page_align(addr: u64) -> u64 {
    addr.saturating_add(PAGE_SIZE - 1) & !(PAGE_SIZE - 1)
}

/// Bytes of code between `start_code` and `end_code`, page-rounded.
fn text_bytes(mm: &MemStats) -> u64 {
    page_align(mm.end_code).saturating_sub(mm.start_code & !(PAGE_SIZE - 1))
}

/// `Name:` escapes newlines and backslashes (`ESCAPE_SPACE | ESCAPE_SPECIAL` limited to
/// those two).
fn escaped_comm(m: &mut Seq, comm: &[u8]) {
    for &c in comm.iter().take_while(|&&c| c != 0) {
        match c {
            b'\n' => m.puts(b"\\n"),
            b'\\' => m.puts(b"\\\\"),
            _ => m.putc(c),
        }
    }
}

/// The command name as `stat` and `comm` print it (`%.64s`: raw, up to a NUL).
pub(crate) fn raw_comm(comm: &[u8]) -> &[u8] {
    let end = comm.iter().position(|&c| c == 0).unwrap_or(comm.len());
    &comm[..end.min(64)]
}

/// A CPU mask as `%*pb` prints it: 32-bit hex chunks from the top, comma-separated, the first
/// only as wide as the bits above the last full chunk need.
fn cpu_mask(m: &mut Seq, mask: u64, nr_bits: u32) {
    let nr_bits = nr_bits.clamp(1, 64);
    let mut chunk = nr_bits % 32;
    if chunk == 0 {
        chunk = 32;
    }
    let mut low = nr_bits.div_ceil(32) * 32 - 32;
    let mut first = true;
    loop {
        let val = (mask >> low) & ((1u64 << chunk) - 1);
        if !first {
            m.putc(b',');
        }
        first = false;
        m.hex("", val, chunk.div_ceil(4) as usize);
        if low == 0 {
            break;
        }
        low -= 32;
        chunk = 32;
    }
}

/// A CPU mask as `%*pbl` prints it: ranges like `0-3,5`.
fn cpu_list(m: &mut Seq, mask: u64, nr_bits: u32) {
    let nr_bits = nr_bits.clamp(1, 64);
    let set = |i: u32| i < nr_bits && mask >> i & 1 == 1;
    let mut first = true;
    let mut i = 0;
    while i < nr_bits {
        if !set(i) {
            i += 1;
            continue;
        }
        let start = i;
        while set(i + 1) {
            i += 1;
        }
        if !first {
            m.putc(b',');
        }
        first = false;
        m.dec("", u64::from(start));
        if i > start {
            m.dec("-", u64::from(i));
        }
        i += 1;
    }
}

/// `task_mem`: the `Vm*` lines, in kB.
fn task_mem(m: &mut Seq, mm: &MemStats) {
    let kb = |pages: u64| pages.saturating_mul(PAGE_SIZE >> 10);
    let rss = mm.rss();
    let text = text_bytes(mm).min(mm.exec_vm.saturating_mul(PAGE_SIZE));
    let lib = mm.exec_vm.saturating_mul(PAGE_SIZE) - text;
    m.dec_width("VmPeak:\t", kb(mm.hiwater_vm.max(mm.total_vm)), 8);
    m.dec_width(" kB\nVmSize:\t", kb(mm.total_vm), 8);
    m.dec_width(" kB\nVmLck:\t", kb(mm.locked_vm), 8);
    m.dec_width(" kB\nVmPin:\t", kb(mm.pinned_vm), 8);
    m.dec_width(" kB\nVmHWM:\t", kb(mm.hiwater_rss.max(rss)), 8);
    m.dec_width(" kB\nVmRSS:\t", kb(rss), 8);
    m.dec_width(" kB\nRssAnon:\t", kb(mm.rss_anon), 8);
    m.dec_width(" kB\nRssFile:\t", kb(mm.rss_file), 8);
    m.dec_width(" kB\nRssShmem:\t", kb(mm.rss_shmem), 8);
    m.dec_width(" kB\nVmData:\t", kb(mm.data_vm), 8);
    m.dec_width(" kB\nVmStk:\t", kb(mm.stack_vm), 8);
    m.dec_width(" kB\nVmExe:\t", text >> 10, 8);
    m.dec_width(" kB\nVmLib:\t", lib >> 10, 8);
    m.dec_width(" kB\nVmPTE:\t", mm.page_table_bytes >> 10, 8);
    m.dec_width(" kB\nVmSwap:\t", kb(mm.swap_pages), 8);
    m.puts(b" kB\n");
}

/// `/proc/<pid>/status` (`proc_pid_status`).
pub(crate) fn status(i: &ProcessInfo, nr_cpu_ids: u32) -> Vec<u8> {
    let mut m = Seq::new();
    m.puts(b"Name:\t");
    escaped_comm(&mut m, &i.comm);
    m.putc(b'\n');
    if let Some(umask) = i.umask {
        m.puts(b"Umask:\t");
        m.oct(u64::from(umask & 0o7777), 4);
        m.putc(b'\n');
    }
    m.puts(b"State:\t");
    m.puts(i.state.name().as_bytes());
    m.dec("\nTgid:\t", i.tgid.into());
    m.dec("\nNgid:\t", 0);
    m.dec("\nPid:\t", i.tid.into());
    m.dec("\nPPid:\t", i.ppid.into());
    m.dec("\nTracerPid:\t", i.tracer_pid.into());
    for (label, ids) in [("\nUid:\t", i.uid), ("\nGid:\t", i.gid)] {
        m.dec(label, ids.real.into());
        m.dec("\t", ids.effective.into());
        m.dec("\t", ids.saved.into());
        m.dec("\t", ids.fs.into());
    }
    m.dec("\nFDSize:\t", i.fd_size.into());
    m.puts(b"\nGroups:\t");
    for (n, &g) in i.groups.iter().enumerate() {
        m.dec(if n == 0 { "" } else { " " }, g.into());
    }
    // Linux keeps a trailing space here for compatibility.
    m.putc(b' ');
    m.dec("\nNStgid:\t", i.tgid.into());
    m.dec("\nNSpid:\t", i.tid.into());
    m.dec("\nNSpgid:\t", i.pgid.into());
    m.dec("\nNSsid:\t", i.sid.into());
    m.puts(if i.kthread {
        b"\nKthread:\t1\n"
    } else {
        b"\nKthread:\t0\n"
    });
    if let Some(mm) = &i.mm {
        task_mem(&mut m, mm);
        m.dec("CoreDumping:\t", i.core_dumping.into());
        m.puts(b"\nTHP_enabled:\t0\nuntag_mask:\t0xffffffffffffffff\n");
    }
    m.dec("Threads:\t", i.num_threads.into());
    m.dec("\nSigQ:\t", i.sigq_queued);
    m.dec("/", i.sigq_limit);
    let s = &i.signals;
    for (label, set) in [
        ("\nSigPnd:\t", s.pending),
        ("ShdPnd:\t", s.shared_pending),
        ("SigBlk:\t", s.blocked),
        ("SigIgn:\t", s.ignored),
        ("SigCgt:\t", s.caught),
    ] {
        m.hex(label, set, 16);
        m.putc(b'\n');
    }
    let c = &i.caps;
    for (label, set) in [
        ("CapInh:\t", c.inheritable),
        ("CapPrm:\t", c.permitted),
        ("CapEff:\t", c.effective),
        ("CapBnd:\t", c.bounding),
        ("CapAmb:\t", c.ambient),
    ] {
        m.hex(label, set, 16);
        m.putc(b'\n');
    }
    m.dec("NoNewPrivs:\t", i.no_new_privs.into());
    m.dec("\nSeccomp:\t", i.seccomp_mode.into());
    m.dec("\nSeccomp_filters:\t", i.seccomp_filters.into());
    // No speculation controls are offered (`arch_prctl_spec_ctrl_get` answers -EINVAL).
    m.puts(b"\nSpeculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunsupported\n");
    m.puts(b"Cpus_allowed:\t");
    cpu_mask(&mut m, i.cpus_allowed, nr_cpu_ids);
    m.puts(b"\nCpus_allowed_list:\t");
    cpu_list(&mut m, i.cpus_allowed, nr_cpu_ids);
    m.dec("\nvoluntary_ctxt_switches:\t", i.voluntary_switches);
    m.dec("\nnonvoluntary_ctxt_switches:\t", i.involuntary_switches);
    m.puts(b"\nx86_Thread_features:\t\nx86_Thread_features_locked:\t\n");
    m.into_bytes()
}

/// `/proc/<pid>/stat` (`do_task_stat`): 52 fields. `whole` for the process view; `permitted`
/// when the reader may ptrace-read the task (addresses are hidden otherwise).
pub(crate) fn stat(i: &ProcessInfo, whole: bool, permitted: bool) -> Vec<u8> {
    let mut m = Seq::new();
    let mm = i.mm.as_ref();
    m.dec("", i.tid.into());
    m.puts(b" (");
    m.puts(raw_comm(&i.comm));
    m.puts(b") ");
    m.putc(i.state.letter());
    m.dec_signed(" ", i.ppid.into());
    m.dec_signed(" ", i.pgid.into());
    m.dec_signed(" ", i.sid.into());
    m.dec_signed(" ", i.tty_nr.into());
    m.dec_signed(" ", i.tty_pgrp.into());
    m.dec(" ", i.flags.into());
    m.dec(" ", i.min_flt);
    m.dec(" ", i.cmin_flt);
    m.dec(" ", i.maj_flt);
    m.dec(" ", i.cmaj_flt);
    m.dec(" ", clock_t(i.utime_ns));
    m.dec(" ", clock_t(i.stime_ns));
    m.dec(" ", clock_t(i.cutime_ns));
    m.dec(" ", clock_t(i.cstime_ns));
    m.dec_signed(" ", i.priority.into());
    m.dec_signed(" ", i.nice.into());
    m.dec_signed(" ", i.num_threads.into());
    m.dec(" ", 0);
    m.dec(" ", clock_t(i.start_time_ns));
    m.dec(
        " ",
        mm.map_or(0, |mm| mm.total_vm.saturating_mul(PAGE_SIZE)),
    );
    m.dec(" ", mm.map_or(0, MemStats::rss));
    m.dec(" ", i.rss_limit);
    let hidden = |v: u64| if permitted { v } else { 1 };
    m.dec(" ", mm.map_or(0, |mm| hidden(mm.start_code)));
    m.dec(" ", mm.map_or(0, |mm| hidden(mm.end_code)));
    m.dec(" ", mm.filter(|_| permitted).map_or(0, |mm| mm.start_stack));
    // esp and eip: always 0 (Linux shows them only for a task dumping core).
    m.dec(" ", 0);
    m.dec(" ", 0);
    // Obsolete decimal signal sets: the first 31 signals.
    let s = &i.signals;
    for set in [s.pending, s.blocked, s.ignored, s.caught] {
        m.dec(" ", set & 0x7fff_ffff);
    }
    let wchan = permitted && (!whole || i.num_threads < 2) && i.state != super::TaskState::Running;
    m.dec(" ", wchan.into());
    m.dec(" ", 0);
    m.dec(" ", 0);
    m.dec_signed(" ", i.exit_signal.into());
    m.dec_signed(" ", i.cpu.into());
    m.dec(" ", i.rt_priority.into());
    m.dec(" ", i.policy.into());
    // Block I/O delay and guest times are not accounted.
    m.dec(" ", 0);
    m.dec(" ", 0);
    m.dec_signed(" ", 0);
    match mm.filter(|_| permitted) {
        Some(mm) => {
            for v in [
                mm.start_data,
                mm.end_data,
                mm.start_brk,
                mm.arg_start,
                mm.arg_end,
                mm.env_start,
                mm.env_end,
            ] {
                m.dec(" ", v);
            }
        }
        None => m.puts(b" 0 0 0 0 0 0 0"),
    }
    if permitted {
        m.dec_signed(" ", i.exit_code.into());
    } else {
        m.puts(b" 0");
    }
    m.putc(b'\n');
    m.into_bytes()
}

/// `/proc/<pid>/statm`: size resident shared text lib(0) data dt(0), in pages.
pub(crate) fn statm(i: &ProcessInfo) -> Vec<u8> {
    let Some(mm) = &i.mm else {
        return b"0 0 0 0 0 0 0\n".to_vec();
    };
    let shared = mm.rss_file.saturating_add(mm.rss_shmem);
    let mut m = Seq::new();
    m.dec("", mm.total_vm);
    m.dec(" ", shared.saturating_add(mm.rss_anon));
    m.dec(" ", shared);
    m.dec(" ", text_bytes(mm) >> PAGE_SHIFT);
    m.dec(" ", 0);
    m.dec(" ", mm.data_vm.saturating_add(mm.stack_vm));
    m.dec(" ", 0);
    m.putc(b'\n');
    m.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(mask: u64, bits: u32) -> (Vec<u8>, Vec<u8>) {
        let (mut a, mut b) = (Seq::new(), Seq::new());
        cpu_mask(&mut a, mask, bits);
        cpu_list(&mut b, mask, bits);
        (a.into_bytes(), b.into_bytes())
    }

    #[test]
    fn cpu_masks_print_like_pb_and_pbl() {
        assert_eq!(mask(1, 1), (b"1".to_vec(), b"0".to_vec()));
        assert_eq!(mask(0xf, 4), (b"f".to_vec(), b"0-3".to_vec()));
        assert_eq!(mask(0b1011, 8), (b"0b".to_vec(), b"0-1,3".to_vec()));
        assert_eq!(mask(0x3, 32), (b"00000003".to_vec(), b"0-1".to_vec()));
        assert_eq!(
            mask(1 << 33 | 1, 36),
            (b"2,00000001".to_vec(), b"0,33".to_vec())
        );
        assert_eq!(
            mask(u64::MAX, 64),
            (b"ffffffff,ffffffff".to_vec(), b"0-63".to_vec())
        );
    }
}
