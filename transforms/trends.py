"""Weekly theme series and emerging terms.

- theme_weekly: counts and shares for every week with articles and every theme (explicit
  zeros), week-over-week change, the 4-week rolling share, its change against the 4 weeks
  before with a two-proportion z-score, and a rising/falling flag where that change is
  significant (all in calendar weeks: a week without articles counts as none);
- emerging_terms: words and phrases whose weekly article frequency bursts against their own
  baseline (the weeks before), so the report can show what the taxonomy does not name yet.
"""

from __future__ import annotations

from functools import cache

import polars as pl
import stopwordsiso

from transforms.comention import country_pairs_weekly, country_weekly, week_totals
from transforms.extract import STOPWORDS

WINDOW_WEEKS = 4
SIGNIFICANT_Z = 1.96
# emerging_terms: the weeks a baseline spans, and the fewest articles of a burst.
BASELINE_WEEKS = 8
EMERGING_MIN_ARTICLES = 5


def all_weeks(weeks: pl.DataFrame) -> pl.DataFrame:
    """Every ISO week from the first to the last week with articles, gaps included."""
    if weeks.is_empty():
        return pl.DataFrame(schema={"week": pl.Date})
    return pl.DataFrame(
        {"week": pl.date_range(weeks["week"].min(), weeks["week"].max(), "1w", eager=True)}
    )


def theme_counts(
    weeks: pl.DataFrame, article_themes: pl.DataFrame, theme_codes: list[str]
) -> pl.DataFrame:
    """week, theme, articles, week_articles for every week of ``weeks`` (doc_id, week) and
    every theme (explicit zeros): what the theme statistics are computed from. Each week's
    rows depend on that week's articles only, so a week can be recounted on its own."""
    counts = (
        article_themes.select("doc_id", "theme")
        .join(weeks.select("doc_id", "week"), on="doc_id")
        .group_by("week", "theme")
        .agg(articles=pl.col("doc_id").n_unique().cast(pl.Int64))
    )
    return (
        week_totals(weeks.select("doc_id", "week"))
        .join(pl.DataFrame({"theme": theme_codes}, schema={"theme": pl.Utf8}), how="cross")
        .join(counts, on=["week", "theme"], how="left")
        .with_columns(pl.col("articles").fill_null(0))
        .select("week", "theme", "articles", "week_articles")
        .sort("week", "theme")
    )


def theme_statistics(counts: pl.DataFrame) -> pl.DataFrame:
    """theme_weekly from the counts of every week with articles (``theme_counts``, or such rows
    of several weeks put together): share, the change against the calendar week before and
    the 4-week statistics. Other columns of ``counts`` are left out.

    They are computed on the gapless calendar grid, where a week without articles has no share
    (so no change next to it) and adds nothing to a window; then the empty weeks are dropped:
    one stray date years away must not add a row of zeros for every week in between.
    """
    counts = counts.select(
        "week", "theme", pl.col("articles", "week_articles").cast(pl.Int64)
    )
    grid = all_weeks(counts.select("week").unique()).join(
        counts.select("theme").unique(), how="cross"
    )
    return (
        grid.join(counts, on=["week", "theme"], how="left")
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


def theme_weekly(
    weeks: pl.DataFrame, article_themes: pl.DataFrame, theme_codes: list[str]
) -> pl.DataFrame:
    """week × theme for every week with articles and every theme (explicit zeros): articles,
    share, week_articles, the change against the calendar week before and the 4-week statistics
    (``theme_statistics`` of ``theme_counts``)."""
    return theme_statistics(theme_counts(weeks, article_themes, theme_codes))


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


# The keys of the week-local marts (their rows depend on the articles of their week only).
WEEK_MART_KEYS = {
    "country_weekly": ["week", "country"],
    "country_pairs_weekly": ["week", "country_a", "country_b"],
    "theme_country_weekly": ["week", "theme", "country"],
    "theme_counts": ["week", "theme"],
}


def week_marts(
    docs: pl.DataFrame, countries: pl.DataFrame, article_themes: pl.DataFrame,
    theme_codes: list[str], min_pair_support: int = 1,
) -> dict[str, pl.DataFrame]:
    """The week-local marts of the articles ``docs`` (doc_id, week, dup_of) and their counted
    countries (doc_id, country) and themes (doc_id, theme): country_weekly,
    country_pairs_weekly, theme_country_weekly and theme_counts (the input of
    ``theme_statistics``). Each story counts once (near-duplicate copies left out), with the
    count of all copies beside it as ``articles_raw``. Given all the articles of some weeks,
    the rows of those weeks are final: nothing in them depends on another week."""
    def of(weeks: pl.DataFrame) -> dict[str, pl.DataFrame]:
        counted = countries.join(weeks.select("doc_id"), on="doc_id")
        tagged = article_themes.select("doc_id", "theme").join(weeks.select("doc_id"),
                                                               on="doc_id")
        return {
            "country_weekly": country_weekly(weeks, counted),
            "country_pairs_weekly": country_pairs_weekly(weeks, counted, min_pair_support),
            "theme_country_weekly": theme_country_weekly(weeks, tagged, counted),
            "theme_counts": theme_counts(weeks, tagged, theme_codes),
        }

    everything = docs.select("doc_id", "week", "dup_of")
    unique = of(everything.filter(pl.col("dup_of").is_null()).drop("dup_of"))
    raw = of(everything.drop("dup_of"))
    return {
        name: unique[name].join(
            raw[name].select(*keys, pl.col("articles").alias("articles_raw")),
            on=keys, how="left",
        ).with_columns(pl.col("articles_raw").fill_null(pl.col("articles")))
        for name, keys in WEEK_MART_KEYS.items()
    }


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


TOKEN = r"[\p{L}][\p{L}'’-]+"
# Characters read for a lead: news runs about six a word, so this prefix nearly always holds
# more than LEAD_WORDS tokens, and the first LEAD_WORDS of a prefix that does are the text's
# own. The few texts whose prefix holds fewer are tokenised whole.
LEAD_CHARS = LEAD_WORDS * 8


def _lead_tokens(docs: pl.DataFrame) -> pl.DataFrame:
    """doc_id, week and token lists: the first LEAD_WORDS words of each title and lead,
    lower-cased."""
    text = pl.concat_str([pl.col("title").fill_null(""), pl.col("body").fill_null("")],
                         separator=" . ").str.to_lowercase()
    lead = docs.select("doc_id", "week", text=text).with_columns(
        token=pl.col("text").str.slice(0, LEAD_CHARS).str.extract_all(TOKEN)
    )
    cut_short = ((pl.col("token").list.len() <= LEAD_WORDS)
                 & (pl.col("text").str.len_chars() > LEAD_CHARS))
    return pl.concat([
        lead.filter(~cut_short),
        lead.filter(cut_short).with_columns(token=pl.col("text").str.extract_all(TOKEN)),
    ]).select("doc_id", "week", pl.col("token").list.head(LEAD_WORDS))


@cache
def _language_stopwords() -> pl.DataFrame:
    """lang, token: every stopwords-iso language's function words (58 languages), which an
    article's terms leave out along with NEWS_STOPWORDS. Per language: a word one language
    uses for nothing is another's news ("war" is German for "was")."""
    return pl.DataFrame(
        [(lang, word) for lang in sorted(stopwordsiso.langs())
         for word in sorted(stopwordsiso.stopwords(lang))],
        schema={"lang": pl.Utf8, "token": pl.Utf8}, orient="row")


def article_terms(docs: pl.DataFrame) -> pl.DataFrame:
    """doc_id, week, term: the distinct words and two-word phrases of each title and lead
    (first 60 words) of ``docs`` (doc_id, title, body, week, and lang if known), lower-cased,
    without function words of the article's language, possessive endings or numbers; a
    hyphenated word counts when its last part does ("mid-march" does not)."""
    stop = list(NEWS_STOPWORDS)
    languages = docs.select("doc_id", lang=pl.col("lang") if "lang" in docs.columns
                            else pl.lit(None, pl.Utf8))
    tokens = (
        _lead_tokens(docs)
        .with_columns(pl.col("token").list.eval(pl.element().str.replace(r"['’]s$", "")))
        .with_columns(next_token=pl.col("token").list.shift(-1))
        .join(languages, on="doc_id", how="left")
        .explode("token", "next_token")
        .with_row_index("position")
    )
    words = _language_stopwords()
    # A token is informative when its head is (the last part of a hyphenated word: "mid-march"
    # is a date, "anti-government" about government): long enough, not a news or language
    # function word.
    informative = (
        tokens.select("position", "lang",
                      part=pl.col("token").str.strip_chars("-'’").str.split("-").list.last())
        .join(words, left_on=["lang", "part"], right_on=["lang", "token"], how="anti")
        .filter(~pl.col("part").is_in(stop) & (pl.col("part").str.len_chars() > 2))
        .select("position")
    )
    tokens = tokens.join(informative, on="position", how="semi")
    following = tokens.select(pl.col("position") - 1, next_informative=pl.lit(True))
    tokens = tokens.join(following, on="position", how="left")
    unigrams = tokens.select("doc_id", "week", term=pl.col("token"))
    bigrams = tokens.filter(pl.col("next_informative").fill_null(False)
                            & pl.col("next_token").is_not_null()).select(
        "doc_id", "week", term=pl.concat_str(["token", "next_token"], separator=" ")
    )
    return pl.concat([unigrams, bigrams]).unique()


def docs_term_weekly(docs: pl.DataFrame) -> pl.DataFrame:
    """week, term, articles (how many of the week use each term) of documents (doc_id, title,
    body, week): what they add to term_weekly, and what replacing them takes away."""
    return article_terms(docs).group_by("week", "term").agg(articles=pl.len().cast(pl.Int64))


def emerging_terms(
    term_counts: pl.DataFrame, weeks_in_range: pl.DataFrame, known_terms: set[str],
    baseline_weeks: int = BASELINE_WEEKS, min_articles: int = EMERGING_MIN_ARTICLES,
    min_ratio: float = 3.0, top: int = 15,
) -> pl.DataFrame:
    """week, term, articles, baseline, ratio, z: terms bursting in a week.

    The baseline is the term's mean weekly article count over the ``baseline_weeks`` before
    (weeks without it count as zero; two weeks of history at least); a burst needs
    ``min_articles`` articles, ``min_ratio`` times the baseline (plus one, so new terms
    qualify by count alone), and the strongest
    ``top`` per week by z = (articles - baseline) / sqrt(baseline + 1) are kept (ties by term,
    so the result does not depend on row order). Terms the taxonomy already names are left out.

    A week's result depends on its own counts and the ``baseline_weeks`` before it only, and
    on where ``weeks_in_range`` starts (the first weeks have a shorter baseline): the range
    must start at the first week with articles, or ``baseline_weeks`` weeks before the first
    week wanted, whichever is later.
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
        .pipe(_one_term_per_story)
        .sort(["week", "z", "term"], descending=[False, True, False])
        .group_by("week", maintain_order=True).head(top)
        .select(*schema)
        .cast(schema)
    )


# A bursting term is the same story as another it shares a word with when that one is in at
# least this share of as many articles.
SAME_STORY_SHARE = 0.8


def _one_term_per_story(bursts: pl.DataFrame) -> pl.DataFrame:
    """Of bursting terms of a week that share a word and nearly all their articles ("boca",
    "raton", "boca raton", "raton fla"), the one that names the story: the longer phrase,
    then the one in more articles, then the first in order."""
    ranked = bursts.with_columns(
        words=pl.col("term").str.split(" "),
        rank=pl.struct(n=-pl.col("term").str.count_matches(" ").cast(pl.Int64),
                       a=-pl.col("articles").cast(pl.Int64),
                       t=pl.col("term")).rank("dense").over("week"))
    by_word = ranked.select("week", "term", "articles", "rank", word=pl.col("words")).explode(
        "word")
    covered = (
        by_word.join(by_word, on=["week", "word"], suffix="_other")
        .filter((pl.col("rank_other") < pl.col("rank"))
                & (pl.col("articles_other") >= SAME_STORY_SHARE * pl.col("articles")))
        .select("week", "term").unique()
    )
    return bursts.join(covered, on=["week", "term"], how="anti")
