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
from functools import cache
from itertools import count, repeat
from pathlib import Path

import numpy as np
import polars as pl

from transforms import logit
from transforms.gazetteer import KINDS

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
# Mention kinds in alphabetical order, as rolled_up lists an article's.
_KIND_ENUM = pl.Enum(sorted(KINDS))
_GROUP_SCHEMA = {"doc_id": pl.Utf8, "country": pl.Utf8, "mentions": pl.Int64,
                 "kinds": pl.List(pl.Utf8), "focus_score": pl.Float64, "first_seen": pl.Int64,
                 "headline": pl.UInt32, "lead": pl.UInt32}

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
    article = _article_ids(doc_id)
    order = np.lexsort((*reversed(keys), article))
    # Sorted, an article's rows are one run: a row's place is its distance from the run's start.
    sorted_article = article[order]
    run_start = np.flatnonzero(np.r_[True, sorted_article[1:] != sorted_article[:-1]])
    runs = np.diff(np.r_[run_start, len(order)])
    place = np.empty(len(order), dtype=np.uint32)
    place[order] = np.arange(1, len(order) + 1) - np.repeat(run_start, runs)
    return pl.Series(place, dtype=pl.UInt32)


def _article_ids(doc_id: pl.Series) -> np.ndarray:
    """An id per row, the same for the rows of one article: counted along the runs where an
    article's rows are one run each (as rolled_up gives them), else its doc_id's dense rank
    (which cost more than the rest of _rank_in_article)."""
    new_article = _new_runs(doc_id)
    if new_article.sum() == doc_id.n_unique():
        return np.cumsum(new_article)
    return doc_id.rank("dense").to_numpy()


def _by_article_and_country(mentions: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """One row per article × country of ``mentions``: mentions, kinds (sorted), focus_score,
    first_seen, headline and lead (mentions in the headline, in the lead). Grouped in NumPy
    over integer ids of article, country and kind: Polars' join and group_by cost two thirds
    of rolled_up's time on a batch's few thousand mentions, and making a Python string of
    each mention's doc_id or country (or NumPy's unique of them) as much."""
    if mentions.is_empty():
        return pl.DataFrame(schema=_GROUP_SCHEMA)
    doc_id = mentions["doc_id"]
    new_article = _new_runs(doc_id)
    if new_article.sum() != doc_id.n_unique():
        # An article's mentions are one run (as find_mentions gives them) once sorted.
        mentions = mentions.sort("doc_id", maintain_order=True)
        doc_id = mentions["doc_id"]
        new_article = _new_runs(doc_id)
    article = np.cumsum(new_article) - 1
    article_of = dict(zip(doc_id.filter(new_article).to_list(), count()))
    country = mentions["country"].cast(pl.Categorical).to_physical().to_numpy()
    kind = mentions["kind"].cast(_KIND_ENUM).to_physical().to_numpy()
    start, end = mentions["start"].to_numpy(), mentions["end"].to_numpy()
    title = (mentions["field"] == "title").to_numpy()
    body = (mentions["field"] == "body").to_numpy()
    # The dateline's place words of each article (none: an empty range no mention is in).
    found = datelines(docs)
    dateline_start = np.full(len(article_of), 1 << 62, dtype=np.int64)
    dateline_end = np.full(len(article_of), -1, dtype=np.int64)
    at = np.fromiter(map(article_of.get, found["doc_id"].to_list(), repeat(-1)), np.int64,
                     found.height)
    named = at >= 0
    dateline_start[at[named]] = found["dateline_start"].to_numpy()[named]
    dateline_end[at[named]] = found["dateline_end"].to_numpy()[named]
    dateline_start, dateline_end = dateline_start[article], dateline_end[article]
    in_dateline = body & (start >= dateline_start) & (end <= dateline_end)
    weight = np.where(kind == _KIND_ENUM.categories.index_of("org"), 1.0,
                      np.where(title, 3.0, np.where(start < LEAD_CHARACTERS, 2.0, 1.0)))
    # Where a country is first named (title before body) breaks ties, so that the same
    # article always gets the same focus.
    first_seen = start + np.where(title, 0, 1 << 40)
    # Sorted by article and country, a group's mentions are one run.
    group = article * (int(country.max()) + 1) + country
    order = np.argsort(group, kind="stable")
    group = group[order]
    run = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    kind_sets = np.bitwise_or.reduceat(np.left_shift(1, kind[order].astype(np.int64)), run)
    return pl.DataFrame({
        "doc_id": doc_id.gather(order[run]),
        "country": mentions["country"].gather(order[run]),
        "mentions": np.diff(np.r_[run, len(group)]),
        "kinds": _kind_lists().gather(kind_sets),
        "focus_score": np.add.reduceat(weight[order], run),
        "first_seen": np.minimum.reduceat(first_seen[order], run),
        "headline": np.add.reduceat((title | in_dateline)[order].astype(np.uint32), run),
        "lead": np.add.reduceat((body & (start < LEAD_CHARACTERS))[order].astype(np.uint32),
                                run),
    }, schema=_GROUP_SCHEMA)


def _new_runs(values: pl.Series) -> np.ndarray:
    """Whether each value differs from the one before it (the first does)."""
    return (values != values.shift(1)).fill_null(True).to_numpy()


@cache
def _kind_lists() -> pl.Series:
    """The kinds (sorted) of every set of kinds, by its bits over _KIND_ENUM's categories."""
    names = _KIND_ENUM.categories.to_list()
    return pl.Series([[name for bit, name in enumerate(names) if mask >> bit & 1]
                      for mask in range(1 << len(names))], dtype=pl.List(pl.Utf8))


def rolled_up(mentions: pl.DataFrame, docs: pl.DataFrame) -> pl.DataFrame:
    """Article × country: mentions, kinds, focus_score, rank and every FEATURES column, from
    the mentions and their articles (doc_id, body)."""
    rolled = _by_article_and_country(mentions, docs)
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
