"""The comention pipeline: ingest → enrich → marts → report, each stage gated before it publishes.

Each stage writes its rows to staging tables, runs its expectation suite on them, and publishes
in one DuckDB transaction only when the gate passes. Every gate result goes to quality_results;
a failed gate marks the run failed and leaves the published tables as they were.

Plain Python, no Prefect: `comention run` calls it directly when no Prefect API is configured,
and flows.orchestration runs the same stages as Prefect tasks (deployments, a server, Dask).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import polars as pl

from expectations.gate import GateFailed, GateResult, run_gate
from expectations.gate import thresholds as gate_thresholds
from flows.check import country_share_drift, gate_params, mentions_batch, missing_weeks
from flows.dedup import link_near_duplicates
from flows.progress import RunProgress, plural
from flows.settings import MartSettings
from flows.sources import RAW_FIELDS, ReadOptions, discover, read_records
from flows.warehouse import ARTICLE_WEEK, Warehouse
from transforms import comention, trends
from transforms.articles import build_articles
from transforms.countries import article_countries, find_mentions
from transforms.gazetteer import countries_reference
from transforms.themes import tag_themes, taxonomy_terms, themes_reference

INGEST_BATCH = 500
ENRICH_BATCH = 2000
# Batches handed to the mapper at once: enough to keep a cluster's workers busy.
BATCHES_IN_FLIGHT = 4
RAW_SCHEMA = {name: pl.Utf8 for name in RAW_FIELDS} | {"file_mtime": pl.Datetime("us", "UTC")}


@dataclass
class RunSummary:
    run_id: str
    db: Path
    records_seen: int = 0
    articles_loaded: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    quarantined: int = 0
    # New articles that had no date of their own: dated by their file's modification time.
    dated_by_file_time: int = 0
    # Articles of earlier runs removed because their sources were read again with replace.
    replaced: int = 0
    first_date: date | None = None
    last_date: date | None = None
    gates: dict[str, str] = field(default_factory=dict)
    # Every expectation that warned, readably: "ingest: expect_…(title) observed 0.5 (mostly=0.9)".
    warnings: list[str] = field(default_factory=list)
    # This run's most common quarantine reasons: (reason, records, an example source).
    quarantine_reasons: list[tuple[str, int, str]] = field(default_factory=list)
    report: Path | None = None


class NothingToRead(Exception):
    """No input record at all could be read."""


class RunFailed(Exception):
    """A stage did not publish. The message says which stage, which checks and what the input
    looked like, in one line; the summary holds what the run had counted."""

    def __init__(self, message: str, summary: RunSummary):
        super().__init__(message)
        self.summary = summary


StageWrapper = Callable[[Callable], Callable]


def plain(function: Callable) -> Callable:
    """Run a stage as the plain function it is (no orchestrator)."""
    return function


def new_run_id() -> str:
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _described(result) -> str:
    observed = f" observed {result.observed}" if result.observed else ""
    threshold = f" ({result.threshold})" if result.threshold else ""
    return f"{result.stage}: {result.expectation}{observed}{threshold}"


def _record_gate(wh: Warehouse, run_id: str, gate: GateResult, summary: RunSummary) -> None:
    rows = pl.DataFrame(
        [
            {"run_id": run_id, "stage": r.stage, "suite": r.suite, "expectation": r.expectation,
             "success": r.success, "severity": r.severity, "observed": r.observed,
             "checked_at": r.checked_at, "threshold": r.threshold}
            for r in gate.results
        ]
    )
    wh.insert("quality_results", rows)
    summary.gates[gate.stage] = gate.status
    summary.warnings.extend(_described(r) for r in gate.warnings)
    if not gate.passed:
        raise GateFailed(gate)


Mapper = Callable[[Callable, list], list]


def local_map(function: Callable, items: list) -> list:
    """Run the batches here, one after the other (the default runner)."""
    return [function(item) for item in items]


def _articles_of(args: tuple[pl.DataFrame, datetime]) -> tuple[pl.DataFrame, pl.DataFrame]:
    raw, now = args
    return build_articles(raw, now)


def ingest(
    wh: Warehouse, run_id: str, paths: list[str], summary: RunSummary,
    options: ReadOptions | None = None, mapper: Mapper = local_map, replace: bool = False,
    progress: RunProgress | None = None,
) -> None:
    """Read every record, find its article, stage, gate, publish new unique articles.

    Records are read here; finding the articles in them (the heavy part) runs through
    ``mapper`` a few batches at a time, so a Dask cluster can share it out while memory stays
    bounded. Staging and publishing stay on this machine, the single writer. With ``replace``,
    what earlier runs loaded from these files is replaced by what they hold now (corrected
    dates, fields), in the same transaction that publishes the new articles.
    """
    progress = progress or RunProgress()
    files = discover(paths)
    wh.drop_staged("raw_articles", "quarantine", "new_articles")
    wh.stage("run_sources", pl.DataFrame({"source": [str(f) for f in files]}))
    wh.con.execute(
        "CREATE OR REPLACE TABLE staging.replaced AS SELECT doc_id, source, record_key "
        "FROM articles WHERE ? AND source IN (SELECT source FROM staging.run_sources)",
        [replace])
    now = datetime.now(UTC)
    seen = 0
    batch: list[dict] = []
    pending: list[tuple[pl.DataFrame, datetime]] = []

    def flush(final: bool = False) -> None:
        nonlocal seen
        if batch:
            pending.append((pl.DataFrame(batch, schema=RAW_SCHEMA), now))
            batch.clear()
        if len(pending) < BATCHES_IN_FLIGHT and not final:
            return
        for articles, quarantined in mapper(_articles_of, pending):
            articles = articles.with_columns(seq=pl.int_range(seen, seen + articles.height))
            seen += articles.height
            wh.append_staged("raw_articles", articles)
            wh.append_staged("quarantine", quarantined)
        pending.clear()

    records = 0
    with progress.counter("reading", unit="records") as advance:
        for path in files:
            for record in read_records(path, options):
                batch.append(record)
                records += 1
                if len(batch) >= INGEST_BATCH:
                    advance(len(batch))
                    flush()
        advance(len(batch))
        flush(final=True)
    if records == 0:
        raise NothingToRead(f"no records found in {', '.join(paths)}")

    # First copy of each text wins; texts already published are duplicates, not reloaded
    # (unless they are being replaced).
    wh.con.execute(
        """
        CREATE OR REPLACE TABLE staging.new_articles AS
        SELECT *, NULL::VARCHAR AS dup_of FROM staging.raw_articles
        WHERE doc_id NOT IN (SELECT doc_id FROM articles
                             WHERE doc_id NOT IN (SELECT doc_id FROM staging.replaced))
        QUALIFY row_number() OVER (PARTITION BY doc_id ORDER BY seq) = 1
        """
    )
    link_near_duplicates(wh, batch_size=ENRICH_BATCH)
    staged = wh.scalar("SELECT count(*) FROM staging.raw_articles")
    summary.records_seen = records
    summary.articles_loaded = wh.scalar("SELECT count(*) FROM staging.new_articles")
    summary.quarantined = wh.scalar("SELECT count(*) FROM staging.quarantine")
    summary.duplicates = staged - summary.articles_loaded
    summary.quarantine_reasons = [tuple(row) for row in wh.con.execute(
        "SELECT any_value(reason), count(*), any_value(source) FROM staging.quarantine "
        "GROUP BY coalesce(reason_code, reason) ORDER BY count(*) DESC LIMIT 3").fetchall()]
    run_stats = pl.DataFrame(
        {
            "records_seen": [records],
            "records_accounted": [
                summary.articles_loaded + summary.duplicates + summary.quarantined
            ],
            "quarantine_rate": [summary.quarantined / records],
            "duplicate_rate_rise": [_duplicate_rate_rise(wh, summary)],
        }
    )
    # Rejected records are kept whatever the gate says: nothing read is ever lost. The
    # quarantine describes the files as they are now: a file read again replaces its rows.
    with wh.transaction() as con:
        con.execute(
            "DELETE FROM quarantine WHERE source IN (SELECT source FROM staging.run_sources) "
            # Rows written before quarantine.stage existed say their stage in the reason.
            "AND coalesce(stage, CASE WHEN reason LIKE 'enrich:%' THEN 'enrich' ELSE 'ingest' "
            "END) IN ('ingest', CASE WHEN ? THEN 'enrich' END)", [replace])
        con.execute(
            "INSERT INTO quarantine BY NAME SELECT ? AS run_id, 'ingest' AS stage, source, "
            "record_key, reason, any_value(reason_code) AS reason_code, any_value(excerpt) "
            "AS excerpt FROM staging.quarantine GROUP BY source, record_key, reason "
            "ON CONFLICT DO NOTHING",
            [run_id],
        )
    articles_batch = wh.frame("SELECT * EXCLUDE (seq, body), length(body) AS body_chars "
                              "FROM staging.new_articles").to_pandas()
    gate = run_gate(
        "ingest",
        # Bodies stay in DuckDB: the gate sees their length, not their text.
        {"articles": articles_batch, "run": run_stats.to_pandas()},
        params=gate_params(wh),
    )
    _record_gate(wh, run_id, gate, summary)
    rejected = _quarantine_bad_rows(wh, run_id, gate, {"articles": articles_batch})
    summary.articles_loaded -= rejected
    summary.quarantined += rejected
    summary.dated_by_file_time, summary.first_date, summary.last_date = wh.con.execute(
        "SELECT count(*) FILTER (date_source = 'file_mtime'), "
        "min(published_at AT TIME ZONE 'UTC')::DATE, max(published_at AT TIME ZONE 'UTC')::DATE "
        "FROM staging.new_articles").fetchall()[0]
    if replace:
        _plan_replacement(wh)
    with wh.transaction() as con:
        summary.replaced = _remove_replaced(wh) if replace else 0
        con.execute(
            """
            INSERT INTO articles (doc_id, source, record_key, url, site, title, author, body,
                                  published_at, date_source, lang, n_words, dup_of, run_id)
            SELECT doc_id, source, record_key, url, site, title, author, body, published_at,
                   date_source, lang, n_words, dup_of, ? FROM staging.new_articles
            """,
            [run_id],
        )
        con.execute("INSERT INTO article_signatures SELECT doc_id, minhash, shingles "
                    "FROM staging.new_sigs")
        con.execute("INSERT INTO article_bands SELECT band, key, doc_id FROM staging.new_bands")
        if replace:
            _relink_copies(wh)
    summary.near_duplicates = wh.scalar(
        "SELECT count(*) FROM articles WHERE run_id = ? AND dup_of IS NOT NULL", [run_id]
    )
    wh.drop_staged("raw_articles", "quarantine", "new_articles", "new_sigs", "new_bands",
                   "run_sources", "replaced", "successors", "replaced_terms", "orphan_terms")


# Tables holding rows derived from an article (keyed by doc_id), cleared when it is replaced.
DERIVED_TABLES = ("country_mentions", "article_countries", "article_themes",
                  "enriched_articles", "article_signatures", "article_bands")


def _plan_replacement(wh: Warehouse) -> None:
    """Stage what replacing the articles of staging.replaced changes, before the transaction:
    the term counts they added (to subtract), the article replacing each (the same record of
    the same file), and the term counts of copies of them that no article replaces: those
    copies become stories of their own, so their terms count from now on."""
    wh.con.execute(
        "CREATE OR REPLACE TABLE staging.successors AS SELECT r.doc_id AS old, n.doc_id AS new "
        "FROM staging.replaced r JOIN staging.new_articles n USING (source, record_key) "
        "WHERE n.dup_of IS NULL")
    enriched = "doc_id IN (SELECT doc_id FROM enriched_articles)"
    wh.stage("replaced_terms", _term_counts(
        wh, f"dup_of IS NULL AND {enriched} AND doc_id IN (SELECT doc_id FROM staging.replaced)"))
    wh.stage("orphan_terms", _term_counts(
        wh, f"{enriched} AND dup_of IN (SELECT doc_id FROM staging.replaced) "
        "AND dup_of NOT IN (SELECT old FROM staging.successors) "
        "AND doc_id NOT IN (SELECT doc_id FROM staging.replaced)"))


def _term_counts(wh: Warehouse, where: str) -> pl.DataFrame:
    """week, term, articles of the published articles matching ``where``, in bounded batches."""
    ids = wh.frame(f"SELECT doc_id FROM articles WHERE {where} ORDER BY doc_id")["doc_id"]
    parts = [pl.DataFrame(schema={"week": pl.Date, "term": pl.Utf8, "articles": pl.Int64})]
    for start in range(0, len(ids), ENRICH_BATCH):
        docs = wh.frame(
            f"SELECT doc_id, title, body, {ARTICLE_WEEK} AS week FROM articles "
            "WHERE doc_id IN (SELECT unnest(?::VARCHAR[]))",
            [ids.slice(start, ENRICH_BATCH).to_list()])
        parts.append(trends.term_weekly(docs.select("doc_id", "week"),
                                        trends.article_terms(docs)))
    return pl.concat(parts).group_by("week", "term").agg(pl.col("articles").sum())


def _remove_replaced(wh: Warehouse) -> int:
    """Delete the replaced articles and everything derived from them, inside the publishing
    transaction; returns how many. Their mentions and themes come back in enrich."""
    removed = wh.scalar("SELECT count(*) FROM staging.replaced")
    for table in DERIVED_TABLES:
        wh.con.execute(
            f"DELETE FROM {table} WHERE doc_id IN (SELECT doc_id FROM staging.replaced)")
    wh.con.execute("DELETE FROM articles WHERE doc_id IN (SELECT doc_id FROM staging.replaced)")
    wh.con.execute("UPDATE term_weekly SET articles = term_weekly.articles - r.articles "
                   "FROM staging.replaced_terms r WHERE term_weekly.week = r.week "
                   "AND term_weekly.term = r.term")
    if wh.scalar("SELECT count(*) FROM term_weekly WHERE articles < 0"):
        raise RuntimeError("term_weekly would count below zero: the replaced articles' terms "
                           "were not all counted (nothing was changed)")
    wh.con.execute("DELETE FROM term_weekly WHERE articles = 0")
    return removed


def _relink_copies(wh: Warehouse) -> None:
    """Copies of a replaced story follow the article that replaces it; copies of a story no
    article replaces stand on their own (and their terms now count)."""
    wh.con.execute("UPDATE articles SET dup_of = s.new FROM staging.successors s "
                   "WHERE articles.dup_of = s.old AND s.old <> s.new")
    wh.con.execute("UPDATE articles SET dup_of = NULL WHERE dup_of IN "
                   "(SELECT doc_id FROM staging.replaced) AND dup_of NOT IN "
                   "(SELECT doc_id FROM articles)")
    wh.con.execute(
        "INSERT INTO term_weekly SELECT week, term, articles FROM staging.orphan_terms "
        "ON CONFLICT (week, term) DO UPDATE SET articles = term_weekly.articles + "
        "EXCLUDED.articles")


def enrich_batch(docs: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Mentions, article × country roll-up, themes and term counts of one batch (pure)."""
    mentions = find_mentions(docs)
    unique = docs.filter(pl.col("dup_of").is_null())
    return {
        "country_mentions": mentions,
        "article_countries": article_countries(mentions, docs),
        "article_themes": tag_themes(docs),
        "terms": trends.term_weekly(unique.select("doc_id", "week"),
                                    trends.article_terms(unique)),
    }


def enrich(wh: Warehouse, run_id: str, summary: RunSummary, mapper: Mapper = local_map,
           progress: RunProgress | None = None) -> dict[str, int]:
    """Country mentions, article × country roll-up and themes for every article not enriched;
    the batches go through ``mapper`` (here, or on a Dask cluster), the writes stay here.
    Returns what it published: articles, mentions, and articles with a country / a theme."""
    progress = progress or RunProgress()
    pending = wh.frame(
        "SELECT doc_id FROM articles WHERE doc_id NOT IN (SELECT doc_id FROM enriched_articles) "
        "ORDER BY doc_id"
    )["doc_id"]
    wh.drop_staged("country_mentions", "article_countries", "article_themes", "terms")
    mentions_total = countries_total = themes_total = 0
    step = ENRICH_BATCH * BATCHES_IN_FLIGHT
    with progress.counter("enriching", total=len(pending), unit="articles") as advance:
        for offset in range(0, len(pending), step):
            window = pending.slice(offset, step)
            batches = [
                wh.frame(
                    f"SELECT doc_id, title, body, dup_of, {ARTICLE_WEEK} AS week FROM articles "
                    "WHERE doc_id IN "
                    "(SELECT unnest(?::VARCHAR[])) ORDER BY doc_id",
                    [window.slice(start, ENRICH_BATCH).to_list()],
                )
                for start in range(0, len(window), ENRICH_BATCH)
            ]
            for result in mapper(enrich_batch, batches):
                for name, frame in result.items():
                    wh.append_staged(name, frame)
                mentions_total += result["country_mentions"].height
                countries_total += result["article_countries"]["doc_id"].n_unique()
                themes_total += result["article_themes"]["doc_id"].n_unique()
            advance(len(window))
    counts = {"articles": len(pending), "mentions": mentions_total,
              "with_country": countries_total, "with_theme": themes_total}
    if len(pending) == 0:
        return counts
    staged = {
        "country_mentions": mentions_batch(wh, "staging.country_mentions"),
        **{name: wh.frame(f"SELECT * FROM staging.{name}").to_pandas()
           for name in ("article_countries", "article_themes")},
    }
    usual = _recent_median(
        wh, "SELECT r.run_id, count(m.doc_id) / count(DISTINCT a.doc_id) AS v FROM runs r "
        "JOIN articles a ON a.run_id = r.run_id LEFT JOIN country_mentions m "
        "ON m.doc_id = a.doc_id WHERE r.status = 'success' GROUP BY r.run_id, r.started_at "
        "ORDER BY r.started_at DESC LIMIT ?",
    )
    per_article = mentions_total / len(pending)
    coverage = pl.DataFrame(
        {"share_with_country": [countries_total / len(pending)],
         "share_with_theme": [themes_total / len(pending)],
         "mentions_per_article_change": [abs(per_article - usual) / usual if usual else 0.0]}
    ).to_pandas()
    gate = run_gate(
        "enrich",
        staged | {"coverage": coverage},
        params=gate_params(wh),
    )
    _record_gate(wh, run_id, gate, summary)
    _quarantine_bad_rows(wh, run_id, gate, staged)
    with wh.transaction() as con:
        for name in staged:
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM staging.{name}")
        con.execute(
            "INSERT INTO enriched_articles SELECT unnest(?::VARCHAR[]), ?",
            [pending.to_list(), run_id],
        )
        # Term counts add up across runs: each article is enriched once.
        con.execute(
            "INSERT INTO term_weekly SELECT week, term, sum(articles) FROM staging.terms "
            "GROUP BY ALL ON CONFLICT (week, term) DO UPDATE "
            "SET articles = term_weekly.articles + EXCLUDED.articles"
        )
    wh.drop_staged(*staged, "terms")
    return counts


def _duplicate_rate_rise(wh: Warehouse, summary: RunSummary) -> float:
    """This run's share of duplicate records (exact and near) minus the recent runs' median."""
    near = wh.scalar("SELECT count(*) FROM staging.new_articles WHERE dup_of IS NOT NULL")
    rate = (summary.duplicates + near) / max(summary.records_seen, 1)
    usual = _recent_median(
        wh, "SELECT (r.duplicates + count(a.dup_of)) / r.records_seen AS v FROM runs r "
        "LEFT JOIN articles a ON a.run_id = r.run_id WHERE r.status = 'success' "
        "AND r.records_seen > 0 GROUP BY r.run_id, r.duplicates, r.records_seen, r.started_at "
        "ORDER BY r.started_at DESC LIMIT ?",
    )
    return 0.0 if usual is None else rate - usual


def _recent_median(wh: Warehouse, sql: str) -> float | None:
    """Median of a per-run value (the query's column ``v``) over the recent successful runs."""
    limit = int(gate_thresholds()["history.recent_runs"])
    values = wh.frame(sql, [limit])["v"].drop_nulls()
    return float(values.median()) if len(values) else None


def _quarantine_bad_rows(
    wh: Warehouse, run_id: str, gate: GateResult, staged: dict[str, pd.DataFrame]
) -> int:
    """Rows a row-level check rejected leave the staged batch and go to quarantine; returns
    how many. New articles (batch ``articles``) leave staging.new_articles; rows of the other
    batches are re-staged without them. The reason code is the check that failed."""
    total = 0
    for batch, rows in gate.bad_rows.items():
        frame = staged[batch]
        bad = frame.loc[list(rows)]
        total += len(rows)
        codes = [f"gate:{rows[i]}" for i in rows]
        if batch == "articles":
            wh.stage("rejected", pl.DataFrame({
                "source": bad["source"].tolist(), "record_key": bad["record_key"].tolist(),
                "reason": [f"{gate.stage}: {rows[i]} failed" for i in rows],
                "reason_code": codes, "doc_id": bad["doc_id"].tolist(),
            }))
            wh.con.execute(
                "INSERT INTO quarantine BY NAME SELECT ? AS run_id, ? AS stage, source, "
                "record_key, reason, reason_code FROM staging.rejected ON CONFLICT DO NOTHING",
                [run_id, gate.stage])
            wh.con.execute("DELETE FROM staging.new_articles WHERE doc_id IN "
                           "(SELECT doc_id FROM staging.rejected)")
            continue
        rejected = pl.DataFrame({
            "doc_id": bad["doc_id"].astype(str).tolist(),
            "reason": [f"{gate.stage}: {rows[i]} failed ({batch} row)" for i in rows],
            "reason_code": codes,
            "excerpt": [str(r)[:200] for r in bad.drop(columns=["field_length"], errors="ignore")
                        .to_dict("records")],
        })
        wh.stage("rejected", rejected)
        # The record key points at the article and the table of the rejected row.
        wh.con.execute(
            "INSERT INTO quarantine BY NAME SELECT ? AS run_id, ? AS stage, a.source, "
            "a.record_key || ' ' || ? || ':' || r.doc_id || ':' || row_number() OVER () AS "
            "record_key, r.reason, r.reason_code, r.excerpt FROM staging.rejected r "
            "JOIN articles a USING (doc_id) ON CONFLICT DO NOTHING",
            [run_id, gate.stage, batch],
        )
        staged[batch] = frame.drop(index=list(rows))
        wh.stage(batch, pl.from_pandas(staged[batch].drop(columns=["field_length"],
                                                          errors="ignore")))
    wh.drop_staged("rejected")
    return total


def build_marts(wh: Warehouse, settings: MartSettings | None = None) -> dict[str, pl.DataFrame]:
    """All weekly marts from the published articles: each story once (near-duplicate copies
    left out), with the raw count (copies included) beside it as ``articles_raw``."""
    settings = settings or MartSettings()
    all_weeks = comention.article_weeks(
        wh.frame("SELECT doc_id, published_at, dup_of FROM articles")
    )
    countries = comention.counted_countries(
        wh.frame("SELECT doc_id, country, kinds FROM article_countries"), settings.counted_kinds
    )
    themes = wh.frame("SELECT doc_id, theme FROM article_themes")
    theme_codes = wh.frame("SELECT code FROM themes ORDER BY code")["code"].to_list()

    def marts_of(weeks: pl.DataFrame) -> dict[str, pl.DataFrame]:
        counted = countries.join(weeks.select("doc_id"), on="doc_id")
        tagged = themes.join(weeks.select("doc_id"), on="doc_id")
        return {
            "country_weekly": comention.country_weekly(weeks, counted),
            "country_pairs_weekly": comention.country_pairs_weekly(
                weeks, counted, settings.min_pair_support
            ),
            "theme_weekly": trends.theme_weekly(weeks, tagged, theme_codes),
            "theme_country_weekly": trends.theme_country_weekly(weeks, tagged, counted),
        }

    unique = marts_of(all_weeks.filter(pl.col("dup_of").is_null()).drop("dup_of"))
    raw = marts_of(all_weeks.drop("dup_of"))
    keys = {"country_weekly": ["week", "country"],
            "country_pairs_weekly": ["week", "country_a", "country_b"],
            "theme_weekly": ["week", "theme"],
            "theme_country_weekly": ["week", "theme", "country"]}
    built = {
        name: unique[name].join(
            raw[name].select(*keys[name], pl.col("articles").alias("articles_raw")),
            on=keys[name], how="left",
        ).with_columns(pl.col("articles_raw").fill_null(pl.col("articles")))
        for name in unique
    }
    built["emerging_terms"] = trends.emerging_terms(
        wh.frame("SELECT week, term, articles FROM term_weekly"),
        trends.all_weeks(all_weeks.select("week").unique()),
        known_terms=taxonomy_terms(),
    )
    return built


def marts(wh: Warehouse, run_id: str, summary: RunSummary) -> dict[str, int]:
    """Rebuild the weekly marts, gate them, and swap them in atomically; returns their rows."""
    built = build_marts(wh)
    week_check = pl.DataFrame(
        {"missing_weeks": [missing_weeks(wh, built["theme_weekly"])]}
    ).to_pandas()
    drift = pl.DataFrame({"max_country_share_drift": [country_share_drift(
        built["country_weekly"], int(gate_thresholds()["marts.drift_min_articles"]))]}
    ).to_pandas()
    gate = run_gate(
        "marts",
        {name: frame.to_pandas() for name, frame in built.items()}
        | {"weeks": week_check, "drift": drift},
        params=gate_params(wh),
    )
    _record_gate(wh, run_id, gate, summary)
    with wh.transaction():
        for name, frame in built.items():
            wh.replace(name, frame)
    return {name: frame.height for name, frame in built.items()}


def report(wh: Warehouse, out: Path, week: date | None) -> Path | None:
    from reports.render import render_report

    return render_report(wh, out, week)


def _start_run(wh: Warehouse, run_id: str, paths: list[str]) -> None:
    wh.con.execute(
        "INSERT INTO runs (run_id, started_at, status, inputs) VALUES (?, ?, 'running', ?)",
        [run_id, datetime.now(UTC), paths],
    )


def _finish_run(wh: Warehouse, summary: RunSummary, status: str, message: str | None) -> None:
    wh.con.execute(
        "UPDATE runs SET finished_at = ?, status = ?, records_seen = ?, articles_loaded = ?, "
        "duplicates = ?, near_duplicates = ?, quarantined = ?, message = ? WHERE run_id = ?",
        [datetime.now(UTC), status, summary.records_seen, summary.articles_loaded,
         summary.duplicates, summary.near_duplicates, summary.quarantined, message,
         summary.run_id],
    )


def describe_failure(gate: GateResult, summary: RunSummary) -> str:
    """One line for a failed gate: the checks and their bounds, and, when records were
    quarantined, the most common reasons (they usually say what to change, e.g. a --field)."""
    checks = "; ".join(
        f"{r.expectation}" + (f" ({r.threshold})" if r.threshold else "")
        # A row count of broken rows says nothing a user can act on; a metric value does.
        + (f" observed {r.observed}" if r.observed and "unexpected" not in r.observed else "")
        for r in gate.failed)
    message = f"{gate.stage} gate failed, nothing published: {checks}"
    if gate.stage == "ingest" and summary.quarantine_reasons:
        reasons = "; ".join(f"{Path(source).name}: {reason} ({plural(count, 'record')})"
                            for reason, count, source in summary.quarantine_reasons)
        message += (f". {summary.quarantined:,} of {plural(summary.records_seen, 'record')} "
                    f"quarantined, most often: {reasons}")
    return message


def _ingest_line(summary: RunSummary) -> str:
    dates = (f", {summary.first_date} … {summary.last_date}" if summary.first_date else "")
    replaced = f", {plural(summary.replaced, 'article')} replaced" if summary.replaced else ""
    return (f"{plural(summary.records_seen, 'record')} → "
            f"{plural(summary.articles_loaded, 'new article')}{dates}, "
            f"{plural(summary.duplicates, 'duplicate')}, "
            f"{plural(summary.near_duplicates, 'near-duplicate')}, "
            f"{summary.quarantined:,} quarantined"
            f"{replaced}; gate {summary.gates.get('ingest', '—')}")


def _warn(summary: RunSummary, replace: bool, progress: RunProgress) -> None:
    """Say loudly what the user should fix: articles with no date of their own (file times put
    them in the wrong weeks), and a --replace that found nothing it loaded before."""
    if summary.dated_by_file_time:
        progress.warn(
            f"{summary.dated_by_file_time:,} of the "
            f"{plural(summary.articles_loaded, 'new article')} had no date in their record "
            "or page and were dated by their file's modification time. For exports, name "
            "the date field with --field date=COLUMN and reload them with --replace.")
    if replace and not summary.replaced and summary.duplicates:
        progress.warn(
            "--replace found no articles loaded from these files before (it matches files by "
            f"their path: moved or renamed?); the {plural(summary.duplicates, 'record')} "
            "whose text is already loaded stay as they were.")


def run_pipeline(
    paths: list[str], db: Path, out: Path | None, week: date | None = None,
    options: ReadOptions | None = None, mapper: Mapper = local_map, *, replace: bool = False,
    progress: RunProgress | None = None, as_task: StageWrapper = plain,
) -> RunSummary:
    """The stages in order on one writer connection; raises RunFailed or NothingToRead.

    ``as_task`` wraps each stage function (flows.orchestration makes them Prefect tasks);
    ``progress`` prints a line per stage (silent by default).
    """
    progress = progress or RunProgress()
    run_id = new_run_id()
    summary = RunSummary(run_id=run_id, db=db)
    with Warehouse(db) as wh:
        wh.ensure_schema(countries_reference(), themes_reference())
        _start_run(wh, run_id, paths)
        try:
            if paths:
                with progress.stage("ingest") as line:
                    as_task(ingest)(wh, run_id, paths, summary, options, mapper, replace,
                                    progress)
                    line.detail = _ingest_line(summary)
                _warn(summary, replace, progress)
            with progress.stage("enrich") as line:
                done = as_task(enrich)(wh, run_id, summary, mapper, progress)
                line.detail = (
                    f"{plural(done['articles'], 'article')} → "
                    f"{plural(done['mentions'], 'country mention')}, "
                    f"{done['with_country']:,} with a country, {done['with_theme']:,} with a "
                    f"theme; gate {summary.gates.get('enrich', 'skipped (nothing new)')}")
            with progress.stage("marts") as line:
                rows = as_task(marts)(wh, run_id, summary)
                line.detail = (f"{rows['country_weekly']:,} country-weeks, "
                               f"{rows['country_pairs_weekly']:,} pair-weeks, "
                               f"{rows['theme_weekly']:,} theme-weeks; "
                               f"gate {summary.gates['marts']}")
        except GateFailed as exc:
            message = describe_failure(exc.gate, summary)
            _finish_run(wh, summary, "failed", message)
            raise RunFailed(message, summary) from None
        except NothingToRead as exc:
            _finish_run(wh, summary, "failed", str(exc))
            raise
        except BaseException as exc:
            _finish_run(wh, summary, "failed", f"{type(exc).__name__}: {exc}")
            raise
        _finish_run(wh, summary, "success", None)
        if out is not None:
            with progress.stage("report") as line:
                summary.report = as_task(report)(wh, out, week)
                line.detail = str(summary.report) if summary.report else "nothing to report"
    return summary
