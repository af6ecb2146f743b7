"""What every stage shares: the run's summary, the mapper that runs batches (here or on a
cluster), recording a gate's results and sending the rows it rejected to quarantine."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import polars as pl

from expectations.gate import GateFailed, GateResult, combined
from expectations.gate import thresholds as gate_thresholds
from flows.errors import UserError
from flows.warehouse import Warehouse

INGEST_BATCH = 500
ENRICH_BATCH = 2000
# Batches handed to the mapper at once: enough to keep a cluster's workers busy.
BATCHES_IN_FLIGHT = 4


@dataclass
class RunSummary:
    run_id: str
    db: Path
    records_seen: int = 0
    articles_loaded: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    quarantined: int = 0
    # New articles that had no date of their own: dated by their file's modification time.
    dated_by_file_time: int = 0
    # Articles of earlier runs removed because their sources were read again with replace.
    replaced: int = 0
    first_date: date | None = None
    last_date: date | None = None
    gates: dict[str, str] = field(default_factory=dict)
    # Every expectation that warned, readably: "ingest: expect_…(title) observed 0.5 (mostly=0.9)".
    warnings: list[str] = field(default_factory=list)
    # This run's most common quarantine reasons: (reason, records, an example source).
    quarantine_reasons: list[tuple[str, int, str]] = field(default_factory=list)
    report: Path | None = None
    # Hidden files and folders (names starting with a dot) found in the folders given and
    # left out (flows.sources.finder): the run summary counts them.
    hidden: list[str] = field(default_factory=list)
    # The warehouse's own files (and folder) found among the inputs, left out: counted too.
    own_files: list[str] = field(default_factory=list)
    # Runs found abandoned when this one started (their process gone): recorded so.
    abandoned: list[str] = field(default_factory=list)
    # The stage running (or the last one that ran), for messages about a failure.
    stage: str = "setup"


class NothingToRead(UserError):
    """No input record at all could be read."""


def described(result, row_counts: bool = True) -> str:
    """An expectation's result in words: "expect_…(title) observed 0.5 (mostly=0.9)".
    Without ``row_counts``, an observed count of broken rows is left out (it says nothing a
    user can act on; a metric value does)."""
    observed = result.observed or ""
    shown = observed and (row_counts or "unexpected" not in observed)
    threshold = f" ({result.threshold})" if result.threshold else ""
    return result.expectation + (f" observed {observed}" if shown else "") + threshold


def record_gate(wh: Warehouse, run_id: str, gate: GateResult, summary: RunSummary) -> None:
    rows = pl.DataFrame(
        [
            {"run_id": run_id, "stage": r.stage, "suite": r.suite, "expectation": r.expectation,
             "success": r.success, "severity": r.severity, "observed": r.observed,
             "checked_at": r.checked_at, "threshold": r.threshold}
            for r in gate.results
        ]
    )
    wh.insert("quality_results", rows)
    summary.gates[gate.stage] = gate.status
    summary.warnings.extend(f"{r.stage}: {described(r)}" for r in gate.warnings)
    if not gate.passed:
        raise GateFailed(gate)


def check_chunk(wh: Warehouse, run_id: str, gate: GateResult, parts: list[GateResult],
                summary: RunSummary) -> None:
    """Add a chunk's gate result to the stage's parts; when the run can no longer pass, record
    the stage's results so far and stop it (GateFailed)."""
    parts.append(gate)
    so_far = combined(gate.stage, parts)
    if so_far.failed_for_good:
        record_gate(wh, run_id, so_far, summary)


# ``mapper(function, batches)``: the results, in the batches' order, as they come; it reads
# ahead of what it has handed back by a bounded window of batches, no more.
Mapper = Callable[[Callable, Iterable], Iterator]


def local_map(function: Callable, items: Iterable) -> Iterator:
    """Run the batches here, one after the other, as they are asked for."""
    return map(function, items)


def recent_median(wh: Warehouse, sql: str) -> float | None:
    """Median of a per-run value (the query's column ``v``) over the recent successful runs."""
    limit = int(gate_thresholds()["history.recent_runs"])
    values = wh.frame(sql, [limit])["v"].drop_nulls()
    return float(values.median()) if len(values) else None


def quarantine_bad_rows(
    wh: Warehouse, run_id: str, gate: GateResult, staged: dict[str, pd.DataFrame]
) -> int:
    """Rows a row-level check rejected leave the staged batch and go to quarantine; returns
    how many. New articles (batch ``articles``) leave staging.new_articles; rows of the other
    batches are re-staged without them. The reason code is the check that failed."""
    total = 0
    for batch, rows in gate.bad_rows.items():
        frame = staged[batch]
        bad = frame.loc[list(rows)]
        total += len(rows)
        codes = [f"gate:{rows[i]}" for i in rows]
        if batch == "articles":
            wh.stage("rejected", pl.DataFrame({
                "source": bad["source"].tolist(), "record_key": bad["record_key"].tolist(),
                "reason": [f"{gate.stage}: {rows[i]} failed" for i in rows],
                "reason_code": codes, "doc_id": bad["doc_id"].tolist(),
            }))
            wh.con.execute(
                "INSERT INTO quarantine BY NAME SELECT ? AS run_id, ? AS stage, source, "
                "record_key, reason, reason_code FROM staging.rejected ON CONFLICT DO NOTHING",
                [run_id, gate.stage])
            wh.con.execute("DELETE FROM staging.new_articles WHERE doc_id IN "
                           "(SELECT doc_id FROM staging.rejected)")
            continue
        rejected = pl.DataFrame({
            "doc_id": bad["doc_id"].astype(str).tolist(),
            "reason": [f"{gate.stage}: {rows[i]} failed ({batch} row)" for i in rows],
            "reason_code": codes,
            "excerpt": [str(r)[:200] for r in bad.drop(columns=["field_length"], errors="ignore")
                        .to_dict("records")],
        })
        wh.stage("rejected", rejected)
        # The record key points at the article and the table of the rejected row.
        wh.con.execute(
            "INSERT INTO quarantine BY NAME SELECT ? AS run_id, ? AS stage, a.source, "
            "a.record_key || ' ' || ? || ':' || r.doc_id || ':' || row_number() OVER () AS "
            "record_key, r.reason, r.reason_code, r.excerpt FROM staging.rejected r "
            "JOIN articles a USING (doc_id) ON CONFLICT DO NOTHING",
            [run_id, gate.stage, batch],
        )
        staged[batch] = frame.drop(index=list(rows))
        wh.stage(batch, pl.from_pandas(staged[batch].drop(columns=["field_length"],
                                                          errors="ignore")))
    wh.drop_staged("rejected")
    return total


def add_term_counts(wh: Warehouse, rows: str) -> None:
    """Add the counts of ``rows`` (SQL with columns week, term, articles) to term_weekly.
    A MERGE, not an upsert: term_weekly has no key index (schema.sql says why)."""
    wh.con.execute(
        f"MERGE INTO term_weekly USING (SELECT week, term, sum(articles) AS articles "
        f"FROM ({rows}) GROUP BY ALL) AS new ON term_weekly.week = new.week "
        "AND term_weekly.term = new.term "
        "WHEN MATCHED THEN UPDATE SET articles = term_weekly.articles + new.articles "
        "WHEN NOT MATCHED THEN INSERT (week, term, articles) "
        "VALUES (new.week, new.term, new.articles)")
