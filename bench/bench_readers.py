"""Reading structured exports: records/s of ``read_records`` per format, read record by record
(ReadOptions(columnar=False)) and as columns (the default), and of ``read_record_batches``.

The input is bench_scale's JSON Lines corpus (real sentences, cached under --workdir by size
and seed) and a CSV and a Parquet export of the same records, written by Polars beside it. Each
figure is the best of --repeat runs, one after the other in this process. JSON Lines is read
record by record either way (flows/sources/jsonl.py says why).

    python -m bench.bench_readers [--records 200000] [--seed 7] [--workdir /tmp/readers]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from bench.bench_scale import corpus_path
from flows.sources import ReadOptions, read_record_batches, read_records


def exports(workdir: Path, records: int, seed: int) -> dict[str, Path]:
    jsonl = corpus_path(workdir, records, seed)
    paths = {"JSON Lines (one path)": jsonl, "CSV": jsonl.with_suffix(".csv"),
             "Parquet": jsonl.with_suffix(".parquet")}
    if not (paths["CSV"].exists() and paths["Parquet"].exists()):
        frame = pl.read_ndjson(jsonl)
        frame.write_csv(paths["CSV"])
        frame.write_parquet(paths["Parquet"])
    return paths


def best_rate(read: Callable[[], Iterable], repeat: int) -> tuple[int, float]:
    """(records, best records/s) of counting what ``read()`` gives, ``repeat`` times."""
    best = 0.0
    for _ in range(repeat):
        started = time.perf_counter()
        count = sum(len(item) if isinstance(item, pl.DataFrame) else 1 for item in read())
        best = max(best, count / (time.perf_counter() - started))
    return count, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/readers"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    by_record, columnar = ReadOptions(columnar=False), ReadOptions()
    table = Table(title=f"read_records, records/s (best of {args.repeat})")
    for column in ("export", "MB", "records", "record by record", "columnar", "speed-up",
                   "batches (columnar)"):
        table.add_column(column, justify="left" if column == "export" else "right")
    for name, path in exports(args.workdir, args.records, args.seed).items():
        count, slow = best_rate(lambda p=path: read_records(p, by_record), args.repeat)
        _, fast = best_rate(lambda p=path: read_records(p, columnar), args.repeat)
        _, batches = best_rate(lambda p=path: read_record_batches(p, columnar), args.repeat)
        table.add_row(name, f"{path.stat().st_size / 1e6:,.0f}", f"{count:,}", f"{slow:,.0f}",
                      f"{fast:,.0f}", f"{fast / slow:.2f}x", f"{batches:,.0f}")
    Console().print(table)


if __name__ == "__main__":
    main()
