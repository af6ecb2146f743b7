"""Text-dump extraction accuracy and speed on ../shared/data/textdumps.

Prints mean token precision / recall / F1 (lower-cased \\w+ tokens, multiset overlap, averaged
over pages) for the whole page, the naive "12+ words ending in punctuation" rule, and
comention's extractor; and pages/s of the extractor.

    python -m bench.bench_extract [--data ../shared/data/textdumps]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.data import DATA
from transforms.extract import extract_pages

DEFAULT_DATA = DATA / "textdumps"


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


def score_extractor(data: Path) -> dict[str, tuple[float, float, float]]:
    """Mean P/R/F1 per method; also used by the accuracy gate in the tests."""
    _, pages, truths = load(data)
    extracted = extract_pages(pages)["body"].to_list()
    methods = {
        "whole page": pages,
        "naive rule (12+ words, punctuated)": [naive_rule(p) for p in pages],
        "comention": [b or "" for b in extracted],
    }
    result = {}
    for name, outputs in methods.items():
        scores = [prf(o, t) for o, t in zip(outputs, truths, strict=True)]
        result[name] = tuple(sum(s[k] for s in scores) / len(scores) for k in range(3))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages")
    args = parser.parse_args()
    if not (args.data / "ground-truth.json").exists():
        print(f"no labelled data at {args.data}; nothing to measure")
        return 0
    ids, pages, truths = load(args.data)
    started = time.perf_counter()
    bodies = extract_pages(pages)["body"].to_list()
    elapsed = time.perf_counter() - started

    table = Table(title=f"Text-dump extraction on {len(pages)} pages ({args.data.name})")
    for col in ("method", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, (p, r, f) in score_extractor(args.data).items():
        table.add_row(name, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}")
    console = Console()
    console.print(table)
    console.print(f"comention extractor: {len(pages) / elapsed:,.0f} pages/s")
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
