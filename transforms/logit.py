"""Logistic models fitted in pure NumPy: a dozen weights need no training library, and Newton's
method on a concave objective gives the same weights on every run (no seed, no learning rate).

- ``fit_choice``: a conditional logit (McFadden): each decision's options scored with the same
  weights, the chosen one the most likely; for a choice between a varying number of options.
- ``fit_binary``: plain logistic regression, a choice between an option and nothing.

A fitted model is a small JSON file: its weights by feature name and what they were fitted on
(``write_model``, ``ShippedModel``).
"""

from __future__ import annotations

import json
from datetime import date
from functools import cached_property
from pathlib import Path

import numpy as np


def fit_choice(decisions: list[np.ndarray], chosen: list[int],
               weight: list[float] | None = None, l2: float = 1.0,
               iterations: int = 100) -> np.ndarray:
    """Weights that maximise the L2-penalised, weighted log-likelihood of the ``chosen``
    option of each decision (options × features). Each Newton step is halved until the
    objective rises, so nearly separable data converges instead of overshooting."""
    weight = [1.0] * len(decisions) if weight is None else weight

    def objective(w: np.ndarray) -> float:
        total = -0.5 * l2 * float(w @ w)
        for x, y, v in zip(decisions, chosen, weight, strict=True):
            s = x @ w
            total += v * (s[y] - s.max() - np.log(np.exp(s - s.max()).sum()))
        return total

    w = np.zeros(decisions[0].shape[1])
    current = objective(w)
    for _ in range(iterations):
        gradient, hessian = -l2 * w, -l2 * np.eye(len(w))
        for x, y, v in zip(decisions, chosen, weight, strict=True):
            s = x @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            mean = p @ x
            gradient += v * (x[y] - mean)
            hessian -= v * ((x * p[:, None]).T @ x - np.outer(mean, mean))
        step = np.linalg.solve(hessian, gradient)
        for _ in range(30):
            better = objective(w - step)
            if better >= current:
                break
            step = step / 2
        w, current = w - step, better
        if np.abs(step).max() < 1e-9:
            break
    return w


def fit_binary(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """Logistic-regression weights for rows ``x`` (rows × features) and 0/1 labels ``y``:
    each row a choice between itself and a row of zeros."""
    nothing = np.zeros(x.shape[1])
    return fit_choice([np.vstack([row, nothing]) for row in x],
                      [0 if label else 1 for label in y], l2=l2)


def write_model(path: Path, features: tuple[str, ...], weights: np.ndarray,
                fitted_on: dict, extra: dict | None = None) -> None:
    """Save weights by feature name, dated, with what they were fitted on (and ``extra``
    settings chosen with them, such as decision thresholds)."""
    path.write_text(json.dumps({
        "version": date.today().isoformat(),
        "fitted_on": fitted_on,
        "weights": {name: round(float(w), 4) for name, w in zip(features, weights, strict=True)},
        **(extra or {}),
    }, indent=2) + "\n", encoding="utf-8")


class ShippedModel:
    """A model file shipped with the package, read once when first used."""

    def __init__(self, path: Path, features: tuple[str, ...]):
        self.path, self.features = path, features

    @cached_property
    def saved(self) -> dict:
        """The file: its weights by feature name, and what they were fitted on."""
        return json.loads(self.path.read_text(encoding="utf-8"))

    @cached_property
    def weights(self) -> np.ndarray:
        """The weights in the order of ``features`` (0 for a feature it does not weigh)."""
        return np.array([self.saved["weights"].get(name, 0.0) for name in self.features])
