"""`comention check`: the stage suites run on demand against the published tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import polars as pl

from expectations.gate import GateResult, combined, run_gate, thresholds
from flows.warehouse import Warehouse
from transforms.dates import ARTICLE_WEEK, EARLIEST

MART_TABLES = ("country_weekly", "country_pairs_weekly", "theme_weekly", "emerging_terms")


def gate_params(wh: Warehouse) -> dict:
    """Runtime values the suites name: valid codes, and the plausible publication dates."""
    return {
        "country_codes": wh.frame("SELECT code FROM countries")["code"].to_list(),
        "theme_codes": wh.frame("SELECT code FROM themes")["code"].to_list(),
        "earliest_date": EARLIEST.isoformat(),
        "latest_date": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
    }


def missing_weeks(wh: Warehouse, theme_weekly: pl.DataFrame) -> int:
    """Weeks that have stories but no rows in theme_weekly (every such week must have them),
    measured from the articles' own weeks, not from the mart itself."""
    story_weeks = wh.frame(
        f"SELECT DISTINCT {ARTICLE_WEEK} AS week FROM articles WHERE dup_of IS NULL")
    return story_weeks.join(theme_weekly.select("week").unique(), on="week", how="anti").height


def mentions_batch(wh: Warehouse, table: str, lengths: str) -> pd.DataFrame:
    """Country mentions with the length of the field each points into (offsets are checked
    against it), read in one query so that every row keeps its own length. ``lengths``: a
    table of doc_id, title_length, body_length, measured where the texts were read (a scan
    of every article's text here would hold thousands of them at once)."""
    return wh.frame(
        f"SELECT m.*, CASE m.field WHEN 'title' THEN l.title_length ELSE l.body_length END "
        f"AS field_length FROM {table} m JOIN {lengths} l USING (doc_id)"
    ).to_pandas()


# Articles checked at once by `comention check`: memory stays bounded on any warehouse.
CHECK_CHUNK = 100_000


def check_published(wh: Warehouse) -> list[GateResult]:
    """Every stage's suite over what is published now (nothing is written), chunk by chunk of
    articles, each stage's chunks combined into one result per expectation."""
    params = gate_params(wh)
    last = wh.frame("SELECT * FROM runs WHERE status = 'success' ORDER BY started_at DESC "
                    "LIMIT 1")
    seen = int(last["records_seen"][0]) if last.height else 0
    accounted = (int(last["articles_loaded"][0] + last["duplicates"][0] + last["quarantined"][0])
                 if last.height else 0)
    ingest = [run_gate("ingest", {"run": pl.DataFrame({
        "records_seen": [seen], "records_accounted": [accounted],
        "quarantine_rate": [int(last["quarantined"][0]) / seen if seen else 0.0],
        "duplicate_rate_rise": [0.0],
    }).to_pandas()}, params, partial=True)]
    enrich = []
    total = wh.scalar("SELECT count(*) FROM articles")
    # Chunks are row-id ranges: DuckDB reads a range row by row, where a list of ids (or a
    # scan of every article) holds the text of thousands of rows at once, too much for
    # articles of megabytes.
    last_row = wh.scalar("SELECT coalesce(max(rowid), -1) FROM articles")
    ids = "doc_id IN (SELECT doc_id FROM check_lengths)"
    for first in range(0, last_row + 1, CHECK_CHUNK):
        # The chunk's articles without their text, read once: its lengths are all the checks
        # need of it.
        wh.con.execute("CREATE OR REPLACE TEMP TABLE check_lengths AS SELECT * EXCLUDE (body), "
                       "length(coalesce(title, '')) AS title_length, length(body) AS "
                       "body_length FROM articles WHERE rowid BETWEEN ? AND ?",
                       [first, first + CHECK_CHUNK - 1])
        ingest.append(run_gate("ingest", {"articles": wh.frame(
            "SELECT * EXCLUDE (title_length, body_length), body_length AS body_chars "
            "FROM check_lengths").to_pandas()}, params, partial=True))
        wh.con.execute("CREATE OR REPLACE TEMP TABLE check_mentions AS SELECT * FROM "
                       f"country_mentions WHERE {ids}")
        enrich.append(run_gate("enrich", {
            "country_mentions": mentions_batch(wh, "check_mentions", "check_lengths"),
            **{table: wh.frame(f"SELECT * FROM {table} WHERE {ids}").to_pandas()
               for table in ("article_countries", "article_themes")},
        }, params, partial=True))
    articles = max(total, 1)
    enrich.append(run_gate("enrich", {"coverage": pl.DataFrame({
        "share_with_country": [
            wh.scalar("SELECT count(DISTINCT doc_id) FROM article_countries") / articles],
        "share_with_theme": [
            wh.scalar("SELECT count(DISTINCT doc_id) FROM article_themes") / articles],
        "mentions_per_article_change": [0.0],
    }).to_pandas()}, params, partial=True))
    marts = {name: wh.frame(f"SELECT * FROM {name}").to_pandas() for name in MART_TABLES}
    marts["weeks"] = pl.DataFrame({"missing_weeks": [missing_weeks(
        wh, wh.frame("SELECT DISTINCT week FROM theme_weekly"))]}).to_pandas()
    marts["drift"] = pl.DataFrame(
        {"max_country_share_drift": [country_share_drift(wh.frame(
            "SELECT week, country, articles, share FROM country_weekly"))]}
    ).to_pandas()
    return [combined("ingest", ingest), combined("enrich", enrich),
            run_gate("marts", marts, params)]


def country_share_drift(country_weekly: pl.DataFrame, min_articles: int | None = None) -> float:
    """The largest move of a country's share in the latest week from its mean over the weeks
    before, counting only a latest week with ``min_articles`` articles (default: the
    threshold marts.drift_min_articles), else 0.0."""
    if min_articles is None:
        min_articles = int(thresholds()["marts.drift_min_articles"])
    if country_weekly.is_empty() or country_weekly["week"].n_unique() < 2:
        return 0.0
    latest = country_weekly["week"].max()
    week_totals = country_weekly.with_columns(total=pl.col("articles") / pl.col("share"))
    latest_total = week_totals.filter(pl.col("week") == latest)["total"].max()
    if latest_total is None or latest_total < min_articles:
        return 0.0
    before = (country_weekly.filter(pl.col("week") < latest).group_by("country")
              .agg(mean=pl.col("share").sum() / country_weekly.filter(
                  pl.col("week") < latest)["week"].n_unique()))
    now = country_weekly.filter(pl.col("week") == latest).select("country", "share")
    moves = now.join(before, on="country", how="full", coalesce=True).fill_null(0.0)
    return float((moves["share"] - moves["mean"]).abs().max())
