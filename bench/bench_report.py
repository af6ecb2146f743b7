"""Weekly report rendering time with a year of weekly history.

Builds a warehouse from a generated corpus spread over 52 weeks (the real stages, without the
Prefect engine), then times rendering the report of the last week, with and without the PNG and
SVG exports.

    python -m bench.bench_report [--articles 5200] [--weeks 52]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

import flows  # noqa: F401  (quiet Prefect defaults)
from flows import pipeline, stages
from flows.sample import write_sample
from flows.warehouse import Warehouse
from reports.render import render_report
from transforms.gazetteer import countries_reference
from transforms.themes import themes_reference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5200)
    parser.add_argument("--weeks", type=int, default=52)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, db, out = Path(tmp) / "corpus", Path(tmp) / "r.duckdb", Path(tmp) / "out"
        write_sample(corpus, articles=args.articles, weeks=args.weeks, seed=3)
        summary = pipeline.RunSummary(run_id="bench", db=db)
        with Warehouse(db) as wh:
            wh.ensure_schema(countries_reference(), themes_reference())
            pipeline.start_run(wh, "bench", [str(corpus)])
            stages.ingest.ingest(wh, "bench", [str(corpus)], summary)
            stages.enrich.enrich(wh, "bench", summary)
            stages.marts.marts(wh, "bench", summary, full=True)
            pipeline.finish_run(wh, summary, "success", None)
            weeks = wh.scalar("SELECT count(DISTINCT week) FROM theme_weekly")
            render_report(wh, out)  # warm: Vega bundle, GX-free imports, caches
            timings = {}
            for label, images in (("HTML page", False), ("HTML page + PNG and SVG", True)):
                started = time.perf_counter()
                render_report(wh, out, images=images)
                timings[label] = time.perf_counter() - started
    table = Table(title=f"Weekly report with {weeks} weeks of history "
                        f"({summary.articles_loaded:,} articles)")
    table.add_column("render")
    table.add_column("seconds", justify="right")
    for label, seconds in timings.items():
        table.add_row(label, f"{seconds:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
