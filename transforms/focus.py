"""Which 1-3 countries an article is about (``article_countries.is_focus``): a logistic model
over where and how often each country is named, fitted by ``bench.train_focus`` on the tune
halves of the labelled sets with focus (gold-countries and its batch2) and shipped in
data/focus_model.json with what it was fitted on.

The evidence per article and country (FEATURES) is its mentions' weighted score (a title
mention 3, the lead's 2, any other 1, one inside an organisation's name 1: the Duchy of
Lancaster, Birmingham City), that score's share of the top country's, its rank, its share of
the article's mentions, and whether it is named only as an adjective, only inside names of
organisations, or only by a place whose reading is the prior's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from transforms import logit

MODEL_PATH = Path(__file__).parent / "data" / "focus_model.json"
LEAD_CHARACTERS = 400
MAX_FOCUS = 3

FEATURES = (
    "bias",
    "in_title",  # named in the title
    "lead_mentions",  # log(1 + mentions in the lead)
    "log_mentions",  # log(1 + mentions)
    "share_of_mentions",  # of the article's country mentions
    "share_of_top_score",  # its score over the top country's
    "top",  # the highest score (ties: the country named first)
    "second",
    "named_first",
    "only_in_organisations",
    "only_as_adjective",  # every mention a demonym
    "only_by_prior",  # every mention a place name read by its default
    "article_mentions",  # log(1 + the article's country mentions)
)


SHIPPED = logit.ShippedModel(MODEL_PATH, FEATURES)


def rolled_up(mentions: pl.DataFrame) -> pl.DataFrame:
    """Article × country: mentions, kinds, focus_score, rank and every FEATURES column."""
    weight = (
        pl.when(pl.col("kind") == "org").then(1.0)
        .when(pl.col("field") == "title").then(3.0)
        .when(pl.col("start") < LEAD_CHARACTERS).then(2.0)
        .otherwise(1.0)
    )
    # Where a country is first named (title before body) breaks ties, so that the same
    # article always gets the same focus.
    first_seen = pl.col("start") + pl.when(pl.col("field") == "title").then(0).otherwise(1 << 40)
    rolled = mentions.group_by("doc_id", "country").agg(
        mentions=pl.len().cast(pl.Int64),
        kinds=pl.col("kind").unique().sort(),
        focus_score=weight.sum(),
        first_seen=first_seen.min(),
        title=(pl.col("field") == "title").sum(),
        lead=((pl.col("field") == "body") & (pl.col("start") < LEAD_CHARACTERS)).sum(),
        not_org=(pl.col("kind") != "org").sum(),
        demonyms=(pl.col("kind") == "demonym").sum(),
        by_prior=(pl.col("resolved_by") == "prior").sum(),
    )
    rank = pl.struct(-pl.col("focus_score"), "first_seen").rank("ordinal").over("doc_id")
    total = pl.col("mentions").sum().over("doc_id")
    n = pl.col("mentions")
    return rolled.with_columns(rank=rank).with_columns(
        bias=pl.lit(1.0),
        in_title=(pl.col("title") > 0).cast(pl.Float64),
        lead_mentions=pl.col("lead").log1p(),
        log_mentions=n.log1p(),
        share_of_mentions=n / total,
        share_of_top_score=pl.col("focus_score") / pl.col("focus_score").max().over("doc_id"),
        top=(pl.col("rank") == 1).cast(pl.Float64),
        second=(pl.col("rank") == 2).cast(pl.Float64),
        named_first=(pl.col("first_seen").rank("ordinal").over("doc_id") == 1).cast(pl.Float64),
        only_in_organisations=(pl.col("not_org") == 0).cast(pl.Float64),
        only_as_adjective=(pl.col("demonyms") == n).cast(pl.Float64),
        only_by_prior=(pl.col("by_prior") == n).cast(pl.Float64),
        article_mentions=total.log1p(),
    )


def feature_matrix(rolled: pl.DataFrame) -> np.ndarray:
    """rolled_up's FEATURES as a matrix (rows × FEATURES)."""
    return rolled.select(FEATURES).to_numpy().astype(float)


def is_focus(rolled: pl.DataFrame, max_focus: int = MAX_FOCUS,
             weights: np.ndarray | None = None) -> pl.Series:
    """Whether each row of rolled_up is a focus country: more likely than not by the model
    (the shipped weights, or ``weights`` being fitted), and among the article's ``max_focus``
    highest scores."""
    likely = feature_matrix(rolled) @ (SHIPPED.weights if weights is None else weights) > 0
    return pl.Series("is_focus", likely) & (rolled["rank"] <= max_focus)
