//! Block group descriptors, kept in their (pinned) descriptor blocks and changed in place.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::cache::{Buffer, BufferCache};
use super::layout::*;
use super::superblock::Geometry;
use crate::{Errno, SysResult};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct GroupDesc {
    pub block_bitmap: u32,
    pub inode_bitmap: u32,
    pub inode_table: u32,
    pub free_blocks: u16,
    pub free_inodes: u16,
    pub used_dirs: u16,
}

pub(crate) struct Groups {
    blocks: Vec<Arc<Buffer>>,
    per_block: u32,
    count: u32,
}

impl Groups {
    /// Read the descriptor blocks. A failure is `EINVAL`, as Linux's mount reports it.
    pub fn load(cache: &BufferCache, geo: &Geometry) -> SysResult<Groups> {
        let mut blocks = Vec::with_capacity(geo.gdb_count as usize);
        for nr in 0..geo.gdb_count {
            let block = geo.descriptor_block(nr);
            if block >= geo.blocks_count as u64 {
                log::warn!("ext2: group descriptor block {block} past the end");
                return Err(Errno::EINVAL);
            }
            blocks.push(cache.get(block).map_err(|_| {
                log::warn!("ext2: unable to read group descriptors");
                Errno::EINVAL
            })?);
        }
        Ok(Groups {
            blocks,
            per_block: geo.desc_per_block,
            count: geo.groups_count,
        })
    }

    fn locate(&self, g: u32) -> Option<(&Arc<Buffer>, usize)> {
        if g >= self.count {
            return None;
        }
        let buf = self.blocks.get((g / self.per_block) as usize)?;
        Some((buf, (g % self.per_block) as usize * gd::SIZE))
    }

    pub fn get(&self, g: u32) -> GroupDesc {
        let Some((buf, off)) = self.locate(g) else {
            return GroupDesc::default();
        };
        let b = buf.read();
        GroupDesc {
            block_bitmap: get_u32(&b, off + gd::BLOCK_BITMAP),
            inode_bitmap: get_u32(&b, off + gd::INODE_BITMAP),
            inode_table: get_u32(&b, off + gd::INODE_TABLE),
            free_blocks: get_u16(&b, off + gd::FREE_BLOCKS_COUNT),
            free_inodes: get_u16(&b, off + gd::FREE_INODES_COUNT),
            used_dirs: get_u16(&b, off + gd::USED_DIRS_COUNT),
        }
    }

    /// Store the counters of group `g`.
    pub fn set_counts(&self, g: u32, desc: &GroupDesc) {
        if let Some((buf, off)) = self.locate(g) {
            let mut b = buf.write();
            set_u16(&mut b, off + gd::FREE_BLOCKS_COUNT, desc.free_blocks);
            set_u16(&mut b, off + gd::FREE_INODES_COUNT, desc.free_inodes);
            set_u16(&mut b, off + gd::USED_DIRS_COUNT, desc.used_dirs);
        }
    }

    /// Every group's bitmaps and inode table lie inside the group (`ext2_check_descriptors`).
    pub fn check(&self, geo: &Geometry) -> SysResult<()> {
        for g in 0..geo.groups_count {
            let d = self.get(g);
            let (first, last) = (geo.group_first_block(g), geo.group_last_block(g));
            let inside = |b: u64| b >= first && b <= last;
            let table_end = d.inode_table as u64 + geo.itb_per_group as u64;
            if !inside(d.block_bitmap as u64)
                || !inside(d.inode_bitmap as u64)
                || !inside(d.inode_table as u64)
                || (geo.itb_per_group > 0 && !inside(table_end - 1))
            {
                log::warn!("ext2: group descriptors corrupted (group {g})");
                return Err(Errno::EINVAL);
            }
        }
        Ok(())
    }
}
