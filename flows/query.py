"""`comention sql`: one statement on a locked read-only connection, printed as a table, CSV,
JSON or Markdown, streamed in batches."""

from __future__ import annotations

import csv
import json
import math
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from time import monotonic as time_now
from typing import TextIO

import duckdb
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from flows.errors import UserError
from flows.settings import Settings
from flows.warehouse import Warehouse, WarehouseError, damage_message

TERMINAL_ROWS = 50  # default --limit for a table on a terminal
BATCH = 2048  # rows fetched from DuckDB at a time


class QueryError(UserError):
    """The query cannot be run or was stopped; the message says why."""


def connect_read_only(path: Path, memory_limit: str = Settings.duckdb_memory
                      ) -> duckdb.DuckDBPyConnection:
    """A sandboxed read-only connection to ``path``: no statement can write, read other files
    or change settings."""
    try:
        return Warehouse(path, sandboxed=True, memory_limit=memory_limit).con
    except WarehouseError as exc:
        raise QueryError(str(exc)) from None


def run_query(db: Path, query: str, fmt: str = "table", limit: int | None = None,
              timeout: float | None = None, memory_limit: str = Settings.duckdb_memory) -> None:
    """Run one statement and write its rows to stdout in ``fmt``; at most ``limit`` rows
    (0: all; default: all, except 50 for a table on a terminal), notices to stderr;
    ``memory_limit``: DuckDB's (Settings.duckdb_memory)."""
    if fmt not in WRITERS:
        raise QueryError(f"unknown format {fmt!r}: use one of {', '.join(WRITERS)}")
    if limit is not None and limit < 0:
        raise QueryError("--limit must be 0 (all rows) or more")
    if timeout is not None and timeout <= 0:
        raise QueryError("--timeout must be more than 0 seconds")
    try:
        count = len(duckdb.extract_statements(query))
    except duckdb.Error as exc:
        raise QueryError(str(exc).rstrip()) from None
    if count != 1:
        raise QueryError(f"one statement at a time: got {count}")
    # Looked up now, not at import, so that a caller's (or CliRunner's) redirection counts.
    out, err = sys.stdout, sys.stderr
    if limit is None:
        limit = TERMINAL_ROWS if fmt == "table" and out.isatty() else 0

    try:
        con = connect_read_only(db, memory_limit)
    except KeyboardInterrupt:
        raise QueryError("interrupted") from None
    try:
        _interruptible(con, lambda stop: _print(con, query, fmt, limit, out, err, stop), timeout)
    except duckdb.Error as exc:
        raise QueryError(damage_message(db, exc) or str(exc).rstrip()) from None
    except BrokenPipeError:
        pass  # the reader (`| head`) has all it wants: not an error
    finally:
        con.close()


def _interruptible(con: duckdb.DuckDBPyConnection, job: Callable[[threading.Event], None],
                   timeout: float | None) -> None:
    """Run ``job(stop)`` in a thread, so that this one is free to take Ctrl-C and to time it
    out: DuckDB's own Ctrl-C check missed about one signal in three here (a long cross join).

    Ctrl-C is taken by a signal handler that only sets a flag: a KeyboardInterrupt raised
    inside a thread wait can leave its lock half released and the query running."""
    stop, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []
    reasons: list[str] = []

    def work() -> None:
        try:
            job(stop)
        except BaseException as exc:  # raised again below, in the calling thread
            failures.append(exc)
        finally:
            done.set()

    in_main = threading.current_thread() is threading.main_thread()
    previous = (signal.signal(signal.SIGINT, lambda *_: reasons.append("interrupted"))
                if in_main else None)
    deadline = time_now() + timeout if timeout else math.inf
    try:
        threading.Thread(target=work, daemon=True).start()
        while not done.wait(0.05):
            if not reasons and time_now() > deadline:
                reasons.append(f"query interrupted after {timeout:g} s (--timeout)")
            if reasons:
                stop.set()  # noticed between two batches
                con.interrupt()  # inside DuckDB; again, in case it came before the query began
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if failures and reasons and isinstance(failures[0], (duckdb.InterruptException, _Stopped)):
        raise QueryError(reasons[0]) from None
    if failures:
        raise failures[0]


class _Stopped(Exception):
    """Ctrl-C or the timeout, noticed between two batches of rows."""


def _print(con: duckdb.DuckDBPyConnection, query: str, fmt: str, limit: int, out: TextIO,
           err: TextIO, stop: threading.Event) -> None:
    result = con.execute(query)
    columns = [d[0] for d in result.description or ()]
    shown = 0

    def rows() -> Iterator[tuple]:
        nonlocal shown
        for batch in _batches(result, limit, stop):
            shown += len(batch)
            yield from batch

    WRITERS[fmt](out, columns, rows())
    if limit and shown == limit:
        total = shown + sum(len(b) for b in _batches(result, 0, stop))
        if total > shown:
            hint = "--limit 0 for all" + (", --csv to export" if fmt == "table" else "")
            print(f"{shown} of {total} rows shown ({hint})", file=err)


def _batches(result: duckdb.DuckDBPyConnection, limit: int,
             stop: threading.Event) -> Iterator[list[tuple]]:
    left = limit or math.inf
    while left and (batch := result.fetchmany(min(BATCH, left))):
        if stop.is_set():
            raise _Stopped
        left -= len(batch)
        yield batch


def _json(value: object) -> str:
    """JSON text of one DuckDB value: decimals exact, dates ISO 8601, nested values nested."""
    if value is None or isinstance(value, (bool, int, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value) if math.isfinite(value) else json.dumps(str(value))
    if isinstance(value, (date, datetime, time)):
        return json.dumps(value.isoformat())
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_json, value)) + "]"
    if isinstance(value, dict):
        return _json_object((str(k), v) for k, v in value.items())
    return json.dumps(str(value), ensure_ascii=False)  # UUID, INTERVAL, BLOB …


def _json_object(pairs: Iterable[tuple[str, object]]) -> str:
    return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)}: {_json(v)}"
                           for k, v in pairs) + "}"


def _text(value: object) -> str:
    """One cell as text: NULL empty, nested values and booleans as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (bool, list, tuple, dict)):
        return _json(value)
    return str(value)


def write_table(out: TextIO, columns: list[str], rows: Iterable[tuple]) -> None:
    # Text(): cell values are data, not Rich markup. A terminal folds long cells; a file or
    # pipe gets a console wide enough that no cell is wrapped or cut.
    table = Table(*(Column(Text(c), overflow="fold") for c in columns))
    for row in rows:
        table.add_row(*(Text(_text(v)) for v in row))
    Console(file=out, width=None if out.isatty() else 10**6).print(table)


def write_csv(out: TextIO, columns: list[str], rows: Iterable[tuple]) -> None:
    writer = csv.writer(out, lineterminator="\n")  # quoting as RFC 4180; \n for Unix tools
    writer.writerow(columns)
    for row in rows:
        writer.writerow(map(_text, row))


def write_json(out: TextIO, columns: list[str], rows: Iterable[tuple]) -> None:
    out.write("[")
    for i, row in enumerate(rows):
        out.write((",\n " if i else "\n ") + _json_object(zip(columns, row, strict=True)))
    out.write("\n]\n")


def write_markdown(out: TextIO, columns: list[str], rows: Iterable[tuple]) -> None:
    def line(cells: Iterable[str]) -> str:
        escaped = (c.replace("|", "\\|").replace("\r\n", "<br>").replace("\n", "<br>")
                   for c in cells)
        return "| " + " | ".join(escaped) + " |\n"

    out.write(line(columns) + line("---" for _ in columns))
    for row in rows:
        out.write(line(map(_text, row)))


WRITERS = {"table": write_table, "csv": write_csv, "json": write_json,
           "markdown": write_markdown}
