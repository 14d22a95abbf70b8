//! An inode's block map: 12 direct pointers, then single, double and triple indirect blocks
//! (Linux `ext2_get_block` and `ext2_truncate_blocks`).
//!
//! A zero pointer is a hole. `i_blocks` counts, in 512-byte units, every block the map holds:
//! data and indirect blocks alike. Pointers read from disk are checked to lie in the data
//! area before they are followed, so a damaged map gives `EIO`, never a write over metadata.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::cache::Buffer;
use super::fs::Ext2Fs;
use super::inode::{DiskInode, InodeData};
use super::layout::*;
use super::superblock::Geometry;
use crate::{Errno, SysResult};

/// Where a logical block's pointer is: the chain depth (1 = direct) and the index at each
/// level.
struct BlockPath {
    depth: usize,
    offsets: [usize; 4],
}

fn block_to_path(geo: &Geometry, lblock: u64) -> Option<BlockPath> {
    let p = geo.addr_per_block as u64;
    let bits = geo.addr_bits;
    let mask = p - 1;
    let mut b = lblock;
    if b < NDIR_BLOCKS as u64 {
        return Some(BlockPath {
            depth: 1,
            offsets: [b as usize, 0, 0, 0],
        });
    }
    b -= NDIR_BLOCKS as u64;
    if b < p {
        return Some(BlockPath {
            depth: 2,
            offsets: [IND_BLOCK, b as usize, 0, 0],
        });
    }
    b -= p;
    if b < p * p {
        return Some(BlockPath {
            depth: 3,
            offsets: [DIND_BLOCK, (b >> bits) as usize, (b & mask) as usize, 0],
        });
    }
    b -= p * p;
    if b >> (2 * bits) < p {
        return Some(BlockPath {
            depth: 4,
            offsets: [
                TIND_BLOCK,
                (b >> (2 * bits)) as usize,
                ((b >> bits) & mask) as usize,
                (b & mask) as usize,
            ],
        });
    }
    None
}

fn ptr_at(block: &[u8], index: usize) -> u32 {
    get_u32(block, index * 4)
}

/// 512-byte units per filesystem block.
pub(crate) fn sectors_per_block(geo: &Geometry) -> u32 {
    (geo.block_size / 512) as u32
}

impl Ext2Fs {
    /// A block pointer of inode `ino` as read from disk, checked to be a data block.
    pub(crate) fn checked_ptr(&self, ino: u32, ptr: u32) -> SysResult<u32> {
        if self.geo.data_blocks_valid(ptr as u64, 1) {
            Ok(ptr)
        } else {
            self.error(format_args!(
                "inode {ino}: block pointer {ptr} outside the data area"
            ));
            Err(Errno::EIO)
        }
    }
}

/// The physical block of logical block `lblock`, `None` for a hole.
pub(crate) fn lookup(fs: &Ext2Fs, ino: u32, d: &DiskInode, lblock: u64) -> SysResult<Option<u32>> {
    let Some(path) = block_to_path(&fs.geo, lblock) else {
        return Ok(None);
    };
    let mut ptr = d.block[path.offsets[0]];
    for &index in &path.offsets[1..path.depth] {
        if ptr == 0 {
            return Ok(None);
        }
        let buf = fs.cache.get(fs.checked_ptr(ino, ptr)? as u64)?;
        ptr = ptr_at(&buf.read(), index);
    }
    if ptr == 0 {
        Ok(None)
    } else {
        fs.checked_ptr(ino, ptr).map(Some)
    }
}

/// The physical block of `lblock`, allocating it and any missing indirect blocks on the way.
/// Returns whether it is new: a new data block's contents are undefined (the caller zeroes or
/// overwrites them). On failure nothing stays allocated.
pub(crate) fn get_or_alloc(
    fs: &Ext2Fs,
    ino: u32,
    group: u32,
    data: &mut InodeData,
    lblock: u64,
) -> SysResult<(u32, bool)> {
    let path = block_to_path(&fs.geo, lblock).ok_or(Errno::EFBIG)?;
    let off = path.offsets;
    // parents[level]: the indirect block holding the pointer of that level (level 0: inode).
    let mut parents: [Option<Arc<Buffer>>; 4] = [None, None, None, None];
    let mut ptr = data.disk.block[off[0]];
    let mut level = 0;
    while ptr != 0 && level + 1 < path.depth {
        let buf = fs.cache.get(fs.checked_ptr(ino, ptr)? as u64)?;
        level += 1;
        ptr = ptr_at(&buf.read(), off[level]);
        parents[level] = Some(buf);
    }
    if ptr != 0 {
        return Ok((fs.checked_ptr(ino, ptr)?, false));
    }
    // Missing from `level` down: the indirect blocks below it and the data block.
    let needed = path.depth - level;
    let goal = find_goal(
        fs,
        group,
        data,
        lblock,
        parents[level].as_deref(),
        off[level],
    );
    let mut new = [0u32; 4];
    let mut got = 0;
    while got < needed {
        match fs.new_blocks(goal, (needed - got) as u32) {
            Ok((start, n)) => {
                for i in 0..n {
                    if let Some(slot) = new.get_mut(got) {
                        *slot = start + i;
                        got += 1;
                    }
                }
            }
            Err(e) => {
                free_new(fs, &new[..got]);
                return Err(e);
            }
        }
    }
    // Link the new indirect blocks top-down, then make the branch reachable.
    for i in 0..needed - 1 {
        match fs.cache.get_zeroed(new[i] as u64) {
            Ok(buf) => set_u32(&mut buf.write(), off[level + 1 + i] * 4, new[i + 1]),
            Err(e) => {
                free_new(fs, &new[..needed]);
                return Err(e);
            }
        }
    }
    match &parents[level] {
        None => data.disk.block[off[0]] = new[0],
        Some(buf) => set_u32(&mut buf.write(), off[level] * 4, new[0]),
    }
    data.disk.blocks = data
        .disk
        .blocks
        .saturating_add(needed as u32 * sectors_per_block(&fs.geo));
    let block = new[needed - 1];
    data.last_alloc = Some((lblock, block));
    Ok((block, true))
}

fn free_new(fs: &Ext2Fs, blocks: &[u32]) {
    for &b in blocks {
        fs.free_blocks(b as u64, 1);
    }
}

/// Where to allocate `lblock` (`ext2_find_goal`): right after the previous allocation when
/// writing sequentially, else next to the nearest block on the left in the same pointer
/// block, else next to that pointer block, else at the start of the inode's group.
fn find_goal(
    fs: &Ext2Fs,
    group: u32,
    data: &InodeData,
    lblock: u64,
    parent: Option<&Buffer>,
    index: usize,
) -> u64 {
    if let Some((logical, physical)) = data.last_alloc
        && logical + 1 == lblock
        && physical != 0
    {
        return physical as u64 + 1;
    }
    match parent {
        Some(buf) => {
            let b = buf.read();
            (0..index)
                .rev()
                .map(|i| ptr_at(&b, i))
                .find(|&p| p != 0)
                .map_or(buf.block(), |p| p as u64)
        }
        None => data.disk.block[..index.min(N_BLOCKS)]
            .iter()
            .rev()
            .find(|&&p| p != 0)
            .map_or(fs.geo.group_first_block(group), |&p| p as u64),
    }
}

/// Frees blocks in runs of consecutive numbers and counts what was freed.
struct Freer<'a> {
    fs: &'a Ext2Fs,
    ino: u32,
    run: Option<(u64, u64)>,
    freed: u64,
}

impl Freer<'_> {
    fn free(&mut self, block: u32) {
        if !self.fs.geo.data_blocks_valid(block as u64, 1) {
            self.fs.error(format_args!(
                "inode {}: freeing block {block} outside the data area",
                self.ino
            ));
            return;
        }
        let block = block as u64;
        match &mut self.run {
            Some((start, len)) if *start + *len == block => *len += 1,
            _ => {
                self.flush();
                self.run = Some((block, 1));
            }
        }
    }

    fn flush(&mut self) {
        if let Some((start, len)) = self.run.take() {
            self.freed += self.fs.free_blocks(start, len);
        }
    }

    fn finish(mut self) -> u64 {
        self.flush();
        self.freed
    }
}

/// The pointers of an indirect block, read from its buffer (no lock is kept while the caller
/// recurses, so even a block that points at itself cannot deadlock).
fn read_pointers(fs: &Ext2Fs, ino: u32, block: u32) -> Option<(Arc<Buffer>, Vec<u32>)> {
    if !fs.geo.data_blocks_valid(block as u64, 1) {
        fs.error(format_args!(
            "inode {ino}: indirect block {block} outside the data area"
        ));
        return None;
    }
    match fs.cache.get(block as u64) {
        Ok(buf) => {
            let ptrs = {
                let b = buf.read();
                (0..fs.geo.addr_per_block as usize)
                    .map(|i| ptr_at(&b, i))
                    .collect()
            };
            Some((buf, ptrs))
        }
        Err(_) => {
            fs.error(format_args!(
                "inode {ino}: read failure on indirect block {block}"
            ));
            None
        }
    }
}

/// Free the tree under `block`, `depth` levels of indirection deep (0: a data block).
fn free_tree(freer: &mut Freer, block: u32, depth: u32) {
    if depth > 0
        && let Some((_, ptrs)) = read_pointers(freer.fs, freer.ino, block)
    {
        for p in ptrs.into_iter().filter(|&p| p != 0) {
            free_tree(freer, p, depth - 1);
        }
    }
    freer.free(block);
}

/// Cut the tree under `*ptr` (covering logical blocks from `base`, `depth` levels deep) so
/// that only blocks before `first` remain; an indirect block left empty goes too.
fn trim(freer: &mut Freer, ptr: &mut u32, depth: u32, base: u64, first: u64) {
    if *ptr == 0 {
        return;
    }
    let p = freer.fs.geo.addr_per_block as u64;
    let child_span = p.pow(depth - 1);
    if first <= base {
        free_tree(freer, *ptr, depth);
        *ptr = 0;
        return;
    }
    if first >= base + child_span * p {
        return;
    }
    let Some((buf, mut ptrs)) = read_pointers(freer.fs, freer.ino, *ptr) else {
        return;
    };
    let keep = ((first - base) / child_span) as usize;
    for (j, child) in ptrs.iter_mut().enumerate().skip(keep) {
        if *child == 0 {
            continue;
        }
        if depth == 1 {
            freer.free(*child);
            *child = 0;
        } else {
            trim(freer, child, depth - 1, base + j as u64 * child_span, first);
        }
    }
    if ptrs.iter().all(|&c| c == 0) {
        freer.free(*ptr);
        *ptr = 0;
    } else {
        let mut b = buf.write();
        for (j, &c) in ptrs.iter().enumerate().skip(keep) {
            set_u32(&mut b, j * 4, c);
        }
    }
}

/// Free every block at or past byte `new_size` (`__ext2_truncate_blocks`) and take them off
/// `i_blocks`.
pub(crate) fn truncate(fs: &Ext2Fs, ino: u32, d: &mut DiskInode, new_size: u64) {
    let first = new_size.div_ceil(fs.geo.block_size as u64);
    let p = fs.geo.addr_per_block as u64;
    let mut freer = Freer {
        fs,
        ino,
        run: None,
        freed: 0,
    };
    for slot in (first.min(NDIR_BLOCKS as u64) as usize)..NDIR_BLOCKS {
        if d.block[slot] != 0 {
            freer.free(d.block[slot]);
            d.block[slot] = 0;
        }
    }
    let trees = [
        (IND_BLOCK, 1, NDIR_BLOCKS as u64),
        (DIND_BLOCK, 2, NDIR_BLOCKS as u64 + p),
        (TIND_BLOCK, 3, NDIR_BLOCKS as u64 + p + p * p),
    ];
    for (slot, depth, base) in trees {
        trim(&mut freer, &mut d.block[slot], depth, base, first);
    }
    let freed = freer.finish();
    let sectors = freed.saturating_mul(sectors_per_block(&fs.geo) as u64);
    d.blocks = d.blocks.saturating_sub(sectors.min(u32::MAX as u64) as u32);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_for_1k_blocks() {
        let mut raw = [0u8; 1024];
        set_u16(&mut raw, sb::MAGIC, EXT2_SUPER_MAGIC);
        set_u32(&mut raw, sb::BLOCKS_COUNT, 8192);
        set_u32(&mut raw, sb::FIRST_DATA_BLOCK, 1);
        set_u32(&mut raw, sb::BLOCKS_PER_GROUP, 8192);
        set_u32(&mut raw, sb::INODES_PER_GROUP, 512);
        set_u32(&mut raw, sb::INODES_COUNT, 512);
        let geo = super::super::superblock::check(&raw, 8 << 20, 512, true)
            .unwrap()
            .geo;
        let at = |b: u64| block_to_path(&geo, b).map(|p| (p.depth, p.offsets));
        assert_eq!(at(11), Some((1, [11, 0, 0, 0])));
        assert_eq!(at(12), Some((2, [12, 0, 0, 0])));
        assert_eq!(at(12 + 255), Some((2, [12, 255, 0, 0])));
        assert_eq!(at(12 + 256), Some((3, [13, 0, 0, 0])));
        assert_eq!(at(12 + 256 + 257), Some((3, [13, 1, 1, 0])));
        let tind = 12 + 256 + 65536;
        assert_eq!(at(tind), Some((4, [14, 0, 0, 0])));
        assert_eq!(at(tind + 65536 + 256 + 1), Some((4, [14, 1, 1, 1])));
        assert_eq!(at(tind + 256 * 65536 - 1), Some((4, [14, 255, 255, 255])));
        assert!(at(tind + 256 * 65536).is_none());
    }
}
