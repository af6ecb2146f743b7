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
# searched first, it rules out most articles at a fraction of DATELINE's cost.
_DATELINE_DASH = re.compile(r"\s[–—-]{1,2}\s")
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
    # Only the leads leave Polars, and a lead without any dash (a third of them) skips the
    # regexes: 7.9 ms CPU a batch of 2,000 LGL articles, against 9.2 with the whole bodies
    # and 11.2 with neither.
    leads = docs["body"].fill_null("").str.slice(0, DATELINE_CHARACTERS).to_list()
    for doc_id, lead in zip(docs["doc_id"].to_list(), leads, strict=True):
        if (("-" in lead or "–" in lead or "—" in lead) and _DATELINE_DASH.search(lead)
                and (found := DATELINE.search(lead))):
            rows.append((doc_id, found.start(1), found.end(1)))
    return pl.DataFrame(rows, orient="row", schema={
        "doc_id": pl.Utf8, "dateline_start": pl.Int64, "dateline_end": pl.Int64})


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
    rank = pl.struct(-pl.col("focus_score"), "first_seen").rank("ordinal").over("doc_id")
    n = pl.col("mentions")
    return rolled.join(body_characters, on="doc_id", how="left").with_columns(
        rank=rank,
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
    place = (rolled.select("doc_id", "first_seen").with_columns(p=pl.Series(-likelihood))
             .select(pl.struct("p", "first_seen").rank("ordinal").over("doc_id"))
             .to_series().to_numpy())
    focus = np.where(place == 1, likelihood > top, (likelihood > other) & (place <= max_focus))
    return pl.Series("is_focus", focus, dtype=pl.Boolean)


def is_focus(rolled: pl.DataFrame, max_focus: int = MAX_FOCUS) -> pl.Series:
    """Whether each row of rolled_up is a focus country, by the shipped model."""
    threshold = SHIPPED.saved["thresholds"]
    return chosen(rolled, probability(rolled), threshold["top"], threshold["other"], max_focus)
