//! Directory contents (Linux `fs/ext2/dir.c`): each block is a chain of variable-length
//! entries `{inode, rec_len, name_len, file_type, name}` whose `rec_len`s add up to the block
//! size. A new entry takes the slack of an existing one (splitting it) or a free entry; a
//! removed entry is merged into its predecessor in the block (or, first in its block, just
//! gets inode 0). A directory grows by whole blocks and never shrinks.
//!
//! Every block is checked before use as `ext2_check_folio` does; a bad one is a filesystem
//! error and `EIO`.

use alloc::sync::Arc;
use alloc::vec::Vec;

use super::blockmap;
use super::cache::Buffer;
use super::inode::{DiskInode, Ext2Inode, InodeData};
use super::layout::*;
use crate::vfs::types::{DirSink, FileType};
use crate::{Errno, SysResult};

/// Bytes an entry with an `n`-byte name needs (`EXT2_DIR_REC_LEN`).
pub(crate) const fn rec_len_for(n: usize) -> usize {
    (n + 8 + 3) & !3
}

/// The smallest entry.
const MIN_REC_LEN: usize = rec_len_for(1);

/// `rec_len` as stored: 64 KiB blocks store a full-block entry as 65535 (or 0).
fn rec_len_from_disk(v: u16, bs: usize) -> usize {
    if bs >= 65536 && (v == 0xffff || v == 0) {
        65536
    } else {
        v as usize
    }
}

fn rec_len_to_disk(len: usize) -> u16 {
    if len >= 65536 { 0xffff } else { len as u16 }
}

/// The directory-entry type of a mode (`fs_umode_to_ftype`).
pub(crate) fn ftype_of_mode(mode: u32) -> u8 {
    match FileType::from_mode(mode) {
        Some(FileType::Regular) => FT_REG_FILE,
        Some(FileType::Directory) => FT_DIR,
        Some(FileType::CharDevice) => FT_CHRDEV,
        Some(FileType::BlockDevice) => FT_BLKDEV,
        Some(FileType::Fifo) => FT_FIFO,
        Some(FileType::Socket) => FT_SOCK,
        Some(FileType::Symlink) => FT_SYMLINK,
        None => FT_UNKNOWN,
    }
}

/// The `d_type` of an entry type (`fs_ftype_to_dtype`).
fn dtype_of_ftype(ft: u8) -> u8 {
    let t = match ft {
        FT_REG_FILE => FileType::Regular,
        FT_DIR => FileType::Directory,
        FT_CHRDEV => FileType::CharDevice,
        FT_BLKDEV => FileType::BlockDevice,
        FT_FIFO => FileType::Fifo,
        FT_SOCK => FileType::Socket,
        FT_SYMLINK => FileType::Symlink,
        _ => return 0,
    };
    t.dirent_type()
}

/// One entry of a checked block.
#[derive(Clone, Copy, Debug)]
struct Raw {
    offset: usize,
    ino: u32,
    rec_len: usize,
    name_len: usize,
    ftype: u8,
}

impl Raw {
    fn at(b: &[u8], offset: usize, bs: usize) -> Raw {
        Raw {
            offset,
            ino: get_u32(b, offset),
            rec_len: rec_len_from_disk(get_u16(b, offset + 4), bs),
            name_len: get_u8(b, offset + 6) as usize,
            ftype: get_u8(b, offset + 7),
        }
    }

    fn name<'a>(&self, b: &'a [u8]) -> &'a [u8] {
        b.get(self.offset + 8..self.offset + 8 + self.name_len)
            .unwrap_or(&[])
    }
}

/// The entries of a block that passed [`check_block`].
fn entries(b: &[u8], bs: usize) -> impl Iterator<Item = Raw> + '_ {
    let mut offset = 0;
    core::iter::from_fn(move || {
        if offset + MIN_REC_LEN > bs {
            return None;
        }
        let e = Raw::at(b, offset, bs);
        if e.rec_len < MIN_REC_LEN {
            return None;
        }
        offset += e.rec_len;
        Some(e)
    })
}

/// What is wrong with a directory block, if anything (`ext2_check_folio`).
fn check_block(b: &[u8], bs: usize, max_ino: u32) -> Result<(), (&'static str, usize)> {
    if b.len() < bs {
        return Err(("short block", 0));
    }
    let mut offset = 0;
    while offset + MIN_REC_LEN <= bs {
        let e = Raw::at(b, offset, bs);
        if e.rec_len < MIN_REC_LEN {
            return Err(("rec_len is smaller than minimal", offset));
        }
        if !e.rec_len.is_multiple_of(4) {
            return Err(("unaligned directory entry", offset));
        }
        if e.rec_len < rec_len_for(e.name_len) {
            return Err(("rec_len is too small for name_len", offset));
        }
        if offset + e.rec_len > bs {
            return Err(("directory entry across blocks", offset));
        }
        if e.ino > max_ino {
            return Err(("inode out of bounds", offset));
        }
        offset += e.rec_len;
    }
    if offset != bs {
        return Err(("entry across blocks", offset));
    }
    Ok(())
}

/// Where an entry is: its block and byte offset, and what it holds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EntryRef {
    pub lblock: u64,
    pub offset: usize,
    pub ino: u32,
}

/// Blocks of a directory; its size must be a whole number of blocks.
fn block_count(dir: &Ext2Inode, d: &DiskInode) -> SysResult<u64> {
    let bs = dir.fs.geo.block_size as u64;
    if !d.size.is_multiple_of(bs) {
        dir.fs.error(format_args!(
            "size of directory #{} is not a multiple of chunk size",
            dir.ino
        ));
        return Err(Errno::EIO);
    }
    // More blocks than the inode holds means holes or a bogus size (`ext2_find_entry`).
    if d.size / bs > d.blocks as u64 * 512 / bs {
        dir.fs.error(format_args!(
            "directory #{} size {} exceeds block count {}",
            dir.ino, d.size, d.blocks
        ));
        return Err(Errno::EIO);
    }
    Ok(d.size / bs)
}

/// Block `lblock` of the directory, checked.
fn dir_block(dir: &Ext2Inode, d: &DiskInode, lblock: u64) -> SysResult<Arc<Buffer>> {
    let fs = &dir.fs;
    let Some(block) = blockmap::lookup(fs, dir.ino, d, lblock)? else {
        fs.error(format_args!(
            "directory #{} has a hole at block {lblock}",
            dir.ino
        ));
        return Err(Errno::EIO);
    };
    let buf = fs.cache.get(block as u64)?;
    let bad = check_block(&buf.read(), fs.geo.block_size, fs.geo.inodes_count).err();
    if let Some((why, offset)) = bad {
        fs.error(format_args!(
            "bad entry in directory #{}: {why} - offset={}",
            dir.ino,
            lblock * fs.geo.block_size as u64 + offset as u64
        ));
        return Err(Errno::EIO);
    }
    Ok(buf)
}

/// The entry called `name` (`ext2_find_entry`).
pub(crate) fn find(dir: &Ext2Inode, d: &DiskInode, name: &[u8]) -> SysResult<Option<EntryRef>> {
    let bs = dir.fs.geo.block_size;
    for lblock in 0..block_count(dir, d)? {
        let buf = dir_block(dir, d, lblock)?;
        let b = buf.read();
        if let Some(e) = entries(&b, bs).find(|e| e.ino != 0 && e.name(&b) == name) {
            return Ok(Some(EntryRef {
                lblock,
                offset: e.offset,
                ino: e.ino,
            }));
        }
    }
    Ok(None)
}

/// The `..` entry: the second entry of the first block (`ext2_dotdot`).
pub(crate) fn dotdot(dir: &Ext2Inode, d: &DiskInode) -> SysResult<EntryRef> {
    let bs = dir.fs.geo.block_size;
    if block_count(dir, d)? == 0 {
        return Err(Errno::EIO);
    }
    let buf = dir_block(dir, d, 0)?;
    let b = buf.read();
    let e = entries(&b, bs).nth(1).ok_or(Errno::EIO)?;
    Ok(EntryRef {
        lblock: 0,
        offset: e.offset,
        ino: e.ino,
    })
}

/// A directory was changed: stamp it and drop the hash-index flag ext2 does not maintain.
fn touch(dir: &Ext2Inode, d: &mut InodeData, times: bool) {
    if times {
        let now = dir.fs.now();
        d.disk.mtime = now;
        d.disk.ctime = now;
    }
    d.disk.flags &= !INDEX_FL;
}

fn write_entry(b: &mut [u8], offset: usize, rec_len: usize, ino: u32, ftype: u8, name: &[u8]) {
    set_u32(b, offset, ino);
    set_u16(b, offset + 4, rec_len_to_disk(rec_len));
    set_u8(b, offset + 6, name.len() as u8);
    set_u8(b, offset + 7, ftype);
    if let Some(dst) = b.get_mut(offset + 8..offset + 8 + name.len()) {
        dst.copy_from_slice(name);
    }
}

/// Add `name` → `ino` (`ext2_add_link`): into the first entry with room, else into a new
/// block at the end. `EEXIST` if the name is taken. The caller stores the inode.
pub(crate) fn add(
    dir: &Ext2Inode,
    d: &mut InodeData,
    name: &[u8],
    ino: u32,
    ftype: u8,
) -> SysResult<()> {
    let fs = &dir.fs;
    let bs = fs.geo.block_size;
    if name.len() > NAME_LEN {
        return Err(Errno::ENAMETOOLONG);
    }
    if name.is_empty() {
        return Err(Errno::EINVAL);
    }
    let ftype = if fs.geo.has_filetype() { ftype } else { 0 };
    let need = rec_len_for(name.len());
    let nblocks = block_count(dir, &d.disk)?;
    let mut slot = None;
    for lblock in 0..nblocks {
        let buf = dir_block(dir, &d.disk, lblock)?;
        let b = buf.read();
        for e in entries(&b, bs) {
            if e.ino != 0 && e.name(&b) == name {
                return Err(Errno::EEXIST);
            }
            let used = if e.ino != 0 {
                rec_len_for(e.name_len)
            } else {
                0
            };
            if slot.is_none() && e.rec_len >= used + need {
                slot = Some((buf.clone(), e));
            }
        }
    }
    match slot {
        Some((buf, e)) => {
            let mut b = buf.write();
            if e.ino != 0 {
                let used = rec_len_for(e.name_len);
                set_u16(&mut b, e.offset + 4, rec_len_to_disk(used));
                write_entry(&mut b, e.offset + used, e.rec_len - used, ino, ftype, name);
            } else {
                write_entry(&mut b, e.offset, e.rec_len, ino, ftype, name);
            }
        }
        None => {
            let (block, _) = blockmap::get_or_alloc(fs, dir.ino, dir.group, d, nblocks)?;
            match fs.cache.get_zeroed(block as u64) {
                Ok(buf) => write_entry(&mut buf.write(), 0, bs, ino, ftype, name),
                Err(e) => {
                    let size = d.disk.size;
                    blockmap::truncate(fs, dir.ino, &mut d.disk, size);
                    return Err(e);
                }
            }
            d.disk.size += bs as u64;
        }
    }
    touch(dir, d, true);
    Ok(())
}

/// Remove the entry at `at` (`ext2_delete_entry`). The caller stores the inode.
pub(crate) fn remove(dir: &Ext2Inode, d: &mut InodeData, at: &EntryRef) -> SysResult<()> {
    let bs = dir.fs.geo.block_size;
    let buf = dir_block(dir, &d.disk, at.lblock)?;
    {
        let mut b = buf.write();
        let mut prev = None;
        let mut found = None;
        for e in entries(&b, bs) {
            if e.offset == at.offset {
                found = Some(e);
                break;
            }
            prev = Some(e);
        }
        let Some(e) = found.filter(|e| e.ino == at.ino) else {
            return Err(Errno::EIO);
        };
        if let Some(p) = prev {
            set_u16(
                &mut b,
                p.offset + 4,
                rec_len_to_disk(e.offset + e.rec_len - p.offset),
            );
        }
        set_u32(&mut b, e.offset, 0);
    }
    touch(dir, d, true);
    Ok(())
}

/// Point the entry at `at` to `ino` (`ext2_set_link`), for rename. The caller stores the inode.
pub(crate) fn set_link(
    dir: &Ext2Inode,
    d: &mut InodeData,
    at: &EntryRef,
    ino: u32,
    ftype: u8,
    update_times: bool,
) -> SysResult<()> {
    let fs = &dir.fs;
    let buf = dir_block(dir, &d.disk, at.lblock)?;
    {
        let mut b = buf.write();
        if get_u32(&b, at.offset) != at.ino {
            return Err(Errno::EIO);
        }
        set_u32(&mut b, at.offset, ino);
        set_u8(
            &mut b,
            at.offset + 7,
            if fs.geo.has_filetype() { ftype } else { 0 },
        );
    }
    touch(dir, d, update_times);
    Ok(())
}

/// Whether the directory holds nothing but `.` and `..` (`ext2_empty_dir`). A directory that
/// cannot be read counts as not empty.
pub(crate) fn is_empty(dir: &Ext2Inode, d: &DiskInode) -> bool {
    let bs = dir.fs.geo.block_size;
    let Ok(n) = block_count(dir, d) else {
        return false;
    };
    for lblock in 0..n {
        let Ok(buf) = dir_block(dir, d, lblock) else {
            return false;
        };
        let b = buf.read();
        for e in entries(&b, bs).filter(|e| e.ino != 0) {
            let name = e.name(&b);
            let dotted = match name {
                b"." => e.ino == dir.ino,
                b".." => true,
                _ => false,
            };
            if !dotted {
                return false;
            }
        }
    }
    true
}

/// Write the first block of a new directory: `.` and `..` (`ext2_make_empty`). The caller
/// stores the inode.
pub(crate) fn make_empty(dir: &Ext2Inode, d: &mut InodeData, parent: u32) -> SysResult<()> {
    let fs = &dir.fs;
    let bs = fs.geo.block_size;
    let ft = if fs.geo.has_filetype() { FT_DIR } else { 0 };
    let (block, _) = blockmap::get_or_alloc(fs, dir.ino, dir.group, d, 0)?;
    match fs.cache.get_zeroed(block as u64) {
        Ok(buf) => {
            let mut b = buf.write();
            let dot = rec_len_for(1);
            write_entry(&mut b, 0, dot, dir.ino, ft, b".");
            write_entry(&mut b, dot, bs - dot, parent, ft, b"..");
        }
        Err(e) => {
            blockmap::truncate(fs, dir.ino, &mut d.disk, 0);
            return Err(e);
        }
    }
    d.disk.size = bs as u64;
    Ok(())
}

/// Emit entries from byte position `pos` on (`ext2_readdir`). Positions are entry offsets; a
/// position left inside a merged entry resumes at the next entry boundary after it.
pub(crate) fn readdir(
    dir: &Ext2Inode,
    d: &DiskInode,
    pos: u64,
    sink: &mut dyn DirSink,
) -> SysResult<()> {
    let fs = &dir.fs;
    let bs = fs.geo.block_size;
    if d.size < MIN_REC_LEN as u64 || pos > d.size - MIN_REC_LEN as u64 {
        return Ok(());
    }
    let has_filetype = fs.geo.has_filetype();
    let nblocks = block_count(dir, d)?;
    let first = pos / bs as u64;
    let mut batch: Vec<(u32, u64, u8, Vec<u8>)> = Vec::new();
    for lblock in first..nblocks {
        let from = if lblock == first {
            (pos % bs as u64) as usize
        } else {
            0
        };
        let base = lblock * bs as u64;
        batch.clear();
        {
            let buf = dir_block(dir, d, lblock)?;
            let b = buf.read();
            for e in entries(&b, bs).filter(|e| e.offset >= from && e.ino != 0) {
                let dtype = if has_filetype {
                    dtype_of_ftype(e.ftype)
                } else {
                    0
                };
                let next = base + (e.offset + e.rec_len) as u64;
                batch.push((e.ino, next, dtype, e.name(&b).to_vec()));
            }
        }
        // The sink copies to user memory: no buffer lock is held while it runs.
        for (ino, next, dtype, name) in &batch {
            if !sink.push(*ino as u64, *next, *dtype, name) {
                return Ok(());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(entries: &[(u32, usize, &[u8])]) -> Vec<u8> {
        let mut b = alloc::vec![0u8; 1024];
        let mut off = 0;
        for &(ino, rec, name) in entries {
            write_entry(&mut b, off, rec, ino, 1, name);
            off += rec;
        }
        b
    }

    #[test]
    fn block_checks() {
        assert_eq!(
            check_block(&block(&[(2, 12, b"."), (2, 1012, b"..")]), 1024, 10),
            Ok(())
        );
        let short = block(&[(2, 8, b".")]);
        assert_eq!(
            check_block(&short, 1024, 10).unwrap_err().0,
            "rec_len is smaller than minimal"
        );
        let unaligned = block(&[(2, 14, b"."), (2, 1010, b"..")]);
        assert_eq!(
            check_block(&unaligned, 1024, 10).unwrap_err().0,
            "unaligned directory entry"
        );
        let name = block(&[(2, 12, b"abcdefgh"), (2, 1012, b"..")]);
        assert_eq!(
            check_block(&name, 1024, 10).unwrap_err().0,
            "rec_len is too small for name_len"
        );
        let across = block(&[(2, 12, b"."), (2, 1016, b"..")]);
        assert_eq!(
            check_block(&across, 1024, 10).unwrap_err().0,
            "directory entry across blocks"
        );
        let ino = block(&[(2, 12, b"."), (11, 1012, b"..")]);
        assert_eq!(
            check_block(&ino, 1024, 10).unwrap_err().0,
            "inode out of bounds"
        );
        let names: Vec<Vec<u8>> = {
            let b = block(&[(2, 12, b"."), (0, 12, b"x"), (3, 1000, b"..")]);
            entries(&b, 1024).map(|e| e.name(&b).to_vec()).collect()
        };
        assert_eq!(names, [b".".to_vec(), b"x".to_vec(), b"..".to_vec()]);
    }

    #[test]
    fn rec_len_encoding() {
        assert_eq!(rec_len_for(1), 12);
        assert_eq!(rec_len_for(4), 12);
        assert_eq!(rec_len_for(5), 16);
        assert_eq!(rec_len_for(255), 264);
        assert_eq!(rec_len_from_disk(rec_len_to_disk(65536), 65536), 65536);
        assert_eq!(rec_len_from_disk(0, 65536), 65536);
        assert_eq!(rec_len_from_disk(0, 4096), 0);
        assert_eq!(dtype_of_ftype(FT_SYMLINK), 10);
        assert_eq!(dtype_of_ftype(9), 0);
    }
}
