"""Enrich: country mentions, article × country roll-up, themes and term counts of every
article not yet enriched, a chunk at a time: each chunk is computed, checked row by row and
written to the run's working copy in its own transaction, so neither memory nor a transaction
grows with the run.
The run's coverage is checked at the end, and one combined gate result is recorded."""

from __future__ import annotations

import polars as pl

from expectations.gate import GateResult, combined, run_gate
from flows.batches import BATCH_BYTES, CHUNK_BYTES, spans
from flows.check import gate_params, mentions_batch
from flows.long_lived import freeze_long_lived
from flows.progress import RunProgress
from flows.stages.common import (
    BATCHES_IN_FLIGHT,
    ENRICH_BATCH,
    Mapper,
    RunSummary,
    add_term_counts,
    check_chunk,
    local_map,
    quarantine_bad_rows,
    recent_median,
    record_gate,
)
from flows.warehouse import Warehouse, articles_at, with_text_bytes
from transforms import trends
from transforms.countries import article_countries, find_mentions
from transforms.themes import tag_themes

# Articles checked and written together, so the gate's frames and the publishing transaction
# stay small (one transaction for 200,000 articles ran out of memory); fewer where their text
# reaches CHUNK_BYTES (their mentions grow with it). A batch holds ENRICH_BATCH articles, or
# fewer where their text reaches BATCH_BYTES (flows.batches): 40 bodies of 9 MB read at once
# ran DuckDB out of its memory.
ENRICH_CHUNK = ENRICH_BATCH * BATCHES_IN_FLIGHT * 2
PUBLISHED = ("country_mentions", "article_countries", "article_themes")
# Staged for a chunk beside what it publishes: the lengths of its articles' fields, for the
# checks of the mentions' offsets (measured here: reading them back from the articles table
# would read its texts again, a whole vector of them at once).
CHUNK_STAGED = (*PUBLISHED, "field_lengths")
RUN_STAGED = ("run_terms", "merged_weeks")


def enrich_batch(docs: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Mentions, article × country roll-up, themes and term counts of one batch, and the
    lengths of its fields (pure but for freezing what the process's first batch cached:
    flows.long_lived)."""
    mentions = find_mentions(docs)
    unique = docs.filter(pl.col("dup_of").is_null())
    result = {
        "field_lengths": docs.select(
            "doc_id", title_length=pl.col("title").fill_null("").str.len_chars(),
            body_length=pl.col("body").str.len_chars()),
        "country_mentions": mentions,
        "article_countries": article_countries(mentions, docs),
        "article_themes": tag_themes(docs),
        "terms": trends.docs_term_weekly(unique),
    }
    freeze_long_lived()
    return result


def enrich(wh: Warehouse, run_id: str, summary: RunSummary, mapper: Mapper = local_map,
           progress: RunProgress | None = None) -> dict[str, int]:
    """Country mentions, article × country roll-up and themes for every article not enriched;
    the batches go through ``mapper`` (here, or on a Dask cluster), the writes stay here.
    Returns what it wrote: articles, mentions, and articles with a country / a theme
    (counted before rows are quarantined)."""
    progress = progress or RunProgress()
    # In storage order: each batch then reads only the row groups it is in.
    pending = with_text_bytes(wh, wh.frame(
        "SELECT rowid, doc_id FROM articles WHERE doc_id NOT IN "
        "(SELECT doc_id FROM enriched_articles) ORDER BY rowid"))
    wh.drop_staged(*CHUNK_STAGED, *RUN_STAGED)
    counts = {"articles": len(pending), "mentions": 0, "with_country": 0, "with_theme": 0}
    if len(pending) == 0:
        return counts
    params = gate_params(wh)
    # Before any chunk is written; this run is not a successful one yet either way.
    usual = recent_median(
        wh, "SELECT r.run_id, count(m.doc_id) / count(DISTINCT a.doc_id) AS v FROM runs r "
        "JOIN articles a ON a.run_id = r.run_id LEFT JOIN country_mentions m "
        "ON m.doc_id = a.doc_id WHERE r.status = 'success' GROUP BY r.run_id, r.started_at "
        "ORDER BY r.started_at DESC LIMIT ?",
    )
    parts: list[GateResult] = []
    # Batches never straddle chunks; the batches of every chunk go through the mapper in one
    # stream, read as it asks for them, so workers go on while a chunk is checked and written.
    batch_rows = min(ENRICH_BATCH, ENRICH_CHUNK)
    batches = spans(pending["size"], batch_rows, BATCH_BYTES)
    sizes = pl.Series([pending["size"].slice(start, length).sum() for start, length in batches])
    # The last batch of each chunk, and the chunk's first article.
    chunk_ends: dict[int, int] = {}
    for first, n in spans(sizes, max(1, ENRICH_CHUNK // batch_rows), CHUNK_BYTES):
        chunk_ends[first + n - 1] = batches[first][0]
    frames = (articles_at(wh, pending["rowid"].slice(start, length).to_list())
              for start, length in batches)
    try:
        with progress.counter("enriching", total=len(pending), unit="articles") as advance:
            terms: list[pl.DataFrame] = []
            for index, result in enumerate(mapper(enrich_batch, frames)):
                _stage_batch(wh, result, counts, terms)
                start, length = batches[index]
                advance(length)
                if index not in chunk_ends:
                    continue
                # Summed over the chunk first (its batches share most of their weeks' terms),
                # kept for term_weekly until the last chunk (_add_run_terms).
                wh.append_staged("run_terms", pl.concat(terms).group_by("week", "term")
                                 .agg(pl.col("articles").sum()))
                terms = []
                first = chunk_ends[index]
                _check_and_publish_chunk(
                    wh, run_id, pending["doc_id"].slice(first, start + length - first),
                    params, parts, summary)
        _add_run_terms(wh)
        per_article = counts["mentions"] / len(pending)
        coverage = pl.DataFrame(
            {"share_with_country": [counts["with_country"] / len(pending)],
             "share_with_theme": [counts["with_theme"] / len(pending)],
             "mentions_per_article_change": [abs(per_article - usual) / usual if usual
                                             else 0.0]}
        ).to_pandas()
        parts.append(run_gate("enrich", {"coverage": coverage}, params, partial=True))
        # One result per expectation for the whole run, as if it had been one batch.
        record_gate(wh, run_id, combined("enrich", parts), summary)
    finally:
        wh.drop_staged(*CHUNK_STAGED, *RUN_STAGED)
    return counts


def _stage_batch(wh: Warehouse, result: dict[str, pl.DataFrame], counts: dict[str, int],
                 terms: list[pl.DataFrame]) -> None:
    """One enriched batch into the chunk's staging tables (its terms kept aside) and counts."""
    for name, frame in result.items():
        if name != "terms":
            wh.append_staged(name, frame)
    terms.append(result["terms"])
    counts["mentions"] += result["country_mentions"].height
    # A chunk holds whole articles: per-batch distinct counts add up.
    counts["with_country"] += result["article_countries"]["doc_id"].n_unique()
    counts["with_theme"] += result["article_themes"]["doc_id"].n_unique()


def _check_and_publish_chunk(wh: Warehouse, run_id: str, doc_ids: pl.Series, params: dict,
                             parts: list[GateResult], summary: RunSummary) -> None:
    """The staged chunk through the gate's row-level checks, then written."""
    staged = {
        "country_mentions": mentions_batch(wh, "staging.country_mentions",
                                           "staging.field_lengths"),
        **{name: wh.frame(f"SELECT * FROM staging.{name}").to_pandas()
           for name in ("article_countries", "article_themes")},
    }
    gate = run_gate("enrich", staged, params, partial=True)
    check_chunk(wh, run_id, gate, parts, summary)
    quarantine_bad_rows(wh, run_id, gate, staged)
    del staged
    _publish_chunk(wh, run_id, doc_ids)


def _publish_chunk(wh: Warehouse, run_id: str, doc_ids: pl.Series) -> None:
    """The chunk's staged rows and its enriched_articles rows, in one transaction of the
    chunk's size (its term counts wait in staging.run_terms for the end of the stage)."""
    with wh.transaction() as con:
        for name in PUBLISHED:
            con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM staging.{name}")
        con.execute(
            "INSERT INTO enriched_articles SELECT unnest(?::VARCHAR[]), ?",
            [doc_ids.to_list(), run_id],
        )
    wh.drop_staged(*CHUNK_STAGED)  # the next chunk stages afresh


# Term counts merged into term_weekly per MERGE at most: each MERGE reads all of term_weekly
# (13.7 million rows at a million articles), so a run merges a few times, not once a chunk.
TERM_MERGE_ROWS = 5_000_000


def _add_run_terms(wh: Warehouse) -> None:
    """The run's term counts (staging.run_terms) into term_weekly, weeks at a time."""
    if not wh.has_staged("run_terms"):
        return
    groups: list[list] = [[]]
    rows = 0
    for week, n in wh.con.execute("SELECT week, count(*) FROM staging.run_terms GROUP BY week "
                                  "ORDER BY week").fetchall():
        if rows >= TERM_MERGE_ROWS:
            groups.append([])
            rows = 0
        groups[-1].append(week)
        rows += n
    for weeks in groups:
        wh.stage("merged_weeks", pl.DataFrame({"week": weeks}, schema={"week": pl.Date}))
        with wh.transaction():
            add_term_counts(wh, "SELECT * FROM staging.run_terms WHERE week IN "
                                "(SELECT week FROM staging.merged_weeks)")
    wh.drop_staged(*RUN_STAGED)
