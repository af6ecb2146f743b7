"""Weekly theme series and emerging terms.

- theme_weekly: counts and shares for every week with articles and every theme (explicit
  zeros), week-over-week change, the 4-week rolling share, its change against the 4 weeks
  before with a two-proportion z-score, and a rising/falling flag where that change is
  significant (all in calendar weeks: a week without articles counts as none);
- emerging_terms: words and phrases whose weekly article frequency bursts against their own
  baseline (the weeks before), so the report can show what the taxonomy does not name yet.
"""

from __future__ import annotations

import polars as pl

from transforms.comention import week_totals
from transforms.extract import STOPWORDS

WINDOW_WEEKS = 4
SIGNIFICANT_Z = 1.96


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
    """week × theme for every week with articles and every theme (explicit zeros): articles,
    share, week_articles, the change against the calendar week before and the 4-week statistics.

    They are computed on the gapless calendar grid, where a week without articles has no share
    (so no change next to it) and adds nothing to a window; then the empty weeks are dropped:
    one stray date years away must not add a row of zeros for every week in between.
    """
    grid = all_weeks(weeks).join(pl.DataFrame({"theme": theme_codes}), how="cross")
    counts = (
        article_themes.join(weeks, on="doc_id")
        .group_by("week", "theme")
        .agg(articles=pl.col("doc_id").n_unique().cast(pl.Int64))
    )
    return (
        grid.join(counts, on=["week", "theme"], how="left")
        .join(week_totals(weeks), on="week", how="left")
        .with_columns(pl.col("articles", "week_articles").fill_null(0))
        .with_columns(
            share=pl.when(pl.col("week_articles") > 0)
            .then(pl.col("articles") / pl.col("week_articles"))
        )
        .sort("theme", "week")
        .with_columns(change=pl.col("share") - pl.col("share").shift(1).over("theme"))
        .with_columns(_window_change())
        .filter(pl.col("week_articles") > 0)
        .select("week", "theme", "articles", "share", "change", "share_4w", "change_4w",
                "z_4w", "trend", "week_articles")
        .sort("week", "theme")
    )


def _window_change() -> list[pl.Expr]:
    """share_4w, change_4w, z_4w, trend: the last 4 weeks against the 4 before them.

    z is the two-proportion z-score of the theme's share of articles in the two windows; the
    trend is "rising" or "falling" when |z| >= 1.96 (NULL while there are not 8 weeks yet).
    """
    def window_sum(column: str, offset: int) -> pl.Expr:
        return (pl.col(column).shift(offset).rolling_sum(WINDOW_WEEKS).over("theme")
                .cast(pl.Float64))

    x1, n1 = window_sum("articles", 0), window_sum("week_articles", 0)
    x2, n2 = window_sum("articles", WINDOW_WEEKS), window_sum("week_articles", WINDOW_WEEKS)
    p1 = pl.when(n1 > 0).then(x1 / n1)
    p2 = pl.when(n2 > 0).then(x2 / n2)
    pooled = (x1 + x2) / (n1 + n2)
    se = (pooled * (1 - pooled) * (1 / n1 + 1 / n2)).sqrt()
    z = pl.when(se > 0).then((p1 - p2) / se).otherwise(0.0)
    return [
        p1.alias("share_4w"),
        (p1 - p2).alias("change_4w"),
        pl.when(n2 > 0).then(z).alias("z_4w"),
        pl.when(n2 > 0).then(
            pl.when(z >= SIGNIFICANT_Z).then(pl.lit("rising"))
            .when(z <= -SIGNIFICANT_Z).then(pl.lit("falling"))
        ).alias("trend"),
    ]


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


LEAD_WORDS = 60
# Words every news story uses, which never make a story of their own.
NEWS_STOPWORDS = set(STOPWORDS) | set(
    "said says say told according year years week weeks month months day days today yesterday "
    "new also would could should may might one two three four five first last next percent pct "
    "mln billion million company companies inc corp ltd reuter reuters people time just like "
    "get got make made many much well back even still since including added per cent dlrs cts "
    "monday tuesday wednesday thursday friday saturday sunday january february march april june "
    "july august september october november december jan feb mar apr jun jul aug sep sept oct "
    "nov dec qtr shr avg net good level third second ends end ended vs".split()
)


def article_terms(docs: pl.DataFrame) -> pl.DataFrame:
    """doc_id, term: the distinct words and two-word phrases of each title and lead (first
    60 words), lower-cased, without function words or numbers."""
    text = pl.concat_str([pl.col("title").fill_null(""), pl.col("body").fill_null("")],
                         separator=" . ")
    tokens = (
        docs.select("doc_id", token=text.str.to_lowercase().str.extract_all(r"[\p{L}][\p{L}'’-]+"))
        .with_columns(pl.col("token").list.head(LEAD_WORDS))
        .explode("token")
        .drop_nulls("token")
        .with_columns(position=pl.int_range(pl.len()).over("doc_id"))
    )
    stop = list(NEWS_STOPWORDS)
    informative = ~pl.col("token").is_in(stop) & (pl.col("token").str.len_chars() > 2)
    unigrams = tokens.filter(informative).select("doc_id", term=pl.col("token"))
    following = pl.col("token").shift(-1).over("doc_id")
    bigrams = tokens.with_columns(next_token=following).filter(
        informative & pl.col("next_token").is_not_null()
        & ~pl.col("next_token").is_in(stop) & (pl.col("next_token").str.len_chars() > 2)
    ).select("doc_id", term=pl.concat_str(["token", "next_token"], separator=" "))
    return pl.concat([unigrams, bigrams]).unique()


def term_weekly(weeks: pl.DataFrame, terms: pl.DataFrame) -> pl.DataFrame:
    """week, term, articles: how many articles of the week use each term."""
    return (
        terms.join(weeks.select("doc_id", "week"), on="doc_id")
        .group_by("week", "term")
        .agg(articles=pl.len().cast(pl.Int64))
    )


def docs_term_weekly(docs: pl.DataFrame) -> pl.DataFrame:
    """week, term, articles of documents (doc_id, title, body, week): what they add to
    term_weekly, and what replacing them takes away."""
    return term_weekly(docs.select("doc_id", "week"), article_terms(docs))


def emerging_terms(
    term_counts: pl.DataFrame, weeks_in_range: pl.DataFrame, known_terms: set[str],
    baseline_weeks: int = 8, min_articles: int = 5, min_ratio: float = 3.0, top: int = 15,
) -> pl.DataFrame:
    """week, term, articles, baseline, ratio, z: terms bursting in a week.

    The baseline is the term's mean weekly article count over the ``baseline_weeks`` before
    (weeks without it count as zero; two weeks of history at least); a burst needs
    ``min_articles`` articles, ``min_ratio`` times the baseline (plus one, so new terms
    qualify by count alone), and the strongest
    ``top`` per week by z = (articles - baseline) / sqrt(baseline + 1) are kept. Terms the
    taxonomy already names are left out.
    """
    schema = {"week": pl.Date, "term": pl.Utf8, "articles": pl.Int64, "baseline": pl.Float64,
              "ratio": pl.Float64, "z": pl.Float64}
    if term_counts.is_empty():
        return pl.DataFrame(schema=schema)
    candidates = term_counts.filter(pl.col("articles") >= min_articles)
    grid = (
        candidates.select("term").unique().join(weeks_in_range, how="cross")
        .join(term_counts, on=["week", "term"], how="left")
        .with_columns(pl.col("articles").fill_null(0))
        .sort("term", "week")
    )
    # The mean over the weeks before (up to baseline_weeks; at least two weeks of history).
    baseline = pl.col("articles").cast(pl.Float64).shift(1).rolling_mean(
        baseline_weeks, min_samples=2
    ).over("term")
    return (
        grid.with_columns(baseline=baseline)
        .filter(pl.col("baseline").is_not_null())
        .with_columns(ratio=pl.col("articles") / (pl.col("baseline") + 1.0),
                      z=(pl.col("articles") - pl.col("baseline"))
                      / (pl.col("baseline") + 1.0).sqrt())
        .filter((pl.col("articles") >= min_articles) & (pl.col("ratio") >= min_ratio)
                & ~pl.col("term").is_in(list(known_terms)))
        .sort(["week", "z"], descending=[False, True])
        .group_by("week", maintain_order=True).head(top)
        .select(*schema)
        .cast(schema)
    )
