"""What the weekly report shows, read from the warehouse: one function per block of the page,
each a frame (or rows) for one ISO week. Countries are named, never left as codes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import cache

import polars as pl
import pycountry

from expectations.gate import gate_status
from flows.errors import UserError
from transforms.dates import ARTICLE_WEEK, iso_week_label, week_start

TOP_COUNTRIES = 20
TOP_PAIRS = 15
HEATMAP_COUNTRIES = 20
TREND_WEEKS = 12
# A theme gets a panel of its own when it carries at least this many articles over the weeks
# drawn; below that a line is one or two articles coming and going.
THEME_MIN_ARTICLES = 10
# Strongest associations: pairs in at least PMI_MIN_ARTICLES articles (as many as a term
# needs to burst), ranked by the one-sided 95% lower bound of their PMI, so that of two pairs
# as strongly associated the one more articles back comes first.
PMI_BOUND_Z = 1.645
PMI_MIN_ARTICLES = 5
# The two-proportion test of theme_weekly.trend compares two 4-week windows.
TREND_HISTORY_WEEKS = 8


class NoArticlesInWeek(UserError):
    """A report asked for a week the data has no article in."""


def utc_midnight(week: date) -> datetime:
    """Midnight UTC opening ``week``: articles filtered on published_at itself, so DuckDB
    skips the row groups outside it (a feed is stored roughly in time order)."""
    return datetime.combine(week, time(), UTC)


def check_week_has_articles(wh, week: date) -> None:
    """Raise NoArticlesInWeek, with the weeks the data spans, if ``week`` has no article: a
    report of blank charts would look like a week in which nothing happened."""
    first, last, in_week = wh.con.execute(
        "SELECT min(published_at), max(published_at), "
        "count(*) FILTER (WHERE published_at >= ? AND published_at < ?) "
        "FROM articles WHERE dup_of IS NULL",
        [utc_midnight(week), utc_midnight(week + timedelta(days=7))]).fetchall()[0]
    if in_week:
        return
    if first is None:
        raise NoArticlesInWeek("the warehouse has no articles: nothing to report")
    first_day, last_day = first.astimezone(UTC).date(), last.astimezone(UTC).date()
    raise NoArticlesInWeek(
        f"no articles in {iso_week_label(week)}: the data spans {iso_week_label(first_day)} "
        f"to {iso_week_label(last_day)} ({first_day} … {last_day})")


def weeks_with_articles(wh) -> list[date]:
    """The Monday of every ISO week (UTC) that has an article, oldest first."""
    rows = wh.con.execute(f"SELECT DISTINCT {ARTICLE_WEEK} AS week FROM articles "
                          "WHERE dup_of IS NULL ORDER BY week").fetchall()
    return [week for (week,) in rows]


def default_week(wh) -> date | None:
    """The last complete ISO week in the data (the last week if the data ends mid-week only)."""
    latest = wh.scalar("SELECT max(published_at) FROM articles WHERE dup_of IS NULL")
    if latest is None:
        return None
    latest_day = latest.astimezone(UTC).date()
    last_week = week_start(latest_day)
    if latest_day.weekday() == 6:
        return last_week
    previous = last_week - timedelta(days=7)
    has_previous = wh.scalar("SELECT count(*) FROM country_weekly WHERE week = ?", [previous])
    return previous if has_previous else last_week


def cards(wh, week: date) -> list[dict]:
    """Headline numbers of the week, each with its change against the week before and whether
    a rise is good news (``better``: "up", "down"), all counted from that week's articles.

    Copies are the near-duplicates published that week. Exact duplicates and quarantined
    records have no trustworthy week: they are run figures, shown under data quality.
    """
    stats = wh.frame(
        f"""
        SELECT {ARTICLE_WEEK} AS week,
               count(*) FILTER (WHERE dup_of IS NULL) AS articles,
               count(DISTINCT site) FILTER (WHERE dup_of IS NULL) AS sites,
               count(DISTINCT lang) FILTER (WHERE dup_of IS NULL) AS langs,
               count(*) FILTER (WHERE dup_of IS NOT NULL) AS copies
        FROM articles WHERE published_at >= ? AND published_at < ? GROUP BY 1
        """,
        [utc_midnight(week - timedelta(days=7)), utc_midnight(week + timedelta(days=7))],
    )

    def pick(w: date) -> dict:
        row = stats.filter(pl.col("week") == w)
        return row.row(0, named=True) if row.height else dict.fromkeys(stats.columns, 0)

    now, prev = pick(week), pick(week - timedelta(days=7))
    return [
        {"label": label, "value": now[key], "change": now[key] - prev[key], "better": better}
        for key, label, better in (
            ("articles", "articles", "up"), ("sites", "sites", "up"),
            ("langs", "languages", "up"),
            ("copies", "near-duplicate copies set aside", "down"))
    ]


_NAMED = "coalesce((SELECT name FROM countries WHERE code = {0}), {0})"


def countries(wh, week: date) -> pl.DataFrame:
    """The week's top countries: articles, share and the change in share (percentage points
    of the week's articles; NULL when the week before has no articles) with last week's
    counts."""
    return wh.frame(
        f"""
        WITH previous AS (SELECT max(week_articles) AS week_articles FROM country_weekly
                          WHERE week = ?::DATE - INTERVAL 7 DAY)
        SELECT {_NAMED.format('w.country')} AS name, w.country, w.articles, w.share,
               coalesce(p.articles, 0) AS previous_articles,
               CASE WHEN (SELECT week_articles FROM previous) > 0
                    THEN w.share - coalesce(p.share, 0) END AS change_share
        FROM country_weekly w
        LEFT JOIN country_weekly p ON p.country = w.country AND p.week = w.week - INTERVAL 7 DAY
        WHERE w.week = ? ORDER BY w.articles DESC, w.country LIMIT {TOP_COUNTRIES}
        """,
        [week, week],
    )


def _pair_names(alias: str = "w") -> str:
    return (f"{_NAMED.format(alias + '.country_a')} || ' – ' || "
            f"{_NAMED.format(alias + '.country_b')} AS pair")


def pairs(wh, week: date) -> pl.DataFrame:
    """The week's top pairs by articles, with PMI and the change against the week before."""
    return wh.frame(
        f"""
        SELECT w.country_a, w.country_b, {_pair_names()}, w.articles, w.pmi,
               w.articles - coalesce(p.articles, 0) AS change
        FROM country_pairs_weekly w
        LEFT JOIN country_pairs_weekly p ON p.country_a = w.country_a
             AND p.country_b = w.country_b AND p.week = w.week - INTERVAL 7 DAY
        WHERE w.week = ? ORDER BY w.articles DESC, w.pmi DESC, w.country_a, w.country_b
        LIMIT {TOP_PAIRS}
        """,
        [week],
    )


def pairs_by_association(wh, week: date) -> pl.DataFrame:
    """The week's most associated pairs: PMI and its one-sided 95% lower bound, from a
    Poisson lower bound on the pair's articles (Wilson–Hilferty), ranked by the bound."""
    return wh.frame(
        f"""
        WITH pairs AS (
            SELECT w.*, a.articles AS articles_a, b.articles AS articles_b
            FROM country_pairs_weekly w
            JOIN country_weekly a ON a.week = w.week AND a.country = w.country_a
            JOIN country_weekly b ON b.week = w.week AND b.country = w.country_b
            WHERE w.week = ? AND w.pmi IS NOT NULL AND w.articles >= {PMI_MIN_ARTICLES}
        ),
        bounded AS (
            SELECT *, articles * pow(1 - 1 / (9 * articles) - {PMI_BOUND_Z} / (3 * sqrt(articles)),
                                     3) AS articles_low
            FROM pairs
        )
        SELECT {_pair_names('bounded')}, articles, pmi, lift,
               log2(articles_low * week_articles / (articles_a * articles_b)) AS pmi_low
        FROM bounded
        ORDER BY pmi_low DESC, articles DESC, country_a, country_b LIMIT {TOP_PAIRS}
        """,
        [week],
    )


def new_pairs(wh, week: date) -> list[dict]:
    """Pairs co-mentioned this week and in none of the four weeks before."""
    return wh.frame(
        f"""
        SELECT {_pair_names()}, w.articles FROM country_pairs_weekly w
        WHERE w.week = ? AND NOT EXISTS (
            SELECT 1 FROM country_pairs_weekly p WHERE p.country_a = w.country_a
            AND p.country_b = w.country_b AND p.week < w.week
            AND p.week >= w.week - INTERVAL 28 DAY)
        ORDER BY w.articles DESC, pair LIMIT 10
        """,
        [week],
    ).to_dicts()


@cache
def _numeric_ids() -> dict[str, str]:
    """ISO alpha-2 → the zero-padded numeric code the world topology uses as feature id."""
    return {c.alpha_2: c.numeric for c in pycountry.countries}


def world(wh, week: date) -> pl.DataFrame:
    """id (ISO numeric, as the map's outlines), country, articles, share of the week."""
    frame = wh.frame(
        f"SELECT w.country AS code, {_NAMED.format('w.country')} AS country, w.articles, "
        "w.share FROM country_weekly w WHERE w.week = ?",
        [week],
    )
    return frame.with_columns(
        id=pl.col("code").replace_strict(_numeric_ids(), default=None, return_dtype=pl.Utf8)
    ).drop_nulls("id")


def pair_examples(wh, week: date, top: pl.DataFrame) -> list[dict]:
    """The top five pairs, each with up to three headlines of the week that name both."""
    top = top.head(5)
    if top.is_empty():
        return []
    with wh.incoming(top.select("country_a", "country_b")):
        headlines = wh.frame(
            """
            WITH week AS (SELECT doc_id, title, site FROM articles
                          WHERE published_at >= ? AND published_at < ? AND title IS NOT NULL),
                 named AS (SELECT doc_id, country, mentions FROM article_countries
                           WHERE doc_id IN (SELECT doc_id FROM week))
            SELECT p.country_a, p.country_b, w.title, w.site FROM _incoming p
            JOIN named x ON x.country = p.country_a
            JOIN named y ON y.country = p.country_b AND y.doc_id = x.doc_id
            JOIN week w ON w.doc_id = x.doc_id
            QUALIFY row_number() OVER (PARTITION BY p.country_a, p.country_b
                                       ORDER BY x.mentions + y.mentions DESC, w.doc_id) <= 3
            ORDER BY x.mentions + y.mentions DESC, w.doc_id
            """,
            [utc_midnight(week), utc_midnight(week + timedelta(days=7))],
        )
    return [
        {**pair, "headlines": headlines.filter(
            (pl.col("country_a") == pair["country_a"]) & (pl.col("country_b") == pair["country_b"])
        ).select("title", "site").to_dicts()}
        for pair in top.iter_rows(named=True)
    ]


def heatmap(wh, week: date) -> pl.DataFrame:
    """a, b (country names), articles naming both, among the week's top countries, both ways
    round; ``order`` ranks the countries by attention."""
    pairs = wh.frame(
        f"""
        WITH top AS (SELECT country, row_number() OVER (ORDER BY articles DESC, country) AS rank
                     FROM country_weekly WHERE week = ?
                     ORDER BY articles DESC, country LIMIT {HEATMAP_COUNTRIES})
        SELECT {_NAMED.format('p.country_a')} AS a, {_NAMED.format('p.country_b')} AS b,
               ta.rank AS rank_a, tb.rank AS rank_b, p.articles
        FROM country_pairs_weekly p JOIN top ta ON ta.country = p.country_a
        JOIN top tb ON tb.country = p.country_b
        WHERE p.week = ?
        """,
        [week, week],
    )
    mirrored = pairs.select(pl.col("b").alias("a"), pl.col("a").alias("b"),
                            pl.col("rank_b").alias("rank_a"), pl.col("rank_a").alias("rank_b"),
                            "articles")
    return pl.concat([pairs, mirrored])


def themes(wh, week: date) -> pl.DataFrame:
    """Top-level themes week by week over the last weeks (from the first week of data), each
    share with its 95% Wilson interval (low, high); only themes with THEME_MIN_ARTICLES in
    those weeks. A week without articles has no row in theme_weekly: here it is a NULL share,
    so the line breaks there instead of bridging the week."""
    frame = wh.frame(
        f"""
        WITH weeks AS (
            SELECT unnest(generate_series(
                greatest(?::DATE - INTERVAL (7 * ({TREND_WEEKS} - 1)) DAY,
                         (SELECT min(week) FROM theme_weekly)::TIMESTAMP),
                ?::DATE::TIMESTAMP, INTERVAL 7 DAY))::DATE AS week
        )
        SELECT w.week, h.code AS theme, h.label, t.articles, t.share, t.week_articles
        FROM weeks w CROSS JOIN themes h
        LEFT JOIN theme_weekly t ON t.week = w.week AND t.theme = h.code
        WHERE h.parent IS NULL
        QUALIFY sum(t.articles) OVER (PARTITION BY h.code) >= {THEME_MIN_ARTICLES}
        ORDER BY theme, w.week
        """,
        [week, week],
    )
    z2, n, p = 1.96**2, pl.col("week_articles"), pl.col("share")
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = 1.96 * (p * (1 - p) / n + z2 / (4 * n * n)).sqrt() / (1 + z2 / n)
    return frame.with_columns(low=centre - half, high=centre + half)


def theme_movers(wh, week: date) -> tuple[list[dict], int]:
    """Themes whose 4-week share moved significantly (two-proportion z) as of ``week``, and
    the weeks of history up to it (the test needs TREND_HISTORY_WEEKS)."""
    movers = wh.frame(
        """
        SELECT h.label, t.theme, t.trend, t.share_4w, t.change_4w, t.z_4w, t.articles
        FROM theme_weekly t JOIN themes h ON h.code = t.theme
        WHERE t.week = ? AND t.trend IS NOT NULL
        ORDER BY abs(t.z_4w) DESC
        """,
        [week],
    ).to_dicts()
    history = wh.scalar("SELECT count(DISTINCT week) FROM theme_weekly WHERE week <= ?", [week])
    return movers, int(history or 0)


def theme_countries(wh, week: date) -> pl.DataFrame:
    """Articles per top-level theme and top country over the last 12 weeks."""
    return wh.frame(
        f"""
        WITH recent AS (
            SELECT * FROM theme_country_weekly
            WHERE week > ?::DATE - INTERVAL (7 * {TREND_WEEKS}) DAY AND week <= ?
        ),
        top AS (SELECT country, sum(articles) AS total FROM recent GROUP BY country
                ORDER BY total DESC LIMIT {HEATMAP_COUNTRIES}),
        cells AS (
            SELECT h.label, r.country, sum(r.articles) AS articles
            FROM recent r JOIN themes h ON h.code = r.theme AND h.parent IS NULL
            WHERE r.country IN (SELECT country FROM top)
            GROUP BY ALL
        )
        SELECT cells.label, {_NAMED.format('cells.country')} AS country, cells.articles,
               cells.articles / sum(cells.articles) OVER (PARTITION BY cells.country) AS share,
               top.total AS country_total
        FROM cells JOIN top USING (country)
        ORDER BY top.total DESC
        """,
        [week, week],
    )


def emerging(wh, week: date) -> list[dict]:
    return wh.frame(
        "SELECT term, articles, baseline, z FROM emerging_terms WHERE week = ? "
        "ORDER BY z DESC LIMIT 15", [week]
    ).to_dicts()


def week_summaries(wh, weeks: list[date]) -> list[dict]:
    """For the index: each week's articles, its top pair and the worst gate status of the
    runs that loaded its articles, newest first."""
    if not weeks:
        return []
    rows = wh.frame(
        f"""
        WITH wanted AS (SELECT unnest(?::DATE[]) AS week),
        counts AS (SELECT {ARTICLE_WEEK} AS week, count(*) AS articles,
                          list(DISTINCT run_id) AS runs
                   FROM articles WHERE dup_of IS NULL GROUP BY 1),
        top AS (SELECT w.week, {_pair_names()}, w.articles AS pair_articles
                FROM country_pairs_weekly w
                QUALIFY row_number() OVER (PARTITION BY w.week
                                           ORDER BY w.articles DESC, w.country_a, w.country_b) = 1)
        SELECT wanted.week, coalesce(counts.articles, 0) AS articles, counts.runs,
               top.pair, top.pair_articles
        FROM wanted LEFT JOIN counts USING (week) LEFT JOIN top USING (week)
        ORDER BY wanted.week DESC
        """,
        [weeks],
    ).to_dicts()
    broken: dict[str, list[str]] = {}
    for run_id, severity in wh.con.execute(
            "SELECT run_id, severity FROM quality_results WHERE NOT success").fetchall():
        broken.setdefault(run_id, []).append(severity)
    for row in rows:
        row["label"] = iso_week_label(row["week"])
        row["status"] = gate_status(s for run in row.pop("runs") or []
                                    for s in broken.get(run, []))
    return rows
