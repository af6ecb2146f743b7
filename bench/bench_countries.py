"""Country detection accuracy and speed on ../shared/data/gold-countries (59 hand-labelled
articles, PROTOCOL.md), side by side with geotext (a bench extra: `pip install geotext`).

Prints (article, country) micro precision/recall/F1, co-mention pair F1 (pairs of countries
named other than only inside an organisation's name), recall per mention kind, focus accuracy
(share of articles whose focus set is exactly the labelled one, and focus micro-F1), and MB/s
(on the 59 articles as one batch, and on them repeated as the pipeline's batch size would be).
Also, with --reuters, agreement with Reuters-21578 PLACES.

    python -m bench.bench_countries [--reuters]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from itertools import combinations
from pathlib import Path

import polars as pl
from rich.console import Console
from rich.table import Table

from bench.data import DATA
from transforms.countries import article_countries, find_mentions

KINDS = ("name", "demonym", "capital", "city", "region", "org")
# The 59 articles are one small batch; the pipeline enriches 2,000 at a time. Speed is also
# measured on the articles repeated this many times, as one batch.
BATCH_REPEAT = 20


def load_gold(folder: Path = DATA / "gold-countries") -> tuple[list[dict], dict[str, dict]]:
    articles = [json.loads(line) for line in (folder / "articles.jsonl").open()]
    gold = {g["id"]: g for g in map(json.loads, (folder / "gold.jsonl").open())}
    return articles, gold


def comention_predict(articles: list[dict]) -> dict[str, dict]:
    """Per article: countries with their kinds, and focus, as comention finds them."""
    docs = pl.DataFrame({"doc_id": [a["id"] for a in articles],
                         "title": [a["title"] for a in articles],
                         "body": [a["text"] for a in articles]})
    rolled = article_countries(find_mentions(docs), docs)
    out = {a["id"]: {"countries": {}, "focus": set()} for a in articles}
    for row in rolled.iter_rows(named=True):
        out[row["doc_id"]]["countries"][row["country"]] = set(row["kinds"])
        if row["is_focus"]:
            out[row["doc_id"]]["focus"].add(row["country"])
    return out


def geotext_predict(articles: list[dict]) -> dict[str, dict]:
    from geotext import GeoText

    out = {}
    for a in articles:
        found = GeoText(f"{a['title']}\n{a['text']}").country_mentions
        out[a["id"]] = {"countries": {code: set() for code in found}, "focus": set()}
    return out


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(predicted: dict[str, dict], gold: dict[str, dict]) -> dict:
    tp = fp = fn = 0
    pair_tp = pair_fp = pair_fn = 0
    kind_hit = dict.fromkeys(KINDS, 0)
    kind_all = dict.fromkeys(KINDS, 0)
    focus_exact = focus_tp = focus_fp = focus_fn = 0
    for doc_id, g in gold.items():
        truth = {c["code"]: set(c["kinds"]) for c in g["countries"]}
        pred = predicted[doc_id]["countries"]
        tp += len(truth.keys() & pred.keys())
        fp += len(pred.keys() - truth.keys())
        fn += len(truth.keys() - pred.keys())
        counted_t = sorted(c for c, k in truth.items() if k - {"org"})
        counted_p = sorted(c for c, k in pred.items() if not k or k - {"org"})
        pairs_t, pairs_p = set(combinations(counted_t, 2)), set(combinations(counted_p, 2))
        pair_tp += len(pairs_t & pairs_p)
        pair_fp += len(pairs_p - pairs_t)
        pair_fn += len(pairs_t - pairs_p)
        for code, kinds in truth.items():
            for kind in kinds:
                kind_all[kind] += 1
                kind_hit[kind] += code in pred and (kind in pred[code] or not pred[code])
        focus_t, focus_p = set(g["focus"]), predicted[doc_id]["focus"]
        focus_exact += focus_t == focus_p
        focus_tp += len(focus_t & focus_p)
        focus_fp += len(focus_p - focus_t)
        focus_fn += len(focus_t - focus_p)
    return {
        "country": _f1(tp, fp, fn),
        "pair": _f1(pair_tp, pair_fp, pair_fn),
        "kind_recall": {k: kind_hit[k] / kind_all[k] if kind_all[k] else None for k in KINDS},
        "focus_exact": focus_exact / len(gold),
        "focus": _f1(focus_tp, focus_fp, focus_fn),
    }


def mb_per_s(predict, articles: list[dict], rounds: int = 10) -> float:
    """MB/s of ``predict`` over ``articles`` as one batch (best of ``rounds``; the matcher is
    built before timing)."""
    predict(articles[:1])
    size = sum(len((a["title"] + a["text"]).encode()) for a in articles) / 1e6
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        predict(articles)
        best = min(best, time.perf_counter() - started)
    return size / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuters", action="store_true", help="also score against Reuters PLACES")
    args = parser.parse_args()
    if not (DATA / "gold-countries" / "gold.jsonl").exists():
        print(f"no labelled data under {DATA}; nothing to measure")
        return 0
    articles, gold = load_gold()
    methods = {"comention": comention_predict}
    try:
        import geotext  # noqa: F401

        methods["geotext"] = geotext_predict
    except ImportError:
        print("geotext not installed (pip install geotext): comparing comention alone")
    console = Console()
    table = Table(title=f"Countries on {len(gold)} hand-labelled articles (gold-countries)")
    for col in ("method", "country P", "country R", "country F1", "pair F1", "focus exact",
                "focus F1", "MB/s", f"MB/s ×{BATCH_REPEAT}", *(f"R {k}" for k in KINDS)):
        table.add_column(col, justify="left" if col == "method" else "right")
    for name, predict in methods.items():
        predicted = predict(articles)
        mb_s = mb_per_s(predict, articles)
        mb_s_batch = mb_per_s(predict, articles * BATCH_REPEAT)
        result = evaluate(predicted, gold)
        p, r, f = result["country"]
        kinds = [f"{v:.2f}" if v is not None else "—" for v in result["kind_recall"].values()]
        focus = f"{result['focus_exact']:.2f}" if name == "comention" else "—"
        focus_f1 = f"{result['focus'][2]:.2f}" if name == "comention" else "—"
        table.add_row(name, f"{p:.3f}", f"{r:.3f}", f"{f:.3f}", f"{result['pair'][2]:.3f}",
                      focus, focus_f1, f"{mb_s:.1f}", f"{mb_s_batch:.1f}", *kinds)
    console.print(table)
    if args.reuters:
        from bench.reuters import places_agreement

        console.print(places_agreement())
    return 0


if __name__ == "__main__":
    sys.exit(main())
