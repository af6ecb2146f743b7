"""Near-duplicate detection precision and recall on a test set built from ../shared/data/bbc.

Every BBC article is an original. For a random sample, copies are injected as a syndicating
site would publish them: other boilerplate around the text (share buttons, copyright, related
headlines), light edits (a few words changed, a paragraph dropped, a sentence added), or both.
Copies come after all originals, so each should link to its original. Precision counts a link
as right when it points to the copy's original, or to an original that is itself a duplicate of
it in the BBC data (the corpus holds some republished stories: exact Jaccard ≥ 0.9).

    python -m bench.bench_neardup [--copies 400] [--seed 3]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from bench.data import DATA as SHARED_DATA
from transforms.neardup import link_near_duplicates, signatures

DATA = SHARED_DATA / "bbc"
SITES = ("The Daily Example", "World Wire Online", "Metro Post")
FILLER_WORDS = ("reportedly", "also", "now", "further", "still", "again")


def load_bbc(data: Path = DATA) -> list[tuple[str, str]]:
    return [(f"{p.parent.name}/{p.stem}", p.read_text(encoding="latin-1"))
            for p in sorted(data.glob("*/*.txt"))]


def with_boilerplate(rng: random.Random, text: str, titles: list[str]) -> str:
    site = rng.choice(SITES)
    related = "\n".join(rng.sample(titles, 3))
    return (f"Share this article: Facebook Twitter Email\n{text}\n"
            f"Related stories\n{related}\nCopyright 2005 {site}. All rights reserved.")


def lightly_edited(rng: random.Random, text: str) -> str:
    paragraphs = [p for p in text.split("\n") if p.strip()]
    if len(paragraphs) > 4:
        paragraphs.pop(rng.randrange(1, len(paragraphs)))
    words = "\n".join(paragraphs).split(" ")
    for _ in range(max(2, len(words) // 60)):
        i = rng.randrange(len(words))
        words[i] = rng.choice(FILLER_WORDS)
    return " ".join(words) + " Additional reporting by staff."


def build_test_set(copies: int, seed: int) -> tuple[list[str], list[str], dict[str, str]]:
    """(ids, texts, copy id → original id); originals first, copies after."""
    rng = random.Random(seed)
    originals = load_bbc()
    titles = [text.split("\n", 1)[0] for _, text in originals]
    ids, texts = [i for i, _ in originals], [t for _, t in originals]
    truth = {}
    for n, (orig_id, text) in enumerate(rng.sample(originals, copies)):
        kind = n % 3
        copy = (with_boilerplate(rng, text, titles) if kind == 0 else
                lightly_edited(rng, text) if kind == 1 else
                with_boilerplate(rng, lightly_edited(rng, text), titles))
        ids.append(f"copy{n}")
        texts.append(copy)
        truth[f"copy{n}"] = orig_id
    return ids, texts, truth


def _shingles(text: str) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i:i + 5]) for i in range(max(1, len(words) - 4))}


def evaluate(copies: int = 400, seed: int = 3) -> dict[str, float]:
    ids, texts, truth = build_test_set(copies, seed)
    started = time.perf_counter()
    links = dict(link_near_duplicates(ids, *signatures(pl.Series(texts))).iter_rows())
    elapsed = time.perf_counter() - started
    text_of = dict(zip(ids, texts, strict=True))

    def same_story(a: str, b: str) -> bool:
        """Two BBC originals are one story when one is mostly inside the other."""
        sa, sb = _shingles(text_of[a]), _shingles(text_of[b])
        return len(sa & sb) / min(len(sa), len(sb)) >= 0.8

    def first_copy(original: str) -> str:
        # dup_of names the first copy of a story: the original, or an earlier original it
        # republishes (the BBC data has some).
        return links.get(original, original)

    right = 0
    for doc, first in links.items():
        if doc in truth:
            right += first == first_copy(truth[doc])
        else:
            right += same_story(doc, first)
    found = sum(1 for copy, original in truth.items() if links.get(copy) == first_copy(original))
    return {
        "articles": len(ids), "copies": len(truth), "links": len(links),
        "precision": right / len(links) if links else 1.0,
        "recall": found / len(truth), "docs_per_s": len(ids) / elapsed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=400)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    if not DATA.exists():
        print(f"no data at {DATA}; nothing to measure")
        return 0
    result = evaluate(args.copies, args.seed)
    table = Table(title=f"Near-duplicates on BBC + {result['copies']} injected copies")
    for col in ("articles", "links found", "precision", "recall", "articles/s"):
        table.add_column(col, justify="right")
    table.add_row(f"{result['articles']:,}", f"{result['links']:,}",
                  f"{result['precision']:.3f}", f"{result['recall']:.3f}",
                  f"{result['docs_per_s']:,.0f}")
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
