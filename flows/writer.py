"""The single writer: a run works on a private copy of the warehouse and publishes it by an
atomic file swap, so analysts can open the published file at any moment.

DuckDB lets one process write a file, or many read it, never both: a run holding the file it
publishes would lock analysts out, and an analyst's open connection would block the run. So the
run never opens the published file. Beside ``comention.duckdb`` it keeps a folder
``comention.duckdb.writer/`` with

- ``work.duckdb``: the working copy the run writes, chunk by chunk (a copy of the published file);
- ``work.duckdb.dedup``: the near-duplicate index of its articles (flows.dedup), never published;
- ``lock``: held while a run writes (flock); it names that run, for the one that has to wait,
  and is emptied when the run ends: a run that finds it naming another run (and gets the
  lock: that run's process is gone) knows that run was abandoned (``Writer.abandoned``);
- ``synced``: the identity of the published file the working copy equals, untouched since;
- ``spare.duckdb`` and the ``*.digests`` manifests: see flows.filecopy.

Publishing writes the checkpointed working file beside the published one and renames it over
it: a reader connected before keeps its snapshot until it reconnects, a reader connecting after
sees the new file, nobody sees half. The file written is the one the publish before replaced,
brought up to date where it differs (flows.filecopy). A run that fails throws its work away:
the working copy is made again from the published file, which never saw it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from flows.dedup import attach_index, index_path, repair_index
from flows.filecopy import copy_durably, identity, publish_file
from flows.settings import Settings
from flows.warehouse import Warehouse, WarehouseError


class WriterBusy(WarehouseError):
    """Another run is writing this warehouse; the message names it."""


def writer_folder(db: Path) -> Path:
    return db.with_name(db.name + ".writer")


def index_of(db: Path) -> Path:
    """The near-duplicate index the writer keeps for the published warehouse ``db``."""
    return index_path(writer_folder(db) / "work.duckdb")


def _held(lock_file) -> dict:
    """The lock's record of the run holding it (run_id, pid, started_at, inputs), or {}."""
    lock_file.seek(0)
    try:
        held = json.loads(lock_file.read() or "{}")
    except ValueError:
        return {}
    return held if isinstance(held, dict) and "run_id" in held else {}


def _holder(lock_file) -> str:
    """Who holds the lock, in words: "run … (PID …, started … UTC, … s ago)"."""
    held = _held(lock_file)
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
    ``discard()`` throws the run's changes away. ``inputs``: what the run reads, kept in the
    lock for the run after it should this one be killed. ``abandoned``, once entered: the
    lock's record of a run that held it and ended without releasing it (killed), or None.
    ``memory_limit``: DuckDB's, for every connection the writer opens.
    """

    def __init__(self, db: Path, run_id: str, wait: float = 0.0,
                 on_wait: Callable[[str], None] | None = None,
                 inputs: list[str] | None = None, memory_limit: str = Settings.duckdb_memory):
        self.db = Path(db)
        self.run_id = run_id
        self.folder = writer_folder(self.db)
        self.work = self.folder / "work.duckdb"
        self.synced = self.folder / "synced"
        self.wait = wait
        self.on_wait = on_wait
        self.inputs = inputs or []
        self.memory_limit = memory_limit
        self.abandoned: dict | None = None
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
        self.abandoned = _held(self._lock) or None  # emptied by every run that ended
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(json.dumps({"run_id": self.run_id, "pid": os.getpid(),
                                     "started_at": datetime.now(UTC).isoformat(),
                                     "inputs": self.inputs}))
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
        self.wh = Warehouse(self.work, copy_of=self.db, memory_limit=self.memory_limit)
        if attach_index(self.wh) or repair:  # a new index, or a copy made again under it
            repair_index(self.wh)
        return self.wh

    def _sync(self) -> bool:
        """Make the working copy equal the published file unless it already does (a run that
        failed or was killed left its work in it; a user may have replaced the file); returns
        whether it was made again."""
        if (self.work.exists() and self.synced.exists()
                and self.synced.read_text() == identity(self.db)
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
            with (contextlib.suppress(WarehouseError),
                  Warehouse(self.db, memory_limit=self.memory_limit) as wh):
                wh.con.execute("CHECKPOINT")
        copy_durably(self.db, self.work)
        return True

    def publish(self) -> None:
        """Swap the working copy in as the published file; the copy stays open for use."""
        self.wh.con.execute("CHECKPOINT")
        self.wh.close()
        try:
            publish_file(self.work, self.db, self.folder)
        except OSError as exc:
            self._open()
            raise WarehouseError(f"could not publish {self.db}: {exc.strerror or exc} "
                                 "(the published file is unchanged)") from None
        self._set_stale_log_aside()
        self.synced.write_text(identity(self.db))
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
