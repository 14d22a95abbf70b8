#!/usr/bin/env python3
"""Read the tree of an ext2/3/4 image, compare two of them, or copy one into a
new ext2 image, all through debugfs (e2fsprogs): nothing is mounted and no
privilege is needed.

    ext_tree.py list IMAGE                 one line per path, in tree order
    ext_tree.py compare A B                what differs between the trees of A
                                           and B (exit 1 if anything does)
    ext_tree.py build-ext2 SRC DST [--free-mib N]
                                           a fresh ext2 image holding SRC's tree

Directories are read with `ls -p` and contents with `dump`; inodes are read
raw from the inode tables `stats` locates and decoded here with the on-disk
layout, so uid/gid high halves, device numbers and the timestamps' extra
fields are exact.

build-ext2 fills the new image with debugfs -w (mkdir, write, symlink, mknod,
ln, in the source's directory order) and then copies every inode's mode,
owner, link count, attribute flags and raw timestamps with set_inode_field.
Unlike a copy through the host's filesystem (`mke2fs -d`), this keeps setuid
bits, owners, device nodes and ctimes without root, and gives the same bytes
on every run. Extended attributes, inline data and sockets are refused: the
ext2 image has no xattr support and debugfs cannot create sockets.
"""

import argparse
import hashlib
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field

ROOT_INO = 2
MIB = 1 << 20

S_IFMT = 0o170000
KINDS = {
    0o140000: "sock",
    0o120000: "symlink",
    0o100000: "file",
    0o060000: "blockdev",
    0o040000: "dir",
    0o020000: "chardev",
    0o010000: "fifo",
}

# i_flags (Linux include/uapi/linux/fs.h FS_*_FL, ext4.h EXT4_*_FL).
INLINE_DATA_FL = 0x10000000
# chattr attributes that mean the same on ext2 and are copied: secrm, unrm,
# compr, sync, immutable, append, nodump, noatime, dirsync, topdir. Layout
# flags (extents, huge_file, index...) belong to the filesystem, not the tree.
COPIED_FLAGS = 0x000300FF
EXT4_XATTR_MAGIC = 0xEA020000

# The ext2 image: the classic feature set Linux's ext2 driver implements,
# without dir_index (ext2 does not maintain hash trees) or ext_attr (no
# xattrs on this filesystem, so the kernel answers as ext2 without them).
EXT2_FEATURES = "none,filetype,sparse_super,large_file,resize_inode"
INODE_RATIO = 16384  # bytes per inode, mke2fs's default for this size


class Error(Exception):
    pass


# --- debugfs ---------------------------------------------------------------

BANNER = re.compile(rb"^debugfs \d[^ ]* \(.*\)$")


# debugfs reads its command file with fgets() into a BUFSIZ (8192) buffer.
MAX_COMMAND = 8000


def check_command_text(text, what):
    """debugfs reads its command file line by line and splits words at blanks
    outside double quotes; a quote or a line break cannot be passed."""
    if re.search(rb'["\n\r\0]', text):
        raise Error(f"{what} {text!r} cannot be passed to debugfs")
    return text


def quote(text):
    return b'"' + check_command_text(text, "name") + b'"'


def debugfs(image, commands, write=False):
    """Runs COMMANDS (bytes, one per line) in one debugfs session and returns
    each command's standard output. Any error message fails the whole batch:
    debugfs reports a failed command on stderr but still exits 0."""
    if not commands:
        return []
    with tempfile.NamedTemporaryFile(prefix="debugfs-", suffix=".cmds") as script:
        for cmd in commands:
            if len(cmd) > MAX_COMMAND:
                raise Error(f"debugfs command too long: {cmd[:80]!r}...")
            script.write(cmd + b"\n")
        script.flush()
        argv = ["debugfs"] + (["-w"] if write else []) + ["-f", script.name, image]
        env = dict(os.environ, PAGER="__none__", DEBUGFS_PAGER="__none__")
        # debugfs writes its output in many small pieces: a file takes them
        # much faster than a pipe.
        with tempfile.TemporaryFile() as stdout:
            try:
                proc = subprocess.run(argv, stdout=stdout, stderr=subprocess.PIPE,
                                      env=env, check=False)
            except OSError as e:
                raise Error(f"cannot run debugfs: {e}") from None
            stdout.seek(0)
            out = stdout.read()
    errors = [l for l in proc.stderr.splitlines() if l.strip() and not BANNER.match(l)]
    if proc.returncode != 0 or errors:
        shown = b"\n".join(errors[:20]).decode(errors="replace")
        raise Error(f"debugfs on {image} failed (status {proc.returncode}):\n{shown}")
    # Each command is echoed as "debugfs: CMD" before its output.
    results = []
    pos = 0
    for i, cmd in enumerate(commands):
        marker = b"debugfs: " + cmd + b"\n"
        if not out.startswith(marker, pos):
            raise Error(f"unexpected debugfs output before {cmd!r}")
        start = pos + len(marker)
        if i + 1 < len(commands):
            end = out.find(b"debugfs: " + commands[i + 1] + b"\n", start)
            if end < 0:
                raise Error(f"debugfs output ends after {cmd!r}")
        else:
            end = len(out)
        results.append(out[start:end])
        pos = end
    return results


def superblock(image):
    """A few `stats` fields: sizes, free blocks, UUID, volume name, and where
    each block group's inode table starts."""
    (text,) = debugfs(image, [b"stats"])

    def value(name):
        m = re.search(rb"^" + re.escape(name) + rb":[ \t]*(.*)$", text, re.M)
        if not m:
            raise Error(f"{image}: debugfs stats has no {name.decode()!r}")
        return m[1].strip()

    volume = value(b"Filesystem volume name")
    tables = {}
    for m in re.finditer(rb"^ Group +(\d+): .*inode table at (\d+)", text, re.M):
        tables[int(m[1])] = int(m[2])
    if not tables or sorted(tables) != list(range(len(tables))):
        raise Error(f"{image}: debugfs stats lists no usable block groups")
    return {
        "block_size": int(value(b"Block size")),
        "inode_size": int(value(b"Inode size")),
        "inodes_per_group": int(value(b"Inodes per group")),
        "inode_tables": [tables[g] for g in range(len(tables))],
        "free_blocks": int(value(b"Free blocks")),
        "uuid": value(b"Filesystem UUID").decode(),
        "label": b"" if volume == b"<none>" else volume,
    }


# --- inodes ----------------------------------------------------------------

@dataclass
class Inode:
    ino: int
    mode: int
    uid: int
    gid: int
    size: int
    links: int
    blocks: int  # i_blocks_lo, 512-byte units
    flags: int
    file_acl: int
    block: bytes  # i_block[15]
    # name -> (raw 32-bit seconds, raw extra field or None)
    times: dict = field(default_factory=dict)
    inline_xattrs: bool = False

    @property
    def kind(self):
        return KINDS.get(self.mode & S_IFMT, f"type{self.mode >> 12:o}")

    @property
    def rdev(self):
        """(major, minor) as Linux's ext2/ext4 decode i_block[0..1]."""
        old, new = struct.unpack_from("<II", self.block)
        if old:
            return (old >> 8) & 0xFF, old & 0xFF
        return (new & 0xFFF00) >> 8, (new & 0xFF) | ((new >> 12) & 0xFFF00)

    @property
    def fast_symlink(self):
        """Target stored in i_block (Linux: a symlink with no data blocks)."""
        return self.kind == "symlink" and self.blocks == 0 and not self.flags & INLINE_DATA_FL

    def time_ns(self, name):
        """(seconds, nanoseconds) as Linux decodes ext4 times."""
        lo, extra = self.times[name]
        sec = lo - (1 << 32) if lo & 0x80000000 else lo
        if extra is None:
            return sec, 0
        return sec + ((extra & 3) << 32), extra >> 2


def decode_inode(ino, raw):
    (mode, uid_lo, size_lo, atime, ctime, mtime, _dtime, gid_lo, links, blocks,
     flags) = struct.unpack_from("<HHIIIIIHHII", raw, 0)
    block = raw[0x28:0x64]
    file_acl_lo, size_hi = struct.unpack_from("<I4xI", raw, 0x68)
    _blocks_hi, file_acl_hi, uid_hi, gid_hi = struct.unpack_from("<HHHH", raw, 0x74)
    inode = Inode(
        ino=ino,
        mode=mode,
        uid=uid_lo | uid_hi << 16,
        gid=gid_lo | gid_hi << 16,
        size=size_lo | size_hi << 32,
        links=links,
        blocks=blocks,
        flags=flags,
        file_acl=file_acl_lo | file_acl_hi << 32,
        block=block,
    )
    extra_isize = struct.unpack_from("<H", raw, 0x80)[0] if len(raw) > 128 else 0
    if 128 + extra_isize > len(raw) or extra_isize % 4:
        raise Error(f"inode {ino}: bad i_extra_isize {extra_isize}")

    def extra(offset):
        # A field of the large inode exists if i_extra_isize covers it.
        if offset + 4 <= 128 + extra_isize:
            return struct.unpack_from("<I", raw, offset)[0]
        return None

    inode.times = {"atime": (atime, extra(0x8C)), "mtime": (mtime, extra(0x88)),
                   "ctime": (ctime, extra(0x84))}
    crtime = extra(0x90)
    if crtime is not None:
        inode.times["crtime"] = (crtime, extra(0x94))
    ea_at = 128 + extra_isize
    if len(raw) >= ea_at + 4:
        inode.inline_xattrs = struct.unpack_from("<I", raw, ea_at)[0] == EXT4_XATTR_MAGIC
    return inode


# --- trees -----------------------------------------------------------------

LS_LINE = re.compile(rb"^/(\d+)/([0-7]+)/(-?\d+)/(-?\d+)/([^/]*)/(\d*)/$")


def parse_ls(text, dir_ino):
    """Entries (name, ino, mode) of `ls -p`, `.` and `..` left out."""
    entries = []
    for line in text.splitlines():
        if not line:
            continue
        m = LS_LINE.match(line)
        if not m:
            raise Error(f"directory {dir_ino}: unexpected ls line {line!r}")
        name, ino = m[5], int(m[1])
        # Inode 0 marks an unused slot (debugfs shows empty blocks that way).
        if ino == 0 or name in (b".", b".."):
            continue
        if not name:
            raise Error(f"directory {dir_ino}: empty name")
        entries.append((name, ino, int(m[2], 8)))
    return entries


@dataclass
class Entry:
    path: bytes
    ino: int
    parent: bytes  # None for "/"
    name: bytes
    listed_mode: int  # the mode `ls` showed, checked against the inode's


class Tree:
    """Every path of an image, parents before children, each directory's
    entries together and in on-disk order; and the inode of each."""

    def __init__(self, image):
        self.image = image
        self.sb = superblock(image)
        children = {}
        pending = [ROOT_INO]
        seen = {ROOT_INO}
        while pending:
            outputs = debugfs(image, [b"ls -p <%d>" % d for d in pending])
            next_round = []
            for d, out in zip(pending, outputs):
                children[d] = parse_ls(out, d)
                for _, ino, mode in children[d]:
                    if mode & S_IFMT == 0o040000:
                        if ino in seen:
                            raise Error(f"{image}: directory inode {ino} reached twice")
                        seen.add(ino)
                        next_round.append(ino)
            pending = next_round
        self.entries = [Entry(b"/", ROOT_INO, None, b"/", 0o040000)]
        stack = [(b"/", ROOT_INO)]
        while stack:
            path, d = stack.pop()
            subdirs = []
            for name, ino, mode in children[d]:
                child = (path if path == b"/" else path + b"/") + name
                self.entries.append(Entry(child, ino, path, name, mode))
                if mode & S_IFMT == 0o040000:
                    subdirs.append((child, ino))
            stack.extend(reversed(subdirs))
        self.inodes = {}
        with open(image, "rb") as f:
            for ino in sorted({e.ino for e in self.entries}):
                self.inodes[ino] = decode_inode(ino, self.raw_inode(f, ino))
        self.paths_of = {}
        for e in self.entries:
            if (e.listed_mode ^ self.inodes[e.ino].mode) & S_IFMT:
                raise Error(f"{image}: {show_path(e.path)}: entry and inode disagree on the type")
            self.paths_of.setdefault(e.ino, []).append(e.path)

    def raw_inode(self, f, ino):
        """The on-disk bytes of inode INO, read from the image file F."""
        sb = self.sb
        group, index = divmod(ino - 1, sb["inodes_per_group"])
        if not 0 <= group < len(sb["inode_tables"]):
            raise Error(f"{self.image}: inode {ino} is out of range")
        offset = sb["inode_tables"][group] * sb["block_size"] + index * sb["inode_size"]
        raw = os.pread(f.fileno(), sb["inode_size"], offset)
        if len(raw) != sb["inode_size"]:
            raise Error(f"{self.image}: inode {ino} lies past the end of the image")
        return raw

    def dump(self, inos, dest):
        """Contents of the inodes INOS into DEST/<ino>."""
        dest = os.fsencode(dest)
        debugfs(self.image, [b"dump <%d> %s" % (i, quote(dest + b"/%d" % i)) for i in inos])

    def symlink_targets(self, workdir):
        """ino -> target of every symlink (slow ones are dumped into WORKDIR)."""
        targets = {}
        slow = []
        for ino, node in self.inodes.items():
            if node.kind != "symlink":
                continue
            if node.fast_symlink:
                if node.size >= len(node.block):
                    raise Error(f"{self.image}: inode {ino}: fast symlink of size {node.size}")
                targets[ino] = node.block[: node.size]
            elif node.flags & INLINE_DATA_FL:
                raise Error(f"{self.image}: inode {ino}: inline-data symlinks are not supported")
            else:
                slow.append(ino)
        self.dump(slow, workdir)
        for ino in slow:
            name = os.path.join(workdir, str(ino))
            with open(name, "rb") as f:
                targets[ino] = f.read()
            os.unlink(name)
        return targets


def listing(tree, workdir):
    """path -> {field: value}: what `ls -l`, `stat` and a content hash show."""
    targets = tree.symlink_targets(workdir)
    files = sorted(i for i, n in tree.inodes.items() if n.kind == "file")
    hashes = {}
    # In batches: fewer debugfs runs, yet little scratch space for big trees.
    for start in range(0, len(files), 1000):
        batch = files[start:start + 1000]
        tree.dump(batch, workdir)
        for ino in batch:
            name = os.path.join(workdir, str(ino))
            h = hashlib.sha256()
            with open(name, "rb") as f:
                for chunk in iter(lambda: f.read(MIB), b""):
                    h.update(chunk)
            os.unlink(name)
            hashes[ino] = h.hexdigest()
    records = {}
    for e in tree.entries:
        node = tree.inodes[e.ino]
        rec = {
            "kind": node.kind,
            "perm": f"{node.mode & 0o7777:04o}",
            "owner": f"{node.uid}:{node.gid}",
            "size": node.size,
            "nlink": node.links,
        }
        if node.kind in ("chardev", "blockdev"):
            rec["rdev"] = "%d,%d" % node.rdev
        if node.kind == "symlink":
            rec["target"] = targets[e.ino].decode(errors="surrogateescape")
        if node.kind == "file":
            rec["sha256"] = hashes[e.ino]
        if node.flags & COPIED_FLAGS:
            rec["flags"] = f"{node.flags & COPIED_FLAGS:#x}"
        for name in ("atime", "mtime", "ctime"):
            sec, ns = node.time_ns(name)
            rec[name] = f"{sec}.{ns:09d}"
        others = tree.paths_of[e.ino]
        if node.kind != "dir" and len(others) > 1:
            # Which paths share this inode, not just how many.
            rec["links"] = ",".join(p.decode(errors="surrogateescape") for p in others)
        records[e.path] = rec
    return records


def show_path(path):
    return path.decode(errors="backslashreplace")


def format_record(path, rec):
    return show_path(path) + " " + " ".join(f"{k}={v}" for k, v in rec.items())


# --- commands --------------------------------------------------------------

def cmd_list(args):
    tree = Tree(args.image)
    with tempfile.TemporaryDirectory(prefix="ext-tree-") as work:
        records = listing(tree, work)
    for path, rec in records.items():
        print(format_record(path, rec))
    return 0


def under(path, top):
    return path.startswith(top + b"/")


def cmd_compare(args):
    with tempfile.TemporaryDirectory(prefix="ext-tree-") as work:
        a = listing(Tree(args.a), work)
        b = listing(Tree(args.b), work)
    diffs = []
    for path, rec in a.items():
        other = b.get(path)
        if other is None:
            diffs.append(f"only in {args.a}: {format_record(path, rec)}")
            continue
        for key in sorted(set(rec) | set(other)):
            if rec.get(key) != other.get(key):
                diffs.append(f"{show_path(path)}: {key} {rec.get(key)} != {other.get(key)}")
    for path, rec in b.items():
        if path not in a:
            diffs.append(f"only in {args.b}: {format_record(path, rec)}")
    for line in diffs[:200]:
        print(line)
    if len(diffs) > 200:
        print(f"... and {len(diffs) - 200} more differences")
    # What `find / -xdev | wc -l` prints on a system booted from A: every
    # path, "/" and lost+found included, except what a mount hides; the kernel
    # mounts devtmpfs on /dev before init, so the image's /dev entries go.
    hidden = sum(1 for p in a if under(p, b"/dev"))
    print(f"paths: {len(a)} in {args.a} ('/' and /lost+found included), "
          f"{hidden} of them below /dev; find / -xdev with devtmpfs on /dev: {len(a) - hidden}")
    if diffs:
        print(f"{len(diffs)} differences between {args.a} and {args.b}")
        return 1
    print(f"same tree in {args.a} and {args.b}")
    return 0


def check_copyable(tree):
    for ino, node in tree.inodes.items():
        where = f"{tree.image}: {show_path(tree.paths_of[ino][0])}"
        if node.file_acl or node.inline_xattrs:
            raise Error(f"{where} has extended attributes; the ext2 image cannot hold them")
        if node.flags & INLINE_DATA_FL:
            raise Error(f"{where} has inline data, which is not supported")
        if node.kind not in ("file", "dir", "symlink", "chardev", "blockdev", "fifo"):
            raise Error(f"{where} is a {node.kind}, which debugfs cannot create")
    for e in tree.entries:
        check_command_text(e.path, "path")


def data_bytes(tree):
    """What the tree's contents take, in whole blocks."""
    bs = tree.sb["block_size"]
    total = 0
    for node in tree.inodes.values():
        if node.kind in ("file", "dir") or (node.kind == "symlink" and not node.fast_symlink):
            total += -(-node.size // bs) * bs
    return total


def build_commands(tree, stage, now):
    """debugfs -w commands that recreate TREE, file contents from STAGE/<ino>."""
    cmds = [b"set_current_time @%d" % now]
    first_path = {}
    targets = tree.symlink_targets(stage)
    cwd = None
    for e in tree.entries[1:]:
        node = tree.inodes[e.ino]
        if e.parent != cwd:
            cmds.append(b"cd " + quote(e.parent))
            cwd = e.parent
        name = quote(e.name)
        if e.ino in first_path:
            cmds.append(b"ln " + quote(first_path[e.ino]) + b" " + name)
            continue
        first_path[e.ino] = e.path
        if node.kind == "dir":
            # mke2fs made lost+found already, as it did in the source.
            if not (e.parent == b"/" and e.name == b"lost+found"):
                cmds.append(b"mkdir " + name)
        elif node.kind == "file":
            cmds.append(b"write " + quote(os.fsencode(stage) + b"/%d" % e.ino) + b" " + name)
        elif node.kind == "symlink":
            cmds.append(b"symlink " + name + b" " + quote(check_command_text(
                targets[e.ino], "symlink target")))
        elif node.kind in ("chardev", "blockdev"):
            # debugfs mknod refuses numbers over 65535: the device number is
            # copied below as the raw i_block words instead.
            kind = b"c" if node.kind == "chardev" else b"b"
            cmds.append(b"mknod %s %s 0 0" % (name, kind))
        else:
            cmds.append(b"mknod " + name + b" p")
    cmds.append(b"cd /")
    # Metadata last, so that creating entries cannot disturb it.
    for ino, paths in tree.paths_of.items():
        node = tree.inodes[ino]
        p = quote(paths[0])
        cmds.append(b"sif %s mode 0%o" % (p, node.mode))
        cmds.append(b"sif %s uid %d" % (p, node.uid))
        cmds.append(b"sif %s gid %d" % (p, node.gid))
        if node.kind != "dir":
            # debugfs ln does not count links; directories count their own.
            cmds.append(b"sif %s links_count %d" % (p, node.links))
        cmds.append(b"sif %s flags %#x" % (p, node.flags & COPIED_FLAGS))
        if node.kind in ("chardev", "blockdev"):
            old, new = struct.unpack_from("<II", node.block)
            cmds.append(b"sif %s block[0] %#x" % (p, old))
            cmds.append(b"sif %s block[1] %#x" % (p, new))
        for name, (lo, extra) in node.times.items():
            cmds.append(b"sif %s %s_lo %d" % (p, name.encode(), lo))
            if extra is not None:
                cmds.append(b"sif %s %s_extra %d" % (p, name.encode(), extra))
    return cmds


def cmd_build_ext2(args):
    tree = Tree(args.src)
    check_copyable(tree)
    bs = tree.sb["block_size"]
    inode_size = tree.sb["inode_size"]
    # Room for the contents, the free space asked for, and the inode tables
    # (one inode per INODE_RATIO bytes) with bitmaps and descriptors beside.
    wanted = data_bytes(tree) + args.free_mib * MIB + 4 * MIB
    size = wanted * INODE_RATIO // (INODE_RATIO - inode_size)
    size = -(-size // MIB) * MIB
    # Fixed identity and times derived from the source: the same source
    # gives the same image, byte for byte.
    fs_uuid = str(uuid.uuid5(uuid.NAMESPACE_URL, "rkernel-ext2:" + tree.sb["uuid"]))
    now = max(n.time_ns("ctime")[0] for n in tree.inodes.values())
    env = dict(os.environ, E2FSPROGS_FAKE_TIME=str(now), MKE2FS_CONFIG="/dev/null")
    if os.path.exists(args.dst):
        os.unlink(args.dst)
    mkfs = ["mke2fs", "-q", "-F", "-t", "ext2", "-O", EXT2_FEATURES, "-b", str(bs),
            "-I", str(inode_size), "-i", str(INODE_RATIO), "-m", "5",
            "-L", tree.sb["label"].decode(errors="replace"), "-U", fs_uuid,
            "-E", f"hash_seed={fs_uuid},root_owner=0:0", "-o", "Linux",
            args.dst, f"{size // 1024}k"]
    try:
        proc = subprocess.run(mkfs, capture_output=True, env=env, check=False)
    except OSError as e:
        raise Error(f"cannot run mke2fs: {e}") from None
    if proc.returncode != 0:
        raise Error("mke2fs failed:\n" + proc.stderr.decode(errors="replace"))
    stage = tempfile.mkdtemp(prefix="ext-tree-", dir=os.path.dirname(os.path.abspath(args.dst)))
    try:
        tree.dump(sorted(i for i, n in tree.inodes.items() if n.kind == "file"), stage)
        debugfs(args.dst, build_commands(tree, stage, now), write=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    free = superblock(args.dst)["free_blocks"] * bs
    if free < args.free_mib * MIB:
        raise Error(f"{args.dst}: only {free // MIB} MiB free, {args.free_mib} MiB asked for")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="one line per path")
    p.add_argument("image")
    p.set_defaults(run=cmd_list)
    p = sub.add_parser("compare", help="differences between two trees")
    p.add_argument("a")
    p.add_argument("b")
    p.set_defaults(run=cmd_compare)
    p = sub.add_parser("build-ext2", help="an ext2 image with the tree of another")
    p.add_argument("src")
    p.add_argument("dst")
    p.add_argument("--free-mib", type=int, default=512,
                   help="free space to leave beyond the contents (default 512)")
    p.set_defaults(run=cmd_build_ext2)
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (Error, OSError) as e:
        # Not 1: compare-trees uses that for "the trees differ".
        print(f"ext_tree.py: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
