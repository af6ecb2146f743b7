"""HTML extraction accuracy on ../shared/data/aeb-html (120 real news pages).

Prints mean token precision / recall / F1 (lower-cased \\w+ tokens, multiset overlap, averaged
over pages) against the true article body, for trafilatura with its defaults and for comention's
HTML path (trafilatura with our options, text-dump fallback), body alone and title + body; and
pages/s.

    python -m bench.bench_html
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import trafilatura
from rich.console import Console
from rich.table import Table

from bench.bench_extract import prf
from bench.data import DATA as SHARED_DATA
from flows.stages.ingest import RAW_SCHEMA
from transforms.articles import build_articles

DATA = SHARED_DATA / "aeb-html"


def load(data: Path = DATA) -> tuple[list[str], list[str], list[str]]:
    truth = json.loads((data / "ground-truth.json").read_text())
    ids = sorted(truth)
    pages = [
        gzip.decompress((data / "html" / f"{i}.html.gz").read_bytes()).decode("utf-8", "replace")
        for i in ids
    ]
    return ids, pages, [truth[i]["articleBody"] for i in ids]


def comention_outputs(ids: list[str], pages: list[str]) -> list[dict]:
    """Title and body per page, as the ingest stage finds them."""
    raw = pl.DataFrame(
        [{"source": f"aeb/{i}.html", "record_key": i, "kind": "html", "text": page,
          "file_mtime": datetime(2020, 1, 1, tzinfo=UTC)} for i, page in zip(ids, pages,
                                                                             strict=True)],
        schema=RAW_SCHEMA,
    )
    articles, _ = build_articles(raw, datetime.now(UTC))
    found = {r["record_key"]: r for r in articles.iter_rows(named=True)}
    return [found.get(i, {"title": "", "body": ""}) for i in ids]


def mean_prf(outputs: list[str], truths: list[str]) -> tuple[float, float, float]:
    scores = [prf(o or "", t) for o, t in zip(outputs, truths, strict=True)]
    return tuple(sum(s[k] for s in scores) / len(scores) for k in range(3))


def score(data: Path = DATA) -> dict[str, tuple[float, float, float]]:
    ids, pages, truths = load(data)
    ours = comention_outputs(ids, pages)
    return {
        "trafilatura defaults (body)": mean_prf(
            [trafilatura.extract(p) or "" for p in pages], truths),
        "comention (body)": mean_prf([o["body"] for o in ours], truths),
        "comention (title + body)": mean_prf(
            [f"{o['title'] or ''}\n{o['body'] or ''}" for o in ours], truths),
    }


def main() -> int:
    if not (DATA / "ground-truth.json").exists():
        print(f"no labelled data at {DATA}; nothing to measure")
        return 0
    ids, pages, _ = load()
    started = time.perf_counter()
    comention_outputs(ids, pages)
    elapsed = time.perf_counter() - started
    table = Table(title=f"HTML extraction on {len(pages)} pages (aeb-html)")
    for col in ("method", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, (p, r, f) in score().items():
        table.add_row(name, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}")
    console = Console()
    console.print(table)
    console.print(f"comention HTML path: {len(pages) / elapsed:,.0f} pages/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
