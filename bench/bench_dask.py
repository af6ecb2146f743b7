"""Enrich-stage wall time on N generated articles: one process, the CorePool on every usable
core (what `comention run` uses) and Dask with 2 workers.

The corpus is ingested once; the warehouse is copied, and the enrich stage runs on each copy:
here, on the CorePool's worker processes, and on a LocalCluster of two single-threaded worker
processes (what `comention run --runner dask` starts when no address is given). All copies must
end identical.

    python -m bench.bench_dask [--articles 100000]
"""

from __future__ import annotations

import argparse
import functools
import shutil
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

import flows  # noqa: F401  (quiet Prefect defaults)
from flows import pipeline, stages
from flows.orchestration import cluster_map
from flows.pool import CorePool, usable_cores
from flows.sample import write_sample
from flows.warehouse import Warehouse
from transforms.gazetteer import countries_reference
from transforms.themes import themes_reference


def _enrich(db: Path, mapper) -> tuple[float, tuple]:
    summary = pipeline.RunSummary(run_id="bench-enrich", db=db)
    with Warehouse(db) as wh:
        pipeline.start_run(wh, "bench-enrich", [])
        started = time.perf_counter()
        stages.enrich.enrich(wh, "bench-enrich", summary, mapper)
        elapsed = time.perf_counter() - started
        fingerprint = tuple(wh.checksum(t) for t in
                            ("country_mentions", "article_countries", "article_themes"))
    return elapsed, fingerprint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory() as tmp:
        corpus, base = Path(tmp) / "corpus", Path(tmp) / "base.duckdb"
        write_sample(corpus, articles=args.articles, seed=13)
        summary = pipeline.RunSummary(run_id="bench", db=base)
        with Warehouse(base) as wh:
            wh.ensure_schema(countries_reference(), themes_reference())
            pipeline.start_run(wh, "bench", [str(corpus)])
            stages.ingest.ingest(wh, "bench", [str(corpus)], summary)
            pipeline.finish_run(wh, summary, "success", None)
        shutil.copy(base, Path(tmp) / "dask.duckdb")
        shutil.copy(base, Path(tmp) / "pool.duckdb")
        local_seconds, local_tables = _enrich(base, pipeline.local_map)
        with CorePool(local_batches=0) as pool:
            pool_seconds, pool_tables = _enrich(Path(tmp) / "pool.duckdb", pool)
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            on_cluster = functools.partial(cluster_map, client)
            dask_seconds, dask_tables = _enrich(Path(tmp) / "dask.duckdb", on_cluster)
    table = Table(title=f"Enrich stage on {summary.articles_loaded:,} articles")
    for col in ("runner", "seconds", "articles/s"):
        table.add_column(col, justify="left" if col == "runner" else "right")
    for name, seconds in (("local (1 process)", local_seconds),
                          (f"CorePool, {usable_cores()} worker processes", pool_seconds),
                          ("Dask, 2 worker processes", dask_seconds)):
        table.add_row(name, f"{seconds:.1f}", f"{summary.articles_loaded / seconds:,.0f}")
    Console().print(table)
    same = local_tables == dask_tables == pool_tables
    Console().print(f"published tables identical: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
