#!/usr/bin/env python3
"""Write a newc ("070701") cpio archive from a file list, without root.

The list format is Linux's usr/gen_init_cpio one, so the same list can be fed
to the kernel's own tool:

    # comment
    file  <name> <location> <mode> <uid> <gid>
    dir   <name> <mode> <uid> <gid>
    nod   <name> <mode> <uid> <gid> <b|c> <maj> <min>
    slink <name> <target> <mode> <uid> <gid>
    pipe  <name> <mode> <uid> <gid>
    sock  <name> <mode> <uid> <gid>

Differences from gen_init_cpio, all for reproducible output: every entry
(files included) gets the --mtime timestamp, and hard-link lists are not
supported. Entries are written in list order; Linux's unpacker does not
create missing parent directories, so parents must come first.
"""

import argparse
import gzip
import os
import stat
import sys

FIRST_INO = 721  # gen_init_cpio's starting inode number
MAX_FIELD = 0xFFFFFFFF


class ListError(Exception):
    pass


def archive_name(name):
    """Normalise an in-archive path and refuse ones that would escape '/'."""
    name = name.lstrip("/")
    parts = name.split("/")
    if not name or any(p in ("", ".", "..") for p in parts):
        raise ListError(f"bad archive path {name!r}")
    return name


def parse_mode(text):
    try:
        mode = int(text, 8)
    except ValueError:
        raise ListError(f"bad mode {text!r}") from None
    if mode & ~0o7777:
        raise ListError(f"mode {text!r} has bits outside 07777")
    return mode


def parse_id(text, what):
    try:
        value = int(text, 10)
    except ValueError:
        raise ListError(f"bad {what} {text!r}") from None
    if not 0 <= value <= MAX_FIELD:
        raise ListError(f"{what} {text!r} out of range")
    return value


class Writer:
    def __init__(self, out, mtime):
        self.out = out
        self.mtime = mtime
        self.offset = 0
        self.ino = FIRST_INO

    def _put(self, data):
        self.out.write(data)
        self.offset += len(data)

    def _pad(self, align=4):
        self._put(b"\0" * (-self.offset % align))

    def entry(self, name, mode, uid=0, gid=0, nlink=1, data=b"", rdev=(0, 0),
              ino=None, mtime=None):
        encoded = name.encode()
        if ino is None:
            ino = self.ino
            self.ino += 1
        fields = (
            ino, mode, uid, gid, nlink, self.mtime if mtime is None else mtime, len(data),
            0, 0,  # device holding the file: unused by the unpacker for nlink == 1
            rdev[0], rdev[1],
            len(encoded) + 1,
            0,  # checksum: only meaningful for the "070702" format
        )
        if any(f > MAX_FIELD for f in fields):
            raise ListError(f"{name}: a header field does not fit in 32 bits")
        self._put(b"070701" + b"".join(b"%08X" % f for f in fields))
        self._put(encoded + b"\0")
        self._pad()
        if data:
            self._put(data)
            self._pad()

    def trailer(self):
        self.entry("TRAILER!!!", 0, nlink=1, ino=0, mtime=0)
        self._pad(512)


def emit(writer, kind, args, base_dir):
    def need(n):
        if len(args) != n:
            raise ListError(f"'{kind}' takes {n} fields, got {len(args)}")

    if kind == "file":
        need(5)
        name, location = archive_name(args[0]), args[1]
        location = os.path.join(base_dir, os.path.expandvars(location))
        try:
            with open(location, "rb") as f:
                data = f.read()
        except OSError as e:
            raise ListError(f"cannot read {location}: {e.strerror}") from None
        writer.entry(name, stat.S_IFREG | parse_mode(args[2]),
                     parse_id(args[3], "uid"), parse_id(args[4], "gid"), data=data)
    elif kind in ("dir", "pipe", "sock"):
        need(4)
        fmt = {"dir": stat.S_IFDIR, "pipe": stat.S_IFIFO, "sock": stat.S_IFSOCK}[kind]
        writer.entry(archive_name(args[0]), fmt | parse_mode(args[1]),
                     parse_id(args[2], "uid"), parse_id(args[3], "gid"),
                     nlink=2 if kind == "dir" else 1)
    elif kind == "nod":
        need(7)
        if args[4] not in ("b", "c"):
            raise ListError(f"device type must be b or c, got {args[4]!r}")
        fmt = stat.S_IFBLK if args[4] == "b" else stat.S_IFCHR
        writer.entry(archive_name(args[0]), fmt | parse_mode(args[1]),
                     parse_id(args[2], "uid"), parse_id(args[3], "gid"),
                     rdev=(parse_id(args[5], "major"), parse_id(args[6], "minor")))
    elif kind == "slink":
        need(5)
        # Linux stores the target NUL-terminated and counts the NUL in filesize.
        writer.entry(archive_name(args[0]), stat.S_IFLNK | parse_mode(args[2]),
                     parse_id(args[3], "uid"), parse_id(args[4], "gid"),
                     data=args[1].encode() + b"\0")
    else:
        raise ListError(f"unknown entry type {kind!r}")


def build(list_lines, out, mtime, base_dir):
    writer = Writer(out, mtime)
    seen = set()
    for lineno, line in enumerate(list_lines, 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        try:
            name = archive_name(words[1]) if len(words) > 1 else None
            if name in seen:
                raise ListError(f"duplicate entry {name!r}")
            seen.add(name)
            emit(writer, words[0], words[1:], base_dir)
        except ListError as e:
            raise ListError(f"line {lineno}: {e}") from None
    writer.trailer()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("list", help="gen_init_cpio-style file list ('-' for stdin)")
    ap.add_argument("-o", "--output", required=True, help="archive to write")
    ap.add_argument("-t", "--mtime", type=int, default=0,
                    help="timestamp for every entry (default 0)")
    ap.add_argument("-z", "--gzip", action="store_true",
                    help="gzip the archive (no name, mtime 0)")
    ap.add_argument("-C", "--directory", default=".",
                    help="resolve relative file locations against this directory")
    opts = ap.parse_args()
    if not 0 <= opts.mtime <= MAX_FIELD:
        ap.error("--mtime does not fit the 32-bit cpio field")

    if opts.list == "-":
        lines = sys.stdin.read().splitlines()
    else:
        with open(opts.list, encoding="utf-8") as f:
            lines = f.read().splitlines()

    tmp = opts.output + ".tmp"
    try:
        with open(tmp, "wb") as raw:
            if opts.gzip:
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                    build(lines, gz, opts.mtime, opts.directory)
            else:
                build(lines, raw, opts.mtime, opts.directory)
        os.replace(tmp, opts.output)
    except ListError as e:
        os.unlink(tmp)
        sys.exit(f"gen_cpio: {e}")


if __name__ == "__main__":
    main()
