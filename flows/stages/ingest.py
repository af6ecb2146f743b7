"""Ingest: read every record, find its article, stage, gate, publish the new unique articles
(and, with replace, what the files hold now in place of what earlier runs loaded from them)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl

from expectations.gate import run_gate
from flows.check import gate_params
from flows.dedup import link_near_duplicates
from flows.progress import RunProgress
from flows.sources import RAW_FIELDS, ReadOptions, discover, read_records
from flows.stages.common import (
    BATCHES_IN_FLIGHT,
    ENRICH_BATCH,
    INGEST_BATCH,
    Mapper,
    NothingToRead,
    RunSummary,
    articles_by_id,
    local_map,
    quarantine_bad_rows,
    recent_median,
    record_gate,
)
from flows.warehouse import Warehouse
from transforms import trends
from transforms.articles import build_articles

RAW_SCHEMA = {name: pl.Utf8 for name in RAW_FIELDS} | {"file_mtime": pl.Datetime("us", "UTC")}


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
    record_gate(wh, run_id, gate, summary)
    rejected = quarantine_bad_rows(wh, run_id, gate, {"articles": articles_batch})
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
        parts.append(trends.docs_term_weekly(
            articles_by_id(wh, ids.slice(start, ENRICH_BATCH).to_list())))
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


def _duplicate_rate_rise(wh: Warehouse, summary: RunSummary) -> float:
    """This run's share of duplicate records (exact and near) minus the recent runs' median."""
    near = wh.scalar("SELECT count(*) FROM staging.new_articles WHERE dup_of IS NOT NULL")
    rate = (summary.duplicates + near) / max(summary.records_seen, 1)
    usual = recent_median(
        wh, "SELECT (r.duplicates + count(a.dup_of)) / r.records_seen AS v FROM runs r "
        "LEFT JOIN articles a ON a.run_id = r.run_id WHERE r.status = 'success' "
        "AND r.records_seen > 0 GROUP BY r.run_id, r.duplicates, r.records_seen, r.started_at "
        "ORDER BY r.started_at DESC LIMIT ?",
    )
    return 0.0 if usual is None else rate - usual
