//! Regular file data, read through `ext4-view`'s `File` by path, in 128 KiB windows the
//! filesystem keeps a few of, so small sequential reads do not each pay for a reload.
//!
//! `File::seek_to` walks the block list from the start and drops errors on the way; a later
//! `read_bytes` then finds the walk finished early and panics (ext4-view 1.0.0). A walk can fail
//! only where it reads metadata blocks: an extent tree deeper than the inode, or indirect
//! blocks. So a seek goes only as far as reads have already walked without error, and reads on
//! from there; a tree held in the inode can be entered anywhere. Unwritten extents, which the
//! crate reads as if written, make the file unreadable (`EIO`) rather than leak stale blocks.

use alloc::sync::Arc;
use alloc::vec;
use core::cell::Cell;

use ext4_view::File;

use super::blockmap::{self, block_map_capacity, tree_in_inode};
use super::fs::{WINDOW, errno};
use super::inode::Ext4Inode;
use super::layout::{ENCRYPT_FL, Geometry, INLINE_DATA_FL, RawInode};
use crate::sync::Mutex;
use crate::vfs::io::{ReadDest, short_count};
use crate::{Errno, SysResult};

pub(super) struct FileState {
    /// How far reads may seek, in blocks; `None` until the first read has checked the file.
    seekable: Mutex<Option<Seekable>>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Seekable {
    /// Blocks `0..n` are known to be walked without error.
    Upto(u64),
    Anywhere,
    /// Damaged or in a form the crate misreads.
    Never,
}

impl FileState {
    pub(super) fn new(geo: &Geometry, raw: &RawInode) -> FileState {
        let nblocks = raw.size.div_ceil(geo.block_size as u64);
        let known = if raw.flags & (INLINE_DATA_FL | ENCRYPT_FL) != 0 {
            // Inline data is refused at mount, so the flag is damage; encrypted data needs a key.
            Some(Seekable::Never)
        } else if !raw.uses_extents() && nblocks > block_map_capacity(geo.block_size) {
            // The crate's block map walk would end before the file does.
            Some(Seekable::Never)
        } else if !raw.uses_extents() {
            // Direct blocks need no metadata reads.
            Some(Seekable::Upto(12))
        } else {
            None
        };
        FileState {
            seekable: Mutex::new(known),
        }
    }

    /// The first read of an extent-mapped file walks its tree once for unwritten extents
    /// (without the lock held: the locks do not sleep).
    fn seekable(&self, inode: &Ext4Inode) -> SysResult<Seekable> {
        if let Some(s) = *self.seekable.lock() {
            return Ok(s);
        }
        let fs = &inode.fs;
        let nblocks = inode.raw.size.div_ceil(fs.geo.block_size as u64);
        let runs = blockmap::runs(&fs.disk, &fs.geo, &inode.raw, nblocks)?;
        let checked = if runs.iter().any(|r| r.unwritten) {
            log::warn!(
                "ext4: inode {}: unwritten extents are not supported",
                inode.ino
            );
            Seekable::Never
        } else if tree_in_inode(&inode.raw) {
            Seekable::Anywhere
        } else {
            Seekable::Upto(0)
        };
        Ok(*self.seekable.lock().get_or_insert(checked))
    }

    fn walked(&self, blocks: u64) {
        if let Some(Seekable::Upto(n)) = &mut *self.seekable.lock() {
            *n = (*n).max(blocks);
        }
    }

    pub(super) fn read(
        &self,
        inode: &Ext4Inode,
        offset: u64,
        dest: &mut dyn ReadDest,
    ) -> SysResult<usize> {
        let size = inode.raw.size;
        if offset >= size || dest.dest_len() == 0 {
            return Ok(0);
        }
        let mut req = Request {
            offset,
            want: (dest.dest_len() as u64).min(size - offset) as usize,
            done: 0,
            dest,
        };
        let fs = &inode.fs;
        while !req.complete() {
            let index = req.next_pos() / WINDOW;
            let Some(data) = fs.window(inode.ino, index) else {
                break;
            };
            req.take(index * WINDOW, &data)?;
        }
        if req.complete() {
            return Ok(req.done);
        }
        let seekable = self.seekable(inode)?;
        let result = fs.with_view(|view, failed| {
            let mut file = view.open(&*inode.path).map_err(|e| errno(&e))?;
            let m = file.metadata();
            let raw = &inode.raw;
            if m.len() != size
                || m.mode() as u32 != raw.mode & 0o7777
                || m.uid() != raw.uid
                || m.gid() != raw.gid
            {
                log::warn!(
                    "ext4: inode {}: ext4-view found another file at its path",
                    inode.ino
                );
                return Err(Errno::EIO);
            }
            if seekable == Seekable::Never {
                return Err(Errno::EIO);
            }
            self.read_windows(inode, &mut file, failed, seekable, &mut req)
        });
        match result {
            Ok(()) => Ok(req.done),
            // Bytes already delivered make a short read, as after a failed page on Linux.
            Err(_) if req.done > 0 => Ok(req.done),
            Err(e) => Err(e),
        }
    }

    /// Read, window by window, from the furthest point `File` may seek to through the end of
    /// the request, delivering the windows the request covers and keeping them for later.
    fn read_windows(
        &self,
        inode: &Ext4Inode,
        file: &mut File,
        failed: &Cell<bool>,
        seekable: Seekable,
        req: &mut Request,
    ) -> SysResult<()> {
        let fs = &inode.fs;
        let bs = fs.geo.block_size as u64;
        let size = inode.raw.size;
        let first = req.next_pos() / WINDOW;
        let last = (req.offset + req.want as u64 - 1) / WINDOW;
        let start = match seekable {
            Seekable::Upto(n) => first.min(n * bs / WINDOW),
            _ => first,
        };
        file.seek_to(start * WINDOW).map_err(|e| errno(&e))?;
        if failed.get() {
            return Err(Errno::EIO);
        }
        for index in start..=last {
            let base = index * WINDOW;
            let mut buf = vec![0u8; (size - base).min(WINDOW) as usize];
            let mut filled = 0;
            while filled < buf.len() {
                // After an error the walk may be finished: never call `read_bytes` again.
                match file.read_bytes(&mut buf[filled..]) {
                    Ok(0) => return Err(Errno::EIO),
                    Ok(n) => filled += n,
                    Err(e) => {
                        self.walked((base + filled as u64) / bs);
                        return Err(errno(&e));
                    }
                }
            }
            self.walked((base + filled as u64).div_ceil(bs));
            let data: Arc<[u8]> = buf.into();
            if index >= first {
                req.take(base, &data)?;
            }
            fs.keep_window(inode.ino, index, data);
            if req.complete() {
                break;
            }
        }
        Ok(())
    }
}

/// Bytes `offset..offset + want` of a file going to `dest`; `done` of them are there.
struct Request<'a> {
    offset: u64,
    want: usize,
    done: usize,
    dest: &'a mut dyn ReadDest,
}

impl Request<'_> {
    fn complete(&self) -> bool {
        self.done == self.want
    }

    fn next_pos(&self) -> u64 {
        self.offset + self.done as u64
    }

    /// Deliver what `data`, the file's bytes from `base` on, holds of the rest. A fault ends
    /// the read with the bytes delivered so far (`EFAULT` if none).
    fn take(&mut self, base: u64, data: &[u8]) -> SysResult<()> {
        let within = self.next_pos().checked_sub(base).ok_or(Errno::EIO)? as usize;
        let part = data.get(within..).unwrap_or(&[]);
        let n = part.len().min(self.want - self.done);
        if n == 0 {
            return Err(Errno::EIO);
        }
        if let Err(fault) = self.dest.copy_out(self.done, &part[..n]) {
            self.done = short_count(self.done, fault)?;
            self.want = self.done;
            return Ok(());
        }
        self.done += n;
        Ok(())
    }
}
