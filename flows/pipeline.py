"""The comention pipeline: ingest → enrich → marts → report, each stage gated before it publishes.

Each stage writes its rows to staging tables, runs its expectation suite on them, and publishes
in one DuckDB transaction only when the gate passes. Every gate result goes to quality_results;
a failed gate marks the run failed and leaves the published tables as they were.

Plain Python, no Prefect: `comention run` calls it directly when no Prefect API is configured,
and flows.orchestration runs the same stages as Prefect tasks (deployments, a server, Dask).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from expectations.gate import GateFailed, GateResult
from flows.progress import RunProgress, plural
from flows.sources import ReadOptions
from flows.stages.common import Mapper, NothingToRead, RunSummary, described, local_map
from flows.stages.enrich import enrich
from flows.stages.ingest import ingest
from flows.stages.marts import marts
from flows.stages.report import report
from flows.warehouse import Warehouse
from transforms.gazetteer import countries_reference
from transforms.themes import themes_reference

__all__ = ["NothingToRead", "RunFailed", "RunSummary", "local_map", "run_pipeline"]


class RunFailed(Exception):
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


def run_pipeline(
    paths: list[str], db: Path, out: Path | None, week: date | None = None,
    options: ReadOptions | None = None, mapper: Mapper = local_map, *, replace: bool = False,
    progress: RunProgress | None = None, as_task: StageWrapper = plain,
) -> RunSummary:
    """The stages in order on one writer connection; raises RunFailed or NothingToRead.

    ``as_task`` wraps each stage function (flows.orchestration makes them Prefect tasks);
    ``progress`` prints a line per stage (silent by default).
    """
    progress = progress or RunProgress()
    run_id = new_run_id()
    summary = RunSummary(run_id=run_id, db=db)
    with Warehouse(db) as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        start_run(wh, run_id, paths)
        try:
            if paths:
                summary.stage = "ingest"
                with progress.stage("ingest") as line:
                    as_task(ingest)(wh, run_id, paths, summary, options, mapper, replace,
                                    progress)
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
                rows = as_task(marts)(wh, run_id, summary)
                line.detail = (f"{rows['country_weekly']:,} country-weeks, "
                               f"{rows['country_pairs_weekly']:,} pair-weeks, "
                               f"{rows['theme_weekly']:,} theme-weeks; "
                               f"gate {summary.gates['marts']}")
        except GateFailed as exc:
            message = describe_failure(exc.gate, summary)
            finish_run(wh, summary, "failed", message)
            raise RunFailed(message, summary) from None
        except NothingToRead as exc:
            finish_run(wh, summary, "failed", str(exc))
            raise
        except duckdb.Error as exc:
            # Out of memory or disk, mostly: the stage's transaction was rolled back.
            message = (f"{summary.stage} failed in DuckDB, nothing of it was published: "
                       f"{str(exc).splitlines()[0]}")
            with contextlib.suppress(duckdb.Error):  # a connection DuckDB invalidated is dead
                finish_run(wh, summary, "failed", message)
            raise RunFailed(message, summary) from None
        except BaseException as exc:
            finish_run(wh, summary, "failed", f"{type(exc).__name__}: {exc}")
            raise
        finish_run(wh, summary, "success", None)
        if out is not None:
            summary.stage = "report"
            with progress.stage("report") as line:
                summary.report = as_task(report)(wh, out, week)
                line.detail = str(summary.report) if summary.report else "nothing to report"
    return summary
