"""Weekly theme series: counts, shares and week-over-week change, with explicit zero weeks."""

from __future__ import annotations

import polars as pl

from transforms.comention import week_totals


def all_weeks(weeks: pl.DataFrame) -> pl.DataFrame:
    """Every ISO week from the first to the last week with articles, gaps included."""
    if weeks.is_empty():
        return pl.DataFrame(schema={"week": pl.Date})
    return pl.DataFrame(
        {"week": pl.date_range(weeks["week"].min(), weeks["week"].max(), "1w", eager=True)}
    )


def theme_weekly(
    weeks: pl.DataFrame, article_themes: pl.DataFrame, theme_codes: list[str]
) -> pl.DataFrame:
    """week × theme for every week in range and every theme: articles, share, change."""
    grid = all_weeks(weeks).join(pl.DataFrame({"theme": theme_codes}), how="cross")
    counts = (
        article_themes.join(weeks, on="doc_id")
        .group_by("week", "theme")
        .agg(articles=pl.col("doc_id").n_unique().cast(pl.Int64))
    )
    return (
        grid.join(counts, on=["week", "theme"], how="left")
        .join(week_totals(weeks), on="week", how="left")
        .with_columns(
            articles=pl.col("articles").fill_null(0),
            share=pl.when(pl.col("week_articles") > 0)
            .then(pl.col("articles").fill_null(0) / pl.col("week_articles"))
            .otherwise(0.0),
        )
        .sort("theme", "week")
        .with_columns(change=pl.col("share") - pl.col("share").shift(1).over("theme"))
        .select("week", "theme", "articles", "share", "change")
        .sort("week", "theme")
    )


def theme_country_weekly(
    weeks: pl.DataFrame, article_themes: pl.DataFrame, countries: pl.DataFrame
) -> pl.DataFrame:
    """week × theme × country: articles with the theme that mention the country."""
    return (
        article_themes.select("doc_id", "theme")
        .join(countries, on="doc_id")
        .join(weeks, on="doc_id")
        .group_by("week", "theme", "country")
        .agg(articles=pl.col("doc_id").n_unique().cast(pl.Int64))
        .sort("week", "theme", "country")
    )
