"""What a run published, as fingerprints two runs can be compared by."""

from __future__ import annotations

from pathlib import Path

from flows.warehouse import Warehouse
from flows.writer import index_of

PUBLISHED = ("articles", "country_mentions", "article_countries", "article_themes",
             "country_weekly", "country_pairs_weekly", "theme_weekly", "theme_country_weekly",
             "term_weekly", "emerging_terms", "dedup.article_signatures",
             "dedup.article_bands", "quarantine", "enriched_articles")


def fingerprints(db: Path) -> dict[str, tuple[int, int]]:
    """Row count and order-independent hash of each table, run ids left out."""
    with Warehouse(db, read_only=True) as wh:
        wh.con.execute(f"ATTACH '{index_of(db)}' AS dedup (READ_ONLY)")
        out = {}
        for table in PUBLISHED:
            columns = wh.frame(f"SELECT * FROM {table} LIMIT 0").columns
            kept = ", ".join(f'"{c}"' for c in columns if c != "run_id")
            out[table] = tuple(wh.con.execute(
                f"SELECT count(*), coalesce(sum(hash(({kept}))), 0) FROM {table}").fetchall()[0])
        return out
