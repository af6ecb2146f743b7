"""Weekly country attention and country co-mention pairs with their association scores.

Each article counts once per country and once per unordered pair of countries it mentions,
whatever the number of mentions; weeks are ISO weeks (Monday, UTC).
"""

from __future__ import annotations

import polars as pl

from transforms.countries import COUNTED_KINDS_DEFAULT
from transforms.dates import week_of


def article_weeks(articles: pl.DataFrame) -> pl.DataFrame:
    """doc_id → week (the Monday of the article's ISO week, UTC); other columns are kept."""
    return articles.with_columns(
        week=week_of(pl.col("published_at")),
    ).drop("published_at")


def counted_countries(
    article_countries: pl.DataFrame, kinds: tuple[str, ...] = COUNTED_KINDS_DEFAULT
) -> pl.DataFrame:
    """Article × country rows that count for attention: at least one mention of a counted kind."""
    return article_countries.filter(
        pl.col("kinds").list.eval(pl.element().is_in(list(kinds))).list.any()
    ).select("doc_id", "country")


def week_totals(weeks: pl.DataFrame) -> pl.DataFrame:
    return weeks.group_by("week").agg(week_articles=pl.len().cast(pl.Int64))


def country_weekly(weeks: pl.DataFrame, countries: pl.DataFrame) -> pl.DataFrame:
    """week, country, articles, share (of all articles of the week), week_articles."""
    return (
        countries.join(weeks, on="doc_id")
        .group_by("week", "country")
        .agg(articles=pl.col("doc_id").n_unique().cast(pl.Int64))
        .join(week_totals(weeks), on="week")
        .with_columns(share=pl.col("articles") / pl.col("week_articles"))
        .select("week", "country", "articles", "share", "week_articles")
        .sort("week", "country")
    )


def country_pairs_weekly(
    weeks: pl.DataFrame, countries: pl.DataFrame, min_support: int = 1
) -> pl.DataFrame:
    """week, country_a < country_b, articles, pmi, lift, week_articles.

    PMI = log2(P(a,b) / (P(a) P(b))) with probabilities over the week's articles; lift is the
    same ratio unlogged. Both are NULL for pairs seen in fewer than ``min_support`` articles:
    one article naming two rare countries would otherwise top every association ranking.
    """
    per_doc = countries.join(weeks, on="doc_id")
    pairs = (
        per_doc.join(per_doc.select("doc_id", pl.col("country").alias("other")), on="doc_id")
        .filter(pl.col("country") < pl.col("other"))
        .group_by("week", pl.col("country").alias("country_a"), pl.col("other").alias("country_b"))
        .agg(articles=pl.col("doc_id").n_unique().cast(pl.Int64))
    )
    singles = country_weekly(weeks, countries).select("week", "country", "articles")
    lift = (
        pl.col("articles") * pl.col("week_articles") / (pl.col("n_a") * pl.col("n_b"))
    )
    return (
        pairs.join(week_totals(weeks), on="week")
        .join(singles.rename({"country": "country_a", "articles": "n_a"}), on=["week", "country_a"])
        .join(singles.rename({"country": "country_b", "articles": "n_b"}), on=["week", "country_b"])
        .with_columns(lift=pl.when(pl.col("articles") >= min_support).then(lift))
        .with_columns(pmi=pl.col("lift").log(2))
        .select("week", "country_a", "country_b", "articles", "pmi", "lift", "week_articles")
        .sort("week", "country_a", "country_b")
    )
