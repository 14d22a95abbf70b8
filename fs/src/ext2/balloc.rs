//! Block and inode allocation over the group bitmaps (Linux `balloc.c`, `ialloc.c`).
//!
//! Blocks are allocated near a goal (the file's previous block, or its inode's group) and
//! spill over to the following groups; directories are spread with the Orlov allocator and
//! other inodes stay in their parent's group. Free counts are kept in the group descriptors,
//! and their sums in memory for `statfs`, the reserved-blocks check and the superblock.
//! Everything runs under the `alloc` lock, a leaf lock below the inode locks.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use super::cache::Buffer;
use super::fs::Ext2Fs;
use super::group::{GroupDesc, Groups};
use super::layout::TOPDIR_FL;
use super::superblock::Geometry;
use crate::{Errno, SysResult};

/// Orlov's estimate of the blocks and inodes a directory brings with it.
const INODE_COST: u32 = 64;
const BLOCK_COST: u32 = 256;

pub(crate) struct AllocState {
    pub free_blocks: u64,
    pub free_inodes: u64,
    pub dirs: u64,
    /// Per group: directories created minus files created there lately (`s_debts`).
    debts: Vec<u8>,
    /// Block bitmaps already checked for sanity.
    checked: Vec<bool>,
    rng: u32,
}

impl AllocState {
    pub fn new(geo: &Geometry, groups: &Groups) -> AllocState {
        let (mut free_blocks, mut free_inodes, mut dirs) = (0u64, 0u64, 0u64);
        for g in 0..geo.groups_count {
            let d = groups.get(g);
            free_blocks += d.free_blocks as u64;
            free_inodes += d.free_inodes as u64;
            dirs += d.used_dirs as u64;
        }
        let seed = geo.uuid.chunks(4).fold(0x9e37_79b9u32, |acc, c| {
            acc.rotate_left(5) ^ super::layout::get_u32(c, 0)
        });
        AllocState {
            free_blocks,
            free_inodes,
            dirs,
            debts: vec![0; geo.groups_count as usize],
            checked: vec![false; geo.groups_count as usize],
            rng: seed | 1,
        }
    }

    fn random_below(&mut self, n: u32) -> u32 {
        // xorshift32: the spread of top-level directories only needs to be unpredictable-ish.
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        if n == 0 { 0 } else { x % n }
    }
}

fn test_bit(map: &[u8], bit: usize) -> bool {
    map.get(bit / 8).is_some_and(|b| b & (1 << (bit % 8)) != 0)
}

/// Set a bit; returns its old value (a bit outside the map counts as set).
fn set_bit(map: &mut [u8], bit: usize) -> bool {
    match map.get_mut(bit / 8) {
        Some(b) => {
            let old = *b & (1 << (bit % 8)) != 0;
            *b |= 1 << (bit % 8);
            old
        }
        None => true,
    }
}

/// Clear a bit; returns its old value.
fn clear_bit(map: &mut [u8], bit: usize) -> bool {
    match map.get_mut(bit / 8) {
        Some(b) => {
            let old = *b & (1 << (bit % 8)) != 0;
            *b &= !(1 << (bit % 8));
            old
        }
        None => false,
    }
}

/// The first clear bit in `start..size`, or `size`.
fn find_next_zero_bit(map: &[u8], size: usize, start: usize) -> usize {
    let size = size.min(map.len() * 8);
    let mut bit = start;
    while bit < size {
        if bit.is_multiple_of(8) && map.get(bit / 8) == Some(&0xff) {
            bit += 8;
            continue;
        }
        if !test_bit(map, bit) {
            return bit;
        }
        bit += 1;
    }
    size
}

/// Where to start in a group allocated without a goal (`find_next_usable_block` from 0):
/// a wholly free byte, so the allocation can grow, else any free bit.
fn find_usable_block(map: &[u8], size: usize) -> Option<usize> {
    let bytes = size.div_ceil(8).min(map.len());
    if let Some(i) = map
        .get(..bytes)
        .and_then(|m| m.iter().position(|&b| b == 0))
        && i * 8 < size
    {
        return Some(i * 8);
    }
    let bit = find_next_zero_bit(map, size, 0);
    (bit < size).then_some(bit)
}

/// What the allocator needs to know about the directory a new inode goes in.
pub(crate) struct Parent {
    pub ino: u32,
    pub group: u32,
    pub flags: u32,
}

impl Ext2Fs {
    /// The block bitmap of group `g`, checked once: its own block, the inode bitmap and the
    /// inode table must be marked in use (`ext2_valid_block_bitmap`).
    fn block_bitmap(&self, st: &mut AllocState, g: u32, d: &GroupDesc) -> SysResult<Arc<Buffer>> {
        let buf = self.cache.get(d.block_bitmap as u64)?;
        if !st.checked.get(g as usize).copied().unwrap_or(true) {
            let first = self.geo.group_first_block(g);
            let map = buf.read();
            let bit = |b: u32| (b as u64).checked_sub(first).map(|x| x as usize);
            let marked = |b: u32| bit(b).is_some_and(|i| test_bit(&map, i));
            let table_ok = bit(d.inode_table).is_some_and(|start| {
                let end = start + self.geo.itb_per_group as usize;
                find_next_zero_bit(&map, end, start) >= end
            });
            if !marked(d.block_bitmap) || !marked(d.inode_bitmap) || !table_ok {
                drop(map);
                self.error(format_args!("invalid block bitmap - block_group = {g}"));
                return Err(Errno::EIO);
            }
            if let Some(c) = st.checked.get_mut(g as usize) {
                *c = true;
            }
        }
        Ok(buf)
    }

    /// Whether there is room for a block (`ext2_has_free_blocks`): the last
    /// `s_r_blocks_count` blocks are for the reserved user or group and for root.
    fn has_free_blocks(&self, st: &AllocState) -> bool {
        st.free_blocks > self.geo.r_blocks_count as u64 || self.may_use_reserved()
    }

    /// Allocate up to `count` consecutive blocks, as near `goal` as possible
    /// (`ext2_new_blocks`). Returns the first block and how many were allocated (at least 1).
    pub(crate) fn new_blocks(&self, goal: u64, count: u32) -> SysResult<(u32, u32)> {
        let geo = &self.geo;
        let mut st = self.alloc.lock();
        if st.free_blocks == 0 || !self.has_free_blocks(&st) {
            return Err(Errno::ENOSPC);
        }
        let first_data = geo.first_data_block as u64;
        let goal = if goal < first_data || goal >= geo.blocks_count as u64 {
            first_data
        } else {
            goal
        };
        let ngroups = geo.groups_count;
        let goal_group = ((goal - first_data) / geo.blocks_per_group as u64) as u32;
        let target = ((goal - first_data) % geo.blocks_per_group as u64) as usize;
        // The goal's group from the goal, then every group from its start, the goal's last.
        let order = core::iter::once((goal_group, Some(target)))
            .chain((1..=ngroups).map(|i| ((goal_group + i) % ngroups, None)));
        for (group, hint) in order {
            // A few retries when the bitmap offered metadata blocks (a damaged bitmap).
            for _ in 0..8 {
                let desc = self.groups.get(group);
                if desc.free_blocks == 0 {
                    break;
                }
                let Some((bit, n)) = self.try_allocate(&mut st, group, &desc, hint, count)? else {
                    break;
                };
                let start = geo.group_first_block(group) + bit as u64;
                if self.in_system_zone(&desc, start, n as u64) {
                    self.error(format_args!(
                        "allocating block in system zone - blocks from {start}, length {n}"
                    ));
                    // The bits stay set: they mark metadata, as they should have.
                    continue;
                }
                if start + n as u64 > geo.blocks_count as u64 {
                    self.error(format_args!("block({start}) >= blocks count"));
                    return Err(Errno::EIO);
                }
                let mut d = desc;
                d.free_blocks = d.free_blocks.wrapping_sub(n as u16);
                self.groups.set_counts(group, &d);
                st.free_blocks = st.free_blocks.saturating_sub(n as u64);
                return Ok((start as u32, n));
            }
        }
        Err(Errno::ENOSPC)
    }

    /// Take up to `count` free blocks in group `g` from `goal` on, or from a good spot
    /// (`ext2_try_to_allocate` without reservation windows). Returns the first bit and the
    /// number taken.
    fn try_allocate(
        &self,
        st: &mut AllocState,
        g: u32,
        desc: &GroupDesc,
        goal: Option<usize>,
        count: u32,
    ) -> SysResult<Option<(usize, u32)>> {
        let end = (self.geo.group_last_block(g) - self.geo.group_first_block(g) + 1) as usize;
        let bitmap = self.block_bitmap(st, g, desc)?;
        let mut map = bitmap.write();
        let mut bit = match goal {
            Some(goal) => goal,
            None => {
                let Some(mut b) = find_usable_block(&map, end) else {
                    return Ok(None);
                };
                // Start at the beginning of the free run, up to 7 blocks back.
                for _ in 0..7 {
                    if b == 0 || test_bit(&map, b - 1) {
                        break;
                    }
                    b -= 1;
                }
                b
            }
        };
        let mut n = 0u32;
        while n < count && bit < end {
            if set_bit(&mut map, bit) {
                if n == 0 {
                    bit += 1;
                    continue;
                }
                break;
            }
            n += 1;
            bit += 1;
        }
        Ok((n > 0).then(|| (bit - n as usize, n)))
    }

    fn in_system_zone(&self, d: &GroupDesc, start: u64, count: u64) -> bool {
        let in_range = |b: u64, first: u64, len: u64| b >= first && b < first + len;
        in_range(d.block_bitmap as u64, start, count)
            || in_range(d.inode_bitmap as u64, start, count)
            || in_range(start, d.inode_table as u64, self.geo.itb_per_group as u64)
            || in_range(
                start + count - 1,
                d.inode_table as u64,
                self.geo.itb_per_group as u64,
            )
    }

    /// Free `count` blocks from `start` (`ext2_free_blocks`). Returns how many were in use
    /// (those are what `i_blocks` loses). Blocks outside the data area or over metadata are
    /// refused with a filesystem error.
    pub(crate) fn free_blocks(&self, start: u64, count: u64) -> u64 {
        let geo = &self.geo;
        if !geo.data_blocks_valid(start, count) {
            self.error(format_args!(
                "freeing blocks not in datazone - block = {start}, count = {count}"
            ));
            return 0;
        }
        let mut freed_total = 0;
        let mut block = start;
        let mut left = count;
        let mut st = self.alloc.lock();
        while left > 0 {
            let rel = block - geo.first_data_block as u64;
            let group = (rel / geo.blocks_per_group as u64) as u32;
            let bit = (rel % geo.blocks_per_group as u64) as usize;
            let n = left.min(geo.blocks_per_group as u64 - bit as u64);
            let desc = self.groups.get(group);
            if self.in_system_zone(&desc, block, n) {
                self.error(format_args!(
                    "freeing blocks in system zones - block = {block}, count = {n}"
                ));
                break;
            }
            let Ok(bitmap) = self.block_bitmap(&mut st, group, &desc) else {
                break;
            };
            let mut freed = 0u64;
            let mut already_clear = None;
            {
                let mut map = bitmap.write();
                for i in 0..n as usize {
                    if clear_bit(&mut map, bit + i) {
                        freed += 1;
                    } else {
                        already_clear.get_or_insert(block + i as u64);
                    }
                }
            }
            if let Some(b) = already_clear {
                self.error(format_args!("bit already cleared for block {b}"));
            }
            let mut d = desc;
            d.free_blocks = d.free_blocks.wrapping_add(freed as u16);
            self.groups.set_counts(group, &d);
            st.free_blocks += freed;
            freed_total += freed;
            block += n;
            left -= n;
        }
        drop(st);
        for b in start..start + count {
            self.cache.forget(b);
        }
        freed_total
    }

    /// Pick a group for a new directory (`find_group_orlov`): top-level directories go to a
    /// random group with fewer directories than average and enough free space; others stay
    /// near their parent unless its group is getting crowded.
    fn find_group_orlov(&self, st: &mut AllocState, parent: &Parent) -> Option<u32> {
        let geo = &self.geo;
        let ngroups = geo.groups_count;
        let ipg = geo.inodes_per_group;
        let avefreei = (st.free_inodes / ngroups as u64) as u32;
        let avefreeb = (st.free_blocks / ngroups as u64) as u32;
        let ndirs = st.dirs.max(1);
        let mut parent_group = parent.group;

        if parent.ino == super::layout::ROOT_INO || parent.flags & TOPDIR_FL != 0 {
            let mut best: Option<(u32, u32)> = None;
            parent_group = st.random_below(ngroups);
            for i in 0..ngroups {
                let g = (parent_group + i) % ngroups;
                let d = self.groups.get(g);
                if d.free_inodes == 0
                    || d.used_dirs as u32 >= best.map_or(ipg, |(_, n)| n)
                    || (d.free_inodes as u32) < avefreei
                    || (d.free_blocks as u32) < avefreeb
                {
                    continue;
                }
                best = Some((g, d.used_dirs as u32));
            }
            if let Some((g, _)) = best {
                return Some(g);
            }
        } else {
            let used = geo.blocks_count as u64 - st.free_blocks.min(geo.blocks_count as u64);
            let blocks_per_dir = (used / ndirs) as u32;
            let max_dirs = (ndirs / ngroups as u64) as u32 + ipg / 16;
            let min_inodes = avefreei.saturating_sub(ipg / 4);
            let min_blocks = avefreeb.saturating_sub(geo.blocks_per_group / 4);
            let mut max_debt = geo.blocks_per_group / blocks_per_dir.max(BLOCK_COST);
            if max_debt * INODE_COST > ipg {
                max_debt = ipg / INODE_COST;
            }
            let max_debt = max_debt.clamp(1, 255);
            for i in 0..ngroups {
                let g = (parent_group + i) % ngroups;
                let d = self.groups.get(g);
                if d.free_inodes == 0
                    || st.debts.get(g as usize).copied().unwrap_or(0) as u32 >= max_debt
                    || d.used_dirs as u32 >= max_dirs
                    || (d.free_inodes as u32) < min_inodes
                    || (d.free_blocks as u32) < min_blocks
                {
                    continue;
                }
                return Some(g);
            }
        }
        // Fallback: any group with an average share of free inodes, then any at all.
        for threshold in [avefreei, 0] {
            for i in 0..ngroups {
                let g = (parent_group + i) % ngroups;
                let d = self.groups.get(g);
                if d.free_inodes != 0 && d.free_inodes as u32 >= threshold {
                    return Some(g);
                }
            }
        }
        None
    }

    /// Pick a group for a new non-directory (`find_group_other`): the parent's, else a hashed
    /// probe for one with free inodes and blocks, else any with free inodes.
    fn find_group_other(&self, parent: &Parent) -> Option<u32> {
        let ngroups = self.geo.groups_count;
        let usable = |g: u32| {
            let d = self.groups.get(g);
            d.free_inodes != 0 && d.free_blocks != 0
        };
        if usable(parent.group) {
            return Some(parent.group);
        }
        let mut g = ((parent.group as u64 + parent.ino as u64) % ngroups as u64) as u32;
        let mut i = 1;
        while i < ngroups {
            g += i;
            if g >= ngroups {
                g -= ngroups;
            }
            if usable(g) {
                return Some(g);
            }
            i <<= 1;
        }
        let mut g = parent.group;
        for _ in 0..ngroups {
            g = (g + 1) % ngroups;
            if self.groups.get(g).free_inodes != 0 {
                return Some(g);
            }
        }
        None
    }

    /// Allocate an inode number for a new inode in `parent` (the allocation part of
    /// `ext2_new_inode`). Returns the number and its group.
    pub(crate) fn new_inode_number(&self, parent: &Parent, is_dir: bool) -> SysResult<(u32, u32)> {
        let geo = &self.geo;
        let mut st = self.alloc.lock();
        let group = if is_dir {
            self.find_group_orlov(&mut st, parent)
        } else {
            self.find_group_other(parent)
        };
        let mut group = group.ok_or(Errno::ENOSPC)?;
        for _ in 0..geo.groups_count {
            let desc = self.groups.get(group);
            let bitmap = self.cache.get(desc.inode_bitmap as u64)?;
            let bit = {
                let mut map = bitmap.write();
                let bit = find_next_zero_bit(&map, geo.inodes_per_group as usize, 0);
                if bit < geo.inodes_per_group as usize {
                    set_bit(&mut map, bit);
                    Some(bit)
                } else {
                    None
                }
            };
            let Some(bit) = bit else {
                group = (group + 1) % geo.groups_count;
                continue;
            };
            let ino = group as u64 * geo.inodes_per_group as u64 + bit as u64 + 1;
            if ino < geo.first_ino as u64 || ino > geo.inodes_count as u64 {
                self.error(format_args!(
                    "reserved inode or inode > inodes count - block_group = {group}, inode = {ino}"
                ));
                return Err(Errno::EIO);
            }
            let mut d = desc;
            d.free_inodes = d.free_inodes.wrapping_sub(1);
            st.free_inodes = st.free_inodes.saturating_sub(1);
            if is_dir {
                d.used_dirs = d.used_dirs.wrapping_add(1);
                st.dirs += 1;
            }
            if let Some(debt) = st.debts.get_mut(group as usize) {
                *debt = if is_dir {
                    debt.saturating_add(1)
                } else {
                    debt.saturating_sub(1)
                };
            }
            self.groups.set_counts(group, &d);
            return Ok((ino as u32, group));
        }
        Err(Errno::ENOSPC)
    }

    /// Release inode number `ino` (`ext2_free_inode`).
    pub(crate) fn free_inode_number(&self, ino: u32, is_dir: bool) {
        let geo = &self.geo;
        if ino < geo.first_ino || ino > geo.inodes_count {
            self.error(format_args!("reserved or nonexistent inode {ino}"));
            return;
        }
        let group = (ino - 1) / geo.inodes_per_group;
        let bit = ((ino - 1) % geo.inodes_per_group) as usize;
        let mut st = self.alloc.lock();
        let desc = self.groups.get(group);
        let Ok(bitmap) = self.cache.get(desc.inode_bitmap as u64) else {
            return;
        };
        if !clear_bit(&mut bitmap.write(), bit) {
            drop(st);
            self.error(format_args!("bit already cleared for inode {ino}"));
            return;
        }
        let mut d = desc;
        d.free_inodes = d.free_inodes.wrapping_add(1);
        st.free_inodes += 1;
        if is_dir {
            d.used_dirs = d.used_dirs.wrapping_sub(1);
            st.dirs = st.dirs.saturating_sub(1);
        }
        self.groups.set_counts(group, &d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_helpers() {
        let mut map = [0xffu8, 0x0f, 0x00];
        assert_eq!(find_next_zero_bit(&map, 24, 0), 12);
        assert_eq!(find_next_zero_bit(&map, 12, 0), 12, "none below the size");
        assert_eq!(
            find_usable_block(&map, 24),
            Some(16),
            "a wholly free byte first"
        );
        assert_eq!(find_usable_block(&map, 20), Some(16));
        assert_eq!(find_usable_block(&map, 14), Some(12));
        assert!(!set_bit(&mut map, 12));
        assert!(set_bit(&mut map, 12));
        assert!(clear_bit(&mut map, 12));
        assert!(!clear_bit(&mut map, 12));
        assert!(set_bit(&mut map, 99), "outside the map counts as in use");
        assert!(!test_bit(&map, 99));
    }
}
