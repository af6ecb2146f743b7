"""Text-dump extraction accuracy and speed on ../shared/data/textdumps.

Prints mean token precision / recall / F1 (lower-cased \\w+ tokens, multiset overlap, averaged
over pages) for the whole page, the naive "12+ words ending in punctuation" rule, and
comention's extractor, over all pages and over each half (a page is in the tune half or the
check half by its id: sha1 last hex digit even → tune; settings are chosen on the tune half);
the share of titles right per half (against the headline the same page's HTML gives in
aeb-html: og:title or h1), of the text dumps and of the same pages' HTML rendered as text (a
second layout of the same pages); and pages/s of the extractor (the extraction alone, one process,
best of 3).

    python -m bench.bench_extract [--data ../shared/data/textdumps] [--worst N] [--title-errors]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

import lxml.html
from rich.console import Console
from rich.table import Table

from bench.data import DATA, HALVES, half_of
from transforms.extract import extract_pages
from transforms.extract_html import visible_text

DEFAULT_DATA = DATA / "textdumps"
TIMING_RUNS = 3


def tokens(text: str) -> Counter:
    return Counter(re.findall(r"\w+", (text or "").lower()))


def prf(predicted: str, truth: str) -> tuple[float, float, float]:
    p, t = tokens(predicted), tokens(truth)
    overlap = sum((p & t).values())
    precision = overlap / sum(p.values()) if p else 0.0
    recall = overlap / sum(t.values()) if t else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def naive_rule(page: str) -> str:
    lines = [ln.strip() for ln in page.splitlines()]
    return "\n".join(ln for ln in lines if len(ln.split()) >= 12 and ln[-1:] in ".!?\"”'’")


def load(data: Path) -> tuple[list[str], list[str], list[str]]:
    truth = json.loads((data / "ground-truth.json").read_text())
    ids = sorted(truth)
    pages = [(data / "dumps" / f"{i}.txt").read_text(encoding="utf-8") for i in ids]
    return ids, pages, [truth[i]["articleBody"] for i in ids]


def in_half(ids: list[str], half: str) -> list[int]:
    """Indices of the items of one half ("all": every item)."""
    return [i for i, item_id in enumerate(ids) if half in ("all", half_of(item_id))]


def mean_prf(outputs: list[str], truths: list[str]) -> tuple[float, float, float]:
    scores = [prf(o or "", t) for o, t in zip(outputs, truths, strict=True)]
    return tuple(sum(s[k] for s in scores) / len(scores) for k in range(3))


def score_methods(ids: list[str], methods: dict[str, list[str]], truths: list[str]
                  ) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Mean P/R/F1 of each method's outputs, per half."""
    scores = {}
    for half in HALVES:
        chosen = in_half(ids, half)
        scores[half] = {name: mean_prf([outputs[i] for i in chosen], [truths[i] for i in chosen])
                        for name, outputs in methods.items()}
    return scores


def best_seconds(run, runs: int = TIMING_RUNS) -> float:
    """The fastest of a few runs (the others were slowed by something else)."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return min(timings)


# The same pages as HTML: their metadata gives each text dump's reference headline.
HTML_DATA = DATA / "aeb-html"
# A title is right when its tokens and the reference's overlap this much (token F1): the page's
# og:title may add the site's name ("… - Sportsnet.ca") and an h1 may differ from it slightly.
TITLE_MIN_F1 = 0.8


def reference_titles(ids: list[str], html: Path = HTML_DATA) -> list[tuple[str | None, ...]]:
    """Each page's headline as its HTML gives it: og:title and the first h1 of two or more
    words (either may be missing)."""
    references = []
    for item_id in ids:
        page = gzip.decompress((html / "html" / f"{item_id}.html.gz").read_bytes())
        root = lxml.html.fromstring(page.decode("utf-8", "replace"))
        og = [t.strip() for t in root.xpath("//meta[@property='og:title']/@content")]
        h1 = [" ".join(h.text_content().split()) for h in root.xpath("//h1")]
        references.append((next(iter(og), None),
                           next((h for h in h1 if len(h.split()) >= 2), None)))
    return references


def title_is_right(title: str | None, references: tuple[str | None, ...]) -> bool:
    return any(prf(title or "", ref)[2] >= TITLE_MIN_F1 for ref in references if ref)


def rendered_pages(ids: list[str], html: Path = HTML_DATA) -> list[str]:
    """The same pages as another text dump: each page's HTML body as the HTML path renders it
    for the text-dump extractor (transforms.extract_html.visible_text), list items bulleted as
    a browser's copy prints them. Its lines break elsewhere than the benchmark's dumps (more
    image, link and button lines): a second reading of the tune half's titles."""
    rendered = []
    for item_id in ids:
        page = gzip.decompress((html / "html" / f"{item_id}.html.gz").read_bytes())
        root = lxml.html.fromstring(page.decode("utf-8", "replace"))
        for head in root.xpath("//head"):
            head.drop_tree()
        for item in root.iter("li"):
            item.text = "• " + (item.text or "")
        rendered.append(visible_text(lxml.html.tostring(root, encoding="unicode")))
    return rendered


def title_results(data: Path, html: Path = HTML_DATA, rendered: bool = False
                  ) -> list[tuple[str, str | None, tuple[str | None, ...], bool | None]]:
    """Per page: its id, the text-dump extractor's title, the page's reference headlines and
    whether the title is right (None: the page's HTML gives no reference). ``rendered``: of
    the pages' HTML rendered as text (rendered_pages) rather than of the text dumps."""
    ids, pages, _ = load(data)
    if rendered:
        pages = rendered_pages(ids, html)
    titles = extract_pages(pages)["title"].to_list()
    return [(i, t, refs, title_is_right(t, refs) if any(refs) else None)
            for i, t, refs in zip(ids, titles, reference_titles(ids, html), strict=True)]


def titles_right_by_half(data: Path, html: Path = HTML_DATA, rendered: bool = False
                         ) -> dict[str, tuple[int, int]]:
    """(titles right, pages with a reference) per half, of the text-dump extractor's titles
    (``rendered``: of the pages' HTML rendered as text)."""
    right = [(half_of(i), ok) for i, _, _, ok in title_results(data, html, rendered)]
    return {half: (sum(1 for h, ok in right if ok and half in ("all", h)),
                   sum(1 for h, ok in right if ok is not None and half in ("all", h)))
            for half in HALVES}


def score_by_half(data: Path) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Mean P/R/F1 per half and method. The pages are extracted as one batch (the extractor
    learns each site's template lines across it), then scored per half."""
    ids, pages, truths = load(data)
    extracted = extract_pages(pages)["body"].to_list()
    methods = {
        "whole page": pages,
        "naive rule (12+ words, punctuated)": [naive_rule(p) for p in pages],
        "comention": [b or "" for b in extracted],
    }
    return score_methods(ids, methods, truths)


def print_scores(console: Console, title: str, scores: dict, ids: list[str]) -> None:
    """One table: each method's P/R/F1 on all pages, then on each half."""
    table = Table(title=title)
    for col in ("method", "half", "pages", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col in ("method", "half") else "right")
    for half in HALVES:
        for name, (p, r, f) in scores[half].items():
            table.add_row(name, half, str(len(in_half(ids, half))), f"{p:.3f}", f"{r:.3f}",
                          f"{f:.3f}")
        if half != HALVES[-1]:
            table.add_section()
    console.print(table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    parser.add_argument("--title-errors", action="store_true",
                        help="list the tune half's wrong titles (never the check half's)")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").exists():
        print(f"no labelled data at {args.data}; nothing to measure")
        return 0
    ids, pages, truths = load(args.data)
    console = Console()
    print_scores(console, f"Text-dump extraction on {len(pages)} pages ({args.data.name})",
                 score_by_half(args.data), ids)
    if (HTML_DATA / "html").exists():
        for rendered, of in ((False, ""), (True, ", the pages' HTML rendered as text")):
            titles = titles_right_by_half(args.data, rendered=rendered)
            shares = "; ".join(f"{half} {ok}/{n} ({ok / n:.0%})"
                               for half, (ok, n) in titles.items())
            console.print(f"titles right{of} (token F1 >= {TITLE_MIN_F1:.1f} with the page's "
                          f"og:title or h1): {shares}")
    if args.title_errors and (HTML_DATA / "html").exists():
        for rendered in (False, True):
            for item_id, title, refs, ok in title_results(args.data, rendered=rendered):
                if ok is False and half_of(item_id) == "tune":
                    console.print(f"  {'rendered ' if rendered else ''}{item_id[:12]}  "
                                  f"{title!r}  (reference: "
                                  f"{' / '.join(repr(r) for r in refs if r)})", markup=False,
                                  soft_wrap=True)
    bodies = extract_pages(pages)["body"].to_list()
    elapsed = best_seconds(lambda: extract_pages(pages))
    console.print(f"comention extractor: {len(pages) / elapsed:,.0f} pages/s "
                  f"(extraction alone, one process, best of {TIMING_RUNS})")
    if args.worst:
        worst = sorted(
            ((prf(b or "", t), i) for b, t, i in zip(bodies, truths, ids, strict=True)),
            key=lambda x: x[0][2],
        )[: args.worst]
        for (p, r, f), i in worst:
            console.print(f"  {i[:12]}  P={p:.2f} R={r:.2f} F1={f:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
