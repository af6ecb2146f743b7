"""The choice between the places of one name (transforms.place_model)."""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms import place_model
from transforms.countries import find_mentions


def test_the_shipped_model_weighs_every_feature_and_was_fitted_on_tune_halves():
    shipped = place_model.SHIPPED.saved
    assert set(shipped["weights"]) == set(place_model.FEATURES)
    assert shipped["fitted_on"]["half"] == "tune"
    x = np.zeros((2, len(place_model.FEATURES)))
    assert place_model.choose(x) == 0  # no evidence: the first, most populous option


def test_resolution_records_each_choice_the_model_made():
    docs = pl.DataFrame({"doc_id": ["a", "b"], "title": ["", ""],
                         "body": ["The school board in Athens met; Atlanta officials came.",
                                  "Officials said Athens would host the summit."]})
    decisions: list = []
    found = find_mentions(docs, decisions)
    made = {(d, name): codes for d, name, codes, x in decisions}
    assert {"GR", "US"} <= set(made[(0, "athens")]) and (1, "athens") in made
    assert all(x.shape == (len(codes), len(place_model.FEATURES))
               for _, _, codes, x in decisions)
    athens = dict(found.filter(pl.col("surface") == "Athens")
                  .select("doc_id", "country").iter_rows())
    assert athens == {"a": "US", "b": "GR"}  # near Atlanta; no evidence: the capital


def test_each_decision_of_a_batch_chooses_as_alone():
    rng = np.random.default_rng(7)
    sizes = rng.integers(1, 6, size=50)
    # Three features of 0 or 1, the others 0: options often tie within a decision.
    x = np.zeros((int(sizes.sum()), len(place_model.FEATURES)))
    x[:, :3] = rng.integers(0, 2, size=(len(x), 3))
    first = np.cumsum(sizes) - sizes
    weights = place_model.SHIPPED.weights
    # A row scores the same alone as in a batch, so ties go to the first option in both.
    together = place_model.scores(x, weights)
    assert all((together[f:f + n] == place_model.scores(x[f:f + n], weights)).all()
               for f, n in zip(first, sizes, strict=True))
    chosen = place_model.choose_each(x, first)
    assert chosen.tolist() == [int(np.argmax(together[f:f + n]))
                               for f, n in zip(first, sizes, strict=True)]
    assert any(len(set(map(tuple, x[f:f + n]))) < n for f, n in zip(first, sizes, strict=True))
    assert [place_model.choose(x[f:f + n]) for f, n in zip(first, sizes, strict=True)
            ] == chosen.tolist()
