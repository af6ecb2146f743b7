"""Ingest throughput and peak memory: 100k JSON Lines records and 10k HTML pages (generated).

Inputs are generated from the sample corpus's article generator: a JSON Lines export of N
records, and N HTML pages (navigation, article, related links, footer) in a gzipped tar. Each is
ingested into a fresh warehouse by the real ingest stage (read, extract, dedup, near-dup, gate,
publish), and the table shows records/s and the peak RSS of the process.

    python -m bench.bench_ingest [--jsonl 100000] [--html 10000]
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
from flows.sample import SITES, WEEKS, _article
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


def ingest(path: Path, db: Path) -> pipeline.RunSummary:
    summary = pipeline.RunSummary(run_id="bench", db=db)
    with Warehouse(db) as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        stages.ingest.ingest(wh, "bench", [str(path)], summary)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jsonl", type=int, default=100_000)
    parser.add_argument("--html", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(5)
    results, summaries = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {
            f"{args.jsonl:,} JSON Lines records": (Path(tmp) / "export.jsonl", write_jsonl,
                                                    args.jsonl),
            f"{args.html:,} HTML pages (tar.gz)": (Path(tmp) / "pages.tar.gz", write_html_tar,
                                                   args.html),
        }
        for name, (path, writer, n) in inputs.items():
            writer(path, n, rng)
            with measure(results, name):
                summaries[name] = ingest(path, Path(tmp) / f"{path.stem}.duckdb")
    table = Table(title="Ingest stage (read, extract, dedup, near-dup, gate, publish)")
    for col in ("input", "records", "articles", "seconds", "records/s", "peak RSS MB"):
        table.add_column(col, justify="left" if col == "input" else "right")
    for name, (seconds, peak) in results.items():
        s = summaries[name]
        table.add_row(name, f"{s.records_seen:,}", f"{s.articles_loaded:,}", f"{seconds:.1f}",
                      f"{s.records_seen / seconds:,.0f}", f"{peak:,.0f}")
    Console().print(table)


if __name__ == "__main__":
    main()
