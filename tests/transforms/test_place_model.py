"""The choice between the places of one name (transforms.place_model)."""

from __future__ import annotations

import numpy as np
import polars as pl

from transforms import place_model
from transforms.countries import find_mentions

COUNTRY_NAMED = place_model.FEATURES.index("country_named")
DEFAULT = place_model.FEATURES.index("default")


def _decision(default_right: bool, named_right: bool) -> tuple[np.ndarray, int]:
    """Two options: the default reading, and another whose country the article names."""
    x = np.zeros((2, len(place_model.FEATURES)))
    x[0, DEFAULT] = 1.0
    x[1, COUNTRY_NAMED] = 1.0
    return x, 0 if default_right and not named_right else 1


def test_fit_learns_which_evidence_decides_and_is_deterministic():
    # The named country is right 3 times in 4: its weight must beat the default's.
    decisions = [_decision(i % 4 == 0, i % 4 != 0) for i in range(40)]
    xs, ys = [x for x, _ in decisions], [y for _, y in decisions]
    w = place_model.fit(xs, ys)
    assert w[COUNTRY_NAMED] > w[DEFAULT]
    assert np.array_equal(w, place_model.fit(xs, ys))
    # Weighting the decisions the other way round turns the choice.
    flipped = place_model.fit(xs, ys, [3.0 if y == 0 else 1.0 / 3 for y in ys])
    assert flipped[COUNTRY_NAMED] < flipped[DEFAULT]


def test_the_shipped_model_weighs_every_feature_and_was_fitted_on_tune_halves():
    shipped = place_model.model()
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
