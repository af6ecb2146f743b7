"""`comention …`: the command line (Typer + Rich). User errors are one line and exit code 1."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

import flows  # noqa: F401  (sets Prefect's quiet, offline defaults before Prefect is imported)

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
console = Console()
err = Console(stderr=True)

DbOption = Annotated[Path, typer.Option("--db", help="DuckDB warehouse file.",
                                        envvar="COMENTION_DB")]
OutOption = Annotated[Path, typer.Option("--out", help="Folder for the HTML reports.",
                                         envvar="COMENTION_REPORTS")]
DEFAULT_DB = Path("comention.duckdb")
DEFAULT_OUT = Path("reports/out")


def _fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code=1)


def _parse_week(week: str | None):
    from transforms.dates import parse_iso_week

    if week is None:
        return None
    try:
        return parse_iso_week(week)
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _summary_table(summary) -> Table:
    table = Table(title=f"run {summary.run_id}", show_header=False)
    for label, value in (
        ("records seen", summary.records_seen),
        ("articles loaded", summary.articles_loaded),
        ("duplicates", summary.duplicates),
        ("near-duplicates (linked)", summary.near_duplicates),
        ("quarantined", summary.quarantined),
        *((f"gate: {stage}", status) for stage, status in summary.gates.items()),
        ("warehouse", str(summary.db)),
        ("report", str(summary.report) if summary.report else "—"),
    ):
        table.add_row(label, str(value))
    return table


FieldOption = Annotated[
    list[str] | None,
    typer.Option("--field", help="Export column for a field, e.g. body=maintext (repeatable)."),
]
CleanOption = Annotated[
    bool, typer.Option("--clean-exports", help="Also clean the text of structured exports.")
]


def _run(paths: list[str], db: Path, out: Path | None, week, fields: list[str] | None = None,
         clean_exports: bool = False, runner: str = "local",
         dask_address: str | None = None) -> None:
    from expectations.gate import GateFailed
    from flows.pipeline import NothingToRead, comention_flow, dask_flow
    from flows.sources import InputNotFound, discover
    from flows.sources.fields import parse_field_overrides
    from flows.warehouse import WarehouseError

    # The CLI reports failures in one line of its own; Prefect's run loggers would add a
    # traceback for what is a user-facing outcome (a failed gate, a missing path).
    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        overrides = parse_field_overrides(fields or [])
        discover(paths)
        if runner not in ("local", "dask"):
            raise ValueError(f"unknown runner {runner!r}: use local or dask")
        chosen = dask_flow(dask_address) if runner == "dask" else comention_flow
        summary = chosen(paths=paths, db=str(db), out=str(out) if out else None, week=week,
                         fields=overrides, clean_exports=clean_exports, runner=runner)
    except GateFailed as exc:
        names = ", ".join(r.expectation for r in exc.gate.failed)
        raise _fail(f"{exc.gate.stage} gate failed: {names} (nothing published; see "
                    f"quality_results in {db})") from None
    except (NothingToRead, InputNotFound, WarehouseError, ValueError) as exc:
        raise _fail(str(exc)) from None
    console.print(_summary_table(summary))


@app.command()
def run(
    paths: Annotated[list[str], typer.Argument(help="Dump files, folders (recursive) or globs.")],
    db: DbOption = DEFAULT_DB,
    out: OutOption = DEFAULT_OUT,
    week: Annotated[str | None, typer.Option(help="Report week, YYYY-Www.")] = None,
    field: FieldOption = None,
    clean_exports: CleanOption = False,
    runner: Annotated[str, typer.Option(help="local, or dask: extraction and enrichment "
                                             "batches on a Dask cluster.")] = "local",
    dask_address: Annotated[str | None, typer.Option(
        help="Scheduler of an existing Dask cluster (tcp://host:8786); default: a local "
             "cluster of 2 workers.")] = None,
) -> None:
    """Ingest → enrich → marts → report, each stage gated, as one Prefect flow."""
    _run(paths, db, out, _parse_week(week), field, clean_exports, runner, dask_address)


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Dump files, folders (recursive) or globs.")],
    db: DbOption = DEFAULT_DB,
    field: FieldOption = None,
    clean_exports: CleanOption = False,
) -> None:
    """Ingest, enrich and rebuild the marts, without writing a report."""
    _run(paths, db, None, None, field, clean_exports)


@app.command()
def report(
    db: DbOption = DEFAULT_DB,
    out: OutOption = DEFAULT_OUT,
    week: Annotated[str | None, typer.Option(help="YYYY-Www; default: last complete week.")] = None,
    png: Annotated[bool, typer.Option("--png", help="Also export every chart as PNG and SVG.")]
    = False,
) -> None:
    """Write the weekly HTML report from the warehouse."""
    from flows.warehouse import Warehouse, WarehouseError
    from reports.render import render_report

    monday = _parse_week(week)
    try:
        with Warehouse(db, read_only=True) as wh:
            path = render_report(wh, out, monday, images=png)
    except WarehouseError as exc:
        raise _fail(str(exc)) from None
    if path is None:
        raise _fail(f"no articles in {db}: nothing to report")
    console.print(f"report: {path}")


@app.command()
def sql(
    query: Annotated[str, typer.Argument(help="SQL to run (read-only).")],
    db: DbOption = DEFAULT_DB,
    limit: Annotated[int, typer.Option(help="Rows to print at most.")] = 50,
) -> None:
    """Run a read-only SQL query against the warehouse and print the result."""
    import duckdb

    from flows.warehouse import Warehouse, WarehouseError

    try:
        with Warehouse(db, read_only=True) as wh:
            result = wh.con.sql(query)
            if result is None:
                raise _fail("the statement returned no rows")
            columns, rows = result.columns, result.limit(limit).fetchall()
    except WarehouseError as exc:
        raise _fail(str(exc)) from None
    except duckdb.Error as exc:
        raise _fail(str(exc).splitlines()[0]) from None
    table = Table(*columns)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)


@app.command()
def check(db: DbOption = DEFAULT_DB) -> None:
    """Run every stage's expectation suite against the published tables (read-only)."""
    from flows.check import check_published
    from flows.warehouse import Warehouse, WarehouseError

    try:
        with Warehouse(db, read_only=True) as wh:
            gates = check_published(wh)
    except WarehouseError as exc:
        raise _fail(str(exc)) from None
    table = Table("stage", "expectation", "threshold", "observed", "severity", "result")
    for gate in gates:
        for r in gate.results:
            if not r.success:
                table.add_row(gate.stage, r.expectation, r.threshold or "", r.observed or "",
                              r.severity, r.severity)
    console.print(table if table.row_count else "every expectation holds")
    for gate in gates:
        console.print(f"{gate.stage}: {gate.status} ({len(gate.results)} expectations)")
    failed = [g for g in gates if not g.passed]
    if failed:
        raise _fail("; ".join(f"{g.stage} gate failed: "
                              + ", ".join(r.expectation for r in g.failed) for g in failed))


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the sample corpus to.")],
    articles: Annotated[int, typer.Option(help="Number of articles.")] = 480,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same corpus).")] = 7,
) -> None:
    """Write the bundled sample corpus (page dumps and a JSON Lines export)."""
    from flows.sample import write_sample

    written = write_sample(out, articles=articles, seed=seed)
    console.print(f"sample corpus: {written} files in {out}")
