"""`comention sql` (flows/query.py): row limits, formats, whole errors, one statement,
a connection that cannot write or read other files, timeouts and Ctrl-C."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import flows.query
from flows.cli import app
from flows.query import QueryError, connect_read_only, run_query

URL = "https://example.org/news/" + "a" * 275  # 300 characters, no space to wrap at
assert len(URL) == 300
TITLE = 'He said "hi", then\nleft'
COMENTION = Path(sys.executable).with_name("comention")
FOREVER = "SELECT count(*) FROM range(10000000000) a, range(1000) b"  # hours of work
ATTACK = ("ATTACH 'scratch.duckdb' AS s (READ_WRITE); USE s; DETACH comention; "
          "ATTACH 'comention.duckdb' AS w (READ_WRITE); DELETE FROM w.articles; "
          "SELECT count(*) FROM w.articles")


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """Three articles: one with a 300-char URL, one with CSV/Markdown specials, one all NULL."""
    path = tmp_path_factory.mktemp("template") / "comention.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE articles (id VARCHAR, url VARCHAR, title VARCHAR, published DATE, "
                "fetched_at TIMESTAMP, tags VARCHAR[], score DECIMAL(18, 4), big HUGEINT)")
    con.execute("INSERT INTO articles VALUES "
                "('a1', ?, 'Plain', '2024-01-02', '2024-01-02 03:04:05', ['x', 'y'], 1.25, "
                "170141183460469231731687303715884105727), "
                "('a|2', 'https://e.org/?q=1,2', ?, NULL, NULL, [], 0.1, -1), "
                "('a3', NULL, NULL, NULL, NULL, NULL, NULL, NULL)", [URL, TITLE])
    con.close()
    return path


@pytest.fixture
def db(template, tmp_path, monkeypatch) -> Path:
    """A fresh copy of the template as comention.duckdb in the working directory."""
    monkeypatch.chdir(tmp_path)
    return Path(shutil.copy(template, tmp_path / "comention.duckdb"))


def sql(db: Path, query: str, *options: str):
    return CliRunner().invoke(app, ["sql", query, "--db", str(db), *options])


def rows_in(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM articles").fetchall()[0][0]
    finally:
        con.close()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def in_terminal(monkeypatch, capsys, db: Path, query: str, **kwargs) -> tuple[list[int], str]:
    """The integers of a one-column table printed to a terminal, and stderr."""
    screen = Terminal()
    monkeypatch.setattr(sys, "stdout", screen)
    run_query(db, query, **kwargs)
    text = re.sub(r"\x1b\[[0-9;]*m", "", screen.getvalue())
    return [int(n) for n in re.findall(r"^│\s*(\d+)\s*│$", text, re.M)], capsys.readouterr().err


# 1. Row limits ---------------------------------------------------------------------------------

def test_terminal_shows_50_rows_and_says_how_many_there_are(db, monkeypatch, capsys):
    shown, notice = in_terminal(monkeypatch, capsys, db, "SELECT * FROM range(100)")
    assert shown == list(range(50))
    assert notice == "50 of 100 rows shown (--limit 0 for all, --csv to export)\n"


@pytest.mark.parametrize(("limit", "count", "notice"), [
    (0, 100, ""), (7, 7, "7 of 100 rows shown"), (100, 100, ""),
])
def test_terminal_limit_option(db, monkeypatch, capsys, limit, count, notice):
    shown, err = in_terminal(monkeypatch, capsys, db, "SELECT * FROM range(100)", limit=limit)
    assert shown == list(range(count))
    assert err.startswith(notice) and bool(err) == bool(notice)


def test_a_small_result_needs_no_notice_in_the_terminal(db, monkeypatch, capsys):
    assert in_terminal(monkeypatch, capsys, db, "SELECT * FROM range(3)") == ([0, 1, 2], "")


@pytest.mark.parametrize("fmt", [[], ["--csv"], ["--json"], ["--markdown"]])
def test_a_file_or_pipe_gets_every_row(db, fmt):
    result = sql(db, "SELECT range AS n FROM range(120)", *fmt)
    assert result.exit_code == 0, result.output
    assert re.findall(r"\b119\b", result.stdout) and result.stderr == ""


def test_a_limit_applies_to_a_pipe_too_with_the_notice_on_stderr(db):
    result = sql(db, "SELECT * FROM range(100)", "--csv", "--limit", "10")
    assert result.stdout.splitlines() == ["range", *map(str, range(10))]
    assert result.stderr == "10 of 100 rows shown (--limit 0 for all)\n"


def test_rows_stream_in_batches_across_their_boundaries(db, monkeypatch):
    monkeypatch.setattr(flows.query, "BATCH", 7)
    every = sql(db, "SELECT * FROM range(100)", "--json")
    assert [r["range"] for r in json.loads(every.stdout)] == list(range(100))
    some = sql(db, "SELECT * FROM range(100)", "--csv", "--limit", "10")
    assert some.stdout.splitlines()[1:] == list(map(str, range(10)))
    assert some.stderr.startswith("10 of 100 rows shown")


# 2. Whole cells, 8. NULL -----------------------------------------------------------------------

def test_the_table_never_cuts_a_cell_outside_a_terminal(db):
    result = sql(db, "SELECT id, url, title FROM articles ORDER BY id")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert any(URL in line for line in lines)  # whole, on one line: it can be copied
    assert "…" not in result.stdout
    null_row = next(line for line in lines if " a3 " in line)
    assert re.fullmatch(r"│ a3\s+│\s+│\s+│", null_row)  # NULL is an empty cell, not "None"


def test_cells_are_data_not_rich_markup(db):
    result = sql(db, "SELECT '[bold]x[/bold]' AS \"[i]c\"")
    assert "[bold]x[/bold]" in result.stdout and "[i]c" in result.stdout


# 3. Formats ------------------------------------------------------------------------------------

def test_csv_has_a_header_and_rfc_4180_quoting(db):
    result = sql(db, "SELECT * FROM articles ORDER BY id", "--csv")
    assert result.exit_code == 0, result.output
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["id", "url", "title", "published", "fetched_at", "tags", "score", "big"],
        ["a1", URL, "Plain", "2024-01-02", "2024-01-02 03:04:05", '["x", "y"]', "1.2500",
         "170141183460469231731687303715884105727"],
        ["a3", "", "", "", "", "", "", ""],
        ["a|2", "https://e.org/?q=1,2", TITLE, "", "", "[]", "0.1000", "-1"],
    ]
    assert '"He said ""hi"", then\nleft"' in result.stdout


def test_csv_of_100_rows_is_101_lines(db):
    assert sql(db, "SELECT * FROM range(100)", "--csv").stdout.count("\n") == 101


def test_json_is_an_array_of_objects_with_exact_numbers_and_iso_dates(db):
    result = sql(db, "SELECT * FROM articles ORDER BY id", "--json")
    assert result.exit_code == 0, result.output
    first, null, special = json.loads(result.stdout, parse_float=Decimal)
    assert first == {"id": "a1", "url": URL, "title": "Plain", "published": "2024-01-02",
                     "fetched_at": "2024-01-02T03:04:05", "tags": ["x", "y"],
                     "score": Decimal("1.25"), "big": 2**127 - 1}
    assert null == dict.fromkeys(first) | {"id": "a3"}
    assert special["title"] == TITLE and special["tags"] == [] and special["big"] == -1
    exact = sql(db, "SELECT 12345678901234567.8901234567::DECIMAL(38, 10) AS d", "--json")
    assert json.loads(exact.stdout, parse_float=Decimal) == [
        {"d": Decimal("12345678901234567.8901234567")}]


def test_json_of_no_rows_is_an_empty_array(db):
    assert json.loads(sql(db, "SELECT * FROM articles WHERE false", "--json").stdout) == []


def test_markdown_is_a_github_table_with_pipes_escaped(db):
    result = sql(db, "SELECT id, title, score FROM articles ORDER BY id", "--markdown")
    assert result.exit_code == 0, result.output
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
             for line in result.stdout.splitlines()]
    assert cells == [["id", "title", "score"], ["---"] * 3, ["a1", "Plain", "1.2500"],
                     ["a3", "", ""], [r"a\|2", 'He said "hi", then<br>left', "0.1000"]]


def test_an_unknown_format_lists_the_valid_ones(db):
    result = sql(db, "SELECT 1", "--format", "xml")
    assert result.exit_code == 1
    assert "table, csv, json, markdown" in result.stderr and result.stdout == ""


# 4. Whole errors, 5. one statement -------------------------------------------------------------

def test_a_duckdb_error_keeps_its_hint(db):
    result = sql(db, "SELECT * FROM article")
    assert result.exit_code == 1
    assert 'Did you mean "articles"?' in result.stderr and "LINE 1:" in result.stderr
    with pytest.raises(QueryError) as error:
        run_query(db, "SELECT * FROM article")
    assert str(error.value) == str(error.value).rstrip()


@pytest.mark.parametrize(("query", "count"), [("SELECT 1; SELECT 2", 2), ("", 0), (";", 0),
                                              ("/* nothing */", 0)])
def test_exactly_one_statement(db, query, count):
    result = sql(db, query)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"error: one statement at a time: got {count}\n"


def test_a_trailing_semicolon_is_one_statement(db):
    assert sql(db, "SELECT 42 AS n;", "--csv").stdout == "n\n42\n"


# 6. Read-only ----------------------------------------------------------------------------------

def test_the_attack_that_destroyed_a_warehouse_fails_and_leaves_every_row(db):
    assert sql(db, ATTACK).exit_code == 1  # several statements: refused as a whole
    con = connect_read_only(db)  # and each one fails on its own
    try:
        for statement in duckdb.extract_statements(ATTACK):
            with pytest.raises(duckdb.Error):
                con.execute(statement.query).fetchall()
    finally:
        con.close()
    for statement in duckdb.extract_statements(ATTACK):
        assert sql(db, statement.query).exit_code == 1, statement.query
    assert rows_in(db) == 3
    assert not (db.parent / "scratch.duckdb").exists()


def test_copy_to_fails_and_writes_no_file(db):
    result = sql(db, "COPY articles TO 'x.csv'")
    assert result.exit_code == 1 and "disabled by configuration" in result.stderr
    assert not (db.parent / "x.csv").exists()


@pytest.mark.parametrize("query", [
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_csv('other.csv')",
    "SET memory_limit = '1GB'",
    "RESET memory_limit",
    "INSTALL fts",
    "CREATE TABLE t AS SELECT 1",
    "DELETE FROM articles",
])
def test_statements_that_read_files_write_or_change_settings_fail(db, query):
    (db.parent / "other.csv").write_text("secret\n42\n")
    result = sql(db, query)
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert "root" not in result.stdout and "42" not in result.stdout
    assert rows_in(db) == 3


def test_the_warehouse_memory_limit_applies(db, monkeypatch):
    monkeypatch.setenv("COMENTION_DUCKDB_MEMORY", "256MB")
    result = sql(db, "SELECT current_setting('memory_limit') AS m", "--csv")
    assert result.stdout == "m\n244.1 MiB\n"


def test_a_missing_database_is_one_line_and_is_not_created(tmp_path):
    missing = tmp_path / "nowhere.duckdb"
    with pytest.raises(QueryError) as error:
        run_query(missing, "SELECT 1")
    assert str(error.value) == f"no database at {missing}: run `comention run` first"
    result = sql(missing, "SELECT 1")
    assert result.exit_code == 1 and "run `comention run` first" in result.stderr
    assert not missing.exists()


def test_a_database_held_by_a_writer_says_a_run_is_writing(db):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); sys.stdin.read()", str(db)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "ready\n"
        with pytest.raises(QueryError) as error:
            run_query(db, "SELECT 1")
        message = str(error.value)
        assert str(db) in message and "a run is writing to it" in message
        assert "\n" not in message
        assert sql(db, "SELECT 1").exit_code == 1
    finally:
        holder.stdin.close()
        holder.wait(10)


# 7. Timeout and Ctrl-C -------------------------------------------------------------------------

def test_a_timeout_interrupts_the_query(db):
    start = time.monotonic()
    result = sql(db, FOREVER, "--timeout", "0.5")
    assert time.monotonic() - start < 5
    assert result.exit_code == 1
    assert result.stderr == "error: query interrupted after 0.5 s (--timeout)\n"


def test_ctrl_c_during_a_query_is_a_one_line_error(db):
    process = subprocess.Popen([str(COMENTION), "sql", FOREVER, "--db", str(db)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # started (imports take about 0.1 s here, more on a loaded machine), in the query
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    assert (process.returncode, out, err) == (1, "", "error: interrupted\n")


def test_ctrl_c_inside_duckdb_stops_the_query(db):
    threading.Timer(0.3, os.kill, [os.getpid(), signal.SIGINT]).start()
    start = time.monotonic()
    with pytest.raises(QueryError, match="^interrupted$"):
        run_query(db, FOREVER)
    assert time.monotonic() - start < 5


def test_ctrl_c_while_printing_stops_between_batches(db, monkeypatch):
    class SlowPipe(io.StringIO):
        def write(self, text: str) -> int:
            if not self.tell():  # Ctrl-C on the first write, then a slow reader
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.3)
            return super().write(text)

    monkeypatch.setattr(sys, "stdout", pipe := SlowPipe())
    with pytest.raises(QueryError, match="^interrupted$"):
        run_query(db, "SELECT * FROM range(100000)", fmt="csv")
    assert pipe.getvalue().count("\n") < 100000


def test_a_reader_that_stops_early_is_not_an_error(db):
    process = subprocess.Popen(
        [str(COMENTION), "sql", "SELECT * FROM range(200000)", "--db", str(db), "--csv"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "range\n"  # like `| head -1`
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(10) == 0 and err == ""
