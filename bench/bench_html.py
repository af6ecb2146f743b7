"""HTML extraction accuracy on ../shared/data/aeb-html (120 real news pages).

Prints mean token precision / recall / F1 (lower-cased \\w+ tokens, multiset overlap, averaged
over pages) against the true article body, for trafilatura with its defaults and for comention's
HTML path (trafilatura read twice and the reading chosen by agreement, text-dump fallback),
body alone and title + body (trafilatura's own title beside its defaults), over
all pages and over each half (tune / check by the page id, bench.data.half_of; options are
chosen on the tune half); the pages where comention's title + body falls below trafilatura's
defaults (per half; the tune half's listed); and pages/s (one process, best of 3) of
extract_html_pages alone and of the whole HTML path of build_articles.

    python -m bench.bench_html
"""

from __future__ import annotations

import gzip
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import trafilatura
from rich.console import Console

from bench.bench_extract import TIMING_RUNS, best_seconds, in_half, prf, print_scores, score_methods
from bench.data import DATA as SHARED_DATA
from bench.data import HALVES
from flows.sources import RAW_SCHEMA
from transforms.articles import build_articles
from transforms.extract_html import extract_html_pages

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


def outputs(ids: list[str], pages: list[str]) -> dict[str, list[str]]:
    """Each method's text per page."""
    ours = comention_outputs(ids, pages)
    bodies = [trafilatura.extract(p) or "" for p in pages]
    titles = [(metadata.title if (metadata := trafilatura.extract_metadata(p)) else "") or ""
              for p in pages]
    methods = {
        "trafilatura defaults (body)": bodies,
        "trafilatura defaults (title + body)": [f"{title}\n{body}" for title, body
                                                in zip(titles, bodies, strict=True)],
        "comention (body)": [o["body"] for o in ours],
        "comention (title + body)": [f"{o['title'] or ''}\n{o['body'] or ''}" for o in ours],
    }
    return methods


# A page is worse than trafilatura's defaults when its title + body F1 is this much lower
# (token F1 moves by about this much when a title differs by a word or two).
WORSE_BY = 0.02


def pages_below_trafilatura(ids: list[str], methods: dict[str, list[str]], truths: list[str]
                            ) -> dict[str, list[tuple[str, float, float]]]:
    """Per half: the pages (id, comention's F1, trafilatura's) where comention's title + body
    is WORSE_BY below trafilatura's defaults."""
    ours = [prf(text, truth)[2] for text, truth
            in zip(methods["comention (title + body)"], truths, strict=True)]
    theirs = [prf(text, truth)[2] for text, truth
              in zip(methods["trafilatura defaults (title + body)"], truths, strict=True)]
    return {half: [(ids[i], ours[i], theirs[i]) for i in in_half(ids, half)
                   if ours[i] < theirs[i] - WORSE_BY] for half in HALVES}


def main() -> int:
    if not (DATA / "ground-truth.json").exists():
        print(f"no labelled data at {DATA}; nothing to measure")
        return 0
    ids, pages, truths = load()
    console = Console()
    # Scored before the timing runs: a page's text must not depend on what the process read
    # before it.
    methods = outputs(ids, pages)
    print_scores(console, f"HTML extraction on {len(pages)} pages (aeb-html)",
                 score_methods(ids, methods, truths), ids)
    below = pages_below_trafilatura(ids, methods, truths)
    console.print(f"pages where comention's title + body F1 is more than {WORSE_BY} below "
                  f"trafilatura's defaults: " + "; ".join(
                      f"{half} {len(below[half])}/{len(in_half(ids, half))}" for half in HALVES))
    for page_id, ours, theirs in below["tune"]:  # the half rules are chosen on
        console.print(f"  {page_id}  comention {ours:.3f}  trafilatura {theirs:.3f}")
    extraction = best_seconds(lambda: extract_html_pages(pages))
    whole_path = best_seconds(lambda: comention_outputs(ids, pages))
    console.print(f"extract_html_pages: {len(pages) / extraction:,.0f} pages/s; comention HTML "
                  f"path (build_articles): {len(pages) / whole_path:,.0f} pages/s "
                  f"(one process, best of {TIMING_RUNS})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
