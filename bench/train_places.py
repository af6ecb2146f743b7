"""Fit transforms/data/place_model.json: the weights that choose between the places of one name
(transforms.place_model), on the tune halves of the labelled sets only.

Every choice places.resolve leaves to the model, in the tune-half articles of gold-59, batch2,
LGL and TR-News, is one training decision when the gold says which of its countries is right
(labelled_decisions; a choice whose every option is wrong, a person read as a place, teaches
nothing). Prints the decisions made right by the prior alone and by the fitted model, on tune
and on check (check is only reported: nothing is chosen on it), and writes the model with what
it was fitted on.

    python -m bench.train_places [--l2 1.0] [--dry-run]
"""

from __future__ import annotations

import argparse

import numpy as np

from bench.bench_countries import SETS, _docs, with_languages
from bench.data import half_of
from transforms import logit, place_model
from transforms.countries import find_mentions
from transforms.places import name_key

TRAINING_SETS = ("gold-59", "batch2", "LGL", "TR-News")  # batch2's sources are in batch2


def labelled_decisions(set_name: str) -> list[tuple[str, str, np.ndarray, int]]:
    """(article id, name, features, index of the right country) of each decision in one set.

    The right country is the only one of its options in the article's gold; where several
    are, the only one of those that no other name of the article gives: "Paris" in a story
    that also says "U.S." is the gold's France, since the U.S. is in the gold through "U.S."."""
    articles, gold = SETS[set_name]()
    articles = with_languages(articles)
    decisions: list = []
    mentions = find_mentions(_docs(articles), decisions)
    given_by = {}  # (article, country) → the names that give it
    for doc_id, country, surface in mentions.select("doc_id", "country", "surface").iter_rows():
        given_by.setdefault((doc_id, country), set()).add(name_key(surface))
    out = []
    for d, name, codes, x in decisions:
        doc_id = articles[d]["id"]
        truth = {c["code"] for c in gold[doc_id]["countries"]}
        right = [j for j, code in enumerate(codes) if code in truth]
        if len(right) > 1:
            right = [j for j in right if not given_by.get((doc_id, codes[j]), set()) - {name}]
        if len(right) == 1:
            out.append((doc_id, name, x, right[0]))
    return out


def accuracy(decisions: list, weights: np.ndarray) -> tuple[int, int]:
    right = sum(place_model.choose(x, weights) == y for *_, x, y in decisions)
    return right, len(decisions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--dry-run", action="store_true", help="print, do not write the model")
    args = parser.parse_args()
    by_half: dict[str, list] = {"tune": [], "check": []}
    counts = {}
    for set_name in TRAINING_SETS:
        found = labelled_decisions(set_name)
        for half in by_half:
            in_half = [(set_name, *row) for row in found if half_of(row[0]) == half]
            by_half[half] += in_half
            counts[f"{set_name} {half}"] = len(in_half)
    tune = by_half["tune"]
    # Each set weighs the same in the fit: local news (LGL) holds most of the decisions, and
    # its readings are more often the small domestic town than international news's.
    per_set = {s: counts[f"{s} tune"] for s in TRAINING_SETS}
    share = [len(tune) / len(TRAINING_SETS) / per_set[s] for s, *_ in tune]
    weights = logit.fit_choice([x for *_, x, _ in tune], [y for *_, y in tune], share,
                              l2=args.l2)
    prior = np.zeros(len(place_model.FEATURES))
    prior[place_model.FEATURES.index("default")] = 1.0
    for half in by_half:
        for label, w in (("default reading", prior), ("fitted model", weights)):
            right, n = accuracy(by_half[half], w)
            print(f"{half:5}  {label:15}  {right}/{n} decisions right ({right / max(n, 1):.3f})")
    for name, w in zip(place_model.FEATURES, weights, strict=True):
        print(f"  {name:22} {w:+.3f}")
    if args.dry_run:
        return
    right, n = accuracy(tune, weights)
    logit.write_model(place_model.MODEL_PATH, place_model.FEATURES, weights, {
        "sets": TRAINING_SETS, "half": "tune", "decisions": counts, "l2": args.l2,
        "tune_decisions_right": f"{right}/{n}"})
    print(f"written {place_model.MODEL_PATH}")


if __name__ == "__main__":
    main()
