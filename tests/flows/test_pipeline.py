"""--replace against the near-duplicate links: whatever is replaced, the warehouse ends as a
fresh load of the same files would be."""

from __future__ import annotations

import json
from pathlib import Path

from flows.pipeline import run_pipeline
from flows.warehouse import Warehouse

STORY = ("Officials in Berlin said on Monday that exports to France rose sharply this year, "
         "while talks with Japan on a new trade agreement continued in Tokyo. Ministers met "
         "for a second day and said they hoped to finish the agreement before the summer, "
         "although farm groups in both countries asked for more time to study the text.")
EDITED = STORY.replace("a second day", "a third day").replace("summer", "autumn")
COPY = STORY.replace("Officials", "Government officials").replace("sharply", "strongly")
TABLES = {"articles": "doc_id, source, published_at, dup_of",
          "article_countries": "doc_id, country", "enriched_articles": "doc_id",
          "term_weekly": "week, term, articles", "country_weekly": "week, country, articles",
          "article_bands": "band, key, doc_id"}


def _feed(path: Path, text: str, date: str) -> str:
    path.write_text(json.dumps({"id": "1", "title": "Trade talks", "text": text,
                                "published": date}) + "\n")
    return str(path)


def _tables(db: Path) -> dict:
    with Warehouse(db, read_only=True) as wh:
        return {t: wh.frame(f"SELECT {c} FROM {t} ORDER BY ALL").rows()
                for t, c in TABLES.items()}


def test_replacing_a_story_with_copies_matches_a_fresh_load(tmp_path):
    first, copy = tmp_path / "first.jsonl", tmp_path / "copy.jsonl"
    db = tmp_path / "w.duckdb"
    run_pipeline([_feed(first, STORY, "2024-03-04")], db, None)
    run_pipeline([_feed(copy, COPY, "2024-03-05")], db, None)
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM stories") == 1  # the copy is linked

    # Same text, corrected date: the copy keeps its link.
    run_pipeline([_feed(first, STORY, "2024-02-05")], db, None, replace=True)
    fresh = tmp_path / "fresh.duckdb"
    run_pipeline([str(first)], fresh, None)
    run_pipeline([str(copy)], fresh, None)
    assert _tables(db) == _tables(fresh)

    # An edited text: the copy follows the article that replaced its story.
    summary = run_pipeline([_feed(first, EDITED, "2024-02-05")], db, None, replace=True)
    assert summary.replaced == 1
    fresh_edited = tmp_path / "fresh-edited.duckdb"
    run_pipeline([str(first)], fresh_edited, None)
    run_pipeline([str(copy)], fresh_edited, None)
    assert _tables(db) == _tables(fresh_edited)

    # Replacing the copy itself takes away exactly what it added.
    run_pipeline([str(copy)], db, None, replace=True)
    assert _tables(db) == _tables(fresh_edited)
