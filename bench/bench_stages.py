"""Throughput and peak memory of each pipeline stage on N generated articles.

Generates a sample corpus of N articles (page dumps plus a JSON Lines export), then runs the
stages on a fresh warehouse without the Prefect engine (the stage functions themselves) and
prints wall time, articles/s and peak RSS per stage, and the gates' share of the run.

    python -m bench.bench_stages --articles 10000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

import flows  # noqa: F401  (quiet Prefect defaults)
from bench.measure import measure
from flows import pipeline, stages
from flows.sample import write_sample
from flows.warehouse import Warehouse
from transforms.gazetteer import countries_reference
from transforms.themes import themes_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args()

    gate_seconds = [0.0]
    gated = (stages.ingest, stages.enrich, stages.marts)
    real_gate = stages.ingest.run_gate

    def timed_gate(*a, **kw):
        started = time.perf_counter()
        try:
            return real_gate(*a, **kw)
        finally:
            gate_seconds[0] += time.perf_counter() - started

    for module in gated:
        module.run_gate = timed_gate
    results: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus, db = Path(tmp) / "corpus", Path(tmp) / "bench.duckdb"
        with measure(results, "generate corpus"):
            write_sample(corpus, articles=args.articles, seed=11)
        summary = pipeline.RunSummary(run_id="bench", db=db)
        with Warehouse(db) as wh:
            wh.ensure_schema(countries_reference(), themes_reference())
            pipeline.start_run(wh, "bench", [str(corpus)])
            with measure(results, "ingest"):
                stages.ingest.ingest(wh, "bench", [str(corpus)], summary)
            with measure(results, "enrich"):
                stages.enrich.enrich(wh, "bench", summary)
            with measure(results, "marts"):
                stages.marts.marts(wh, "bench", summary, full=True)
            pipeline.finish_run(wh, summary, "success", None)
            with measure(results, "report"):
                stages.report.report(wh, Path(tmp) / "reports", None)

    articles = summary.articles_loaded
    table = Table(title=f"comention stages on {args.articles:,} generated articles "
                        f"({summary.records_seen:,} records, {articles:,} unique articles)")
    for col in ("stage", "seconds", "articles/s", "peak RSS MB"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    total = 0.0
    for name, (seconds, peak) in results.items():
        if name != "generate corpus":
            total += seconds
        rate = f"{articles / seconds:,.0f}" if name != "generate corpus" else "—"
        table.add_row(name, f"{seconds:.2f}", rate, f"{peak:,.0f}")
    table.add_row("all stages", f"{total:.2f}", f"{articles / total:,.0f}", "")
    console = Console()
    console.print(table)
    console.print(f"gates (GX, included above): {gate_seconds[0]:.2f} s = "
                  f"{100 * gate_seconds[0] / total:.1f}% of the stages' time")


if __name__ == "__main__":
    main()
