"""Enrich: country mentions, article × country roll-up, themes and term counts of every
article not yet enriched, gated, then published in one transaction."""

from __future__ import annotations

import polars as pl

from expectations.gate import run_gate
from flows.check import gate_params, mentions_batch
from flows.progress import RunProgress
from flows.stages.common import (
    BATCHES_IN_FLIGHT,
    ENRICH_BATCH,
    Mapper,
    RunSummary,
    articles_by_id,
    local_map,
    quarantine_bad_rows,
    recent_median,
    record_gate,
)
from flows.warehouse import Warehouse
from transforms import trends
from transforms.countries import article_countries, find_mentions
from transforms.themes import tag_themes


def enrich_batch(docs: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """Mentions, article × country roll-up, themes and term counts of one batch (pure)."""
    mentions = find_mentions(docs)
    unique = docs.filter(pl.col("dup_of").is_null())
    return {
        "country_mentions": mentions,
        "article_countries": article_countries(mentions, docs),
        "article_themes": tag_themes(docs),
        "terms": trends.docs_term_weekly(unique),
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
            batches = [articles_by_id(wh, window.slice(start, ENRICH_BATCH).to_list())
                       for start in range(0, len(window), ENRICH_BATCH)]
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
    usual = recent_median(
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
    record_gate(wh, run_id, gate, summary)
    quarantine_bad_rows(wh, run_id, gate, staged)
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
