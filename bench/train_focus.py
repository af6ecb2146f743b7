"""Fit transforms/data/focus_model.json: the weights that say which countries an article is
about (transforms.focus), on the tune halves of the sets labelled with focus only.

Each (article, country) comention finds in the tune-half articles of gold-59 and batch2 is one
row, a focus country if the gold's focus holds it. The L2 penalty and the probabilities a focus
needs (the article's most likely country, the others) are chosen by cross-validation inside the
tune half: folds of whole articles, repeated with different splits, scored by focus micro-F1
over the articles' gold focus (a focus country comention does not find counts as missed).
Prints the cross-validated F1 and exact-set share per penalty, then the fitted model's on tune
and on check (check is only reported: nothing is chosen on it), and writes the model with what
it was fitted on. With --tune-only, nothing of the check half is printed (to try features
without seeing it); with --errors, each tune article whose cross-validated focus is not its
gold's, with the evidence of its likeliest countries.

    python -m bench.train_focus [--dry-run] [--tune-only] [--errors]
"""

from __future__ import annotations

import argparse
import hashlib
from itertools import product

import numpy as np
import polars as pl

from bench.bench_countries import SETS, _docs, with_languages
from bench.data import half_of
from transforms import focus, logit
from transforms.countries import find_mentions

TRAINING_SETS = ("gold-59", "batch2")
L2_PENALTIES = (0.1, 0.3, 1.0, 3.0)
TOP_THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
OTHER_THRESHOLDS = (0.4, 0.5, 0.6)
FOLDS = 10
REPEATS = 5


def labelled_rows() -> tuple[pl.DataFrame, dict[str, set[str]]]:
    """rolled_up rows of every article in the training sets, with its half and label; and each
    article's gold focus by id."""
    frames, gold_focus = [], {}
    for set_name in TRAINING_SETS:
        articles, gold = SETS[set_name]()
        docs = _docs(with_languages(articles))
        rolled = focus.rolled_up(find_mentions(docs), docs)
        gold_focus |= {doc_id: set(g.get("focus", ())) for doc_id, g in gold.items()}
        truth = pl.DataFrame([(doc_id, code) for doc_id, g in gold.items()
                              for code in g.get("focus", ())],
                             schema={"doc_id": pl.Utf8, "country": pl.Utf8}, orient="row")
        frames.append(rolled.join(truth.with_columns(label=pl.lit(True)),
                                  on=["doc_id", "country"], how="left")
                      .with_columns(pl.col("label").fill_null(False)))
    rows = pl.concat(frames)
    return rows.with_columns(half=pl.col("doc_id").map_elements(half_of, pl.Utf8)), gold_focus


def scores(rows: pl.DataFrame, is_focus: pl.Series,
           gold_focus: dict[str, set[str]]) -> tuple[float, float]:
    """Focus micro-F1 and the share of articles whose focus set is exact, over the articles
    of ``gold_focus`` (its gold focus countries comention missed count as false negatives)."""
    predicted = {doc_id: set() for doc_id in gold_focus}
    for doc_id, country in rows.filter(is_focus).select("doc_id", "country").iter_rows():
        if doc_id in predicted:
            predicted[doc_id].add(country)
    tp = sum(len(predicted[d] & g) for d, g in gold_focus.items())
    wrong = sum(len(predicted[d] ^ g) for d, g in gold_focus.items())
    exact = sum(predicted[d] == g for d, g in gold_focus.items()) / len(gold_focus)
    return (2 * tp / (2 * tp + wrong) if tp else 0.0), exact


def folds(doc_ids: list[str], repeat: int) -> list[set[str]]:
    """FOLDS groups of whole articles, a different split for each ``repeat``."""
    ordered = sorted(doc_ids, key=lambda d: hashlib.sha1(f"{repeat}:{d}".encode()).hexdigest())
    return [set(ordered[i::FOLDS]) for i in range(FOLDS)]


def out_of_fold(rows: pl.DataFrame, doc_ids: list[str], l2: float) -> list[np.ndarray]:
    """Per repeat, each row's probability from the model fitted on the other folds."""
    x, y = focus.feature_matrix(rows), rows["label"].to_numpy()
    ids = rows["doc_id"].to_numpy()
    repeats = []
    for repeat in range(REPEATS):
        likelihood = np.zeros(rows.height)
        for held_out in folds(doc_ids, repeat):
            test = np.isin(ids, list(held_out))
            weights = logit.fit_binary(x[~test], y[~test], l2)
            likelihood[test] = focus.probability(rows.filter(test), weights)
        repeats.append(likelihood)
    return repeats


def cross_validated(rows: pl.DataFrame, gold_focus: dict[str, set[str]]) -> dict[tuple, tuple]:
    """(l2, top, other) → mean cross-validated (focus F1, exact share) on the tune rows."""
    results = {}
    for l2 in L2_PENALTIES:
        repeats = out_of_fold(rows, sorted(gold_focus), l2)
        for top, other in product(TOP_THRESHOLDS, OTHER_THRESHOLDS):
            results[l2, top, other] = tuple(np.mean(
                [scores(rows, focus.chosen(rows, p, top, other), gold_focus) for p in repeats],
                axis=0))
    return results


def print_errors(rows: pl.DataFrame, gold_focus: dict[str, set[str]], l2: float, top: float,
                 other: float) -> None:
    """Each article of ``gold_focus`` whose focus by the out-of-fold probabilities (their mean
    over the repeats) is not its gold's: title, gold, focus, and per country among its five
    likeliest the probability and FEATURES."""
    likelihood = np.mean(out_of_fold(rows, sorted(gold_focus), l2), axis=0)
    rows = rows.with_columns(p=likelihood, focus=focus.chosen(rows, likelihood, top, other))
    titles = {a["id"]: a["title"] or a["text"][:80] for name in TRAINING_SETS
              for a in SETS[name]()[0] if a["id"] in gold_focus}
    wrong = 0
    for doc_id, gold in sorted(gold_focus.items()):
        article = rows.filter(pl.col("doc_id") == doc_id).sort("p", descending=True)
        predicted = set(article.filter("focus")["country"])
        if predicted == gold:
            continue
        wrong += 1
        unseen = sorted(gold - set(article["country"]))
        print(f"\n{doc_id} {titles[doc_id]!r}: gold {sorted(gold)}, focus {sorted(predicted)}"
              + (f", gold comention does not find {unseen}" if unseen else ""))
        for row in article.head(5).iter_rows(named=True):
            mark = {(True, True): "ok", (True, False): "FP", (False, True): "FN"}.get(
                (row["focus"], row["label"]), "  ")
            evidence = " ".join(f"{name}={row[name]:.2f}" for name in focus.FEATURES[1:])
            print(f"  {mark} {row['country']} p={row['p']:.2f} mentions={row['mentions']} "
                  f"{','.join(row['kinds'])}  {evidence}")
    print(f"\n{wrong} of {len(gold_focus)} articles' cross-validated focus is not the gold's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the model")
    parser.add_argument("--tune-only", action="store_true",
                        help="print nothing of the check half (implies --dry-run)")
    parser.add_argument("--errors", action="store_true",
                        help="print the tune articles whose cross-validated focus is wrong")
    args = parser.parse_args()
    rows, gold_focus = labelled_rows()
    tune = rows.filter(pl.col("half") == "tune")
    tune_gold = {d: g for d, g in gold_focus.items() if half_of(d) == "tune"}
    results = cross_validated(tune, tune_gold)
    # The best F1, then exact share; among equals the stronger penalty and the middle ground.
    best = max(results, key=lambda k: (round(results[k][0], 3), round(results[k][1], 3), k[0]))
    for l2 in L2_PENALTIES:
        at = max((k for k in results if k[0] == l2), key=lambda k: results[k])
        print(f"cv  l2 {l2:<4} top > {at[1]}, others > {at[2]}: focus F1 {results[at][0]:.3f}"
              f"  exact set {results[at][1]:.3f}")
    l2, top, other = best
    print(f"chosen: l2 {l2}, top > {top}, others > {other}")
    weights = logit.fit_binary(focus.feature_matrix(tune), tune["label"].to_numpy(), l2)
    for half in ("tune",) if args.tune_only else ("tune", "check"):
        part = rows.filter(pl.col("half") == half)
        predicted = focus.chosen(part, focus.probability(part, weights), top, other)
        f1, exact = scores(part, predicted,
                           {d: g for d, g in gold_focus.items() if half_of(d) == half})
        print(f"{half:5}  focus F1 {f1:.3f}  exact set {exact:.3f}")
    for name, w in zip(focus.FEATURES, weights, strict=True):
        print(f"  {name:22} {w:+.3f}")
    if args.errors:
        print_errors(tune, tune_gold, l2, top, other)
    if args.dry_run or args.tune_only:
        return
    logit.write_model(focus.MODEL_PATH, focus.FEATURES, weights, {
        "sets": TRAINING_SETS, "half": "tune", "rows": tune.height,
        "articles": len(tune_gold), "l2": l2,
        "cross_validated": {"folds": FOLDS, "repeats": REPEATS,
                            "focus_f1": round(results[best][0], 3),
                            "exact_set": round(results[best][1], 3)},
    }, {"thresholds": {"top": top, "other": other}})
    print(f"written {focus.MODEL_PATH}")


if __name__ == "__main__":
    main()
