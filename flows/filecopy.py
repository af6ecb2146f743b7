"""Publishing a file of gigabytes without writing gigabytes.

``publish_file(source, target, folder)`` makes ``target`` a durable copy of ``source`` that
appears whole or not at all: written beside it as ``<target>.partial``, fsynced, renamed over
it. The file written is the spare kept in ``folder``: the file the publish before replaced,
brought up to date by rewriting only the 1 MiB pieces whose digests differ (a run with nothing
new changes a few megabytes of a warehouse of gigabytes). Each published file's piece digests
are kept beside it (``published.digests``, then ``spare.digests``) with the file's identity
(inode, size, modification time) when they were taken: a spare written since (an analyst's
read-write connection), hard-linked elsewhere, or still open in a DuckDB reader is not reused,
and the publish copies the whole file instead. Nothing here knows DuckDB's file layout.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import struct
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flows.pool import usable_cores

PIECE = 1 << 20
SPARE = "spare.duckdb"

# Linux's lock on an open file: it conflicts with DuckDB's own file locks (fcntl record locks)
# also when they were taken by this process, which a classic record lock would not see.
_OPEN_FILE_LOCK = getattr(fcntl, "F_OFD_SETLK", None)


def identity(path: Path) -> str:
    """What changes whenever the file is replaced or written: inode, size, modification time."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "absent"
    return _identity_of(st)


def _identity_of(st: os.stat_result) -> str:
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _digest(piece: memoryview) -> str:
    return hashlib.blake2b(piece, digest_size=16).hexdigest()


def digests(path: Path) -> list[str]:
    """The blake2b digest of each PIECE of the file, in order (hashlib lets go of the GIL:
    threads hash on every core)."""
    out: list[str] = []
    buffer = bytearray(32 * PIECE)
    view = memoryview(buffer)
    with path.open("rb", buffering=0) as handle, ThreadPoolExecutor(usable_cores()) as pool:
        while read := handle.readinto(buffer):
            out.extend(pool.map(_digest, (view[start:min(start + PIECE, read)]
                                          for start in range(0, read, PIECE))))
    return out


def copy_durably(source: Path, target: Path) -> None:
    """``target`` becomes a durable copy of ``source``, appearing whole or not at all."""
    partial = target.with_name(target.name + ".partial")
    try:
        _full_copy(source, partial)
    except BaseException:
        partial.unlink(missing_ok=True)  # a full disk should not stay full
        raise
    os.replace(partial, target)
    _sync_folder(target.parent)


def publish_file(source: Path, target: Path, folder: Path) -> None:
    """``target`` becomes a durable copy of ``source`` (whole or not at all), written over the
    spare in ``folder`` where it can be; the file replaced becomes the next spare."""
    spare, spare_digests = folder / SPARE, folder / "spare.digests"
    published_digests = folder / "published.digests"
    partial = target.with_name(target.name + ".partial")
    wanted = digests(source)
    try:
        claimed = _claim(spare, partial, _manifest(spare_digests))
        if claimed is None:
            _full_copy(source, partial)
        else:
            handle, old = claimed
            try:
                _rewrite_pieces(source, handle, wanted, old)
                os.fsync(handle)
            finally:
                os.close(handle)  # also lifts the claim's lock: readers lock it once published
        written = identity(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    replaced = _manifest(published_digests)  # of the file about to be replaced
    next_spare = folder / f"{SPARE}.next"
    with contextlib.suppress(OSError):  # no hard links here: every publish copies whole
        next_spare.unlink(missing_ok=True)
        os.link(target, next_spare)
    os.replace(partial, target)
    _sync_folder(target.parent)
    _write_manifest(published_digests, written, wanted)
    if next_spare.exists():
        os.replace(next_spare, spare)
        if replaced is not None:
            _write_manifest(spare_digests, *replaced)
        else:
            spare_digests.unlink(missing_ok=True)
    elif not spare.exists():  # nothing was replaced (the first publish): a copy makes one
        with contextlib.suppress(OSError):
            copy_durably(source, spare)
            _write_manifest(spare_digests, identity(spare), wanted)


def _full_copy(source: Path, partial: Path) -> None:
    partial.unlink(missing_ok=True)  # a new file, whatever a killed publish left here
    shutil.copyfile(source, partial)
    with partial.open("rb+") as handle:
        os.fsync(handle.fileno())


def _claim(spare: Path, partial: Path, manifest: tuple[str, list[str]] | None
           ) -> tuple[int, list[str]] | None:
    """(open handle, piece digests) of the spare, renamed to ``partial``, if it may be
    rewritten: it is what its manifest describes, has no other name, and no DuckDB has it
    open (a reader that connected while it was the published file and is still connected:
    its snapshot must not change under it). Else None, and the spare is left alone."""
    if _OPEN_FILE_LOCK is None or manifest is None:
        return None
    try:
        handle = os.open(spare, os.O_RDWR)
    except OSError:  # none, or made read-only
        return None
    try:
        # struct flock: type, whence, start, length 0 (the whole file), pid 0 (an open-file lock).
        fcntl.fcntl(handle, _OPEN_FILE_LOCK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
        st = os.fstat(handle)
        if st.st_nlink != 1 or _identity_of(st) != manifest[0]:
            raise OSError("the spare is not the file its digests describe")
        os.replace(spare, partial)
    except OSError:
        os.close(handle)
        return None
    return handle, manifest[1]


def _rewrite_pieces(source: Path, target: int, wanted: list[str], old: list[str]) -> None:
    """Make the open file ``target`` (whose pieces have digests ``old``) equal ``source``."""
    with source.open("rb") as handle:
        src = handle.fileno()
        for index, digest in enumerate(wanted):
            if index < len(old) and old[index] == digest:
                continue
            offset = index * PIECE
            data = memoryview(os.pread(src, PIECE, offset))
            while data:
                written = os.pwrite(target, data, offset)
                data, offset = data[written:], offset + written
        os.ftruncate(target, os.fstat(src).st_size)


def _manifest(path: Path) -> tuple[str, list[str]] | None:
    try:
        held = json.loads(path.read_text())
        return held["identity"], held["digests"]
    except (OSError, ValueError, KeyError):
        return None


def _write_manifest(path: Path, file_identity: str, pieces: list[str]) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"identity": file_identity, "digests": pieces}))
    os.replace(temporary, path)


def _sync_folder(folder: Path) -> None:
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
