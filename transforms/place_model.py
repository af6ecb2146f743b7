"""Which country an ambiguous place name is in, when nothing qualifies it where it stands: a
conditional logit over the countries its readings lie in.

transforms.places gathers, per article and name, each candidate country's evidence as a row of
FEATURES (the population prior, the default reading, countries, states and counties the article
names elsewhere, other places it names nearby); the country of the highest score is the
reading. The weights are fitted by ``bench.train_places`` on the tune halves of the labelled
sets under ../shared/data and shipped in data/place_model.json with
what they were fitted on, so a run needs no data beyond this package.

A conditional logit (transforms.logit) scores every option of one decision with the same
weights, so one model serves names of two readings and of twenty.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from transforms import logit

MODEL_PATH = Path(__file__).parent / "data" / "place_model.json"

FEATURES = (
    "default",  # the gazetteer's reading: the capital, the country or the most populous place
    "log_population",  # log10 of its biggest place's population, less the biggest option's
    "default_capital",  # the default reading, of a capital ("Paris")
    "default_region",  # the default reading, of a region ("Delta", Nigeria)
    "country_named",  # the article names this country elsewhere, but none of its places
    "country_has_places_named",  # it names one of its towns, regions or institutions
    "state_named",  # a US option: the article names the state of a place of this name
    "county_named",  # a US option: the article names a county of that state
    "near",  # another place the article names lies within NEAR_KM of a place of this name
    # as near, to a place of a name several places hold or of a town that needs support
    "near_a_place_of_a_name_of_several",
)
NEAR_KM = 300.0


def scores(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Each option's score (options × FEATURES → options), summed feature by feature: a row's
    score is the same to the last bit however many rows are scored with it (a matrix
    product's last bits vary with the rows around it, and a tie must go to the first option
    in a batch as alone)."""
    total = np.zeros(len(features))
    for column, weight in zip(features.T, weights, strict=True):
        total += column * weight
    return total


SHIPPED = logit.ShippedModel(MODEL_PATH, FEATURES)


def choose_each(features: np.ndarray, first: np.ndarray,
                weights: np.ndarray | None = None) -> np.ndarray:
    """For each decision, whose options are the rows of ``features`` from its ``first`` row
    up to the next decision's: the option of the highest score within it (by the shipped
    weights, or ``weights`` being fitted), ties to the first (the most populous). One matrix
    product for all the decisions of a batch."""
    option_scores = scores(features, SHIPPED.weights if weights is None else weights)
    decision = np.repeat(np.arange(len(first)), np.diff(first, append=len(option_scores)))
    best = np.maximum.reduceat(option_scores, first)
    top = np.flatnonzero(option_scores == best[decision])
    return top[np.unique(decision[top], return_index=True)[1]] - first


def choose(features: np.ndarray, weights: np.ndarray | None = None) -> int:
    """choose_each of one decision."""
    return int(choose_each(features, np.zeros(1, dtype=np.int64), weights)[0])
