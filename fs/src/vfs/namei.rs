//! Path resolution, as Linux's `namei.c` does it.
//!
//! - Absolute paths start at the caller's root, relative ones at a given start (cwd or a
//!   directory fd); `..` never climbs above the root and crosses mounts upwards.
//! - Repeated slashes collapse; a trailing slash demands a directory and forces the last
//!   symlink to be followed.
//! - Symlinks are followed on every intermediate component and on the last one when asked;
//!   40 symlinks per lookup at most (`ELOOP`). An empty symlink is `ENOENT`.
//! - Every directory a component is looked up in must be searchable (`MAY_EXEC`).
//! - Empty path: `ENOENT`; path of `PATH_MAX` bytes or more or a component over `NAME_MAX`:
//!   `ENAMETOOLONG`.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use super::inode::LinkTarget;
use super::mount::Path;
use super::perm::{Credentials, MAY_EXEC, generic_permission};
use super::types::{FileType, MAX_SYMLINKS, PATH_MAX};
use crate::{Errno, SysResult};

/// Who resolves a path, and from where: the caller's root directory (for absolute paths and
/// as the ceiling of `..`), credentials, and the umask for anything created.
pub struct Caller<'a> {
    pub root: &'a Path,
    pub creds: &'a Credentials,
    pub umask: u32,
}

impl<'a> Caller<'a> {
    pub fn new(root: &'a Path, creds: &'a Credentials) -> Self {
        Caller {
            root,
            creds,
            umask: 0o022,
        }
    }
}

/// The final component of a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LastKind {
    Normal(Vec<u8>),
    Dot,
    DotDot,
    /// The path named the root itself ("/").
    Root,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Last {
    pub kind: LastKind,
    /// The path ended in one or more slashes after this component.
    pub trailing_slash: bool,
}

impl Last {
    /// The name if the last component is an ordinary one.
    pub fn name(&self) -> Option<&[u8]> {
        match &self.kind {
            LastKind::Normal(n) => Some(n),
            _ => None,
        }
    }
}

/// Resolve `path` from `start` to an existing location. `follow_last`: follow a symlink in
/// the last position (not `AT_SYMLINK_NOFOLLOW` / `O_NOFOLLOW`).
pub fn lookup(cx: &Caller, start: &Path, path: &[u8], follow_last: bool) -> SysResult<Path> {
    let mut w = Walker::new(cx);
    let (parent, last) = w.walk_parent(start, path)?;
    w.resolve_last(parent, last, follow_last)
}

/// Resolve all but the last component of `path`: the directory an entry is created in or
/// removed from, and the final component. The parent was checked to be searchable.
pub fn lookup_parent(cx: &Caller, start: &Path, path: &[u8]) -> SysResult<(Path, Last)> {
    Walker::new(cx).walk_parent(start, path)
}

struct Frag<'p> {
    text: Cow<'p, [u8]>,
    pos: usize,
}

/// One lookup in progress; counts symlinks across everything it resolves.
pub(crate) struct Walker<'a, 'c> {
    cx: &'a Caller<'c>,
    links: u32,
}

impl<'a, 'c> Walker<'a, 'c> {
    pub(crate) fn new(cx: &'a Caller<'c>) -> Self {
        Walker { cx, links: 0 }
    }

    fn root(&self) -> &Path {
        self.cx.root
    }

    /// Walk every component but the last, following symlinks met on the way.
    pub(crate) fn walk_parent(&mut self, start: &Path, path: &[u8]) -> SysResult<(Path, Last)> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut cur = if path[0] == b'/' {
            self.root().clone()
        } else {
            start.clone()
        };
        let mut stack = alloc::vec![Frag {
            text: Cow::Borrowed(path),
            pos: 0
        }];
        loop {
            let depth = stack.len();
            let Some(top) = stack.last_mut() else {
                return Err(Errno::ENOENT);
            };
            let text: &[u8] = &top.text;
            let mut pos = top.pos;
            while text.get(pos) == Some(&b'/') {
                pos += 1;
            }
            if pos == text.len() {
                if depth == 1 {
                    // Only slashes: the path named its starting directory, which is the root.
                    return Ok((
                        cur,
                        Last {
                            kind: LastKind::Root,
                            trailing_slash: false,
                        },
                    ));
                }
                stack.pop();
                continue;
            }
            let end = text[pos..]
                .iter()
                .position(|&b| b == b'/')
                .map_or(text.len(), |i| pos + i);
            let name = &text[pos..end];
            let mut next = end;
            while text.get(next) == Some(&b'/') {
                next += 1;
            }
            let trailing_slash = next > end;
            let exhausted = next == text.len();
            let kind = classify(name);
            top.pos = next;

            self.may_search(&cur)?;
            if exhausted && depth == 1 {
                return Ok((
                    cur,
                    Last {
                        kind,
                        trailing_slash,
                    },
                ));
            }
            if exhausted {
                // The last component of a symlink met mid-path: followed, must be a directory.
                stack.pop();
            }
            match kind {
                LastKind::Dot | LastKind::Root => {}
                LastKind::DotDot => cur = cur.parent_within(self.root()),
                LastKind::Normal(name) => {
                    let child = self.child(&cur, &name)?;
                    match child.inode().file_type() {
                        FileType::Directory => cur = child,
                        FileType::Symlink => match self.follow(&child)? {
                            LinkTarget::Text(target) => {
                                if target[0] == b'/' {
                                    cur = self.root().clone();
                                }
                                stack.push(Frag {
                                    text: Cow::Owned(target),
                                    pos: 0,
                                });
                            }
                            LinkTarget::Jump(to) => {
                                if !to.metadata().is_dir() {
                                    return Err(Errno::ENOTDIR);
                                }
                                cur = to;
                            }
                        },
                        _ => return Err(Errno::ENOTDIR),
                    }
                }
            }
        }
    }

    /// Resolve the last component found by [`Walker::walk_parent`] to an existing location.
    pub(crate) fn resolve_last(
        &mut self,
        mut parent: Path,
        mut last: Last,
        follow: bool,
    ) -> SysResult<Path> {
        let mut must_dir = false;
        loop {
            must_dir |= last.trailing_slash;
            let found = match last.kind {
                LastKind::Root | LastKind::Dot => parent,
                LastKind::DotDot => parent.parent_within(self.root()),
                LastKind::Normal(ref name) => {
                    let child = self.child(&parent, name)?;
                    if child.inode().file_type() == FileType::Symlink && (follow || must_dir) {
                        match self.follow(&child)? {
                            LinkTarget::Text(target) => {
                                (parent, last) = self.walk_parent(&parent, &target)?;
                                continue;
                            }
                            LinkTarget::Jump(to) => to,
                        }
                    } else {
                        child
                    }
                }
            };
            if must_dir && !found.metadata().is_dir() {
                return Err(Errno::ENOTDIR);
            }
            return Ok(found);
        }
    }

    /// The existing child `name` of the directory `dir`, below any mounts on it.
    pub(crate) fn child(&self, dir: &Path, name: &[u8]) -> SysResult<Path> {
        match dir.dentry.lookup_child(name)? {
            Some(dentry) => Ok(Path {
                mnt: dir.mnt.clone(),
                dentry,
            }
            .cross_mounts()),
            None => Err(Errno::ENOENT),
        }
    }

    /// Count one symlink traversal and read where it goes.
    pub(crate) fn follow(&mut self, link: &Path) -> SysResult<LinkTarget> {
        self.links += 1;
        if self.links > MAX_SYMLINKS {
            return Err(Errno::ELOOP);
        }
        let target = link.inode().get_link()?;
        link.inode().touch_atime();
        if let LinkTarget::Text(t) = &target {
            if t.is_empty() {
                return Err(Errno::ENOENT);
            }
            if t.len() >= PATH_MAX {
                return Err(Errno::ENAMETOOLONG);
            }
        }
        Ok(target)
    }

    fn may_search(&self, dir: &Path) -> SysResult<()> {
        let meta = dir.metadata();
        if !meta.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        generic_permission(&meta, self.cx.creds, MAY_EXEC)
    }
}

fn classify(name: &[u8]) -> LastKind {
    match name {
        b"." => LastKind::Dot,
        b".." => LastKind::DotDot,
        _ => LastKind::Normal(name.to_vec()),
    }
}
