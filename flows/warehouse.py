"""The DuckDB warehouse: connection, schema, staging tables and atomic publishing."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from flows.errors import UserError
from flows.settings import Settings  # its defaults, as the defaults here
from transforms.dates import ARTICLE_WEEK

SCHEMA_SQL = Path(__file__).with_name("schema.sql")
STAGING = "staging"
# Tables that had a PRIMARY KEY in earlier versions and have none now (see schema.sql).
UNKEYED_TABLES = ("article_countries", "article_themes", "enriched_articles", "term_weekly")
ANALYTIC_TABLES = (
    "articles", "country_mentions", "article_countries", "article_themes", "country_weekly",
    "country_pairs_weekly", "theme_weekly", "theme_country_weekly",
)


# What a batch of articles is read with (articles_at); its week is transforms.dates'
# ARTICLE_WEEK, the one rule for an article's ISO week.
_BATCH_COLUMNS = f"doc_id, title, body, lang, site, dup_of, {ARTICLE_WEEK} AS week"


def articles_at(wh: Warehouse, rowids: list[int]) -> pl.DataFrame:
    """doc_id, title, body, lang, site, dup_of and week of the articles at these row ids (what
    enrichment, term counting and signing read), in row order. By row id, not doc_id: a batch
    of nearby rows reads only their row groups, where a doc_id list would scan every article's
    text. The text is read through a plain row-id range (DuckDB 2.0 reads a range row by row;
    a list of row ids, or a row id in the output, makes it hold the text of a whole vector of
    2,048 rows at once: 40 bodies of 9 MB ran it out of its memory), the rows kept by doc_id."""
    if not rowids:
        return wh.frame(f"SELECT {_BATCH_COLUMNS} FROM articles LIMIT 0")
    first, last = min(rowids), max(rowids)
    keys = wh.frame("SELECT rowid, doc_id FROM articles WHERE rowid BETWEEN ? AND ? "
                    "AND rowid IN (SELECT unnest(?::BIGINT[])) ORDER BY rowid",
                    [first, last, rowids])
    found = wh.frame(
        f"SELECT {_BATCH_COLUMNS} FROM articles WHERE rowid BETWEEN ? AND ? "
        "AND doc_id IN (SELECT unnest(?::VARCHAR[]))",
        [first, last, keys["doc_id"].to_list()])
    return keys.select("doc_id").join(found, on="doc_id", maintain_order="left")


def with_text_bytes(wh: Warehouse, rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (rowid and doc_id of articles) with ``size``: the bytes of each one's title and
    body, what batches are bounded by (flows.batches); read by row-id range as articles_at
    reads them."""
    if rows.is_empty():
        return rows.with_columns(size=pl.lit(0, pl.Int64))
    sizes = wh.frame(
        "SELECT doc_id, strlen(coalesce(title, '')) + strlen(coalesce(body, '')) AS size "
        "FROM articles WHERE rowid BETWEEN ? AND ?",
        [rows["rowid"].min(), rows["rowid"].max()])
    return rows.join(sizes, on="doc_id", how="left", maintain_order="left")


def sql_string(text: str | Path) -> str:
    """``text`` as a SQL string literal (for paths in ATTACH and COPY, which take no
    parameters)."""
    return "'" + str(text).replace("'", "''") + "'"


class WarehouseError(UserError):
    """The database file cannot be opened or used (missing, locked, damaged, out of disk); the
    message says why."""


# What DuckDB says of a file cut short or overwritten (a full disk, a copy interrupted).
_DAMAGE = re.compile(r"Could not read enough bytes|Corrupt database file|not a valid DuckDB "
                     r"database file|does not match stored checksum")


def damage_message(path: Path, exc: BaseException) -> str | None:
    """One line for a database file that is damaged (truncated or corrupted), naming ``path``
    and what to do; None if ``exc`` says something else."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if not _DAMAGE.search(text):
        return None
    # The file is named once, first (it may be the writer's copy of it).
    detail = re.sub(r'file "[^"]*"', "file", re.sub(r' from file "[^"]*"', "", text))
    return (f"{path} is damaged (truncated or corrupted: {detail}): restore it from a "
            "backup, or move it aside to start a new warehouse")


def _open_error(path: Path, exc: duckdb.Error, read_only: bool) -> str:
    """Why the file could not be opened, in one line; a lock held by another process (DuckDB
    allows one writer) names that process, so the user knows what to wait for."""
    text = str(exc)
    holder = re.search(r"Conflicting lock is held in (\S+) \(PID (\d+)\)", text)
    if holder:
        program, pid = holder.groups()
        process = f"PID {pid}, {Path(program).name}"
        if read_only:  # only a writer keeps readers out
            return (f"{path} is locked: a run is writing to it ({process}); "
                    "query it when the run has finished")
        return (f"{path} is in use by another process ({process}): DuckDB allows one writer "
                "at a time, and readers only while nobody writes. Try again when that run "
                "has finished.")
    return damage_message(path, exc) or f"cannot open database {path}: {text.splitlines()[0]}"


class Warehouse:
    def __init__(self, path: str | Path, read_only: bool = False, sandboxed: bool = False,
                 copy_of: Path | None = None, memory_limit: str = Settings.duckdb_memory):
        """Open the warehouse at ``path``. ``sandboxed`` (read-only too): no statement can
        write, read other files or change settings — ``read_only`` alone still allows ATTACH …
        READ_WRITE and COPY TO (../shared/DEPENDENCIES.md). ``copy_of``: the file ``path`` is
        a copy of (flows.writer's working copy), the one a damaged copy is reported as.
        ``memory_limit``: DuckDB's cap (Settings.duckdb_memory); beyond it, it spills to
        disk."""
        self.path = Path(path)
        self.copy_of = copy_of
        read_only = read_only or sandboxed
        if read_only and not self.path.exists():
            raise WarehouseError(f"no database at {self.path}: run `comention run` first")
        # Bounded memory whatever the size of the dump: DuckDB spills to disk beyond it.
        config = {"memory_limit": memory_limit}
        if sandboxed:
            config |= {"enable_external_access": False, "lock_configuration": True}
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            message = copy_of and damage_message(copy_of, exc)
            raise WarehouseError(message or _open_error(self.path, exc, read_only)) from None
        self.read_only = read_only

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):  # an invalidated connection is closed anyway
            self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def ensure_schema(self, countries: pl.DataFrame, themes: pl.DataFrame,
                      min_pair_support: int = Settings.min_pair_support) -> None:
        """Create the public tables and (re)load the reference tables, in one transaction.
        ``min_pair_support``: the run's (Settings.min_pair_support), named in the schema."""
        schema = SCHEMA_SQL.read_text().replace("$min_pair_support", str(int(min_pair_support)))
        with self.transaction():
            self._add_missing_columns(schema)
            keyed = self._set_keyed_tables_aside()
            self.con.execute(schema)
            for table in keyed:
                self.con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {table}__keyed")
                self.con.execute(f"DROP TABLE {table}__keyed")
            self.con.execute(f"CREATE SCHEMA IF NOT EXISTS {STAGING}")
            self.replace("countries", countries)
            self.replace("themes", themes)

    def _set_keyed_tables_aside(self) -> list[str]:
        """Tables of UNKEYED_TABLES that still have their old key, renamed ``<table>__keyed``:
        the schema creates them anew and their rows move across (DuckDB cannot drop a key)."""
        keyed = [table for (table,) in self.con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE schema_name = 'main' "
            "AND constraint_type = 'PRIMARY KEY' AND table_name IN (SELECT unnest(?))",
            [list(UNKEYED_TABLES)]).fetchall()]
        for table in keyed:
            self.con.execute(f"ALTER TABLE {table} RENAME TO {table}__keyed")
        return keyed

    def _add_missing_columns(self, schema: str) -> None:
        """Bring a warehouse written by an earlier version up to ``schema``: its tables gain
        the columns they lack (NULL in the rows they hold); missing tables the schema creates."""
        columns = (
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "JOIN information_schema.tables USING (table_catalog, table_schema, table_name) "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"
        )
        reference = duckdb.connect()
        try:
            reference.execute(schema)
            wanted = reference.execute(columns).fetchall()
        finally:
            reference.close()
        present = {(table, column) for table, column, _ in self.con.execute(columns).fetchall()}
        tables = {table for table, _ in present}
        for table, column, data_type in wanted:
            if table in tables and (table, column) not in present:
                self.con.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {data_type}')

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.con.execute("COMMIT")

    def frame(self, sql: str, params: list | None = None) -> pl.DataFrame:
        return pl.from_arrow(self.con.sql(sql, params=params or None).to_arrow_table())

    def scalar(self, sql: str, params: list | None = None):
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    @contextmanager
    def incoming(self, frame: pl.DataFrame) -> Iterator[None]:
        """``frame`` visible to SQL as the view ``_incoming`` for the duration of the block."""
        self.con.register("_incoming", frame.to_arrow())
        try:
            yield
        except BaseException:
            # Not to hide the error: a transaction it aborted refuses the unregister too.
            with contextlib.suppress(duckdb.Error):
                self.con.unregister("_incoming")
            raise
        self.con.unregister("_incoming")

    def stage(self, name: str, frame: pl.DataFrame) -> None:
        """Replace staging.<name> with ``frame``."""
        with self.incoming(frame):
            self.con.execute(f"CREATE OR REPLACE TABLE {STAGING}.{name} AS SELECT * FROM _incoming")

    def has_table(self, name: str) -> bool:
        """Whether the warehouse itself (not an attached database) has the table."""
        return bool(self.scalar(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ?", [name]))

    def has_staged(self, name: str) -> bool:
        return bool(self.scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND "
            "table_name = ?", [STAGING, name]))

    def append_staged(self, name: str, frame: pl.DataFrame) -> None:
        """Append ``frame`` to staging.<name>, creating it on first use."""
        if not self.has_staged(name):
            self.stage(name, frame)
            return
        with self.incoming(frame):
            self.con.execute(f"INSERT INTO {STAGING}.{name} SELECT * FROM _incoming")

    def drop_staged(self, *names: str) -> None:
        for name in names:
            self.con.execute(f"DROP TABLE IF EXISTS {STAGING}.{name}")

    def replace(self, table: str, frame: pl.DataFrame) -> None:
        """Replace the rows of a public table with ``frame`` (columns by name); no transaction."""
        self.con.execute(f"DELETE FROM {table}")
        self.insert(table, frame)

    def insert(self, table: str, frame: pl.DataFrame) -> None:
        """Append ``frame`` to a public table (columns by name); no transaction."""
        if frame.is_empty():
            return
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        with self.incoming(frame):
            self.con.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM _incoming")

    def checksum(self, table: str) -> tuple[int, int]:
        """(row count, order-independent hash of all rows): equal before/after = unchanged."""
        return tuple(
            self.con.execute(
                f"SELECT count(*), coalesce(sum(hash(t)), 0) FROM {table} AS t"
            ).fetchall()[0]
        )
