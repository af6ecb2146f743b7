"""Logistic models fitted in NumPy (transforms.logit)."""

from __future__ import annotations

import numpy as np

from transforms import logit

DEFAULT, COUNTRY_NAMED = 0, 1


def _decision(default_right: bool, named_right: bool) -> tuple[np.ndarray, int]:
    """Two options: the default reading, and another whose country the article names."""
    x = np.zeros((2, 2))
    x[0, DEFAULT] = 1.0
    x[1, COUNTRY_NAMED] = 1.0
    return x, 0 if default_right and not named_right else 1


def test_fit_learns_which_evidence_decides_and_is_deterministic():
    # The named country is right 3 times in 4: its weight must beat the default's.
    decisions = [_decision(i % 4 == 0, i % 4 != 0) for i in range(40)]
    xs, ys = [x for x, _ in decisions], [y for _, y in decisions]
    w = logit.fit_choice(xs, ys)
    assert w[COUNTRY_NAMED] > w[DEFAULT]
    assert np.array_equal(w, logit.fit_choice(xs, ys))
    # Weighting the decisions the other way round turns the choice.
    flipped = logit.fit_choice(xs, ys, [3.0 if y == 0 else 1.0 / 3 for y in ys])
    assert flipped[COUNTRY_NAMED] < flipped[DEFAULT]


def test_binary_fit_separates_what_its_feature_marks():
    x = np.array([[1.0, 1.0]] * 8 + [[1.0, 0.0]] * 8)
    y = np.array([True] * 7 + [False] + [False] * 7 + [True])
    w = logit.fit_binary(x, y)
    assert (x @ w > 0).tolist() == [True] * 8 + [False] * 8
