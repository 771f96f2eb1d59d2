"""A read-only view of files on disk and inside zips, read into memory with every cap enforced.

Nothing is ever extracted: zip members are decompressed straight into memory with a
size-limited read, and files on disk are opened without following links. Folders, zips and
the synthetic folders built for Canvas and Moodle downloads all look alike to the walker
(`collect.py`): a `Node` is a folder (`children`) or a file (`read`, `open_zip`).
"""
from __future__ import annotations

import copy
import io
import os
import stat
import struct
import zipfile
from dataclasses import dataclass, field

from nngrade.autograder.messages import Said
from nngrade.speech import os_reason

from .model import Refused, StudentContext, size_text
from .names import decode_name_bytes, shown, shown_path, split_member_name, zip_member_name

_CHUNK = 64 * 1024
_ENCRYPTED_FLAG = 0x1


class Node:
    name: str
    is_dir: bool = False

    def children(self, ctx: StudentContext, where: str) -> list["Node"]:
        raise NotImplementedError

    def read(self, ctx: StudentContext, limit: int) -> bytes:
        raise NotImplementedError

    def open_zip(self, ctx: StudentContext, where: str) -> "ZipFolder":
        """This file as a zip: members are read on demand, the archive stays open with ctx."""
        data = self.read(ctx, ctx.limits.max_archive_bytes)
        return open_archive(io.BytesIO(data), ctx, where, ctx.limits.max_entries)

    def renamed(self, name: str) -> "Node":
        other = copy.copy(self)
        other.name = name
        return other


@dataclass(eq=False)
class VirtualFolder(Node):
    """A folder made up by intake (one Canvas or Moodle student's files gathered together)."""
    name: str
    items: list[Node] = field(default_factory=list)
    is_dir: bool = True

    def children(self, ctx, where):
        return sorted(self.items, key=lambda n: n.name)


# ---- disk -----------------------------------------------------------------------------------

@dataclass(eq=False)
class DiskFolder(Node):
    name: str
    path: bytes
    is_dir: bool = True

    def children(self, ctx, where):
        try:
            with os.scandir(self.path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            raise Refused(Said("intake-unlistable", reason=os_reason(e))) from None
        out: list[Node] = []
        for entry in entries:
            name, _ = decode_name_bytes(entry.name)
            try:
                if entry.is_symlink():
                    if not name.startswith("."):
                        ctx.problem(Said("intake-symlink", path=_join(where, name)))
                    continue
                if entry.is_dir(follow_symlinks=False):
                    out.append(DiskFolder(name, entry.path))
                elif entry.is_file(follow_symlinks=False):
                    out.append(DiskFile(name, entry.path))
                elif not name.startswith("."):
                    ctx.problem(Said("intake-not-regular", path=_join(where, name)))
            except OSError as e:
                ctx.problem(Said("intake-cannot-read", path=_join(where, name), reason=os_reason(e)))
        return out


@dataclass(eq=False)
class DiskFile(Node):
    name: str
    path: bytes

    def _open_regular(self, limit: int | None) -> int:
        # O_NOFOLLOW: the file may have been swapped for a link since it was listed;
        # O_NONBLOCK: a FIFO put in its place must not hang the run.
        flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(self.path, flags)
        except OSError as e:
            raise Refused(Said("intake-unreadable-file", reason=os_reason(e))) from None
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            os.close(fd)
            raise Refused(Said("intake-not-regular-file"))
        if limit is not None and st.st_size > limit:
            os.close(fd)
            raise Refused(Said("intake-over-cap", size=st.st_size, cap=size_text(limit)))
        return fd

    def read(self, ctx, limit):
        fd = self._open_regular(limit)
        try:
            chunks, total = [], 0
            while True:
                chunk = os.read(fd, _CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:        # it grew while we read
                    raise Refused(Said("intake-grew-over-cap", cap=size_text(limit)))
                ctx.charge(len(chunk))
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError as e:
            raise Refused(Said("intake-unreadable-file", reason=os_reason(e))) from None
        finally:
            os.close(fd)

    def open_zip(self, ctx, where):
        # A zip on disk is read in place: only the members asked for are decompressed.
        fd = self._open_regular(None)
        fileobj = ctx.stack.enter_context(os.fdopen(fd, "rb"))
        return open_archive(fileobj, ctx, where, ctx.limits.max_entries)


# ---- zip ------------------------------------------------------------------------------------

@dataclass(eq=False)
class ZipFolder(Node):
    name: str
    items: dict[str, Node] = field(default_factory=dict)
    is_dir: bool = True

    def children(self, ctx, where):
        return [self.items[k] for k in sorted(self.items)]


@dataclass(eq=False)
class ZipMember(Node):
    name: str
    archive: zipfile.ZipFile
    info: zipfile.ZipInfo

    def read(self, ctx, limit):
        info, limits = self.info, ctx.limits
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise Refused(Said("intake-encrypted"))
        if info.file_size > limit:
            raise Refused(Said("intake-over-cap", size=info.file_size, cap=size_text(limit)))
        # Let zipfile decompress past the header's claimed size, so the real size is measured here
        # (a zip bomb claims a small size); CRC is still checked once the stream ends.
        probe = copy.copy(info)
        probe.file_size = limit + 1
        compressed = max(info.compress_size, 1)
        chunks, total = [], 0
        try:
            with self.archive.open(probe) as f:
                while True:
                    chunk = f.read(_CHUNK)
                    if not chunk:
                        break
                    total += len(chunk)
                    if total > limit:
                        raise Refused(Said("intake-expands", cap=size_text(limit)))
                    if total > limits.ratio_floor_bytes and total > limits.max_ratio * compressed:
                        raise Refused(Said("intake-ratio", ratio=limits.max_ratio))
                    ctx.charge(len(chunk))
                    chunks.append(chunk)
        except Refused:
            raise
        except Exception as e:        # zipfile raises many types on damaged or hostile input
            raise Refused(Said("intake-bad-member", error=f"{type(e).__name__}: {shown(str(e), 120)}")) from None
        if total != info.file_size:
            raise Refused(Said("intake-size-mismatch", claimed=info.file_size, size=total))
        return b"".join(chunks)


def zip_entry_count(fileobj) -> int | None:
    """Members listed in the zip's end record, read before zipfile loads the central directory
    (so a zip with millions of tiny members is refused without building millions of objects).
    None when the record is missing or says 65,535+ (zip64)."""
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    tail_len = min(size, 22 + 65535)
    fileobj.seek(size - tail_len)
    tail = fileobj.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    total = struct.unpack("<H", tail[at + 10:at + 12])[0]
    fileobj.seek(0)
    return None if total == 0xFFFF else total


def open_archive(fileobj, ctx: StudentContext, where: str, max_entries: int) -> ZipFolder:
    """Open a zip and build its folder tree; unsafe members are refused here, into `problems`."""
    try:
        count = zip_entry_count(fileobj)
        if count is not None and count > max_entries:
            raise Refused(Said("intake-members", count=count, cap=max_entries))
        archive = zipfile.ZipFile(fileobj)
    except Refused:
        raise
    except Exception as e:
        raise Refused(Said("intake-bad-zip", error=f"{type(e).__name__}: {shown(str(e), 120)}")) from None
    ctx.stack.callback(archive.close)
    infos = archive.infolist()
    if len(infos) > max_entries:
        raise Refused(Said("intake-members", count=len(infos), cap=max_entries))
    root = ZipFolder("")
    decoded: set[str] = set()
    for info in infos:
        name, how = zip_member_name(info)
        if how:
            decoded.add(how)
        parts, why = split_member_name(name)
        if why:
            ctx.problem(Said("intake-refused-name", path=_join(where, shown(name)), why=why))
            continue
        if not parts:
            continue
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            ctx.problem(Said("intake-zip-symlink", path=_join(where, shown_path(parts))))
            continue
        is_dir = info.orig_filename.endswith(("/", "\\")) or stat.S_ISDIR(mode)
        if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            ctx.problem(Said("intake-zip-not-regular", path=_join(where, shown_path(parts))))
            continue
        _insert(root, parts, is_dir, archive, info, ctx, where)
    prefix = f"{where}: " if where else ""
    if "cp949" in decoded:
        ctx.note(Said("note-zip-cp949", where=prefix))
    if "undecodable" in decoded:
        ctx.note(Said("note-zip-undecodable", where=prefix))
    return root


def _insert(root: ZipFolder, parts, is_dir, archive, info, ctx, where) -> None:
    folder = root
    for i, part in enumerate(parts[:-1] if not is_dir else parts):
        nxt = folder.items.get(part)
        if nxt is None:
            nxt = folder.items[part] = ZipFolder(part)
        if not isinstance(nxt, ZipFolder):
            ctx.problem(Said("intake-file-and-folder", path=_join(where, shown_path(parts[:i + 1]))))
            return
        folder = nxt
    if is_dir:
        return
    leaf = parts[-1]
    if leaf in folder.items:
        ctx.note(Said("note-zip-twice", path=_join(where, shown_path(parts))))
        return
    folder.items[leaf] = ZipMember(leaf, archive, info)


def _join(where: str, name: str) -> str:
    return f"{where}/{name}" if where else name
