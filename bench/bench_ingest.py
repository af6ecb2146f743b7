"""Ingest throughput and peak memory: JSON Lines records, HTML pages and text page dumps.

Inputs are generated from the sample corpus's article generator: a JSON Lines export of N
records, N HTML pages (navigation, article, related links, footer) and N text page dumps (the
sample's page layout: menus, teasers, tickers around the article), each set of pages in a
gzipped tar. Each is ingested into a fresh warehouse by the real ingest stage (read, extract,
dedup, near-dup, gate, write) twice in the same run: in one process, and on the CorePool over
every usable core (what `comention run` uses). The table shows records/s and the peak RSS of
the process tree.

    python -m bench.bench_ingest [--jsonl 100000] [--html 10000] [--pages 20000]
"""

from __future__ import annotations

import argparse
import html
import io
import json
import random
import tarfile
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

import flows  # noqa: F401  (quiet Prefect defaults)
from bench.measure import measure
from flows import pipeline, stages
from flows.pool import CorePool, usable_cores
from flows.sample import SITES, WEEKS, _article, _page
from flows.warehouse import Warehouse
from transforms.gazetteer import countries_reference
from transforms.themes import themes_reference


def write_jsonl(path: Path, n: int, rng: random.Random) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            article = _article(rng, i % WEEKS, i)
            handle.write(json.dumps({
                "id": i, "title": article["title"],
                "url": f"https://{SITES[i % len(SITES)]}/{article['published']:%Y/%m/%d}/{i}",
                "published_at": article["published"].isoformat(),
                "text": "\n\n".join(article["paragraphs"]),
            }) + "\n")


def html_page(article: dict, site: str) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article["paragraphs"])
    nav = "".join(f"<li><a href='/{s}'>{s.title()}</a></li>"
                  for s in ("world", "business", "sport", "culture", "opinion"))
    return (
        f"<!doctype html><html><head><title>{html.escape(article['title'])} | {site}</title>"
        f"<meta property='article:published_time' content='{article['published'].isoformat()}'>"
        f"</head><body><nav><ul>{nav}</ul></nav><main><article>"
        f"<h1>{html.escape(article['title'])}</h1><p class='byline'>By {article['author']}</p>"
        f"{paragraphs}</article><aside><h3>Most read</h3><ul><li>Markets today</li>"
        f"<li>Weather</li></ul></aside></main><footer>© {site}</footer></body></html>"
    )


def write_html_tar(path: Path, n: int, rng: random.Random) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for i in range(n):
            site = SITES[i % len(SITES)]
            data = html_page(_article(rng, i % WEEKS, i), site).encode()
            info = tarfile.TarInfo(f"{site}/page-{i:06d}.html")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def write_page_tar(path: Path, n: int, rng: random.Random) -> None:
    with tarfile.open(path, "w:gz") as tar:
        for i in range(n):
            site = SITES[i % len(SITES)]
            data = _page(rng, site, _article(rng, i % WEEKS, i)).encode()
            info = tarfile.TarInfo(f"{site}/{site}_story-{i:06d}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def ingest(path: Path, db: Path, mapper) -> pipeline.RunSummary:
    summary = pipeline.RunSummary(run_id="bench", db=db)
    with Warehouse(db) as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        stages.ingest.ingest(wh, "bench", [str(path)], summary, mapper=mapper)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jsonl", type=int, default=100_000)
    parser.add_argument("--html", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=20_000)
    args = parser.parse_args()
    rng = random.Random(5)
    results, summaries = {}, {}
    cores = usable_cores()
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {
            f"{args.jsonl:,} JSON Lines records": (Path(tmp) / "export.jsonl", write_jsonl,
                                                    args.jsonl),
            f"{args.html:,} HTML pages (tar.gz)": (Path(tmp) / "pages.tar.gz", write_html_tar,
                                                   args.html),
            f"{args.pages:,} text page dumps (tar.gz)": (Path(tmp) / "dumps.tar.gz",
                                                         write_page_tar, args.pages),
        }
        for name, (path, writer, n) in inputs.items():
            writer(path, n, rng)
            for runner in ("1 process", f"{cores} cores"):
                key = (name, runner)
                with measure(results, key), CorePool(1 if runner == "1 process" else cores,
                                                     local_batches=0) as pool:
                    db = Path(tmp) / f"{path.stem}-{len(summaries)}.duckdb"
                    summaries[key] = ingest(path, db, pool)
    table = Table(title="Ingest stage (read, extract, dedup, near-dup, gate, write)")
    for col in ("input", "runner", "records", "articles", "seconds", "records/s",
                "peak RSS MB"):
        table.add_column(col, justify="left" if col in ("input", "runner") else "right")
    for (name, runner), (seconds, peak) in results.items():
        s = summaries[(name, runner)]
        table.add_row(name, runner, f"{s.records_seen:,}", f"{s.articles_loaded:,}",
                      f"{seconds:.1f}", f"{s.records_seen / seconds:,.0f}", f"{peak:,.0f}")
    Console().print(table)


if __name__ == "__main__":
    main()
