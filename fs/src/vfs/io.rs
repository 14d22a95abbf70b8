//! The two ends of a data transfer. The kernel implements them over user memory (a copy that
//! faults reports how far it got); kernel byte slices implement them here. Filesystems copy
//! straight between their storage and these, so there is no bounce buffer.
//!
//! Linux semantics: when a fault stops a transfer after some bytes moved, the syscall returns
//! that short count; only a transfer that moved nothing fails with `EFAULT` ([`short_count`]).

use crate::{Errno, SysResult};

/// A copy stopped at a bad address after `done` bytes of that copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    pub done: usize,
}

/// The destination of a read.
pub trait ReadDest {
    /// Bytes the destination holds.
    fn dest_len(&self) -> usize;
    /// Copy `src` to byte `at` of the destination. Callers keep `at + src.len() <= dest_len()`.
    fn copy_out(&mut self, at: usize, src: &[u8]) -> Result<(), Fault>;
}

/// The source of a write.
pub trait WriteSrc {
    /// Bytes the source holds.
    fn src_len(&self) -> usize;
    /// Copy bytes `at..at + dst.len()` of the source into `dst`. Callers stay within `src_len()`.
    fn copy_in(&self, at: usize, dst: &mut [u8]) -> Result<(), Fault>;
}

fn copy_to_slice(dst: &mut [u8], at: usize, src: &[u8]) -> Result<(), Fault> {
    let n = src.len().min(dst.len().saturating_sub(at));
    if let (Some(d), Some(s)) = (dst.get_mut(at..at + n), src.get(..n)) {
        d.copy_from_slice(s);
    }
    if n == src.len() {
        Ok(())
    } else {
        Err(Fault { done: n })
    }
}

fn copy_from_slice(src: &[u8], at: usize, dst: &mut [u8]) -> Result<(), Fault> {
    let n = dst.len().min(src.len().saturating_sub(at));
    if let (Some(s), Some(d)) = (src.get(at..at + n), dst.get_mut(..n)) {
        d.copy_from_slice(s);
    }
    if n == dst.len() {
        Ok(())
    } else {
        Err(Fault { done: n })
    }
}

// Kernel buffers: arrays, vectors (their current length) and slice references, so that
// `file.read(&mut buf)`, `file.write(b"text")` and `file.write(&&data[i..])` work.
macro_rules! kernel_buffers {
    ($(impl$([$($g:tt)*])? for $t:ty;)*) => {$(
        impl$(<$($g)*>)? ReadDest for $t {
            fn dest_len(&self) -> usize {
                <[u8]>::len(self)
            }

            fn copy_out(&mut self, at: usize, src: &[u8]) -> Result<(), Fault> {
                copy_to_slice(self, at, src)
            }
        }
    )*};
}

kernel_buffers! {
    impl[const N: usize] for [u8; N];
    impl for alloc::vec::Vec<u8>;
    impl for &mut [u8];
}

macro_rules! kernel_sources {
    ($(impl$([$($g:tt)*])? for $t:ty;)*) => {$(
        impl$(<$($g)*>)? WriteSrc for $t {
            fn src_len(&self) -> usize {
                <[u8]>::len(self)
            }

            fn copy_in(&self, at: usize, dst: &mut [u8]) -> Result<(), Fault> {
                copy_from_slice(self, at, dst)
            }
        }
    )*};
}

kernel_sources! {
    impl[const N: usize] for [u8; N];
    impl for alloc::vec::Vec<u8>;
    impl for &[u8];
    impl for &mut [u8];
}

/// The result of a transfer that moved `done` bytes before `fault` stopped it.
pub fn short_count(done: usize, fault: Fault) -> SysResult<usize> {
    let total = done + fault.done;
    if total > 0 {
        Ok(total)
    } else {
        Err(Errno::EFAULT)
    }
}

static ZEROES: [u8; 4096] = [0; 4096];

/// Write `n` zero bytes at `at` of `dest`.
pub fn fill_zeroes(dest: &mut dyn ReadDest, at: usize, n: usize) -> Result<(), Fault> {
    let mut done = 0;
    while done < n {
        let chunk = (n - done).min(ZEROES.len());
        dest.copy_out(at + done, &ZEROES[..chunk])
            .map_err(|f| Fault {
                done: done + f.done,
            })?;
        done += chunk;
    }
    Ok(())
}

/// A destination cut down to its first `limit` bytes.
pub(crate) struct LimitDest<'a> {
    pub inner: &'a mut dyn ReadDest,
    pub limit: usize,
}

impl ReadDest for LimitDest<'_> {
    fn dest_len(&self) -> usize {
        self.inner.dest_len().min(self.limit)
    }

    fn copy_out(&mut self, at: usize, src: &[u8]) -> Result<(), Fault> {
        self.inner.copy_out(at, src)
    }
}

/// A source cut down to its first `limit` bytes.
pub(crate) struct LimitSrc<'a> {
    pub inner: &'a dyn WriteSrc,
    pub limit: usize,
}

impl WriteSrc for LimitSrc<'_> {
    fn src_len(&self) -> usize {
        self.inner.src_len().min(self.limit)
    }

    fn copy_in(&self, at: usize, dst: &mut [u8]) -> Result<(), Fault> {
        self.inner.copy_in(at, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_copy_and_report_partial() {
        let mut buf = [0u8; 4];
        let dest: &mut dyn ReadDest = &mut buf;
        assert_eq!(dest.copy_out(1, b"ab"), Ok(()));
        assert_eq!(dest.copy_out(3, b"xyz"), Err(Fault { done: 1 }));
        assert_eq!(&buf, b"\0abx");

        let src: &dyn WriteSrc = b"hello";
        let mut out = [0u8; 3];
        assert_eq!(src.copy_in(1, &mut out), Ok(()));
        assert_eq!(&out, b"ell");
        assert_eq!(src.copy_in(4, &mut out), Err(Fault { done: 1 }));
        assert_eq!(src.copy_in(9, &mut out), Err(Fault { done: 0 }));
    }

    #[test]
    fn short_counts() {
        assert_eq!(short_count(0, Fault { done: 0 }), Err(Errno::EFAULT));
        assert_eq!(short_count(3, Fault { done: 2 }), Ok(5));
    }

    #[test]
    fn zero_fill_spans_chunks() {
        let mut buf = alloc::vec![1u8; 10000];
        fill_zeroes(&mut buf, 5, 9000).unwrap();
        assert!(buf[5..9005].iter().all(|&b| b == 0));
        assert_eq!((buf[4], buf[9005]), (1, 1));
        assert_eq!(fill_zeroes(&mut buf, 9000, 5000), Err(Fault { done: 1000 }));
    }
}
