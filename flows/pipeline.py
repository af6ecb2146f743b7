"""The comention pipeline: ingest → enrich → marts → report, each stage gated before it publishes.

A run writes a private working copy of the warehouse (flows.writer), chunk by chunk: each stage
checks every chunk's rows and the run as a whole with its expectation suite. When every stage
passed, the copy is published by one atomic file swap; when one failed, the run's work is thrown
away and only its record is published (runs, quality_results, what it quarantined), so the
published analytic tables stay exactly as they were.

Plain Python, no Prefect: `comention run` calls it directly when no Prefect API is configured,
and flows.orchestration runs the same stages as Prefect tasks (deployments, a server, Dask).
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from expectations.gate import GateFailed, GateResult
from flows.errors import UserError
from flows.pool import CorePool, WorkerDied
from flows.progress import RunProgress, plural
from flows.settings import Settings
from flows.sources import ReadOptions
from flows.stages.common import Mapper, NothingToRead, RunSummary, described, local_map
from flows.stages.enrich import enrich
from flows.stages.ingest import clear_file_quarantine, ingest
from flows.stages.marts import marts
from flows.stages.report import report
from flows.warehouse import Warehouse, WarehouseError, damage_message, sql_string
from flows.writer import Writer
from transforms.gazetteer import countries_reference
from transforms.themes import themes_reference

__all__ = ["NothingToRead", "RunFailed", "RunSummary", "local_map", "run_pipeline"]


class RunFailed(UserError):
    """A stage did not publish. The message says which stage, which checks and what the input
    looked like, in one line; the summary holds what the run had counted."""

    def __init__(self, message: str, summary: RunSummary):
        super().__init__(message)
        self.summary = summary


StageWrapper = Callable[[Callable], Callable]


def plain(function: Callable) -> Callable:
    """Run a stage as the plain function it is (no orchestrator)."""
    return function


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def start_run(wh: Warehouse, run_id: str, paths: list[str]) -> None:
    wh.con.execute(
        "INSERT INTO runs (run_id, started_at, status, inputs) VALUES (?, ?, 'running', ?)",
        [run_id, datetime.now(UTC), paths],
    )


def mark_abandoned(wh: Warehouse, run_id: str, abandoned: dict | None) -> list[str]:
    """Record as 'abandoned' the runs whose process ended without finishing (killed, out of
    memory, the machine stopped): the one the writer's lock still named (``abandoned``, see
    flows.writer), and any run still 'running' in the warehouse (left by an earlier version,
    which wrote in place). Called holding the writer's lock, so none of them is still
    writing. Returns their run ids."""
    why = ("ended without finishing (killed, out of memory or the machine stopped): nothing "
           f"of it was published; noticed by run {run_id}")
    if abandoned and not abandoned["run_id"].startswith(CREATE_PREFIX):
        wh.con.execute(
            "INSERT INTO runs (run_id, started_at, status, inputs, message) "
            "VALUES (?, ?, 'abandoned', ?, ?) ON CONFLICT DO NOTHING",
            [abandoned["run_id"], _started_at(abandoned.get("started_at")),
             [str(p) for p in abandoned.get("inputs") or []],
             f"its process (PID {abandoned.get('pid', '?')}) {why}"])
    wh.con.execute("UPDATE runs SET status = 'abandoned', message = ? "
                   "WHERE status = 'running' AND run_id <> ?", [f"its process {why}", run_id])
    return [found for (found,) in wh.con.execute(
        "SELECT run_id FROM runs WHERE status = 'abandoned' AND message LIKE ?",
        [f"%noticed by run {run_id}"]).fetchall()]


def _started_at(text: str | None) -> datetime:
    """When the lock says its run started (now, if it cannot say)."""
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return datetime.now(UTC)


def finish_run(wh: Warehouse, summary: RunSummary, status: str, message: str | None) -> None:
    wh.con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, records_seen = ?, articles_loaded = ?, "
        "duplicates = ?, near_duplicates = ?, quarantined = ?, message = ? WHERE run_id = ?",
        [datetime.now(UTC), status, summary.records_seen, summary.articles_loaded,
         summary.duplicates, summary.near_duplicates, summary.quarantined, message,
         summary.run_id],
    )


def describe_failure(gate: GateResult, summary: RunSummary) -> str:
    """One line for a failed gate: the checks and their bounds, and, when records were
    quarantined, the most common reasons (they usually say what to change, e.g. a --field)."""
    checks = "; ".join(described(r, row_counts=False) for r in gate.failed)
    message = f"{gate.stage} gate failed, nothing published: {checks}"
    if gate.stage == "ingest" and summary.quarantine_reasons:
        reasons = "; ".join(f"{Path(source).name}: {reason} ({plural(count, 'record')})"
                            for reason, count, source in summary.quarantine_reasons)
        message += (f". {summary.quarantined:,} of {plural(summary.records_seen, 'record')} "
                    f"quarantined, most often: {reasons}")
    return message


def _ingest_line(summary: RunSummary) -> str:
    dates = (f", {summary.first_date} … {summary.last_date}" if summary.first_date else "")
    replaced = f", {plural(summary.replaced, 'article')} replaced" if summary.replaced else ""
    return (f"{plural(summary.records_seen, 'record')} → "
            f"{plural(summary.articles_loaded, 'new article')}{dates}, "
            f"{plural(summary.duplicates, 'duplicate')}, "
            f"{plural(summary.near_duplicates, 'near-duplicate')}, "
            f"{summary.quarantined:,} quarantined"
            f"{replaced}; gate {summary.gates.get('ingest', '—')}")


def _warn(summary: RunSummary, replace: bool, progress: RunProgress) -> None:
    """Say loudly what the user should fix: articles with no date of their own (file times put
    them in the wrong weeks), and a --replace that found nothing it loaded before."""
    if summary.dated_by_file_time:
        progress.warn(
            f"{summary.dated_by_file_time:,} of the "
            f"{plural(summary.articles_loaded, 'new article')} had no date in their record "
            "or page and were dated by their file's modification time. For exports, name "
            "the date field with --field date=COLUMN and reload them with --replace.")
    if replace and not summary.replaced and summary.duplicates:
        progress.warn(
            "--replace found no articles loaded from these files before (it matches files by "
            f"their path: moved or renamed?); the {plural(summary.duplicates, 'record')} "
            "whose text is already loaded stay as they were.")


CREATE_PREFIX = "create-"  # the writer's run id when it only creates a warehouse


def create_warehouse(db: Path, settings: Settings | None = None) -> None:
    """Publish an empty warehouse (schema and reference tables) at ``db`` if none is there, so
    analysts and reports find the tables before the first articles arrive."""
    if db.exists():
        return
    settings = settings or Settings()
    writer = Writer(db, f"{CREATE_PREFIX}{new_run_id()}", memory_limit=settings.duckdb_memory)
    with writer as wh:
        _ensure_schema(wh, settings)
        writer.publish()


def _ensure_schema(wh: Warehouse, settings: Settings) -> None:
    wh.ensure_schema(countries_reference(), themes_reference(), settings.min_pair_support)


def run_pipeline(
    paths: list[str], db: Path, out: Path | None, week: date | None = None,
    options: ReadOptions | None = None, mapper: Mapper | None = None, *, replace: bool = False,
    progress: RunProgress | None = None, as_task: StageWrapper = plain, wait: float = 0.0,
    before_publish: Callable[[Warehouse, RunSummary], None] | None = None,
    settings: Settings | None = None,
) -> RunSummary:
    """The stages in order on the private working copy, then one atomic publish; raises
    RunFailed or NothingToRead (after publishing the failed run's record: its checks and the
    records it quarantined, nothing else of it).

    ``mapper`` runs the batches of extraction and enrichment (default: a CorePool over every
    usable core); ``as_task`` wraps each stage function (flows.orchestration makes them
    Prefect tasks);
    ``progress`` prints a line per stage (silent by default); ``wait``: seconds to wait for
    another run writing the same warehouse; ``before_publish`` adds the caller's own rows
    (the inbox deployment records the files it processed) to a successful run. ``settings``:
    the run's (default: the defaults; the caller reads them with Settings.from_env); the
    limits of reading come from ``options`` when given, else from ``settings``.
    """
    settings = settings or Settings()
    options = options or settings.read_options()
    progress = progress or RunProgress()
    run_id = new_run_id()
    summary = RunSummary(run_id=run_id, db=db)
    writer = Writer(db, run_id, wait=wait, on_wait=progress.say, inputs=paths,
                    memory_limit=settings.duckdb_memory)
    with writer as wh:
        _ensure_schema(wh, settings)
        summary.abandoned = mark_abandoned(wh, run_id, writer.abandoned)
        if summary.abandoned:
            progress.warn(f"{plural(len(summary.abandoned), 'earlier run')} ended without "
                          "finishing (killed?) and published nothing: recorded as abandoned "
                          f"({', '.join(summary.abandoned)})")
        start_run(wh, run_id, paths)
        wh.drop_staged("touched_weeks")
        wh.con.execute("CREATE TABLE staging.touched_weeks (week DATE)")
        try:
            with CorePool() if mapper is None else contextlib.nullcontext(mapper) as batches:
                _stages(wh, run_id, paths, summary, options, batches, replace, progress,
                        as_task, settings)
            if before_publish is not None:
                before_publish(wh, summary)
            finish_run(wh, summary, "success", None)
            wh.drop_staged("touched_weeks", "run_sources")
        except GateFailed as exc:
            message = describe_failure(exc.gate, summary)
            _publish_failure(writer, summary, message, settings)
            raise RunFailed(message, summary) from None
        except NothingToRead as exc:
            _publish_failure(writer, summary, str(exc), settings)
            raise
        except duckdb.Error as exc:
            # Out of memory or disk, mostly (or a damaged warehouse file): the run's work is
            # thrown away.
            message = (f"{summary.stage} failed in DuckDB, nothing of the run was published: "
                       f"{damage_message(db, exc) or str(exc).splitlines()[0]}")
            _publish_failure(writer, summary, message, settings)
            raise RunFailed(message, summary) from None
        except WorkerDied as exc:
            message = f"{summary.stage} failed, nothing of the run was published: {exc}"
            _publish_failure(writer, summary, message, settings)
            raise RunFailed(message, summary) from None
        except BaseException as exc:
            _publish_failure(writer, summary, f"{type(exc).__name__}: {exc}", settings)
            raise
        summary.stage = "publish"
        try:
            writer.publish()
        except WarehouseError as exc:  # out of disk, mostly
            raise RunFailed(f"{exc}; the run was not published", summary) from None
        if out is not None:
            summary.stage = "report"
            with progress.stage("report") as line:
                summary.report = as_task(report)(writer.wh, out, week)
                line.detail = str(summary.report) if summary.report else "nothing to report"
    return summary


def _stages(wh: Warehouse, run_id: str, paths: list[str], summary: RunSummary,
            options: ReadOptions, mapper: Mapper, replace: bool,
            progress: RunProgress, as_task: StageWrapper, settings: Settings) -> None:
    if paths:
        summary.stage = "ingest"
        with progress.stage("ingest") as line:
            as_task(ingest)(wh, run_id, paths, summary, options, mapper, replace, progress)
            line.detail = _ingest_line(summary)
        _warn(summary, replace, progress)
    summary.stage = "enrich"
    with progress.stage("enrich") as line:
        done = as_task(enrich)(wh, run_id, summary, mapper, progress)
        line.detail = (
            f"{plural(done['articles'], 'article')} → "
            f"{plural(done['mentions'], 'country mention')}, "
            f"{done['with_country']:,} with a country, {done['with_theme']:,} with a "
            f"theme; gate {summary.gates.get('enrich', 'skipped (nothing new)')}")
    summary.stage = "marts"
    with progress.stage("marts") as line:
        rows = as_task(marts)(wh, run_id, summary, settings=settings.marts)
        line.detail = (f"{rows['country_weekly']:,} country-weeks, "
                       f"{rows['country_pairs_weekly']:,} pair-weeks, "
                       f"{rows['theme_weekly']:,} theme-weeks; "
                       f"gate {summary.gates.get('marts', 'skipped (nothing new)')}")


# What a failed run leaves in the published warehouse: its own record, its checks, and the
# records it quarantined (nothing read is ever lost), in the files as they are now.
_FAILURE_RECORD = {  # in this order: the files' earlier quarantine rows go before its own come
    "run_sources": "SELECT * FROM staging.run_sources",
    # With the runs it found abandoned (flows.writer): recorded even if it fails.
    "runs": "SELECT * FROM runs WHERE run_id = '{run}' OR run_id IN ({abandoned})",
    "quality_results": "SELECT * FROM quality_results WHERE run_id = '{run}'",
    "quarantine": "SELECT * FROM quarantine WHERE run_id = '{run}' AND stage = 'ingest'",
}


def _publish_failure(writer: Writer, summary: RunSummary, message: str,
                     settings: Settings) -> None:
    """Throw the run's work away and publish only its record (runs, quality_results, the
    quarantine rows of its files: what it read is not lost). If that fails too (out of memory
    or disk), the published warehouse is left exactly as it was."""
    folder = writer.folder / "failed-run"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    try:
        wh = writer.reopen()
        kept = _save_failure_record(wh, summary, folder)
        wh = writer.discard()
        _ensure_schema(wh, settings)
        with wh.transaction() as con:
            for table, path in kept.items():
                rows = f"read_parquet({sql_string(path)})"
                if table == "run_sources":
                    con.execute(f"CREATE OR REPLACE TABLE staging.run_sources AS "
                                f"SELECT * FROM {rows}")
                    # Its ingest rows only: with --replace its enrich rows are of articles
                    # that, the run thrown away, are still there.
                    clear_file_quarantine(wh, replace=False)
                    wh.drop_staged("run_sources")
                else:
                    conflict = " ON CONFLICT DO NOTHING" if table == "quarantine" else ""
                    if table == "runs" and summary.abandoned:
                        # A run it found abandoned may be there as 'running' (left by a
                        # version that wrote in place).
                        con.execute(f"DELETE FROM runs WHERE run_id IN (SELECT run_id FROM "
                                    f"{rows})")
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM {rows}{conflict}")
            if "runs" not in kept:
                start_run(wh, summary.run_id, [])
            finish_run(wh, summary, "failed", message)
        writer.publish()
    except (duckdb.Error, WarehouseError):
        with contextlib.suppress(duckdb.Error, WarehouseError):
            writer.discard()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _save_failure_record(wh: Warehouse, summary: RunSummary, folder: Path) -> dict[str, Path]:
    run_id = summary.run_id
    kept = {}
    for table, query in _FAILURE_RECORD.items():
        if table == "run_sources" and not wh.has_staged("run_sources"):
            continue
        path = folder / f"{table}.parquet"
        abandoned = ", ".join(sql_string(found) for found in summary.abandoned) or "NULL"
        rows = query.format(run=run_id, abandoned=abandoned)
        wh.con.execute(f"COPY ({rows}) TO {sql_string(path)} (FORMAT parquet)")
        kept[table] = path
    return kept
