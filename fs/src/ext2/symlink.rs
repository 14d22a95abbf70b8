//! Symbolic links (Linux `ext2_symlink`, `page_symlink`): a target shorter than the 60 bytes
//! of `i_block` lives there ("fast"), a longer one in a data block ("slow").

use alloc::vec::Vec;

use super::blockmap;
use super::inode::{DiskInode, Ext2Inode, InodeData};
use super::layout::N_BLOCKS;
use crate::{Errno, SysResult};

/// Bytes of `i_block`: a target with its NUL up to this size is stored inline.
pub(crate) const INLINE_MAX: usize = N_BLOCKS * 4;

/// Store `target` in a new symlink inode. The caller checked `target.len() < block size`.
pub(crate) fn init(inode: &Ext2Inode, d: &mut InodeData, target: &[u8]) -> SysResult<()> {
    let fs = &inode.fs;
    if target.len() + 1 > INLINE_MAX {
        let (block, _) = blockmap::get_or_alloc(fs, inode.ino, inode.group, d, 0)?;
        match fs.cache.get_zeroed(block as u64) {
            Ok(buf) => {
                let mut b = buf.write();
                if let Some(dst) = b.get_mut(..target.len()) {
                    dst.copy_from_slice(target);
                }
            }
            Err(e) => {
                blockmap::truncate(fs, inode.ino, &mut d.disk, 0);
                return Err(e);
            }
        }
    } else {
        let mut raw = [0u8; INLINE_MAX];
        raw[..target.len()].copy_from_slice(target);
        for (slot, bytes) in d.disk.block.iter_mut().zip(raw.chunks_exact(4)) {
            *slot = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        }
    }
    d.disk.size = target.len() as u64;
    Ok(())
}

/// The target, as `readlink` returns it: at most `i_size` bytes, up to the first NUL.
pub(crate) fn read(inode: &Ext2Inode, d: &DiskInode) -> SysResult<Vec<u8>> {
    let fs = &inode.fs;
    let bs = fs.geo.block_size;
    let mut text = if d.is_fast_symlink(bs) {
        let raw: Vec<u8> = d.block.iter().flat_map(|p| p.to_le_bytes()).collect();
        let len = (d.size as usize).min(INLINE_MAX - 1);
        raw[..len].to_vec()
    } else {
        let Some(block) = blockmap::lookup(fs, inode.ino, d, 0)? else {
            fs.error(format_args!("symlink {} has no data block", inode.ino));
            return Err(Errno::EIO);
        };
        let buf = fs.cache.get(block as u64)?;
        let b = buf.read();
        let len = (d.size.min(bs as u64 - 1)) as usize;
        b.get(..len).unwrap_or(&[]).to_vec()
    };
    if let Some(nul) = text.iter().position(|&c| c == 0) {
        text.truncate(nul);
    }
    Ok(text)
}
