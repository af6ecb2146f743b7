"""Marts: the weekly tables, recomputed for the weeks a run changed, gated group by group.

A run touches the weeks of the articles it loaded or enriched, and the weeks ingest lists in
staging.touched_weeks (articles it deleted or relinked). Only those weeks are recomputed:

- the week-local marts (country_weekly, country_pairs_weekly, theme_country_weekly) from the
  articles of those weeks, read and written in groups of at most MART_CHUNK_ARTICLES articles;
- theme_weekly from the small week × theme counts of all weeks (the stored counts of the
  weeks not touched, the recounted ones of the others): its statistics span weeks;
- emerging_terms for the touched weeks and the BASELINE_WEEKS after each, from the window of
  term_weekly they need.

The result equals a full rebuild, which happens when the marts' definition changed (see
``fingerprint``) or when asked for (``full=True``).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime, time, timedelta

import polars as pl

from expectations.gate import GateResult, combined, run_gate
from flows.check import country_share_drift, gate_params, missing_weeks
from flows.settings import MartSettings
from flows.stages.common import RunSummary, check_chunk, record_gate
from flows.warehouse import STAGING, Warehouse
from transforms import comention, trends
from transforms.dates import ARTICLE_WEEK
from transforms.themes import taxonomy_terms

# Bump when what a mart row holds changes: the next run then rebuilds every week.
MART_VERSION = "2"
# Articles read at once to recompute the week-local marts (a bigger week is its own group).
MART_CHUNK_ARTICLES = 100_000
# Target weeks of emerging_terms computed at once (each reads BASELINE_WEEKS more before).
EMERGING_CHUNK_WEEKS = 26
WEEK_TABLES = ("country_weekly", "country_pairs_weekly", "theme_country_weekly")
MART_TABLES = (*WEEK_TABLES, "theme_weekly", "emerging_terms")
THEME_KEYS = ["week", "theme"]
WEEK = timedelta(weeks=1)


def fingerprint(settings: MartSettings, theme_codes: list[str]) -> str:
    """What the marts' rows depend on besides the data: when it changes, all weeks are stale."""
    known = "\n".join(sorted(taxonomy_terms())).encode()
    return json.dumps({
        "version": MART_VERSION,
        "counted_kinds": sorted(settings.counted_kinds),
        "min_pair_support": int(settings.min_pair_support),
        "themes": sorted(theme_codes),
        "known_terms": hashlib.sha256(known).hexdigest()[:16],
    }, sort_keys=True)


def _state(wh: Warehouse, key: str) -> str | None:
    return wh.scalar("SELECT value FROM mart_state WHERE key = ?", [key])


def _definition_changed(wh: Warehouse, current: str) -> bool:
    stored = _state(wh, "fingerprint")
    if stored is not None:
        return stored != current
    # No fingerprint: a warehouse of an earlier version:
    # whatever is there was not built by this definition.
    return bool(wh.scalar(
        "SELECT EXISTS (SELECT 1 FROM articles) OR EXISTS (SELECT 1 FROM country_weekly) "
        "OR EXISTS (SELECT 1 FROM theme_weekly) OR EXISTS (SELECT 1 FROM emerging_terms)"))


def touched_weeks(wh: Warehouse, run_id: str) -> list[date]:
    """The weeks whose marts this run changed: of the articles it loaded or enriched, and
    those ingest listed in staging.touched_weeks (articles deleted or relinked)."""
    sql = (f"SELECT {ARTICLE_WEEK} AS week FROM articles WHERE run_id = ? "
           f"UNION SELECT {ARTICLE_WEEK} FROM articles WHERE doc_id IN "
           "(SELECT doc_id FROM enriched_articles WHERE run_id = ?)")
    if wh.has_staged("touched_weeks"):
        sql += f" UNION SELECT week::DATE FROM {STAGING}.touched_weeks"
    return wh.frame(f"SELECT DISTINCT week FROM ({sql}) WHERE week IS NOT NULL ORDER BY week",
                    [run_id, run_id])["week"].to_list()


def every_week(wh: Warehouse) -> list[date]:
    """For a full rebuild: the weeks with articles, and those the marts hold rows for (they
    go when they have no articles)."""
    marts = " UNION ".join(f"SELECT week FROM {table}" for table in MART_TABLES)
    return wh.frame(f"SELECT DISTINCT week FROM (SELECT {ARTICLE_WEEK} AS week FROM articles "
                    f"UNION {marts}) WHERE week IS NOT NULL ORDER BY week")["week"].to_list()


def week_groups(sizes: list[tuple[date, int]], limit: int | None = None) -> list[list[date]]:
    """Weeks (week, articles) in order, in groups of at most ``limit`` articles (default
    MART_CHUNK_ARTICLES; a bigger week is a group of its own)."""
    limit = MART_CHUNK_ARTICLES if limit is None else limit
    groups: list[list[date]] = []
    size = 0
    for week, articles in sizes:
        if groups and size + articles <= limit:
            groups[-1].append(week)
            size += articles
        else:
            groups.append([week])
            size = articles
    return groups


def emerging_targets(
    weeks: list[date], baseline_weeks: int = trends.BASELINE_WEEKS
) -> list[date]:
    """The weeks whose emerging terms can change when ``weeks`` change: those and the
    ``baseline_weeks`` after each (their baselines reach back to it)."""
    return sorted({week + k * WEEK for week in weeks for k in range(baseline_weeks + 1)})


def week_runs(weeks: list[date], most: int) -> list[tuple[date, date]]:
    """Sorted weeks as runs of consecutive weeks (first, last), at most ``most`` weeks each."""
    runs: list[tuple[date, date]] = []
    for week in weeks:
        if runs and week - runs[-1][1] == WEEK and (week - runs[-1][0]) // WEEK < most:
            runs[-1] = (runs[-1][0], week)
        else:
            runs.append((week, week))
    return runs


def _recompute_weeks(
    wh: Warehouse, run_id: str, summary: RunSummary, settings: MartSettings,
    theme_codes: list[str], groups: list[list[date]], params: dict, parts: list[GateResult],
    written: dict[str, int],
) -> pl.DataFrame:
    """The week-local marts of the weeks of staging.mart_weeks, group by group (its column
    grp): read, gated, written in a transaction each. Returns the theme counts of the weeks."""
    counts = []
    for group, weeks in enumerate(groups):
        # The time range lets DuckDB skip the row groups of other weeks; the join is exact.
        docs = wh.frame(
            f"SELECT a.doc_id, w.week, a.dup_of FROM articles a JOIN {STAGING}.mart_weeks w "
            f"ON w.week = {ARTICLE_WEEK} WHERE w.grp = ? AND a.published_at >= ? "
            "AND a.published_at < ?",
            [group, datetime.combine(weeks[0], time(), UTC),
             datetime.combine(weeks[-1] + WEEK, time(), UTC)])
        wh.stage("mart_docs", docs.select("doc_id"))
        countries = comention.counted_countries(
            wh.frame(f"SELECT doc_id, country, kinds FROM article_countries "
                     f"WHERE doc_id IN (SELECT doc_id FROM {STAGING}.mart_docs)"),
            settings.counted_kinds)
        themes = wh.frame(f"SELECT doc_id, theme FROM article_themes "
                          f"WHERE doc_id IN (SELECT doc_id FROM {STAGING}.mart_docs)")
        built = trends.week_marts(docs, countries, themes, theme_codes, settings.min_pair_support)
        counts.append(built.pop("theme_counts"))
        gate = run_gate("marts", {name: frame.to_pandas() for name, frame in built.items()},
                        params=params, partial=True)
        # A failing group is not written; the run's changes are thrown away.
        check_chunk(wh, run_id, gate, parts, summary)
        with wh.transaction() as con:
            if group == 0:
                # Until the run has written everything, the marts are not of one definition
                # (a safety net: a run that fails is thrown away whole, see flows.writer).
                con.execute("DELETE FROM mart_state WHERE key = 'fingerprint'")
            for name, frame in built.items():
                con.execute(f"DELETE FROM {name} WHERE week IN "
                            f"(SELECT week FROM {STAGING}.mart_weeks WHERE grp = ?)", [group])
                wh.insert(name, frame)
                written[name] += frame.height
    return pl.concat(counts)


def _theme_weekly(
    wh: Warehouse, recounted: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """(theme_weekly as it must be, its rows to write, the keys of its rows to delete): from
    the stored counts of the weeks not recomputed and the recounted ones of the others."""
    old = wh.frame("SELECT * FROM theme_weekly")
    kept = old.join(wh.frame(f"SELECT week FROM {STAGING}.mart_weeks"), on="week", how="anti")
    counts = pl.concat([
        frame.select(pl.col(THEME_KEYS),
                     pl.col("articles", "articles_raw", "week_articles").cast(pl.Int64))
        for frame in (kept, recounted)
    ])
    new = trends.theme_statistics(counts).join(
        counts.select(*THEME_KEYS, "articles_raw"), on=THEME_KEYS, how="left")
    # Only rows whose values changed are written (weeks next to a touched one change too);
    # the statistics of the weeks around are recomputed from the same integers, bit for bit.
    before = old.select(new.columns).cast(dict(new.schema))
    changed = new.join(before, on=new.columns, how="anti", nulls_equal=True)
    gone = before.select(THEME_KEYS).join(new.select(THEME_KEYS), on=THEME_KEYS, how="anti")
    return new, changed, pl.concat([changed.select(THEME_KEYS), gone])


def _emerging_terms(
    wh: Warehouse, targets: list[date], first_week: date | None, last_week: date | None,
) -> pl.DataFrame:
    """emerging_terms for the ``targets`` weeks, equal to trends.emerging_terms over all of
    term_weekly on the grid from the first to the last week with articles: each run of
    consecutive weeks reads only the terms that reach the minimum in it, over the window from
    BASELINE_WEEKS before it (the grid's start at the latest) to its end."""
    found = [pl.DataFrame(schema={"week": pl.Date, "term": pl.Utf8, "articles": pl.Int64,
                                  "baseline": pl.Float64, "ratio": pl.Float64, "z": pl.Float64})]
    if first_week is None:
        return found[0]
    known = taxonomy_terms()
    wanted = [week for week in targets if first_week <= week <= last_week]
    for start, end in week_runs(wanted, EMERGING_CHUNK_WEEKS):
        window = max(first_week, start - trends.BASELINE_WEEKS * WEEK)
        counts = wh.frame(
            "SELECT week, term, articles FROM term_weekly WHERE week BETWEEN ? AND ? AND term IN "
            "(SELECT term FROM term_weekly WHERE week BETWEEN ? AND ? AND articles >= ?)",
            [window, end, start, end, trends.EMERGING_MIN_ARTICLES])
        grid = pl.DataFrame({"week": pl.date_range(window, end, "1w", eager=True)})
        found.append(trends.emerging_terms(counts, grid, known_terms=known)
                     .filter(pl.col("week").is_between(start, end)))
    return pl.concat(found)


def marts(wh: Warehouse, run_id: str, summary: RunSummary, full: bool = False,
          settings: MartSettings | None = None) -> dict[str, int]:
    """Recompute the marts of the weeks this run touched (all weeks when ``full`` or when
    their definition changed), gate them and write them; returns the rows written per table.
    Raises GateFailed at the first group (or the run-level check) that fails."""
    settings = settings or MartSettings()
    theme_codes = wh.frame("SELECT code FROM themes ORDER BY code")["code"].to_list()
    current = fingerprint(settings, theme_codes)
    full = full or _definition_changed(wh, current)
    weeks = every_week(wh) if full else touched_weeks(wh, run_id)
    written = dict.fromkeys(MART_TABLES, 0)
    if not weeks:
        summary.gates["marts"] = "skipped (nothing new)"
        return written
    try:
        return _recompute(wh, run_id, summary, settings, theme_codes, weeks, full, current,
                          written)
    finally:
        wh.drop_staged("mart_weeks", "mart_docs", "mart_keys", "mart_targets")


def _recompute(
    wh: Warehouse, run_id: str, summary: RunSummary, settings: MartSettings,
    theme_codes: list[str], weeks: list[date], full: bool, current: str,
    written: dict[str, int],
) -> dict[str, int]:
    """The marts of ``weeks``: week-local ones group by group, then theme_weekly and
    emerging_terms, gated together with the run-level checks and written in one transaction
    with the new state."""
    params = gate_params(wh)
    wh.stage("mart_weeks", pl.DataFrame({"week": weeks}, schema={"week": pl.Date}))
    sizes = wh.frame(f"SELECT w.week, count(a.doc_id) AS n FROM {STAGING}.mart_weeks w "
                     f"LEFT JOIN articles a ON w.week = {ARTICLE_WEEK} "
                     "GROUP BY w.week ORDER BY w.week")
    groups = week_groups(list(sizes.iter_rows()))
    wh.stage("mart_weeks", pl.DataFrame(
        {"week": [week for group in groups for week in group],
         "grp": [i for i, group in enumerate(groups) for _ in group]},
        schema={"week": pl.Date, "grp": pl.Int32}))
    parts: list[GateResult] = []
    recounted = _recompute_weeks(wh, run_id, summary, settings, theme_codes, groups, params,
                                 parts, written)
    theme_weekly, theme_rows, theme_stale = _theme_weekly(wh, recounted)

    first_week, last_week = wh.con.execute(
        f"SELECT min({ARTICLE_WEEK}), max({ARTICLE_WEEK}) FROM articles").fetchone()
    first = first_week.isoformat() if first_week else None
    stored_first = _state(wh, "first_week")
    changed = list(weeks)
    if not full and stored_first != first:
        # The grid of emerging terms starts elsewhere: its first weeks' baselines change.
        changed += [date.fromisoformat(w) for w in (stored_first, first) if w]
    targets = emerging_targets(changed)
    emerging = _emerging_terms(wh, targets, first_week, last_week)

    drift = country_share_drift(wh.frame("SELECT week, country, articles, share "
                                         "FROM country_weekly"))
    parts.append(run_gate("marts", {
        "theme_weekly": theme_weekly.to_pandas(),
        "emerging_terms": emerging.to_pandas(),
        "weeks": pl.DataFrame({"missing_weeks": [missing_weeks(wh, theme_weekly)]}).to_pandas(),
        "drift": pl.DataFrame({"max_country_share_drift": [drift]}).to_pandas(),
    }, params=params, partial=True))
    record_gate(wh, run_id, combined("marts", parts), summary)
    with wh.transaction() as con:
        wh.stage("mart_keys", theme_stale)
        con.execute(f"DELETE FROM theme_weekly USING {STAGING}.mart_keys k "
                    "WHERE theme_weekly.week = k.week AND theme_weekly.theme = k.theme")
        wh.insert("theme_weekly", theme_rows)
        wh.stage("mart_targets", pl.DataFrame({"week": targets}, schema={"week": pl.Date}))
        con.execute(f"DELETE FROM emerging_terms WHERE week IN "
                    f"(SELECT week FROM {STAGING}.mart_targets)")
        wh.insert("emerging_terms", emerging)
        con.execute("INSERT OR REPLACE INTO mart_state VALUES ('fingerprint', ?), "
                    "('first_week', ?)", [current, first])
    written["theme_weekly"] = theme_rows.height
    written["emerging_terms"] = emerging.height
    return written
