"""The single writer: a run works on a private copy of the warehouse and publishes it by an
atomic file swap, so analysts can open the published file at any moment.

DuckDB lets one process write a file, or many read it, never both: a run holding the file it
publishes would lock analysts out, and an analyst's open connection would block the run. So the
run never opens the published file. Beside ``comention.duckdb`` it keeps a folder
``comention.duckdb.writer/`` with

- ``work.duckdb``: the working copy the run writes, chunk by chunk (a copy of the published file);
- ``work.duckdb.dedup``: the near-duplicate index of its articles (flows.dedup), never published;
- ``lock``: held while a run writes (flock); it names that run, for the one that has to wait;
- ``synced``: the identity of the published file the working copy equals, untouched since;
- ``spare.duckdb``: the file the last publish replaced, kept to be the next one.

Publishing writes the checkpointed working file beside the published one and renames it over
it: a reader connected before keeps its snapshot until it reconnects, a reader connecting after
sees the new file, nobody sees half. The file written is the spare, brought up to date by
rewriting only the blocks that differ (a run changes a few megabytes of a file of gigabytes),
unless a reader that connected while it was published is still connected: then it is a full
copy. A run that fails throws its work away: the working copy is made again from the published
file, which never saw it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import shutil
import struct
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flows.dedup import attach_index, index_path, repair_index
from flows.warehouse import Warehouse, WarehouseError


class WriterBusy(WarehouseError):
    """Another run is writing this warehouse; the message names it."""


def writer_folder(db: Path) -> Path:
    return db.with_name(db.name + ".writer")


def index_of(db: Path) -> Path:
    """The near-duplicate index the writer keeps for the published warehouse ``db``."""
    return index_path(writer_folder(db) / "work.duckdb")


def _identity(path: Path) -> str:
    """What changes whenever the file is replaced or written: inode, size, modification time."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def _copy(source: Path, target: Path, spare: Path | None = None,
          block_size: int | None = None) -> None:
    """``target`` becomes a durable copy of ``source``, appearing whole or not at all.

    With ``spare`` (a DuckDB file of ``block_size`` blocks that nobody reads any more), the copy
    is written over the spare, block by block where they differ, instead of from scratch; the
    spare is used up either way, and the file ``target`` was becomes the next spare.
    """
    partial = target.with_name(target.name + ".partial")
    try:
        claimed = _claim(spare, partial) if spare is not None and block_size else None
        if claimed is None:
            shutil.copyfile(source, partial)
            claimed = os.open(partial, os.O_RDWR)
        else:
            _rewrite_differing_blocks(source, claimed, block_size)
        try:
            os.fsync(claimed)
        finally:
            os.close(claimed)  # also lifts the claim's lock: readers may lock it once published
    except BaseException:
        partial.unlink(missing_ok=True)  # a full disk should not stay full
        raise
    if spare is not None:  # the file replaced now is the next spare, once its readers are gone
        replaced = spare.with_name(spare.name + ".next")
        with contextlib.suppress(OSError):
            replaced.unlink(missing_ok=True)
            os.link(target, replaced)
    os.replace(partial, target)
    _sync_folder(target.parent)
    if spare is not None:
        with contextlib.suppress(FileNotFoundError):
            os.replace(replaced, spare)


def _sync_folder(folder: Path) -> None:
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


# Linux's lock on an open file: it conflicts with DuckDB's own file locks (fcntl record locks)
# also when they were taken by this process, which a classic record lock would not see.
_OPEN_FILE_LOCK = getattr(fcntl, "F_OFD_SETLK", None)


def _claim(spare: Path, partial: Path) -> int | None:
    """The spare, renamed to ``partial`` and open for writing, if no DuckDB has it open (a
    reader that connected while it was the published file, still connected: its snapshot must
    not change under it); else None, and the spare is left alone."""
    if _OPEN_FILE_LOCK is None:
        return None
    try:
        handle = os.open(spare, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        # struct flock: type, whence, start, length 0 (the whole file), pid 0 (an open-file lock).
        fcntl.fcntl(handle, _OPEN_FILE_LOCK, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 0, 0, 0))
        os.replace(spare, partial)
    except OSError:
        os.close(handle)
        return None
    return handle


# A DuckDB file: three 4 KiB headers, then blocks of block_size bytes, each opening with a
# checksum of its contents (DuckDB checks it on every read).
HEADERS = 3 * 4096
CHECKSUM = 8
# Blocks with equal checksums compared whole on every publish, so a DuckDB that lays its file
# out otherwise is caught and gets a full copy.
SPOT_CHECKS = 8


def _rewrite_differing_blocks(source: Path, target: int, block_size: int) -> None:
    """Make the open file ``target`` equal the DuckDB file ``source``, rewriting the headers
    and the blocks whose checksums differ."""
    with source.open("rb") as src_file:
        src = src_file.fileno()
        size = os.fstat(src).st_size
        blocks = range(HEADERS, size, block_size)
        same = [offset for offset in blocks
                if os.pread(src, CHECKSUM, offset) == os.pread(target, CHECKSUM, offset)]
        checked = random.sample(same, min(SPOT_CHECKS, len(same)))
        if (size - HEADERS) % block_size or any(
                os.pread(src, block_size, offset) != os.pread(target, block_size, offset)
                for offset in checked):
            same = []  # not the layout read here: rewrite it all
        unchanged = set(same)
        _copy_ranges(src, target, [(0, HEADERS), *((offset, block_size) for offset in blocks
                                                   if offset not in unchanged)])
        os.ftruncate(target, size)


def _copy_ranges(src: int, target: int, ranges) -> None:
    """Copy each (offset, length) range of ``src`` to the same place in ``target``."""
    for offset, length in ranges:
        data = memoryview(os.pread(src, length, offset))
        while data:
            written = os.pwrite(target, data, offset)
            data, offset = data[written:], offset + written


def _holder(lock_file) -> str:
    """Who holds the lock, in words: "run … (PID …, started … UTC, … s ago)"."""
    lock_file.seek(0)
    try:
        held = json.loads(lock_file.read() or "{}")
    except ValueError:
        held = {}
    if not held:
        return "another run"
    started = datetime.fromisoformat(held["started_at"])
    ago = (datetime.now(UTC) - started).total_seconds()
    return (f"run {held['run_id']} (PID {held['pid']}, started {started:%H:%M:%S} UTC, "
            f"{ago:.0f} s ago)")


class Writer:
    """``with Writer(db, run_id) as wh:`` — the working copy, this run its only writer.

    ``wait``: seconds to wait for another run to finish (``on_wait`` is told once whom it
    waits for); then WriterBusy names that run. ``publish()`` swaps the working copy in;
    ``discard()`` throws the run's changes away.
    """

    def __init__(self, db: Path, run_id: str, wait: float = 0.0,
                 on_wait: Callable[[str], None] | None = None):
        self.db = Path(db)
        self.run_id = run_id
        self.folder = writer_folder(self.db)
        self.work = self.folder / "work.duckdb"
        self.synced = self.folder / "synced"
        self.spare = self.folder / "spare.duckdb"
        self.wait = wait
        self.on_wait = on_wait
        self.wh: Warehouse | None = None
        self._lock = None

    def __enter__(self) -> Warehouse:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WarehouseError(f"cannot create {self.folder}: {exc.strerror}") from None
        self._acquire()
        try:
            resynced = self._sync()
            self.synced.unlink(missing_ok=True)  # from now on the copy holds unpublished work
            self._open(repair=resynced)
        except BaseException:
            self._release()
            raise
        return self.wh

    def __exit__(self, *exc) -> None:
        if self.wh is not None:
            self.wh.close()
        self._release()

    def _acquire(self) -> None:
        self._lock = (self.folder / "lock").open("a+")
        deadline = time.monotonic() + self.wait
        told = False
        while True:
            try:
                fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(self._lock)
                if time.monotonic() >= deadline:
                    self._lock.close()
                    raise WriterBusy(
                        f"{self.db} is being written by {holder}: one run writes a warehouse "
                        "at a time. Run again when it has finished, or wait for it with "
                        "--wait SECONDS") from None
                if not told and self.on_wait is not None:
                    self.on_wait(f"waiting for {holder} to finish writing {self.db}")
                    told = True
                time.sleep(0.5)
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(json.dumps({"run_id": self.run_id, "pid": os.getpid(),
                                     "started_at": datetime.now(UTC).isoformat()}))
        self._lock.flush()

    def _release(self) -> None:
        if self._lock is not None and not self._lock.closed:
            self._lock.seek(0)
            self._lock.truncate()
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()

    def _open(self, repair: bool = False) -> Warehouse:
        """Connect to the working copy and its near-duplicate index; with ``repair``, after
        the copy was made again, the index is brought back in line with its articles."""
        self.wh = Warehouse(self.work)
        if attach_index(self.wh) or repair:  # a new index, or a copy made again under it
            repair_index(self.wh)
        return self.wh

    def _sync(self) -> bool:
        """Make the working copy equal the published file unless it already does (a run that
        failed or was killed left its work in it; a user may have replaced the file); returns
        whether it was made again."""
        if (self.work.exists() and self.synced.exists()
                and self.synced.read_text() == _identity(self.db)
                and not Path(f"{self.work}.wal").exists()):
            return False
        Path(f"{self.work}.wal").unlink(missing_ok=True)
        if not self.db.exists():
            self.work.unlink(missing_ok=True)  # a new warehouse: the schema makes it
            return True
        if Path(f"{self.db}.wal").exists():
            # Written by a process that did not close it (an earlier version wrote in place):
            # fold its log into the file before copying it. If a process still holds it (an
            # analyst writing into the published file), what it wrote is not taken.
            with contextlib.suppress(WarehouseError), Warehouse(self.db) as wh:
                wh.con.execute("CHECKPOINT")
        _copy(self.db, self.work)
        return True

    def publish(self) -> None:
        """Swap the working copy in as the published file; the copy stays open for use."""
        self.wh.con.execute("CHECKPOINT")
        block_size = self.wh.scalar("SELECT block_size FROM pragma_database_size() "
                                    "WHERE database_name = current_database()")
        self.wh.close()
        try:
            _copy(self.work, self.db, self.spare, block_size)
        except OSError as exc:
            self._open()
            raise WarehouseError(f"could not publish {self.db}: {exc.strerror or exc} "
                                 "(the published file is unchanged)") from None
        self._set_stale_log_aside()
        self.synced.write_text(_identity(self.db))
        if not self.spare.exists():  # the first publish replaced no file: a copy keeps the
            with contextlib.suppress(OSError):  # next one short (and a full disk is no error)
                _copy(self.work, self.spare)
        # Reopened for reading what was published (the report); a run writes nothing after.
        self._open()

    def _set_stale_log_aside(self) -> None:
        """A write-ahead log beside the published file belongs to the file just replaced (an
        analyst's read-write connection wrote into it): DuckDB would refuse to open the new
        file with it. It is kept aside, named for when, not deleted."""
        log = Path(f"{self.db}.wal")
        if log.exists():
            log.rename(log.with_name(f"{log.name}.stale-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"))

    def reopen(self) -> Warehouse:
        """A new connection to the working copy (after DuckDB invalidated one, out of memory)."""
        if self.wh is not None:
            self.wh.close()
        return self._open()

    def discard(self) -> Warehouse:
        """Throw away what this run wrote: the working copy becomes the published file again."""
        if self.wh is not None:
            self.wh.close()
        self.synced.unlink(missing_ok=True)
        self._sync()
        return self._open(repair=True)
