//! Where a file's blocks are: the extent tree or the classic block map, walked to a list of
//! runs. `ext4-view` keeps this to itself, and directories need it: their entries carry the
//! inode numbers the crate does not show. Regular file data is read by the crate.

use alloc::vec;
use alloc::vec::Vec;

use super::disk::Disk;
use super::layout::{Geometry, RawInode, le32};
use crate::{Errno, SysResult};

const EXTENT_MAGIC: u16 = 0xF30A;
/// `EXT4_MAX_EXTENT_DEPTH`.
const MAX_DEPTH: u16 = 5;
/// `EXT_INIT_MAX_LEN`: a longer `ee_len` marks an unwritten extent of `ee_len - 32768` blocks.
const INIT_MAX_LEN: u16 = 32768;

/// `len` blocks of the file from `logical` on are at `physical..`; unwritten ones read as zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Run {
    pub logical: u64,
    pub len: u64,
    pub physical: u64,
    pub unwritten: bool,
}

struct Walk<'a> {
    disk: &'a Disk,
    geo: &'a Geometry,
    /// Logical blocks wanted: runs past them are not collected.
    limit: u64,
    /// Tree nodes left to read: a damaged tree cannot make the walk read more nodes than the
    /// file has blocks.
    budget: u64,
    runs: Vec<Run>,
}

/// The runs covering the file's first `nblocks` logical blocks (holes are absent), in logical
/// order for a well-formed file. Pointers outside the filesystem are `EIO`.
pub(super) fn runs(
    disk: &Disk,
    geo: &Geometry,
    inode: &RawInode,
    nblocks: u64,
) -> SysResult<Vec<Run>> {
    let mut w = Walk {
        disk,
        geo,
        limit: nblocks,
        budget: nblocks + MAX_DEPTH as u64 + 1,
        runs: Vec::new(),
    };
    if inode.uses_extents() {
        let depth = header(&inode.i_block, None)?;
        w.extent_node(&inode.i_block, depth)?;
    } else {
        w.block_map(&inode.i_block)?;
    }
    Ok(w.runs)
}

/// Check an extent node header; returns its depth. `depth`: the depth the parent expects.
fn header(node: &[u8], depth: Option<u16>) -> SysResult<u16> {
    let magic = le32(node, 0) as u16;
    let entries = (le32(node, 0) >> 16) as usize;
    let max = le32(node, 4) as u16 as usize;
    let d = (le32(node, 4) >> 16) as u16;
    if magic != EXTENT_MAGIC
        || d > MAX_DEPTH
        || depth.is_some_and(|want| want != d)
        || entries > max
        || (entries + 1) * 12 > node.len()
    {
        log::warn!("ext4: bad extent header");
        return Err(Errno::EIO);
    }
    Ok(d)
}

impl Walk<'_> {
    fn read_block(&mut self, block: u64) -> SysResult<Vec<u8>> {
        if self.budget == 0 || block < self.geo.first_data_block as u64 {
            return Err(Errno::EIO);
        }
        self.budget -= 1;
        let mut buf = vec![0u8; self.geo.block_size as usize];
        self.disk.read(self.geo.offset(block)?, &mut buf)?;
        Ok(buf)
    }

    fn push(&mut self, run: Run) -> SysResult<()> {
        if run.physical == 0
            || run
                .physical
                .checked_add(run.len)
                .is_none_or(|e| e > self.geo.blocks_count)
        {
            log::warn!(
                "ext4: block pointer {} outside the filesystem",
                run.physical
            );
            return Err(Errno::EIO);
        }
        if run.logical < self.limit {
            self.runs.push(run);
        }
        Ok(())
    }

    fn extent_node(&mut self, node: &[u8], depth: u16) -> SysResult<()> {
        let entries = (le32(node, 0) >> 16) as usize;
        for i in 1..=entries {
            let e = node.get(i * 12..i * 12 + 12).ok_or(Errno::EIO)?;
            let logical = le32(e, 0) as u64;
            if depth == 0 {
                let raw_len = le32(e, 4) as u16;
                let physical = ((le32(e, 4) >> 16) as u64) << 32 | le32(e, 8) as u64;
                let unwritten = raw_len > INIT_MAX_LEN;
                let len = if unwritten {
                    raw_len - INIT_MAX_LEN
                } else {
                    raw_len
                } as u64;
                if len > 0 {
                    self.push(Run {
                        logical,
                        len,
                        physical,
                        unwritten,
                    })?;
                }
            } else {
                if logical >= self.limit {
                    break;
                }
                let child = le32(e, 4) as u64 | ((le32(e, 8) & 0xFFFF) as u64) << 32;
                let block = self.read_block(child)?;
                header(&block, Some(depth - 1))?;
                self.extent_node(&block, depth - 1)?;
            }
        }
        Ok(())
    }

    /// `i_block[0..12]` direct, then single, double and triple indirect blocks.
    fn block_map(&mut self, i_block: &[u8]) -> SysResult<()> {
        for i in 0..12u64 {
            let ptr = le32(i_block, i as usize * 4) as u64;
            if ptr != 0 && i < self.limit {
                self.push_block(i, ptr)?;
            }
        }
        let per = (self.geo.block_size / 4) as u64;
        let mut start = 12u64;
        let mut span = per;
        for level in 1..=3u32 {
            let ptr = le32(i_block, (11 + level as usize) * 4) as u64;
            if start >= self.limit {
                break;
            }
            if ptr != 0 {
                self.indirect(ptr, level, start)?;
            }
            start += span;
            span = span.saturating_mul(per);
        }
        Ok(())
    }

    fn indirect(&mut self, block: u64, level: u32, first: u64) -> SysResult<()> {
        let data = self.read_block(block)?;
        let per = (self.geo.block_size / 4) as u64;
        let child_span = per.saturating_pow(level - 1);
        for (i, chunk) in data.chunks_exact(4).enumerate() {
            let logical = first.saturating_add((i as u64).saturating_mul(child_span));
            if logical >= self.limit {
                break;
            }
            let ptr = le32(chunk, 0) as u64;
            if ptr == 0 {
                continue;
            }
            if level == 1 {
                self.push_block(logical, ptr)?;
            } else {
                self.indirect(ptr, level - 1, logical)?;
            }
        }
        Ok(())
    }

    /// One mapped block, merged into the previous run when contiguous.
    fn push_block(&mut self, logical: u64, physical: u64) -> SysResult<()> {
        if let Some(last) = self.runs.last_mut()
            && !last.unwritten
            && last.logical + last.len == logical
            && last.physical + last.len == physical
            && physical < self.geo.blocks_count
        {
            last.len += 1;
            return Ok(());
        }
        self.push(Run {
            logical,
            len: 1,
            physical,
            unwritten: false,
        })
    }
}

/// Blocks a file with a classic block map can address: 12 direct, then one, two and three
/// levels of indirection.
pub(super) fn block_map_capacity(block_size: u32) -> u64 {
    let per = (block_size / 4) as u64;
    12 + per + per * per + per * per * per
}

/// Whether `ext4-view` can resume reading anywhere in this file without reading metadata
/// blocks: an extent tree held entirely in the inode.
pub(super) fn tree_in_inode(inode: &RawInode) -> bool {
    inode.uses_extents() && header(&inode.i_block, None) == Ok(0)
}
