"""Country detection's speed beside geotext's in CPU time, rounds interleaved: on a shared
machine wall time swings with the other processes, while the CPU seconds a method spends on
the same batch hardly do, and alternating the methods exposes them to the same conditions.

Per set: its articles repeated into one batch of the pipeline's size (bench_countries), then
each round times comention with the language known, comention identifying it, and geotext,
one after the other; MB per CPU second, best round of each (CPU time of every thread of the
process: the matcher's parallel scan counts in full).

    python -m bench.countries_cpu [--sets LGL,TR-News] [--rounds 5]
"""

from __future__ import annotations

import argparse
import sys
import time

from rich.console import Console
from rich.table import Table

from bench.bench_countries import (
    BATCH_SIZE,
    SETS,
    _set_names,
    available_methods,
    batch_of,
    comention_predict,
    megabytes,
    with_languages,
)
from flows.long_lived import freeze_long_lived


def cpu_seconds(predict, articles: list[dict]) -> float:
    started = time.process_time()
    predict(articles)
    return time.process_time() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=_set_names, default=list(SETS), metavar="NAME,...")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    methods = available_methods()
    runs = {"comention, language known": comention_predict,
            "comention, identifying it": comention_predict,
            **{name: predict for name, predict in methods.items() if name != "comention"}}
    table = Table(title=f"MB per CPU second, batches of {BATCH_SIZE:,} "
                        f"(best of {args.rounds} interleaved rounds)")
    for col in ("set", "MB per batch", *runs):
        table.add_column(col, justify="left" if col == "set" else "right")
    for name in args.sets:
        articles, _ = SETS[name]()
        batch = batch_of(articles)
        inputs = {"comention, language known": with_languages(batch)}
        for predict in set(runs.values()):
            predict(batch[:1])  # automata and caches built before timing
        freeze_long_lived()
        best = dict.fromkeys(runs, float("inf"))
        for _ in range(args.rounds):
            for run, predict in runs.items():
                best[run] = min(best[run], cpu_seconds(predict, inputs.get(run, batch)))
        size = megabytes(batch)
        table.add_row(name, f"{size:.1f}", *(f"{size / best[run]:.1f}" for run in runs))
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
