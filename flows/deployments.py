"""Flows for scheduled deployments (prefect.yaml): the hourly inbox ingest, the Monday report,
and backfills. Each flow reads its settings (flows.settings) from the environment as it
starts, so a worker's environment configures them: the paths default to COMENTION_INBOX
(default ``inbox``), COMENTION_DB (``comention.duckdb``) and COMENTION_REPORTS (``reports/out``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.tasks import exponential_backoff

from flows.orchestration import as_task
from flows.pipeline import RunSummary, create_warehouse, run_pipeline
from flows.settings import Settings
from flows.sources import Inputs, find_inputs, source_of
from flows.stages.ingest import hidden_note
from flows.warehouse import Warehouse, WarehouseError
from reports.render import render_report
from transforms.dates import week_start


def _path(value: str | None, default: Path) -> Path:
    """The path a flow was given, else the setting's."""
    return Path(value) if value else default


def _transient(task, task_run, state) -> bool:
    """Retry only what can pass: the database file held by another writer, a lost file."""
    try:
        state.result()
    except (duckdb.IOException, WarehouseError, OSError):
        return True
    except Exception:  # noqa: BLE001 - a failed gate or bad input will fail again
        return False
    return False


@task(cache_policy=NO_CACHE, retries=3, retry_delay_seconds=exponential_backoff(10),
      retry_condition_fn=_transient)
def run_stages(paths: list[str], db: Path, out: Path | None, settings: Settings,
               inbox_files: list[FileState] | None = None) -> RunSummary:
    """The pipeline; with ``inbox_files`` (the states of ``paths`` before the run), the run
    also records its files as processed, in what it publishes (a run that fails leaves them
    to be read again)."""
    def record_files(wh: Warehouse, summary: RunSummary) -> None:
        mark_processed(wh, [Path(p) for p in paths], summary.run_id, inbox_files)

    return run_pipeline(paths, db, out, as_task=as_task,
                        before_publish=record_files if inbox_files is not None else None,
                        settings=settings)


def _nothing_to_report(why: str, key: str) -> None:
    """A run with no data completes and says so (a fresh machine is not an error)."""
    create_markdown_artifact(f"{why}: nothing to report.", key=key)


def _summary_markdown(summary: RunSummary, files: list[Path]) -> str:
    gates = ", ".join(f"{stage}: {status}" for stage, status in summary.gates.items())
    return (
        f"# comention run `{summary.run_id}`\n\n"
        f"| | |\n|---|---|\n| files | {len(files)} |\n"
        f"| records seen | {summary.records_seen} |\n"
        f"| articles loaded | {summary.articles_loaded} |\n"
        f"| duplicates | {summary.duplicates} |\n"
        f"| near-duplicates | {summary.near_duplicates} |\n"
        f"| quarantined | {summary.quarantined} |\n| gates | {gates} |\n"
        f"| warehouse | `{summary.db}` |\n"
        + (f"| report | `{summary.report}` |\n" if summary.report else "")
    )


# A file as the inbox records it: (path as in the warehouse, size, modification time).
FileState = tuple[str, int, float]


def file_state(path: Path) -> FileState:
    """``path`` as the inbox records it; a link as itself (a broken one has no target)."""
    info = path.lstat() if path.is_symlink() else path.stat()
    return source_of(path), info.st_size, info.st_mtime


def new_inbox_files(db: Path, inbox: Path) -> list[Path]:
    """Files in the inbox not yet processed (a file changed since counts as new)."""
    return list(new_inbox_states(db, inbox))


def new_inbox_states(db: Path, inbox: Path, found: Inputs | None = None,
                     memory_limit: str = Settings.duckdb_memory) -> dict[Path, FileState]:
    """The inbox's entries not yet processed, each with its state now, by the published
    warehouse (read-only, as an analyst reads it: the run's writer is not open yet). The
    entries the finder refuses (links out of the inbox, FIFOs) come too: the run quarantines
    them, once. The state is taken before the run reads: a file that grows while it is read
    is recorded at the size it had, and read again (its new records) the next time.
    ``found``: what the inbox holds, if the caller has listed it already; ``memory_limit``:
    DuckDB's."""
    if not inbox.exists():
        return {}
    found = found or find_inputs([str(inbox)])
    entries = found.files + [refused.path for refused in found.refused]
    seen = set()
    if db.exists():
        with Warehouse(db, read_only=True, memory_limit=memory_limit) as wh:
            if wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'inbox_files'"):
                seen = {(p, s, m) for p, s, m in wh.con.execute(
                    "SELECT path, size, mtime FROM inbox_files").fetchall()}
    states = {}
    for entry in entries:
        try:
            state = file_state(entry)
        except OSError:  # gone since it was listed
            continue
        if state not in seen:
            states[entry] = state
    return states


def mark_processed(wh: Warehouse, files: list[Path], run_id: str,
                   states: list[FileState] | None = None) -> None:
    """Record ``files`` as processed by ``run_id``, in the ``states`` they were read in
    (default: as they are now)."""
    states = states if states is not None else [file_state(f) for f in files]
    rows = pl.DataFrame({
        "path": [path for path, _, _ in states], "size": [size for _, size, _ in states],
        "mtime": [mtime for _, _, mtime in states], "run_id": [run_id] * len(states),
        "processed_at": [datetime.now(UTC)] * len(states),
    }, schema_overrides={"size": pl.Int64, "mtime": pl.Float64})
    # A file another run recorded meanwhile stays recorded once.
    with wh.transaction(), wh.incoming(rows):
        wh.con.execute("INSERT OR IGNORE INTO inbox_files BY NAME SELECT * FROM _incoming")


@flow(name="comention-ingest", log_prints=False)
def ingest_inbox(inbox: str | None = None, db: str | None = None) -> int:
    """Ingest everything new in the inbox folder; returns the number of files processed.

    A file is recorded as processed only after its run published. If a run dies halfway, its
    files are read again next time, and deduplication makes that harmless: nothing is lost or
    loaded twice. An empty inbox is a run that completes and does nothing.
    """
    settings = Settings.from_env()
    inbox_path = _path(inbox, settings.inbox)
    db_path = _path(db, settings.db)
    db_path.parent.mkdir(parents=True, exist_ok=True)  # e.g. COMENTION_DB in a new folder
    create_warehouse(db_path, settings)
    found = find_inputs([str(inbox_path)]) if inbox_path.exists() else Inputs()
    states = new_inbox_states(db_path, inbox_path, found, settings.duckdb_memory)
    files = list(states)
    hidden = f"\n\n{hidden_note([str(p) for p in found.hidden])}." if found.hidden else ""
    if not files:
        create_markdown_artifact(f"No new files in `{inbox_path}`.{hidden}",
                                 key="comention-ingest")
        return 0
    summary = run_stages([str(f) for f in files], db_path, None, settings,
                         inbox_files=list(states.values()))
    create_markdown_artifact(_summary_markdown(summary, files) + hidden,
                             key="comention-ingest")
    return len(files)


@flow(name="comention-weekly-report", log_prints=False)
def weekly_report(db: str | None = None, out: str | None = None,
                  week: date | None = None) -> str | None:
    """Write the weekly report (default: the last complete week) and its data-quality page."""
    settings = Settings.from_env()
    db_path = _path(db, settings.db)
    out_path = _path(out, settings.reports)
    if not db_path.exists():
        _nothing_to_report(f"No warehouse at `{db_path}` yet", "comention-weekly-report")
        return None
    with Warehouse(db_path, read_only=True, memory_limit=settings.duckdb_memory) as wh:
        path = render_report(wh, out_path, week)
    if path is None:
        _nothing_to_report("No articles in the warehouse yet", "comention-weekly-report")
        return None
    create_markdown_artifact(
        f"# Weekly report\n\n`{path.resolve()}`\n\nData quality: "
        f"`{(out_path / 'data-quality.html').resolve()}`", key="comention-weekly-report")
    return str(path)


@flow(name="comention-backfill", log_prints=False)
def backfill(paths: list[str] | None = None, since: date | None = None,
             until: date | None = None, db: str | None = None, out: str | None = None
             ) -> list[str]:
    """Ingest ``paths`` (if any), then write the report of every week from ``since`` to
    ``until`` (default: every week in the data)."""
    settings = Settings.from_env()
    db_path = _path(db, settings.db)
    out_path = _path(out, settings.reports)
    if paths:
        summary = run_stages(paths, db_path, None, settings)
        create_markdown_artifact(_summary_markdown(summary, [Path(p) for p in paths]),
                                 key="comention-backfill")
    if not db_path.exists():  # nothing ingested yet (no paths, no earlier run)
        _nothing_to_report(f"No warehouse at `{db_path}` yet", "comention-backfill")
        return []
    written = []
    with Warehouse(db_path, read_only=True, memory_limit=settings.duckdb_memory) as wh:
        weeks = wh.frame("SELECT DISTINCT week FROM country_weekly ORDER BY week")["week"]
        for monday in weeks.to_list():
            if (since is None or monday >= week_start(since)) and (
                until is None or monday <= until
            ):
                written.append(str(render_report(wh, out_path, monday)))
    if not written:
        _nothing_to_report("No articles in the warehouse for these weeks",
                           "comention-backfill")
    return written
