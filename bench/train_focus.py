"""Fit transforms/data/focus_model.json: the weights that say which countries an article is
about (transforms.focus), on the tune halves of the sets labelled with focus only.

Each (article, country) comention finds in the tune-half articles of gold-59 and batch2 is one
row, a focus country if the gold's focus holds it. Prints focus micro-F1 and the share of
articles whose focus set is exact for the fitted model on tune and on check (check is only
reported: nothing is chosen on it), and writes the model with what it was fitted on.

    python -m bench.train_focus [--l2 1.0] [--dry-run]
"""

from __future__ import annotations

import argparse

import numpy as np
import polars as pl

from bench.bench_countries import SETS, _docs, with_languages
from bench.data import half_of
from transforms import focus, logit
from transforms.countries import find_mentions

TRAINING_SETS = ("gold-59", "batch2")


def labelled_rows() -> pl.DataFrame:
    """rolled_up rows of every article in the training sets, with its half and label."""
    frames = []
    for set_name in TRAINING_SETS:
        articles, gold = SETS[set_name]()
        rolled = focus.rolled_up(find_mentions(_docs(with_languages(articles))))
        truth = pl.DataFrame([(doc_id, code) for doc_id, g in gold.items()
                              for code in g.get("focus", ())],
                             schema={"doc_id": pl.Utf8, "country": pl.Utf8}, orient="row")
        frames.append(rolled.join(truth.with_columns(label=pl.lit(True)),
                                  on=["doc_id", "country"], how="left")
                      .with_columns(pl.col("label").fill_null(False)))
    rows = pl.concat(frames)
    return rows.with_columns(half=pl.col("doc_id").map_elements(half_of, pl.Utf8))


def scores(rows: pl.DataFrame, weights: np.ndarray) -> tuple[float, float]:
    """Focus micro-F1 and the share of articles whose focus set is exact."""
    predicted = focus.is_focus(rows, weights=weights).to_numpy()
    truth = rows["label"].to_numpy()
    tp, fp = (predicted & truth).sum(), (predicted & ~truth).sum()
    fn = (~predicted & truth).sum()
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    exact = (rows.with_columns(right=pl.Series(predicted == truth))
             .group_by("doc_id").agg(pl.col("right").all())["right"].mean())
    return float(f1), float(exact)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the model")
    args = parser.parse_args()
    rows = labelled_rows()
    tune = rows.filter(pl.col("half") == "tune")
    weights = logit.fit_binary(focus.feature_matrix(tune), tune["label"].to_numpy(), args.l2)
    for half in ("tune", "check"):
        f1, exact = scores(rows.filter(pl.col("half") == half), weights)
        print(f"{half:5}  focus F1 {f1:.3f}  exact set {exact:.3f}")
    for name, w in zip(focus.FEATURES, weights, strict=True):
        print(f"  {name:22} {w:+.3f}")
    if args.dry_run:
        return
    logit.write_model(focus.MODEL_PATH, focus.FEATURES, weights, {
        "sets": TRAINING_SETS, "half": "tune", "rows": tune.height,
        "articles": tune["doc_id"].n_unique(), "l2": args.l2})
    print(f"written {focus.MODEL_PATH}")


if __name__ == "__main__":
    main()
