//! `/proc/<pid>/maps` and `smaps_rollup` (Linux `fs/proc/task_mmu.c`).

use alloc::vec::Vec;

use super::provider::{MapBacking, MapEntry, MapUsage};
use super::seq::Seq;
use crate::vfs::Path;
use crate::vfs::types::{major, minor};

/// `show_vma_header_prefix`: everything up to the name, with the width set so the name starts
/// in column 73 (`25 + sizeof(void *) * 6 - 1`).
fn header(m: &mut Seq, start: u64, end: u64, perms: [bool; 4], pgoff: u64, dev: u64, ino: u64) {
    m.set_width(25 + 8 * 6 - 1);
    m.hex("", start, 8);
    m.hex("-", end, 8);
    m.putc(b' ');
    let [r, w, x, s] = perms;
    m.putc(if r { b'r' } else { b'-' });
    m.putc(if w { b'w' } else { b'-' });
    m.putc(if x { b'x' } else { b'-' });
    m.putc(if s { b's' } else { b'p' });
    m.hex(" ", pgoff, 8);
    m.hex(" ", major(dev).into(), 2);
    m.hex(":", minor(dev).into(), 2);
    m.dec(" ", ino);
    m.putc(b' ');
}

/// `maps`: `path_text` gives a file's path as the reader sees it; newlines in it are escaped.
pub(crate) fn maps(entries: &[MapEntry], path_text: &mut dyn FnMut(&Path) -> Vec<u8>) -> Vec<u8> {
    let mut m = Seq::new();
    for e in entries {
        let perms = [e.read, e.write, e.exec, e.shared];
        match &e.backing {
            MapBacking::File(path) => {
                let meta = path.metadata();
                header(&mut m, e.start, e.end, perms, e.offset, meta.dev, meta.ino);
                m.pad(b' ');
                m.escape(&path_text(path), b"\n");
            }
            MapBacking::Named(name) => {
                header(&mut m, e.start, e.end, perms, 0, 0, 0);
                m.pad(b' ');
                m.puts(name);
            }
            MapBacking::Anon => header(&mut m, e.start, e.end, perms, 0, 0, 0),
        }
        m.putc(b'\n');
    }
    m.into_bytes()
}

/// User addresses are below this; the vsyscall gate page above is no VMA of the process and
/// `smaps_rollup` leaves it out.
const TASK_SIZE_MAX: u64 = 1 << 47;

/// `smaps_rollup`: the sums over all mappings, under a header spanning them.
pub(crate) fn smaps_rollup(entries: &[MapEntry]) -> Vec<u8> {
    let vmas: Vec<&MapEntry> = entries.iter().filter(|e| e.start < TASK_SIZE_MAX).collect();
    let start = vmas.first().map_or(0, |e| e.start);
    let end = vmas.last().map_or(0, |e| e.end);
    let mut t = MapUsage::default();
    for u in vmas.iter().map(|e| &e.usage) {
        let sum = |a: &mut u64, b: u64| *a = a.saturating_add(b);
        sum(&mut t.rss, u.rss);
        sum(&mut t.pss, u.pss);
        sum(&mut t.pss_dirty, u.pss_dirty);
        sum(&mut t.pss_anon, u.pss_anon);
        sum(&mut t.pss_file, u.pss_file);
        sum(&mut t.pss_shmem, u.pss_shmem);
        sum(&mut t.shared_clean, u.shared_clean);
        sum(&mut t.shared_dirty, u.shared_dirty);
        sum(&mut t.private_clean, u.private_clean);
        sum(&mut t.private_dirty, u.private_dirty);
        sum(&mut t.referenced, u.referenced);
        sum(&mut t.anonymous, u.anonymous);
        sum(&mut t.lazy_free, u.lazy_free);
        sum(&mut t.swap, u.swap);
        sum(&mut t.swap_pss, u.swap_pss);
        sum(&mut t.locked, u.locked);
    }
    let mut m = Seq::new();
    header(&mut m, start, end, [false; 4], 0, 0, 0);
    m.pad(b' ');
    m.puts(b"[rollup]\n");
    let kb = |b: u64| b >> 10;
    m.dec_width("Rss:            ", kb(t.rss), 8);
    for (label, v) in [
        (" kB\nPss:            ", t.pss),
        (" kB\nPss_Dirty:      ", t.pss_dirty),
        (" kB\nPss_Anon:       ", t.pss_anon),
        (" kB\nPss_File:       ", t.pss_file),
        (" kB\nPss_Shmem:      ", t.pss_shmem),
        (" kB\nShared_Clean:   ", t.shared_clean),
        (" kB\nShared_Dirty:   ", t.shared_dirty),
        (" kB\nPrivate_Clean:  ", t.private_clean),
        (" kB\nPrivate_Dirty:  ", t.private_dirty),
        (" kB\nReferenced:     ", t.referenced),
        (" kB\nAnonymous:      ", t.anonymous),
        (" kB\nKSM:            ", 0),
        (" kB\nLazyFree:       ", t.lazy_free),
        (" kB\nAnonHugePages:  ", 0),
        (" kB\nShmemPmdMapped: ", 0),
        (" kB\nFilePmdMapped:  ", 0),
        (" kB\nShared_Hugetlb: ", 0),
    ] {
        m.dec_width(label, kb(v), 8);
    }
    m.dec_width(" kB\nPrivate_Hugetlb: ", 0, 7);
    m.dec_width(" kB\nSwap:           ", kb(t.swap), 8);
    m.dec_width(" kB\nSwapPss:        ", kb(t.swap_pss), 8);
    m.dec_width(" kB\nLocked:         ", kb(t.locked), 8);
    m.puts(b" kB\n");
    m.into_bytes()
}
