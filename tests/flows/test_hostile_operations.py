"""Hostile operations (issue 20, defects 3, 6, 7 and 8): links out of the dump, FIFOs and
devices, hidden and unreadable entries, a file growing during an inbox run, killed runs,
damaged warehouse files and weeks out of range. Every file here is generated small by the
test."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.pipeline import RunFailed, RunSummary, run_pipeline
from flows.sources import ReadOptions, discover, find_inputs
from flows.stages.common import local_map
from flows.warehouse import Warehouse
from flows.writer import Writer, WriterBusy, writer_folder

runner = CliRunner()
WORDS = ("ministers from France and Germany met in Brussels on Monday to discuss trade, energy "
         "prices, farm subsidies and the next European budget, officials said after the talks")
SECRET = "the door code is 7349, do not share it with anyone at all"


def jsonl(first: int, n: int) -> str:
    return "".join(json.dumps({"id": f"s{i}", "title": f"Story {i}",
                               "text": f"{WORDS} (story {i}).", "date": "2024-03-04"}) + "\n"
                   for i in range(first, first + n))


def notes() -> str:
    return f"My notes\n\n{SECRET}. {WORDS}, and then some more of my own words here.\n"


def dump_with_good_stories(tmp_path: Path, n: int = 20) -> Path:
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "good.jsonl").write_text(jsonl(0, n))
    return dump


def ingest(*args: str):
    """``comention ingest`` (a few seconds: its worker pool starts)."""
    return runner.invoke(app, ["ingest", *args])


def run(paths: list[Path], db: Path, **options) -> RunSummary:
    """The pipeline as ``comention ingest`` runs it, its batches in this process."""
    return run_pipeline([str(p) for p in paths], db, None, options=ReadOptions(**options),
                        mapper=local_map)


def published(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with Warehouse(db, read_only=True) as wh:
        return wh.con.execute(sql, params or []).fetchall()


def reconciles(db: Path) -> bool:
    [(seen, loaded, duplicates, quarantined)] = published(
        db, "SELECT records_seen, articles_loaded, duplicates, quarantined FROM runs "
            "ORDER BY started_at DESC LIMIT 1")
    return seen == loaded + duplicates + quarantined


# --- links (defect 6) --------------------------------------------------------------------

def test_links_out_of_the_dump_are_quarantined_and_never_read(tmp_path):
    dump = dump_with_good_stories(tmp_path)
    private = tmp_path / "private"
    private.mkdir()
    (private / "notes.txt").write_text(notes())
    (dump / "notes.txt").symlink_to(private / "notes.txt")
    (dump / "everything").symlink_to(private)
    db = tmp_path / "w.duckdb"

    run([dump], db)

    texts = published(db, "SELECT title || ' ' || body FROM articles UNION ALL "
                          "SELECT coalesce(excerpt, '') FROM quarantine")
    assert not [t for (t,) in texts if "door code" in t]
    rows = published(db, "SELECT record_key, reason_code, reason FROM quarantine "
                         "ORDER BY record_key")
    assert [(key, code) for key, code, _ in rows] == [("everything", "link_not_followed"),
                                                      ("notes.txt", "link_not_followed")]
    assert all("outside the folders given" in reason and "--follow-links" in reason
               for _, _, reason in rows)
    assert published(db, "SELECT count(*) FROM articles") == [(20,)]
    assert reconciles(db)


@pytest.mark.slow
def test_follow_links_reads_links_out_of_the_dump(tmp_path):
    dump = dump_with_good_stories(tmp_path)
    (tmp_path / "notes.txt").write_text(notes())
    (dump / "notes.txt").symlink_to(tmp_path / "notes.txt")
    db = tmp_path / "w.duckdb"

    result = ingest(str(dump), "--db", str(db), "--follow-links")

    assert result.exit_code == 0, result.output
    assert published(db, "SELECT count(*) FROM articles WHERE body LIKE '%door code%'") == [(1,)]
    assert published(db, "SELECT count(*) FROM quarantine") == [(0,)]


def test_a_link_inside_the_folder_given_is_followed_and_read_once(tmp_path):
    dump = tmp_path / "dump"
    (dump / "a").mkdir(parents=True)
    (dump / "a" / "x.jsonl").write_text(jsonl(0, 2))
    (dump / "same.jsonl").symlink_to(dump / "a" / "x.jsonl")
    (dump / "b").symlink_to(dump / "a")  # a folder link inside: walked, its files once
    (dump / "a" / "loop").symlink_to(dump)  # a cycle: no endless walk

    assert discover([str(dump)]) == [(dump / "a" / "x.jsonl").resolve()]


def test_a_file_link_named_on_the_command_line_keeps_to_its_folder(tmp_path):
    """A named link is held to the folder it is in: a link file dropped beside the dump
    files (and matched by a glob) is no way out either."""
    dump = dump_with_good_stories(tmp_path)
    (tmp_path / "notes.txt").write_text(notes())
    (dump / "notes.txt").symlink_to(tmp_path / "notes.txt")

    assert discover([str(dump / "notes.txt")]) == []
    assert discover([str(dump / "*.txt")]) == []
    assert discover([str(dump / "*.txt")], follow_links=True) == [tmp_path / "notes.txt"]


# --- FIFOs, devices, broken links (defect 7) --------------------------------------------

def _fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def _dev_zero(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


def _dangling(path: Path) -> Path:
    path.symlink_to(path.parent / "nowhere")
    return path


def _loop(path: Path) -> Path:
    path.symlink_to(path)
    return path


SPECIALS = {"fifo": (_fifo, "not a regular file (a FIFO)"),
            "/dev/zero link": (_dev_zero, "outside the folders given"),
            "dangling link": (_dangling, "broken symbolic link"),
            "link to itself": (_loop, "symbolic link loop")}


@pytest.mark.parametrize("how", ["named", "glob", "in a folder"])
@pytest.mark.parametrize("special", list(SPECIALS))
def test_a_fifo_device_or_broken_link_is_quarantined_never_opened(tmp_path, special, how):
    from flows.sources import find_inputs

    dump = dump_with_good_stories(tmp_path)
    make, reason = SPECIALS[special]
    entry = make(dump / "odd.txt")
    given = {"named": str(entry), "glob": str(dump / "*.txt"), "in a folder": str(dump)}[how]

    found = find_inputs([given])  # returns at once: nothing is opened

    assert [(r.path, reason in r.reason) for r in found.refused] == [(entry, True)]
    assert discover([given]) == ([] if how != "in a folder" else [dump / "good.jsonl"])


def test_a_run_given_a_fifo_ends_in_one_line_not_a_traceback(tmp_path):
    fifo = _fifo(tmp_path / "feed.jsonl")
    db = tmp_path / "w.duckdb"

    result = ingest(str(fifo), "--db", str(db))

    assert result.exit_code == 1
    assert not isinstance(result.exception, RecursionError)
    assert "not a regular file (a FIFO)" in result.output
    assert published(db, "SELECT reason_code FROM quarantine") == [("unsupported_file",)]


# --- entries not read are counted (defect 3) ---------------------------------------------

def _with_hidden(tmp_path: Path) -> Path:
    dump = dump_with_good_stories(tmp_path)
    (dump / ".draft.jsonl").write_text(jsonl(100, 1))
    (dump / ".git").mkdir()
    (dump / ".git" / "config").write_text("[core]\n")
    return dump


def test_hidden_entries_are_counted_and_a_named_one_is_read(tmp_path):
    dump, db = _with_hidden(tmp_path), tmp_path / "w.duckdb"

    summary = run([dump], db)

    assert summary.hidden == [str(dump / ".draft.jsonl"), str(dump / ".git")]
    assert published(db, "SELECT count(*) FROM articles") == [(20,)]
    assert run([dump / ".draft.jsonl"], db).hidden == []
    assert published(db, "SELECT count(*) FROM articles") == [(21,)]


@pytest.mark.slow
def test_the_run_summary_says_what_hidden_entries_it_left_out(tmp_path):
    dump, db = _with_hidden(tmp_path), tmp_path / "w.duckdb"

    result = ingest(str(dump), "--db", str(db))

    assert result.exit_code == 0, result.output
    assert ("skipped: left out 2 hidden files or folders (.draft.jsonl, .git): name a "
            "hidden file to read it") in result.output


def test_a_warehouse_inside_the_dump_folder_is_not_read_as_input(tmp_path):
    # Before, a second run over the folder read the warehouse's own files as dumps: the
    # published file, its writer's folder (the working copy, its index, the lock) each became
    # quarantine rows (unsupported_file) or records.
    dump = dump_with_good_stories(tmp_path)
    db = dump / "w.duckdb"
    first = run([dump], db)
    assert [Path(p).name for p in first.own_files] == ["w.duckdb.writer"]  # made by the run
    (dump / "w.duckdb.wal").write_bytes(b"\x00" * 64)  # as a run interrupted leaves it

    summary = run([dump], db)

    assert sorted(Path(p).name for p in summary.own_files) == [
        "w.duckdb", "w.duckdb.wal", "w.duckdb.writer"]
    assert summary.records_seen == 20 and summary.quarantined == 0
    assert published(db, "SELECT count(*) FROM quarantine") == [(0,)]
    assert published(db, "SELECT DISTINCT source FROM articles") == [(str(dump / "good.jsonl"),)]
    assert reconciles(db)
    # Named on its own, it is left out as well; a file merely named like it elsewhere is read.
    assert [p.name for p in find_inputs([str(db)], warehouse=db).own] == ["w.duckdb"]
    (other := tmp_path / "other").mkdir()
    (other / "w.duckdb.jsonl").write_text(jsonl(50, 1))
    assert find_inputs([str(other)], warehouse=db).files == [other / "w.duckdb.jsonl"]


def test_a_folder_that_cannot_be_listed_is_quarantined(tmp_path, monkeypatch):
    dump = dump_with_good_stories(tmp_path)
    locked = dump / "locked"
    locked.mkdir()
    (locked / "inside.jsonl").write_text(jsonl(100, 3))
    real_scandir = os.scandir

    def scandir(path="."):  # as for a folder without read permission (tests may run as root)
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    db = tmp_path / "w.duckdb"

    run([dump], db)

    assert published(db, "SELECT source, reason_code, reason FROM quarantine") == [
        (str(locked), "unreadable_file", "unreadable folder: Permission denied")]
    assert reconciles(db)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_a_folder_without_read_permission_is_quarantined(tmp_path):
    dump = dump_with_good_stories(tmp_path)
    locked = dump / "locked"
    locked.mkdir()
    (locked / "inside.jsonl").write_text(jsonl(100, 3))
    locked.chmod(0)
    try:
        from flows.sources import find_inputs

        [refused] = find_inputs([str(dump)]).refused
    finally:
        locked.chmod(0o755)
    assert refused.path == locked and "Permission denied" in refused.reason


@pytest.mark.slow
def test_a_file_growing_during_an_inbox_run_has_the_rest_read_by_the_next(
        prefect_harness, tmp_path, monkeypatch):
    from flows.deployments import ingest_inbox
    from flows.stages import ingest as ingest_stage

    inbox, db = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    feed = inbox / "feed.jsonl"
    feed.write_text(jsonl(0, 30))
    real, grown = ingest_stage.read_record_batches, []

    def read_then_grow(path, *args, **kwargs):  # the feed's writer appends once it is read
        yield from real(path, *args, **kwargs)
        if not grown:
            with feed.open("a") as more:
                more.write(jsonl(30, 30))
            grown.append(path)

    monkeypatch.setattr(ingest_stage, "read_record_batches", read_then_grow)

    assert ingest_inbox(str(inbox), str(db)) == 1
    assert grown and published(db, "SELECT count(*) FROM articles") == [(30,)]
    assert published(db, "SELECT size FROM inbox_files") == [(len(jsonl(0, 30)),)]
    assert ingest_inbox(str(inbox), str(db)) == 1  # it changed since: read again
    assert published(db, "SELECT count(*) FROM articles") == [(60,)]
    assert ingest_inbox(str(inbox), str(db)) == 0


def test_inbox_entries_refused_are_quarantined_once(prefect_harness, tmp_path):
    from flows.deployments import ingest_inbox

    inbox, db = tmp_path / "inbox", tmp_path / "w.duckdb"
    inbox.mkdir()
    (inbox / "feed.jsonl").write_text(jsonl(0, 20))
    (tmp_path / "notes.txt").write_text(notes())
    (inbox / "notes.txt").symlink_to(tmp_path / "notes.txt")
    _dangling(inbox / "gone.jsonl")
    (inbox / ".partial.jsonl").write_text(jsonl(50, 2))  # e.g. rsync's file being written

    assert ingest_inbox(str(inbox), str(db)) == 3
    assert published(db, "SELECT record_key, reason_code FROM quarantine ORDER BY 1") == [
        ("gone.jsonl", "unreadable_file"), ("notes.txt", "link_not_followed")]
    assert published(db, "SELECT count(*) FROM articles WHERE body LIKE '%door code%'") == [(0,)]
    assert ingest_inbox(str(inbox), str(db)) == 0


# --- operations (defect 8) ---------------------------------------------------------------

def _killed_run(dump: Path, db: Path) -> str:
    """A run SIGKILLed just before it publishes; returns its run id (from the lock)."""
    script = ("import os, signal\nfrom pathlib import Path\n"
              "from flows.pipeline import run_pipeline\nfrom flows.stages.common import local_map\n"
              "def die(wh, summary):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
              f"run_pipeline([{str(dump)!r}], Path({str(db)!r}), None, mapper=local_map, "
              "before_publish=die)\n")
    assert subprocess.run([sys.executable, "-c", script]).returncode == -signal.SIGKILL
    return json.loads((writer_folder(db) / "lock").read_text())["run_id"]


@pytest.mark.slow
def test_a_killed_run_is_recorded_abandoned_by_the_next_even_one_that_fails(tmp_path):
    dump, db = dump_with_good_stories(tmp_path), tmp_path / "w.duckdb"
    run([dump], db)
    (dump / "more.jsonl").write_text(jsonl(100, 5))
    killed = _killed_run(dump, db)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "short.txt").write_text("too short\n")

    with pytest.raises(RunFailed, match="ingest gate failed"):  # all quarantined
        run([bad], db)

    [(status, message, inputs, finished)] = published(
        db, "SELECT status, message, inputs, finished_at FROM runs WHERE run_id = ?", [killed])
    assert status == "abandoned" and inputs == [str(dump)] and finished is None
    assert re.match(r"its process \(PID \d+\) ended without finishing .* nothing of it was "
                    r"published; noticed by run \S+$", message)
    assert published(db, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)]
    assert run([dump], db).abandoned == []  # recorded once
    assert published(db, "SELECT count(*) FROM articles") == [(25,)]


def test_a_run_still_writing_is_never_marked_abandoned(tmp_path):
    dump, db = dump_with_good_stories(tmp_path), tmp_path / "w.duckdb"
    run([dump], db)
    with Writer(db, "still-writing", inputs=[str(dump)]), pytest.raises(WriterBusy):
        run([dump], db)
    assert run([dump], db).abandoned == []  # it ended, releasing the lock
    assert published(db, "SELECT count(*) FROM runs WHERE status = 'abandoned'") == [(0,)]


@pytest.mark.parametrize("next_run", ["succeeds", "fails"])
def test_a_run_left_running_in_the_warehouse_is_marked_abandoned(tmp_path, next_run):
    """A 'running' row an earlier version (writing in place) left behind."""
    dump, db = dump_with_good_stories(tmp_path), tmp_path / "w.duckdb"
    run([dump], db)
    with Warehouse(db) as wh:
        wh.con.execute("INSERT INTO runs (run_id, started_at, status) "
                       "VALUES ('old', now(), 'running')")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "short.txt").write_text("too short\n")

    if next_run == "succeeds":
        assert run([dump], db).abandoned == ["old"]
    else:
        with pytest.raises(RunFailed):
            run([bad], db)

    assert published(db, "SELECT status FROM runs WHERE run_id = 'old'") == [("abandoned",)]


def _staged_tables(db: Path) -> list[tuple]:
    return published(db, "SELECT schema_name, table_name FROM duckdb_tables() "
                         "WHERE schema_name <> 'main'")


def test_a_failed_gate_leaves_no_staging_table_in_the_warehouse_or_its_copy(tmp_path):
    dump, db = dump_with_good_stories(tmp_path), tmp_path / "w.duckdb"
    run([dump], db)
    bad = tmp_path / "bad"
    bad.mkdir()
    for i in range(3):
        (bad / f"short{i}.txt").write_text(f"too short {i}\n")

    with pytest.raises(RunFailed, match="ingest gate failed"):
        run([bad], db)

    assert _staged_tables(db) == []
    assert _staged_tables(writer_folder(db) / "work.duckdb") == []
    assert published(db, "SELECT count(*) FROM quarantine") == [(3,)]  # its record stays


@pytest.fixture(scope="module")
def warehouse_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("damaged")
    db = folder / "w.duckdb"
    run([dump_with_good_stories(folder, 200)], db)
    return db


EVERY_TABLE = ("articles", "country_mentions", "article_countries", "article_themes", "runs",
               "quality_results", "quarantine", "term_weekly", "country_weekly", "countries")


def _damaged(source: Path, folder: Path, how: str) -> Path:
    data = bytearray(source.read_bytes())
    if how == "truncated":
        data = data[:len(data) // 4]
    elif how == "overwritten":
        for at in range(8192, len(data), 64 * 1024):
            data[at:at + 512] = os.urandom(512)
    else:
        data = bytearray()
    damaged = folder / f"{how}.duckdb"
    damaged.write_bytes(bytes(data))
    return damaged


@pytest.mark.parametrize("command", ["check", "report", "run", "sql"])
@pytest.mark.parametrize("how", ["truncated", "overwritten", "empty"])
def test_a_damaged_warehouse_file_is_one_line_not_a_traceback(warehouse_file, tmp_path, how,
                                                               command):
    db = _damaged(warehouse_file, tmp_path, how)
    args = {"check": ["check"], "report": ["report", "--out", str(tmp_path / "out")],
            "run": ["run", str(dump_with_good_stories(tmp_path, 2)), "--out",
                    str(tmp_path / "out")],
            "sql": ["sql", "SELECT " + ", ".join(f"(SELECT sum(hash(t)) FROM {table} t)"
                                                 for table in EVERY_TABLE)]}[command]

    result = runner.invoke(app, [*args, "--db", str(db)])

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.output.startswith(f"error: {db} is damaged (truncated or corrupted: ")
    assert result.output.count("\n") == 1 and "restore it from a backup" in result.output


@pytest.mark.parametrize("command", ["report", "run"])
@pytest.mark.parametrize("week", ["0001-W01", "9999-W52", "1899-W52"])
def test_a_week_out_of_range_is_one_line(tmp_path, week, command):
    args = ["report"] if command == "report" else ["run", str(tmp_path)]

    result = runner.invoke(app, [*args, "--week", week, "--db", str(tmp_path / "w.duckdb")])

    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert result.output == (f"error: bad week '{week}': a report week is from 1900-W01 to "
                             "9998-W52 (no article is dated before 1900)\n")
