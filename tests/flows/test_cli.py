"""The command line as a new user meets it: a fresh account, wrong columns, undated records,
a second writer, and what a run prints."""

from __future__ import annotations

import csv
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.warehouse import Warehouse
from flows.writer import index_of

runner = CliRunner()
COMENTION = Path(sys.executable).with_name("comention")
STORY = ("Officials in Berlin said on Monday that exports to France rose sharply this year, "
         "while talks with Japan on a new trade agreement continued in Tokyo amid concern "
         "about energy prices and the cost of living. Story {i} of the series.")
PAGE = """Home | World | Business | Sport

Talks in Tokyo on trade continue

By Jane Doe, March 5, 2024

Officials in Berlin said on Monday that exports to France rose sharply this year, while talks \
with Japan on a new trade agreement continued in Tokyo. Ministers from Germany and Japan met for \
a second day, and both sides said they hoped to finish the agreement before the summer.

The talks cover cars, farm goods and digital services. Business groups in both countries have \
pressed for a deal, saying that tariffs have raised costs for companies and consumers alike.

Share this article
"""


def _export(folder: Path, name: str, header: list[str], rows: list[list]) -> Path:
    path = folder / name
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _undated_jsonl(folder: Path, n: int = 12) -> Path:
    """An export whose date field has a name comention cannot guess."""
    path = folder / "feed.jsonl"
    path.write_text("".join(
        json.dumps({"id": i, "title": f"Trade talks {i}", "text": STORY.format(i=i),
                    "released_on_wire": f"2024-03-{1 + i % 9:02d}T08:00:00Z"}) + "\n"
        for i in range(n)))
    return path


@pytest.mark.slow
def test_run_works_on_a_fresh_account_without_prefect_settings(tmp_path):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    (work / "page.txt").write_text(PAGE)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home)}  # no PREFECT_*, no ~/.comention
    result = subprocess.run([str(COMENTION), "run", "page.txt"], cwd=work, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    # A line per stage, then where everything is.
    for stage in ("ingest", "enrich", "marts", "report"):
        assert any(line.startswith(stage) for line in result.stdout.splitlines()), stage
    assert "data quality" in result.stdout and "done in" in result.stdout
    with Warehouse(work / "comention.duckdb", read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM articles") == 1
        assert wh.scalar("SELECT date_source FROM articles") == "byline"


def test_path_and_flag_errors_come_before_anything_heavy_loads(tmp_path):
    """A wrong path is reported before Prefect, GX or the pipeline are imported."""
    probe = (
        "import sys\n"
        "from flows.cli import app\n"
        "try:\n"
        "    app(['run', 'no/such/dump.txt'], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__)\n"
        "heavy = [m for m in ('prefect', 'great_expectations', 'flows.pipeline', 'duckdb')\n"
        "         if m in sys.modules]\n"
        "print('heavy:', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60)
    assert "no such file, folder or glob match: no/such/dump.txt" in result.stderr
    assert "heavy: []" in result.stdout, result.stdout


def test_a_run_without_a_prefect_api_does_not_start_one(tmp_path, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    _undated_jsonl(tmp_path)
    probe = (
        "import sys\n"
        "from flows.cli import app\n"
        "try:\n"
        "    app(['ingest', 'feed.jsonl', '--field', 'date=released_on_wire'],\n"
        "        standalone_mode=False)\n"
        "finally:\n"
        "    print('prefect imported:', 'prefect' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                            text=True, timeout=300,
                            env={**os.environ, "HOME": str(tmp_path)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "prefect imported: False" in result.stdout


def test_undated_records_are_named_loudly_and_can_be_reloaded_with_replace(tmp_path):
    feed = _undated_jsonl(tmp_path)
    db = tmp_path / "w.duckdb"
    first = runner.invoke(app, ["ingest", str(feed), "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert "12 of the 12 new articles had no date" in first.output
    assert "--field date=COLUMN" in first.output and "--replace" in first.output
    with Warehouse(db, read_only=True) as wh:
        before = wh.frame("SELECT date_source, count(*) AS n FROM articles GROUP BY ALL")
        terms_before = wh.scalar("SELECT sum(articles) FROM term_weekly")
    assert before.rows() == [("file_mtime", 12)]

    # Without --replace the texts are known: nothing changes.
    again = runner.invoke(app, ["ingest", str(feed), "--db", str(db), "--field",
                                "date=released_on_wire"])
    assert again.exit_code == 0, again.output
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM articles WHERE date_source = 'record'") == 0

    replaced = runner.invoke(app, ["ingest", str(feed), "--db", str(db), "--field",
                                   "date=released_on_wire", "--replace"])
    assert replaced.exit_code == 0, replaced.output
    assert "12 articles replaced" in replaced.output
    fresh = tmp_path / "fresh.duckdb"
    assert runner.invoke(app, ["ingest", str(feed), "--db", str(fresh), "--field",
                               "date=released_on_wire"]).exit_code == 0
    tables = {"articles": "doc_id, published_at, date_source, dup_of",
              "country_mentions": "doc_id, country, kind, start", "article_countries":
              "doc_id, country, mentions", "article_themes": "doc_id, theme, score",
              "term_weekly": "week, term, articles", "country_weekly": "week, country, articles",
              "enriched_articles": "doc_id", "dedup.article_bands": "band, key, doc_id"}
    with Warehouse(db, read_only=True) as wh, Warehouse(fresh, read_only=True) as ref:
        for con, path in ((wh, db), (ref, fresh)):
            con.con.execute(f"ATTACH '{index_of(path)}' AS dedup (READ_ONLY)")
        assert wh.scalar("SELECT count(*) FROM articles WHERE date_source = 'record'") == 12
        for table, columns in tables.items():
            query = f"SELECT {columns} FROM {table} ORDER BY ALL"
            assert wh.frame(query).equals(ref.frame(query)), table
        # The term counts of the old dates left with the old rows.
        assert wh.scalar("SELECT sum(articles) FROM term_weekly") == terms_before


def test_an_unusual_text_column_fails_in_one_actionable_line(tmp_path):
    export = _export(tmp_path, "odd.csv", ["id", "headline", "story_text", "when"],
                     [[i, f"Talks {i}", STORY.format(i=i), "2024-03-04"] for i in range(20)])
    db = tmp_path / "w.duckdb"
    failed = runner.invoke(app, ["ingest", str(export), "--db", str(db)])
    assert failed.exit_code == 1
    lines = [ln for ln in failed.output.splitlines() if ln.strip()]
    assert len(lines) == 1, failed.output
    assert "odd.csv" in lines[0] and "story_text" in lines[0] and "--field body=" in lines[0]
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM quarantine") == 20
        assert wh.scalar("SELECT count(DISTINCT reason_code) FROM quarantine") == 1

    fixed = runner.invoke(app, ["ingest", str(export), "--db", str(db), "--field",
                                "body=story_text"])
    assert fixed.exit_code == 0, fixed.output
    with Warehouse(db, read_only=True) as wh:
        # The quarantine says what is wrong now: the records loaded, their rows left.
        assert wh.scalar("SELECT count(*) FROM quarantine") == 0
        assert wh.scalar("SELECT count(*) FROM articles") == 20
        # The stories differ in one word: near-duplicates, counted in runs too.
        linked = wh.scalar("SELECT count(*) FROM articles WHERE dup_of IS NOT NULL")
        assert linked > 0
        assert wh.scalar("SELECT near_duplicates FROM runs WHERE status = 'success'") == linked


def _hold_writer(db: Path) -> subprocess.Popen:
    """Another run writing ``db``: a process holding its writer, as a run does."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom pathlib import Path\n"
         "from flows.writer import Writer\n"
         f"writer = Writer(Path({str(db)!r}), 'other-run')\nwriter.__enter__()\n"
         "print('held', flush=True)\ntime.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_writer_gets_one_line_naming_the_run_writing(tmp_path):
    db = tmp_path / "w.duckdb"
    feed = _undated_jsonl(tmp_path)
    holder = _hold_writer(db)
    try:
        started = time.monotonic()
        result = runner.invoke(app, ["ingest", str(feed), "--db", str(db)])
        assert time.monotonic() - started < 20
        waited = runner.invoke(app, ["ingest", str(feed), "--db", str(db), "--wait", "1"])
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    assert f"is being written by run other-run (PID {holder.pid}, started " in lines[0]
    assert "--wait SECONDS" in lines[0]
    # With --wait it says whom it waits for, then gives up with the same line.
    assert waited.exit_code == 1
    assert "waiting for run other-run" in waited.output
    # The writer gone (its lock goes with its process), the next run writes.
    assert runner.invoke(app, ["ingest", str(feed), "--db", str(db)]).exit_code == 0


def test_an_analyst_holding_the_published_file_does_not_stop_a_run(tmp_path):
    """Even a read-write connection to the published file (the DuckDB CLI's default) that
    wrote into it: the run publishes beside it, readers open the new file (the connection's
    log is set aside), the analyst keeps the snapshot they opened."""
    db = tmp_path / "w.duckdb"
    feed = _undated_jsonl(tmp_path)
    assert runner.invoke(app, ["ingest", str(feed), "--db", str(db)]).exit_code == 0
    analyst = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, time\n"
         f"con = duckdb.connect({str(db)!r})\n"
         "con.execute('create table mine as select 1 as x')\n"  # a write-ahead log now
         "print(con.execute('select count(*) from articles').fetchall()[0][0], flush=True)\n"
         "time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        before = int(analyst.stdout.readline())
        more = tmp_path / "more.jsonl"
        more.write_text("".join(json.dumps({"title": f"More {i}", "text": STORY.format(i=i + 50),
                                            "date": "2024-03-05"}) + "\n" for i in range(3)))
        result = runner.invoke(app, ["ingest", str(more), "--db", str(db)])
    finally:
        analyst.kill()
        analyst.wait()
    assert result.exit_code == 0, result.output
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM articles") == before + 3


def test_help_shows_flags_as_flags_and_version_is_printed():
    help_text = runner.invoke(app, ["run", "--help"]).output
    assert "<bool>" not in help_text and "--replace" in help_text
    assert "comention: country co-mentions" in runner.invoke(app, ["--help"]).output
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("comention ")


def test_a_prefect_api_that_does_not_answer_is_one_line(tmp_path, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("PREFECT_API_URL", f"http://127.0.0.1:{port}/api")
    result = runner.invoke(app, ["ingest", str(_undated_jsonl(tmp_path)), "--db",
                                 str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "does not answer" in lines[0], result.output


def test_duckdb_out_of_memory_is_one_line_naming_the_stage_and_the_next_run_works(
    sample_corpus, tmp_path, monkeypatch
):
    db, site = tmp_path / "w.duckdb", str(sample_corpus / "dailyglobe.example")
    monkeypatch.setenv("COMENTION_DUCKDB_MEMORY", "4MB")
    starved = runner.invoke(app, ["ingest", site, "--db", str(db)])
    assert starved.exit_code == 1
    lines = [ln for ln in starved.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and "failed in DuckDB, nothing of the run was published" in lines[0]
    assert "Out of Memory" in lines[0], starved.output
    monkeypatch.delenv("COMENTION_DUCKDB_MEMORY")
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM articles") == 0
    assert runner.invoke(app, ["ingest", site, "--db", str(db)]).exit_code == 0
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM articles") > 0
        assert wh.frame("SELECT status FROM runs ORDER BY started_at")["status"].to_list() == [
            "failed", "success"]
