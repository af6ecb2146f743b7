"""comention: country co-mentions and theme trends from raw news dumps.

Point `comention run` at saved pages, crawls or exports; it builds a DuckDB warehouse of
country mentions and themes and writes a weekly HTML report. Errors are one line and exit
code 1; usage errors (an unknown option, a missing argument) exit 2.
"""
# Errors: what the user can fix is a flows.errors.UserError, printed by `command` as one line;
# anything else is a bug and keeps its traceback.

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

import flows
from flows.errors import BadOption, UserError
from flows.progress import plural
from flows.settings import Settings

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__,
                  rich_markup_mode=None)  # plain help: flags without a "<bool>" type
console = Console()
err = Console(stderr=True)


def _default(setting: str) -> str:
    """How a flag's help names its default: the setting's variable, then its default."""
    field = Settings.__dataclass_fields__[setting]
    return f"  [env var: {field.metadata['env']}; default: {field.default}]"


# The paths' defaults are the settings' (flows.settings reads their variables): None here.
DbOption = Annotated[Path | None, typer.Option(
    "--db", help="DuckDB warehouse file." + _default("db"), show_default=False)]
OutOption = Annotated[Path | None, typer.Option(
    "--out", help="Folder for the HTML reports." + _default("reports"), show_default=False)]


def _settings(**flags) -> Settings:
    """The settings of this command: the environment's, overridden by the flags given (a bad
    value is a SettingError, a UserError)."""
    return Settings.from_env().overridden(**flags)


def _fail(message: str) -> typer.Exit:
    # One line whatever the terminal width, and the message as text, not Rich markup.
    err.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    return typer.Exit(code=1)


def command(**options) -> Callable[[Callable], Callable]:
    """``app.command(**options)``, where a UserError the command raises becomes its one line
    and exit code 1. Nothing else is caught: an unexpected exception is a bug, and its
    traceback is printed as it is."""
    def register(function: Callable) -> Callable:
        @functools.wraps(function)
        def run(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except UserError as exc:
                raise _fail(str(exc)) from None
        return app.command(**options)(run)
    return register


def _unreadable(db: Path, exc: Exception) -> typer.Exit:
    """A DuckDB error reading the warehouse, in one line (a damaged file says so)."""
    from flows.warehouse import damage_message

    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return _fail(damage_message(db, exc) or f"cannot read {db}: {first}")


def _show_version(value: bool) -> None:
    if value:
        console.print(f"comention {version('comention')}")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[bool, typer.Option(
        "--version", callback=_show_version, is_eager=True, help="Print the version and exit.")]
    = False,
) -> None:
    pass


def _parse_week(week: str | None):
    """The Monday of a --week. Weeks from 1900-W01 (no article is dated before 1900) to
    9998-W52 (the dates around later weeks overflow Python's): others are refused here, in
    one line."""
    from datetime import date, timedelta

    from transforms.dates import EARLIEST, iso_week_label, parse_iso_week

    if week is None:
        return None
    try:
        monday = parse_iso_week(week)
    except (ValueError, OverflowError) as exc:
        raise _fail(str(exc)) from None
    first = EARLIEST.date() - timedelta(days=EARLIEST.weekday())
    last = date.fromisocalendar(9998, 52, 1)
    if not first <= monday <= last:
        raise _fail(f"bad week {week!r}: a report week is from {iso_week_label(first)} to "
                    f"{iso_week_label(last)} (no article is dated before {EARLIEST.year})")
    return monday


def _print_summary(summary, started: float) -> None:
    """The end of a run, as a user needs it: what was loaded, what warned, where to look."""
    dates = (f" dated {summary.first_date} … {summary.last_date}" if summary.first_date
             else "")
    console.print(
        f"[bold green]done[/] in {time.perf_counter() - started:.1f} s: "
        f"{plural(summary.articles_loaded, 'new article')}{dates}, "
        f"{plural(summary.duplicates, 'duplicate')}, "
        f"{plural(summary.near_duplicates, 'near-duplicate')}, "
        f"{summary.quarantined:,} quarantined (run {summary.run_id})",
        highlight=False, soft_wrap=True)
    for warning in summary.warnings:
        console.print(Text.assemble(("warned: ", "yellow"), warning), soft_wrap=True)
    if summary.hidden:
        from flows.stages.ingest import hidden_note

        console.print(Text.assemble(("skipped: ", "yellow"), hidden_note(summary.hidden)),
                      soft_wrap=True)
    if summary.own_files:
        from flows.stages.ingest import own_files_note

        console.print(Text.assemble(("skipped: ", "yellow"), own_files_note(summary.own_files)),
                      soft_wrap=True)
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_row("warehouse", str(summary.db.resolve()))
    if summary.report:
        table.add_row("report", str(summary.report.resolve()))
        table.add_row("data quality", str((summary.report.parent / "data-quality.html")
                                          .resolve()))
    console.print(table)


FieldOption = Annotated[
    list[str] | None,
    typer.Option("--field", help="Export column for a field, e.g. body=maintext, "
                                 "date=when (repeatable)."),
]
CleanOption = Annotated[
    bool, typer.Option("--clean-exports", help="Also clean the text of structured exports.")
]
ReplaceOption = Annotated[bool, typer.Option(
    "--replace", help="Reload files read before: replace the articles earlier runs loaded "
                      "from them (and all derived from them) with what they hold now, e.g. "
                      "after correcting --field date=COLUMN.")]


FollowLinksOption = Annotated[bool, typer.Option(
    "--follow-links", help="Also read symbolic links that lead out of the folders given "
                           "(by default they are quarantined, not read).")]


WaitOption = Annotated[float, typer.Option(
    "--wait", help="Seconds to wait for another run writing the same warehouse (default: "
                   "fail at once, naming it).")]


def _run(paths: list[str], settings: Settings, out: Path | None, week,
         fields: list[str] | None = None, clean_exports: bool = False, runner: str = "local",
         dask_address: str | None = None, replace: bool = False, wait: float = 0.0,
         follow_links: bool = False) -> None:
    started = time.perf_counter()
    from expectations.gate import gx_loading_in_background

    # GX's import (3 s) starts first, in its own process; then the cheap checks: a wrong path
    # or flag is reported before anything heavy loads here.
    with gx_loading_in_background():
        from flows.sources import discover
        from flows.sources.fields import parse_field_overrides

        overrides = parse_field_overrides(fields or [])
        discover(paths)
        if runner not in ("local", "dask"):
            raise BadOption(f"unknown runner {runner!r}: use local or dask")
        options = settings.read_options(fields=overrides, clean_exports=clean_exports,
                                        follow_links=follow_links)
        summary = _run_stages(paths, settings, out, week, options, runner, dask_address,
                              replace, wait)
    _print_summary(summary, started)


def _run_stages(paths, settings, out, week, options, runner, dask_address, replace, wait):
    import duckdb

    from flows.pipeline import RunFailed, run_pipeline
    from flows.progress import RunProgress
    from reports.queries import NoArticlesInWeek

    progress = RunProgress(console, live=err)
    from flows.schedule import api_healthy

    api = flows.prefect_api_url()
    if api and not api_healthy(api):
        raise _fail(f"the Prefect API at {api} (PREFECT_API_URL) does not answer: start it "
                    "(comention schedule starts one), or unset PREFECT_API_URL to run "
                    "without Prefect")
    db = settings.db
    try:
        if runner == "dask" or api:
            summary = _run_as_prefect_flow(paths, db, out, week, options, runner,
                                           dask_address, replace, wait)
        else:
            summary = run_pipeline(paths, db, out, week, options, replace=replace,
                                   progress=progress, wait=wait, settings=settings)
    except RunFailed as exc:
        raise _fail(f"{exc}. Details: quality_results and quarantine in {db}") from None
    except NoArticlesInWeek as exc:
        raise _fail(f"the run was published, but no report was written: {exc}") from None
    except duckdb.Error as exc:
        from flows.warehouse import damage_message

        raise _fail(damage_message(db, exc) or
                    f"the warehouse refused the run, nothing more was published: "
                    f"{str(exc).splitlines()[0]}") from None
    except KeyboardInterrupt:
        raise _fail("interrupted: nothing of the run was published") from None
    except OSError as exc:
        raise _fail(f"{exc.strerror or exc}: {exc.filename or ''} (nothing of the run was "
                    "published)") from None
    return summary


def _run_as_prefect_flow(paths, db, out, week, options, runner, dask_address, replace, wait):
    """The run as a Prefect flow, recorded by the configured Prefect API (or a temporary one
    for Dask), with Prefect's own run logs kept out of the way: the CLI says what happened.
    The flow reads the other settings from the same environment as it starts."""
    import logging

    from flows.orchestration import comention_flow, dask_flow

    for name in ("prefect.flow_runs", "prefect.task_runs"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    chosen = dask_flow(dask_address) if runner == "dask" else comention_flow
    return chosen(paths=paths, db=str(db), out=str(out) if out else None, week=week,
                  fields=options.fields, clean_exports=options.clean_exports, runner=runner,
                  replace=replace, verbose=True, wait=wait, follow_links=options.follow_links)


@command()
def run(
    paths: Annotated[list[str], typer.Argument(help="Dump files, folders (recursive) or globs.")],
    db: DbOption = None,
    out: OutOption = None,
    week: Annotated[str | None, typer.Option(help="Report week, YYYY-Www.")] = None,
    field: FieldOption = None,
    clean_exports: CleanOption = False,
    replace: ReplaceOption = False,
    runner: Annotated[str, typer.Option(help="local, or dask: extraction and enrichment "
                                             "batches on a Dask cluster.")] = "local",
    dask_address: Annotated[str | None, typer.Option(
        help="Scheduler of an existing Dask cluster (tcp://host:8786); default: a local "
             "cluster of 2 workers.")] = None,
    wait: WaitOption = 0.0,
    follow_links: FollowLinksOption = False,
) -> None:
    """Read the dumps, find countries and themes, update the weekly tables, write the report.

    Each stage is gated by its data-quality checks. With a Prefect API configured
    (PREFECT_API_URL), the run is a Prefect flow recorded there.
    """
    settings = _settings(db=db, reports=out)
    _run(paths, settings, settings.reports, _parse_week(week), field, clean_exports, runner,
         dask_address, replace, wait, follow_links)


@command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Dump files, folders (recursive) or globs.")],
    db: DbOption = None,
    field: FieldOption = None,
    clean_exports: CleanOption = False,
    replace: ReplaceOption = False,
    wait: WaitOption = 0.0,
    follow_links: FollowLinksOption = False,
) -> None:
    """Like run, without writing a report."""
    _run(paths, _settings(db=db), None, None, field, clean_exports, replace=replace, wait=wait,
         follow_links=follow_links)


@command()
def report(
    db: DbOption = None,
    out: OutOption = None,
    week: Annotated[str | None, typer.Option(help="YYYY-Www; default: last complete week.")] = None,
    png: Annotated[bool, typer.Option("--png", help="Also export every chart as PNG and SVG.")]
    = False,
    all_weeks: Annotated[bool, typer.Option(
        "--all-weeks", help="One report for every week that has articles.")] = False,
) -> None:
    """Write the weekly HTML report from the warehouse."""
    import duckdb

    from flows.warehouse import Warehouse
    from reports.queries import weeks_with_articles
    from reports.render import render_report

    if all_weeks and week:
        raise _fail("give --week or --all-weeks, not both")
    monday = _parse_week(week)
    settings = _settings(db=db, reports=out)
    db = settings.db
    try:
        with Warehouse(db, read_only=True, memory_limit=settings.duckdb_memory) as wh:
            weeks = weeks_with_articles(wh) if all_weeks else [monday]
            paths = [render_report(wh, settings.reports, chosen, images=png)
                     for chosen in weeks]
    except duckdb.Error as exc:
        raise _unreadable(db, exc) from None
    if not paths or paths[-1] is None:
        raise _fail(f"no articles in {db}: nothing to report")
    for path in paths:
        console.print(f"report: {path}")


@command()
def sql(
    query: Annotated[str, typer.Argument(help="One SQL statement (read-only).")],
    db: DbOption = None,
    limit: Annotated[int | None, typer.Option(
        help="Rows to print at most (default: 50 in the terminal, all with --csv/--json/"
             "--markdown or when writing to a file or pipe); 0 for all.")] = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv, json or markdown.")]
    = "table",
    csv: Annotated[bool, typer.Option("--csv", help="Same as --format csv.")] = False,
    json: Annotated[bool, typer.Option("--json", help="Same as --format json.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Same as --format markdown.")]
    = False,
    timeout: Annotated[float | None, typer.Option(
        help="Seconds before the query is interrupted.")] = None,
) -> None:
    """Run one read-only SQL statement against the warehouse and print the result."""
    from flows.query import run_query

    chosen = "csv" if csv else "json" if json else "markdown" if markdown else fmt
    settings = _settings(db=db)
    run_query(settings.db, query, fmt=chosen, limit=limit, timeout=timeout,
              memory_limit=settings.duckdb_memory)


@command()
def check(db: DbOption = None) -> None:
    """Run every stage's expectation suite against the published tables (read-only)."""
    import duckdb

    from flows.check import check_published
    from flows.warehouse import Warehouse

    settings = _settings(db=db)
    db = settings.db
    try:
        with Warehouse(db, read_only=True, memory_limit=settings.duckdb_memory) as wh:
            gates = check_published(wh)
    except duckdb.Error as exc:
        raise _unreadable(db, exc) from None
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


@command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the sample corpus to.")],
    articles: Annotated[int, typer.Option(help="Number of articles.")] = 480,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same corpus).")] = 7,
) -> None:
    """Write the bundled sample corpus (page dumps and a JSON Lines export)."""
    from flows.sample import write_sample

    written = write_sample(out, articles=articles, seed=seed)
    console.print(f"sample corpus: {written} files in {out}")


@command()
def schedule(
    db: DbOption = None,
    out: OutOption = None,
    inbox: Annotated[Path | None, typer.Option(
        "--inbox", help="Folder the hourly ingest reads." + _default("inbox"),
        show_default=False)] = None,
    port: Annotated[int, typer.Option(help="Port of the local Prefect server.")] = 4200,
) -> None:
    """Run the schedule on this machine: a local Prefect server, the work pool, the
    deployments of prefect.yaml and a worker, until Ctrl-C."""
    from flows.schedule import run_schedule

    settings = _settings(db=db, reports=out, inbox=inbox)
    run_schedule(db=settings.db, out=settings.reports, inbox=settings.inbox, port=port)
