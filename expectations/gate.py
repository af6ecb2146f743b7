"""Run a stage's expectation suite through Great Expectations on pandas batches.

Suites are declarative JSON files in expectations/suites: per named batch, a list of
expectations (GX type, kwargs, severity). Kwargs may name runtime values such as
``"$country_codes"`` or thresholds of expectations/thresholds.toml (``"$ingest.max_..."``).

Severities: a ``fail`` expectation that does not hold stops the stage from publishing; a
``warn`` one is recorded only; a ``quarantine`` one is a row-level check: the rows that break it
are taken out of the batch (the caller sends them to quarantine) and the stage goes on. GX's
DuckDB SQL path fails on these versions, so every batch is a pandas DataFrame of the rows the
run produced (../shared/DEPENDENCIES.md).
"""

from __future__ import annotations

import atexit
import json
import logging
import multiprocessing
import os
import signal
import tomllib
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # batches are pandas frames; importing pandas here would slow the CLI's start
    import pandas as pd

SUITES_DIR = Path(__file__).parent / "suites"
THRESHOLDS = Path(__file__).parent / "thresholds.toml"


@dataclass(frozen=True)
class ExpectationResult:
    stage: str
    suite: str
    expectation: str
    success: bool
    severity: str
    observed: str | None
    checked_at: datetime
    threshold: str | None = None
    # Row-level checks: the rows checked and how many broke the check (for combining chunks).
    checked: int | None = None
    unexpected: int | None = None
    mostly: float | None = None


@dataclass(frozen=True)
class GateResult:
    stage: str
    results: tuple[ExpectationResult, ...]
    # batch name → {row index → the expectation it broke}, for severity "quarantine".
    bad_rows: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def failed(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success and r.severity == "fail"]

    @property
    def warnings(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success and r.severity == "warn"]

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def failed_for_good(self) -> bool:
        """Of a run's chunks so far: a check failed that later chunks cannot make pass (one
        without a ``mostly`` share; a share is judged over all the run's rows)."""
        return any(r.mostly is None or r.checked is None for r in self.failed)

    @property
    def status(self) -> str:
        return gate_status(r.severity for r in self.results if not r.success)


# Severities from worst to mildest: a gate takes the worst of the checks that broke.
SEVERITIES = ("fail", "quarantine", "warn")


def gate_status(broken: Iterable[str]) -> str:
    """A gate's status from the severities of its checks that broke ("pass" when none did):
    the one rule the CLI, the report and the data-quality page show."""
    broken = set(broken)
    return next((severity for severity in SEVERITIES if severity in broken), "pass")


class GateFailed(Exception):
    """A stage's gate failed: the stage was not published."""

    def __init__(self, gate: GateResult):
        self.gate = gate
        names = ", ".join(r.expectation for r in gate.failed)
        super().__init__(f"{gate.stage} gate failed: {names}")


def load_suite(stage: str) -> dict:
    return json.loads((SUITES_DIR / f"{stage}.json").read_text())


@cache
def thresholds() -> dict[str, float]:
    """expectations/thresholds.toml flattened to ``{"ingest.max_quarantine_rate_fail": …}``."""
    with THRESHOLDS.open("rb") as handle:
        sections = tomllib.load(handle)
    return {f"{section}.{key}": value for section, values in sections.items()
            for key, value in values.items()}


@cache
def _gx():
    """The GX module and one quiet ephemeral context with a pandas datasource (import: ~2.5 s)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # After the import: GX sets up its own loggers when it loads.
    logging.getLogger("great_expectations").setLevel(logging.ERROR)

    # GX logs its temporary docs folder at INFO while creating the context: silence that.
    logging.disable(logging.INFO)
    try:
        context = gx.get_context(mode="ephemeral")
    finally:
        logging.disable(logging.NOTSET)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_pandas("comention")
    return gx, datasource


def _expectation(gx, spec: dict, params: dict, index: int):
    camel = "".join(part.capitalize() for part in spec["expectation"].split("_"))
    kwargs = {
        k: params[v[1:]] if isinstance(v, str) and v.startswith("$") else v
        for k, v in spec["kwargs"].items()
    }
    # The index in meta maps GX's results (not in suite order) back to our specs.
    return getattr(gx.expectations, camel)(**kwargs, meta={"index": index})


def _label(spec: dict) -> str:
    kw = spec["kwargs"]
    cols = kw.get("column") or ",".join(
        kw.get("column_list") or [c for c in (kw.get("column_A"), kw.get("column_B")) if c]
    )
    return f"{spec['expectation']}({cols})"


_THRESHOLD_KWARGS = ("min_value", "max_value", "mostly", "or_equal")


def _threshold(spec: dict, params: dict) -> str | None:
    """The bounds an expectation holds a batch to, readably: "max_value=0.5, mostly=0.95"."""
    parts = []
    for key in _THRESHOLD_KWARGS:
        value = spec["kwargs"].get(key)
        if isinstance(value, str) and value.startswith("$"):
            value = params.get(value[1:], value)
        if value is not None:
            parts.append(f"{key}={value}")
    value_set = spec["kwargs"].get("value_set")
    if isinstance(value_set, list):
        parts.append("in {" + ", ".join(map(str, value_set)) + "}")
    elif isinstance(value_set, str):
        parts.append(f"in {value_set[1:]}")
    return ", ".join(parts) or None


def _observed(result, spec: dict, frame: pd.DataFrame) -> str | None:
    """What a check saw: the value itself for a batch of one row (a run-level figure such as
    the quarantine rate), else how many of the rows checked broke it."""
    column = spec["kwargs"].get("column")
    if len(frame) == 1 and isinstance(column, str) and column in frame.columns:
        return f"{column}={_readable(frame[column].iloc[0])}"
    checked, unexpected = _counts(result)
    if checked is not None:
        return rows_observed(checked, unexpected)
    value = (result.result or {}).get("observed_value")
    return None if value is None else str(value)


def rows_observed(checked: int, unexpected: int) -> str:
    """'12 of 9,751 rows (0.1%)': how many of the rows checked broke a row-level check."""
    share = f" ({unexpected / checked:.1%})" if checked and unexpected else ""
    return f"{unexpected:,} of {checked:,} rows{share}"


def _readable(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


# Batches of up to this many rows in all go to the helper process (see
# gx_loading_in_background), a copy of their checked columns only; larger ones are validated
# here, where they need no copying. A chunk of enrich, the largest, has about 200,000.
HELPER_MAX_ROWS = 1_000_000
_helper: ProcessPoolExecutor | None = None


def _warm_helper() -> None:
    # Ctrl-C reaches the whole process group: the run reports it, the helper stays quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Its results are sent before it is told to stop: nothing is left to clean up, and
    # unloading GX and pandas at exit would keep the run waiting for most of a second.
    atexit.register(os._exit, 0)
    _gx()


@contextmanager
def gx_loading_in_background() -> Iterator[None]:
    """While the block runs, gates run in a helper process that imports GX right away
    (about 3 s), in parallel with the caller reading and extracting its input, so a short
    run does not wait for the import. The results are the same as validating here."""
    global _helper
    _helper = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                  initializer=_warm_helper)
    ready = _helper.submit(int)  # start the process now: executors start theirs on demand
    try:
        yield
    finally:
        helper, _helper = _helper, None
        if not ready.done():
            # Still importing GX (the run ended early): stopped, not waited for. Python
            # 3.11's executors have no public way to stop their processes.
            for worker in list(helper._processes.values()):
                worker.terminate()
        helper.shutdown(wait=True, cancel_futures=True)


def run_gate(
    stage: str, batches: dict[str, pd.DataFrame], params: dict | None = None,
    partial: bool = False,
) -> GateResult:
    """Validate each named batch against the stage's suite; never raises for failed checks.

    With ``partial``, only the suite's batches present in ``batches`` are checked: a stage
    checks each chunk's rows as it goes and its run-level batch at the end, and ``combined``
    makes one result of them."""
    batches = _checked_columns(load_suite(stage), batches)
    helper = _helper
    if helper is not None and sum(len(frame) for frame in batches.values()) <= HELPER_MAX_ROWS:
        try:
            return helper.submit(_validate, stage, batches, params, partial).result()
        except BrokenProcessPool:
            pass  # the helper died (out of memory?): validate here instead
    return _validate(stage, batches, params, partial)


# The kwargs of a column expectation that name columns; an expectation with other ways to
# name them (row_condition, table-level checks) sees the whole batch.
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")


def _checked_columns(suite: dict, batches: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each batch with only the columns its expectations name: GX fingerprints every batch,
    by pickling it whole when a column holds lists, and the helper process is sent a copy;
    neither needs the rest."""
    out = {}
    for name, frame in batches.items():
        specs = suite["batches"].get(name, [])
        if any("row_condition" in spec["kwargs"] or spec["expectation"].startswith(
                "expect_table_") for spec in specs):
            out[name] = frame
            continue
        named = set()
        for spec in specs:
            for key in _COLUMN_KWARGS:
                value = spec["kwargs"].get(key, [])
                named.update([value] if isinstance(value, str) else value)
        out[name] = frame[[column for column in frame.columns if column in named]]
    return out


def combined(stage: str, parts: list[GateResult]) -> GateResult:
    """One result per expectation from the results of a stage's chunks (and its run-level
    batch): row counts add up, so a ``mostly`` share is judged over all rows, as one batch
    would be; a check without rows counts (an aggregate) keeps its worst outcome."""
    merged: dict[tuple[str, str], ExpectationResult] = {}
    for part in parts:
        for result in part.results:
            key = (result.suite, result.expectation, result.threshold, result.severity)
            before = merged.get(key)
            if before is None:
                merged[key] = result
            elif result.checked is not None and before.checked is not None:
                checked = before.checked + result.checked
                unexpected = before.unexpected + result.unexpected
                # Without a share, every part must have held (whatever its counts say).
                holds = (_holds(checked, unexpected, result.mostly) if result.mostly is not None
                         else before.success and result.success)
                merged[key] = replace(
                    result, checked=checked, unexpected=unexpected, success=holds,
                    observed=rows_observed(checked, unexpected))
            elif before.success and not result.success:
                merged[key] = result
    return GateResult(stage=stage, results=tuple(merged.values()))


def _holds(checked: int, unexpected: int, mostly: float) -> bool:
    return checked == 0 or (checked - unexpected) / checked >= mostly


def _counts(result) -> tuple[int | None, int | None]:
    """(rows checked, rows that broke it) of a row-level result; (None, None) otherwise."""
    info = result.result or {}
    if "unexpected_count" not in info or "element_count" not in info:
        return None, None
    missing = info.get("missing_count") or 0
    return int(info["element_count"]) - int(missing), int(info["unexpected_count"] or 0)


def _validate(
    stage: str, batches: dict[str, pd.DataFrame], params: dict | None = None,
    partial: bool = False,
) -> GateResult:
    suite = load_suite(stage)
    params = thresholds() | (params or {})
    gx, datasource = _gx()
    bad_rows: dict[str, dict[int, str]] = {}
    checked_at = datetime.now(UTC)
    results: list[ExpectationResult] = []
    for batch_name, specs in suite["batches"].items():
        frame = batches.get(batch_name)
        if frame is None and partial:
            continue
        if frame is None:
            raise KeyError(f"suite {stage!r} expects a batch named {batch_name!r}")
        asset_name = f"{stage}.{batch_name}"
        try:
            asset = datasource.get_asset(asset_name)
        except LookupError:
            asset = datasource.add_dataframe_asset(asset_name)
        definitions = {d.name: d for d in asset.batch_definitions}
        definition = definitions.get("whole") or asset.add_batch_definition_whole_dataframe(
            "whole"
        )
        batch = definition.get_batch(batch_parameters={"dataframe": frame})
        gx_suite = gx.ExpectationSuite(name=f"{stage}.{batch_name}.v{suite['version']}")
        for index, spec in enumerate(specs):
            gx_suite.add_expectation(_expectation(gx, spec, params, index))
        # Row-level checks report which rows broke them (COMPLETE), the rest a summary.
        validation = batch.validate(gx_suite, result_format="COMPLETE")
        if len(validation.results) != len(specs):
            raise ValueError(f"suite {stage}.{batch_name}: GX merged duplicate expectations")
        for outcome in validation.results:
            spec = specs[outcome.expectation_config.meta["index"]]
            if spec["severity"] == "quarantine" and not outcome.success:
                for row in (outcome.result or {}).get("unexpected_index_list") or []:
                    index = row["index"] if isinstance(row, dict) else row
                    bad_rows.setdefault(batch_name, {}).setdefault(int(index), _label(spec))
            checked, unexpected = _counts(outcome)
            mostly = spec["kwargs"].get("mostly")
            results.append(
                ExpectationResult(
                    stage=stage,
                    suite=f"{suite['suite']}.{batch_name}",
                    expectation=_label(spec),
                    success=bool(outcome.success),
                    severity=spec["severity"],
                    observed=_observed(outcome, spec, frame),
                    checked_at=checked_at,
                    threshold=_threshold(spec, params),
                    checked=checked,
                    unexpected=unexpected,
                    mostly=params.get(mostly[1:]) if isinstance(mostly, str) else mostly,
                )
            )
    return GateResult(stage=stage, results=tuple(results), bad_rows=bad_rows)
