//! Regular file contents through the buffer cache: reads with holes as zeros, writes that
//! allocate as they go, and size changes.
//!
//! Invariant (as Linux keeps it with `block_truncate_page`): the bytes of the last block past
//! `i_size` are zero, so growing a file never shows stale data.

use alloc::vec;

use super::blockmap;
use super::inode::{Ext2Inode, InodeData};
use super::layout::*;
use crate::vfs::io::{ReadDest, WriteSrc, fill_zeroes, short_count};
use crate::{Errno, SysResult};

/// Copy out bytes `offset..` up to the size or the destination's length.
pub(crate) fn read(
    inode: &Ext2Inode,
    d: &InodeData,
    offset: u64,
    dest: &mut dyn ReadDest,
) -> SysResult<usize> {
    let fs = &inode.fs;
    let bs = fs.geo.block_size as u64;
    let size = d.disk.size;
    if offset >= size {
        return Ok(0);
    }
    let total = (size - offset).min(dest.dest_len() as u64) as usize;
    let mut done = 0;
    while done < total {
        let pos = offset + done as u64;
        let in_block = (pos % bs) as usize;
        let chunk = (bs as usize - in_block).min(total - done);
        let lblock = pos / bs;
        // An I/O error ends the read; what was read so far is still returned.
        let buf = match blockmap::lookup(fs, inode.ino, &d.disk, lblock) {
            Ok(Some(block)) => {
                read_ahead(inode, d, lblock, block);
                fs.cache.get(block as u64).map(Some)
            }
            other => other.map(|_| None),
        };
        let copied = match buf {
            Ok(None) => fill_zeroes(dest, done, chunk),
            Ok(Some(buf)) => dest.copy_out(done, &buf.read()[in_block..in_block + chunk]),
            Err(e) => return if done > 0 { Ok(done) } else { Err(e) },
        };
        if let Err(fault) = copied {
            return short_count(done, fault);
        }
        done += chunk;
    }
    Ok(done)
}

/// Blocks read ahead of a sequential reader, as one transfer.
const READ_AHEAD: u64 = 32;

/// Before reading an uncached block, fetch it with the blocks that follow it in the file and
/// on disk, so a sequential read costs one device transfer per run instead of one per block.
fn read_ahead(inode: &Ext2Inode, d: &InodeData, lblock: u64, block: u32) {
    let fs = &inode.fs;
    if fs.cache.contains(block as u64) {
        return;
    }
    let last = d.disk.size.div_ceil(fs.geo.block_size as u64);
    let mut n = 1;
    while n < READ_AHEAD && lblock + n < last {
        match blockmap::lookup(fs, inode.ino, &d.disk, lblock + n) {
            Ok(Some(next)) if next as u64 == block as u64 + n => n += 1,
            _ => break,
        }
    }
    fs.cache.prefetch(block as u64, n as usize);
}

/// Copy `src` in at `offset`, allocating blocks, and grow the size. A write cut short by a
/// full disk or a bad address returns what it wrote; nothing stays allocated past the size.
/// The caller stores the inode.
pub(crate) fn write(
    inode: &Ext2Inode,
    d: &mut InodeData,
    offset: u64,
    src: &dyn WriteSrc,
) -> SysResult<usize> {
    let fs = &inode.fs;
    let bs = fs.geo.block_size;
    let max = fs.geo.max_size;
    if src.src_len() == 0 {
        return Ok(0);
    }
    if offset >= max {
        return Err(Errno::EFBIG);
    }
    let total = (src.src_len() as u64).min(max - offset) as usize;
    let mut done = 0;
    let mut failure = None;
    let mut allocated = false;
    let mut scratch = vec![];
    while done < total {
        let pos = offset + done as u64;
        let in_block = (pos % bs as u64) as usize;
        let chunk = (bs - in_block).min(total - done);
        let (block, new) =
            match blockmap::get_or_alloc(fs, inode.ino, inode.group, d, pos / bs as u64) {
                Ok(b) => b,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
        allocated |= new;
        let whole = chunk == bs;
        let copied = if new || !whole {
            let buf = if new {
                fs.cache.get_zeroed(block as u64)
            } else {
                fs.cache.get(block as u64)
            };
            match buf {
                Ok(buf) => src.copy_in(done, &mut buf.write()[in_block..in_block + chunk]),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        } else {
            // Overwriting a whole block needs no read, but the old contents must survive a
            // copy that faults half-way: copy aside first.
            scratch.resize(bs, 0);
            let copied = src.copy_in(done, &mut scratch);
            let valid = copied.map_or_else(|f| f.done, |()| bs);
            let buf = if valid == bs {
                fs.cache.get_zeroed(block as u64)
            } else {
                fs.cache.get(block as u64)
            };
            match buf {
                Ok(buf) => buf.write()[..valid].copy_from_slice(&scratch[..valid]),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
            copied
        };
        match copied {
            Ok(()) => done += chunk,
            Err(fault) => {
                done += fault.done;
                failure = Some(Errno::EFAULT);
                break;
            }
        }
    }
    let end = offset + done as u64;
    if end > d.disk.size {
        d.disk.size = end;
        inode.fs.note_large_file(end);
    }
    if allocated && failure.is_some() {
        // Blocks taken for bytes that never came (ext2_write_failed).
        let size = d.disk.size;
        blockmap::truncate(fs, inode.ino, &mut d.disk, size);
    }
    if done > 0 {
        let now = fs.now();
        d.disk.mtime = now;
        d.disk.ctime = now;
        return Ok(done);
    }
    Err(failure.unwrap_or(Errno::EFAULT))
}

/// Change the size of a regular file (`ext2_setsize`): shrinking frees the blocks past the
/// end and clears the tail of the new last block; growing leaves a hole.
pub(crate) fn set_size(inode: &Ext2Inode, d: &mut InodeData, size: u64) -> SysResult<()> {
    let fs = &inode.fs;
    if size > fs.geo.max_size {
        return Err(Errno::EFBIG);
    }
    if d.disk.flags & (APPEND_FL | IMMUTABLE_FL) != 0 {
        return Err(Errno::EPERM);
    }
    if size == d.disk.size {
        return Ok(());
    }
    let bs = fs.geo.block_size as u64;
    if size < d.disk.size {
        let tail = (size % bs) as usize;
        if tail != 0
            && let Some(block) = blockmap::lookup(fs, inode.ino, &d.disk, size / bs)?
        {
            fs.cache.get(block as u64)?.write()[tail..].fill(0);
        }
        blockmap::truncate(fs, inode.ino, &mut d.disk, size);
    }
    d.disk.size = size;
    fs.note_large_file(size);
    d.last_alloc = None;
    Ok(())
}
