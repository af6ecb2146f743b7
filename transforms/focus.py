"""Which 1-3 countries an article is about (``article_countries.is_focus``): a logistic model
over where and how often each country is named, fitted by ``bench.train_focus`` on the tune
halves of the labelled sets with focus (gold-countries and its batch2) and shipped in
data/focus_model.json with what it was fitted on and the probabilities a focus needs.

The evidence per article and country (FEATURES) is whether it is named in the headline (the
title, or the dateline that opens the body: "KIEV, March 3 (Reuters) -", "Wien –"), how often
in the lead and in all, its weighted score (a title mention 3, the lead's 2, any other 1, one
inside an organisation's name 1: the Duchy of Lancaster) over the top country's, and how densely
the body names it. The mentions are the resolved places (transforms.places): a homonym read as
a town elsewhere counts for that town's country.

An article's most likely country is a focus above one probability, the others above another
(both chosen by cross-validation on the tune halves); an article naming countries only in
passing has none.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import polars as pl

from transforms import logit

MODEL_PATH = Path(__file__).parent / "data" / "focus_model.json"
LEAD_CHARACTERS = 400
MAX_FOCUS = 3
# A dateline opens the body, or follows a standfirst sentence ("Tatverdächtiger festgenommen.
# Wien – ..."): up to four capitalised place words (joined by spaces, "/" or "-"), maybe a date
# and a parenthesised qualifier or agency, then a dash.
DATELINE = re.compile(
    r"(?:^|[.!?:]\s+|\n)"
    r"((?:[A-ZÄÖÜ][\w.'’]*)(?:[ /-][A-ZÄÖÜ][\w.'’]*){0,3})"
    r"(?:,\s[\w .]{1,20}?)?(?:\s*\([^()\n]{1,25}\))?"
    r"\s+[–—-]{1,2}\s"
)
DATELINE_CHARACTERS = 400
# What every DATELINE match holds (the last space before its dash, the dash, the space after):
# searched first, in Polars over all leads, it rules out most articles at a fraction of
# DATELINE's cost. Python's \s spelt out (the characters str.isspace accepts), as Polars' regex
# reads \s otherwise ("\x1c" is a space to Python only). All of them are in the first plane.
_SPACE = "[" + "".join(f"\\x{{{c:x}}}" for c in range(0x10000) if chr(c).isspace()) + "]"
_DATELINE_DASH = _SPACE + r"[\x{2013}\x{2014}\x{2d}]{1,2}" + _SPACE
# Bodies shorter than this count as this long for the density of mentions, so that a short
# item's one passing mention is not dense evidence (cross-validated on the tune halves: 200,
# 400, 600, 1,000 and 1,500 give focus F1 0.898, 0.898, 0.899, 0.903, 0.899).
MIN_DENSITY_CHARACTERS = 1000

FEATURES = (
    "bias",
    "in_headline",  # named in the title or the dateline
    "lead_mentions",  # log(1 + mentions in the lead)
    "log_mentions",  # log(1 + mentions)
    "share_of_top_score",  # its score over the top country's
    "mention_density",  # log(1 + mentions per 1,000 characters of body)
)


SHIPPED = logit.ShippedModel(MODEL_PATH, FEATURES)


def datelines(docs: pl.DataFrame) -> pl.DataFrame:
    """doc_id and the body offsets (dateline_start, dateline_end) of the place words of each
    article's dateline, for the articles that have one."""
    rows = []
    # Only the leads with a dash between spaces (a quarter of LGL's) leave Polars: 7.7 ms CPU
    # a batch of 2,000 LGL articles with the dash searched lead by lead in Python.
    leads = docs.select("doc_id", lead=pl.col("body").fill_null("")
                        .str.slice(0, DATELINE_CHARACTERS))
    leads = leads.filter(pl.col("lead").str.contains(_DATELINE_DASH))
    for doc_id, lead in zip(leads["doc_id"].to_list(), leads["lead"].to_list(), strict=True):
        if found := DATELINE.search(lead):
            rows.append((doc_id, found.start(1), found.end(1)))
    return pl.DataFrame(rows, orient="row", schema={
        "doc_id": pl.Utf8, "dateline_start": pl.Int64, "dateline_end": pl.Int64})


def _rank_in_article(doc_id: pl.Series, *keys: np.ndarray) -> pl.Series:
    """Each row's place (1 first) among its article's rows by ``keys``, the first deciding
    first, ties in row order: Polars' rank("ordinal") of a struct of them over doc_id, in
    NumPy (the window cost a fifth of rolled_up's time)."""
    article = doc_id.rank("dense").to_numpy()
    order = np.lexsort((*reversed(keys), article))
    # Sorted, an article's rows are one run: a row's place is its distance from the run's start.
    sorted_article = article[order]
    run_start = np.flatnonzero(np.r_[True, sorted_article[1:] != sorted_article[:-1]])
    runs = np.diff(np.r_[run_start, len(order)])
    place = np.empty(len(order), dtype=np.uint32)
    place[order] = np.arange(1, len(order) + 1) - np.repeat(run_start, runs)
    return pl.Series(place, dtype=pl.UInt32)


def rolled_up(mentions: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """Article × country: mentions, kinds, focus_score, rank and every FEATURES column, from
    the mentions and their articles (doc_id, body)."""
    weight = (
        pl.when(pl.col("kind") == "org").then(1.0)
        .when(pl.col("field") == "title").then(3.0)
        .when(pl.col("start") < LEAD_CHARACTERS).then(2.0)
        .otherwise(1.0)
    )
    in_dateline = ((pl.col("field") == "body") & (pl.col("start") >= pl.col("dateline_start"))
                   & (pl.col("end") <= pl.col("dateline_end"))).fill_null(False)
    # Where a country is first named (title before body) breaks ties, so that the same
    # article always gets the same focus.
    first_seen = pl.col("start") + pl.when(pl.col("field") == "title").then(0).otherwise(1 << 40)
    rolled = mentions.join(datelines(docs), on="doc_id", how="left").group_by(
        "doc_id", "country").agg(
        mentions=pl.len().cast(pl.Int64),
        kinds=pl.col("kind").unique().sort(),
        focus_score=weight.sum(),
        first_seen=first_seen.min(),
        headline=((pl.col("field") == "title") | in_dateline).sum(),
        lead=((pl.col("field") == "body") & (pl.col("start") < LEAD_CHARACTERS)).sum(),
    )
    body_characters = docs.select(
        "doc_id", body_characters=pl.col("body").fill_null("").str.len_chars()
        .clip(MIN_DENSITY_CHARACTERS).cast(pl.Float64))
    rolled = rolled.join(body_characters, on="doc_id", how="left")
    n = pl.col("mentions")
    return rolled.with_columns(
        rank=_rank_in_article(rolled["doc_id"], -rolled["focus_score"].to_numpy(),
                              rolled["first_seen"].to_numpy()),
        bias=pl.lit(1.0),
        in_headline=(pl.col("headline") > 0).cast(pl.Float64),
        lead_mentions=pl.col("lead").log1p(),
        log_mentions=n.log1p(),
        share_of_top_score=pl.col("focus_score") / pl.col("focus_score").max().over("doc_id"),
        mention_density=(1000 * n / pl.col("body_characters")).log1p(),
    )


def feature_matrix(rolled: pl.DataFrame) -> np.ndarray:
    """rolled_up's FEATURES as a matrix (rows × FEATURES)."""
    return rolled.select(FEATURES).to_numpy().astype(float)


def probability(rolled: pl.DataFrame, weights: np.ndarray | None = None) -> np.ndarray:
    """The model's probability that each row of rolled_up is a focus country (the shipped
    weights, or ``weights`` being fitted)."""
    score = feature_matrix(rolled) @ (SHIPPED.weights if weights is None else weights)
    return 1 / (1 + np.exp(-score))


def chosen(rolled: pl.DataFrame, likelihood: np.ndarray, top: float, other: float,
           max_focus: int = MAX_FOCUS) -> pl.Series:
    """is_focus: each article's most likely country if its probability passes ``top``, and
    the next ``max_focus`` - 1 whose probabilities pass ``other`` (ties: the country named
    first)."""
    place = _rank_in_article(rolled["doc_id"], -likelihood,
                             rolled["first_seen"].to_numpy()).to_numpy()
    focus = np.where(place == 1, likelihood > top, (likelihood > other) & (place <= max_focus))
    return pl.Series("is_focus", focus, dtype=pl.Boolean)


def is_focus(rolled: pl.DataFrame, max_focus: int = MAX_FOCUS) -> pl.Series:
    """Whether each row of rolled_up is a focus country, by the shipped model."""
    threshold = SHIPPED.saved["thresholds"]
    return chosen(rolled, probability(rolled), threshold["top"], threshold["other"], max_focus)
