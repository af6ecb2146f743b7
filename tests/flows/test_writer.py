"""The single writer: private working copy, atomic publish, analysts never locked out."""

from __future__ import annotations

import filecmp
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.warehouse import Warehouse
from flows.writer import Writer, WriterBusy


def _table(wh: Warehouse) -> None:
    wh.con.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")


def _rows(db: Path) -> list[int]:
    with Warehouse(db, read_only=True) as wh:
        return _values(wh)


def _values(wh: Warehouse) -> list[int]:
    return [x for (x,) in wh.con.execute("SELECT x FROM t ORDER BY x").fetchall()]


def _published(db: Path, run_id: str, value: int) -> Writer:
    """A run that adds ``value`` to table t and publishes; returns its writer (closed)."""
    writer = Writer(db, run_id)
    with writer as wh:
        _table(wh)
        wh.con.execute("INSERT INTO t VALUES (?)", [value])
        writer.publish()
    return writer


def test_work_is_seen_only_once_published(tmp_path):
    db = tmp_path / "w.duckdb"
    with Writer(db, "one") as wh:
        _table(wh)
        wh.con.execute("INSERT INTO t VALUES (1)")
        assert not db.exists()  # nothing published while the run works
    assert not db.exists()  # ended without publishing: nothing
    _published(db, "two", 2)
    assert _rows(db) == [2]  # run "one"'s unpublished row did not survive into run "two"


def test_a_run_that_dies_leaves_the_published_file_and_the_next_run_starts_from_it(tmp_path):
    db = tmp_path / "w.duckdb"
    _published(db, "first", 1)
    # A run killed halfway: its work is in the working copy, never published.
    script = ("import os\nfrom pathlib import Path\nfrom flows.writer import Writer\n"
              f"w = Writer(Path({str(db)!r}), 'killed')\nwh = w.__enter__()\n"
              "wh.con.execute('INSERT INTO t VALUES (99)')\nwh.con.execute('CHECKPOINT')\n"
              "os._exit(9)")
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    assert _rows(db) == [1]
    with Writer(db, "next") as wh:
        assert _values(wh) == [1]  # the killed run's 99 is gone
    _published(db, "next", 2)
    assert _rows(db) == [1, 2]


def test_a_published_file_replaced_by_the_user_is_what_the_next_run_starts_from(tmp_path):
    db = tmp_path / "w.duckdb"
    _published(db, "first", 1)
    db.unlink()
    with Warehouse(db) as wh:  # e.g. restored from a backup
        _table(wh)
        wh.con.execute("INSERT INTO t VALUES (7)")
    with Writer(db, "next") as wh:
        assert _values(wh) == [7]


def test_discard_throws_the_runs_work_away(tmp_path):
    db = tmp_path / "w.duckdb"
    _published(db, "first", 1)
    writer = Writer(db, "second")
    with writer as wh:
        wh.con.execute("INSERT INTO t VALUES (2)")
        assert _values(writer.discard()) == [1]


def test_one_writer_at_a_time_and_the_lock_names_the_run(tmp_path):
    db = tmp_path / "w.duckdb"
    told = []
    busy = pytest.raises(WriterBusy, match=r"being written by run holder \(PID \d+")
    with Writer(db, "holder"), busy:
        Writer(db, "second", wait=0.6, on_wait=told.append).__enter__()
    assert told and told[0].startswith("waiting for run holder")
    with Writer(db, "third"):  # released with its run
        pass


def _equals_work(writer: Writer) -> bool:
    return filecmp.cmp(writer.db, writer.work, shallow=False)


def test_a_publish_rewrites_the_spare_and_keeps_the_file_it_replaced_as_the_next(tmp_path):
    db = tmp_path / "w.duckdb"
    spare = Path(f"{db}.writer/spare.duckdb")
    _published(db, "first", 1)
    made, first = spare.stat().st_ino, db.stat().st_ino  # it replaced no file: it made one
    writer = _published(db, "second", 2)
    assert db.stat().st_ino == made and spare.stat().st_ino == first
    assert _equals_work(writer)
    writer = _published(db, "third", 3)
    assert db.stat().st_ino == first
    assert _equals_work(writer) and _rows(db) == [1, 2, 3]


def test_a_file_a_reader_still_has_open_is_not_rewritten(tmp_path):
    db = tmp_path / "w.duckdb"
    _published(db, "first", 1)
    first = db.stat().st_ino
    with Warehouse(db, read_only=True) as reader:
        _published(db, "second", 2)
        writer = _published(db, "third", 3)  # the spare is the first file: the reader's
        assert db.stat().st_ino != first
        assert _values(reader) == [1]
    assert _equals_work(writer) and _rows(db) == [1, 2, 3]


def test_a_spare_written_since_it_was_published_is_copied_whole(tmp_path):
    """An analyst's read-write connection wrote into the file: its digests no longer say
    what it holds."""
    db = tmp_path / "w.duckdb"
    _published(db, "first", 1)
    with Warehouse(db) as analyst:
        analyst.con.execute("INSERT INTO t VALUES (40)")
    _published(db, "second", 2)  # started from the analyst's file, now the spare
    writer = _published(db, "third", 3)
    assert _equals_work(writer) and _rows(db) == [1, 2, 3, 40]


def test_a_spare_with_another_name_or_read_only_is_not_written(tmp_path):
    db = tmp_path / "w.duckdb"
    _published(db, "first", 1)
    snapshot = tmp_path / "snapshot.duckdb"
    os.link(db, snapshot)  # a user's cheap snapshot of the first publish
    _published(db, "second", 2)
    writer = _published(db, "third", 3)
    assert _rows(snapshot) == [1] and _equals_work(writer)
    os.chmod(Path(f"{db}.writer/spare.duckdb"), 0o444)
    writer = _published(db, "fourth", 4)
    assert _equals_work(writer) and _rows(db) == [1, 2, 3, 4]


def test_pieces_moved_within_a_block_are_rewritten(tmp_path):
    """Content the spare holds in another order is not taken for the same (DuckDB's block
    checksums cannot tell: they add up the words of a block in any order)."""
    from flows import filecopy

    source, target = tmp_path / "source", tmp_path / "target.duckdb"
    folder = tmp_path / "writer"
    folder.mkdir()
    words = [os.urandom(8) for _ in range(64)]
    source.write_bytes(b"".join(words) * (filecopy.PIECE // 512) * 2)
    filecopy.publish_file(source, target, folder)  # target and a spare
    source.write_bytes(b"".join(reversed(words)) * (filecopy.PIECE // 512) * 2)
    filecopy.publish_file(source, target, folder)  # into the spare made by the first
    assert target.read_bytes() == source.read_bytes()


def test_what_a_killed_publish_left_is_cleared_by_the_next(tmp_path):
    db = tmp_path / "w.duckdb"
    _published(db, "first", 1)
    _published(db, "second", 2)
    folder = Path(f"{db}.writer")
    # Killed after taking the spare, before the swap: the spare half rewritten, a link left.
    os.replace(folder / "spare.duckdb", f"{db}.partial")
    os.link(db, folder / "spare.duckdb.next")
    writer = _published(db, "third", 3)
    assert _equals_work(writer) and _rows(db) == [1, 2, 3]
    assert not Path(f"{db}.partial").exists() and not (folder / "spare.duckdb.next").exists()


READER = """
import json, sys, time, duckdb
db, stop = sys.argv[1], sys.argv[2]
answered, refused, counts = 0, [], []
import os
while not os.path.exists(stop):
    try:
        con = duckdb.connect(db, read_only=True)
        counts.append(con.execute("select count(*) from articles").fetchall()[0][0])
        con.close()
        answered += 1
    except duckdb.Error as exc:
        refused.append(str(exc).splitlines()[0])
    time.sleep(0.05)
print(json.dumps({"answered": answered, "refused": refused, "counts": counts}))
"""


@pytest.mark.slow
def test_readers_are_answered_throughout_publishing_runs(tmp_path):
    """Real processes: a reader loop on the published file while two runs publish into it;
    every query is answered and the count never goes down."""
    from flows.sample import write_sample

    db, stop = tmp_path / "w.duckdb", tmp_path / "stop"
    cli = Path(sys.executable).with_name("comention")
    first, second = tmp_path / "first", tmp_path / "second"
    write_sample(first, articles=60, seed=1)
    write_sample(second, articles=240, seed=2)
    assert subprocess.run([cli, "ingest", str(first), "--db", str(db)],
                          capture_output=True).returncode == 0
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop)],
                              stdout=subprocess.PIPE, text=True)
    try:
        for corpus in (second, first):
            run = subprocess.run([cli, "run", str(corpus), "--db", str(db),
                                  "--out", str(tmp_path / "out")], capture_output=True,
                                 text=True)
            assert run.returncode == 0, run.stdout + run.stderr
    finally:
        stop.touch()
        seen = json.loads(reader.communicate(timeout=60)[0])
    assert seen["refused"] == []
    assert seen["answered"] >= 20
    counts = seen["counts"]
    assert counts == sorted(counts) and counts[-1] > counts[0]
