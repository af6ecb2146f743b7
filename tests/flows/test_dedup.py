"""The writer's near-duplicate index: beside the working copy, never published, and always in
line with the published articles (after a failed run, a lost writer folder, an old version)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from flows.pipeline import RunFailed, run_pipeline
from flows.warehouse import Warehouse
from flows.writer import index_of, writer_folder

STORY = ("Officials in Berlin said on Monday that exports to France rose sharply this year, "
         "while talks with Japan on a new trade agreement continued in Tokyo. Ministers met "
         "for a second day and said they hoped to finish the agreement before the summer, "
         "although farm groups in both countries asked for more time to study the text.")


def _feed(path: Path, stories: list[str], date: str = "2024-03-04", broken: int = 0) -> str:
    path.write_text("".join(json.dumps({"id": str(i), "title": f"Talks {i}", "text": text,
                                        "published": date}) + "\n"
                            for i, text in enumerate(stories)) + "{broken\n" * broken)
    return str(path)


def _story(i: int) -> str:
    return STORY.replace("Monday", f"day {i} of the month") + f" Round {i} ended without a deal."


def _index(db: Path) -> set[str]:
    with Warehouse(index_of(db), read_only=True) as index:
        signed = set(index.frame("SELECT doc_id FROM article_signatures")["doc_id"])
        banded = set(index.frame("SELECT DISTINCT doc_id FROM article_bands")["doc_id"])
    assert signed == banded
    return signed


def _articles(db: Path) -> set[str]:
    with Warehouse(db, read_only=True) as wh:
        tables = wh.frame("SHOW TABLES")["name"].to_list()
        assert "article_signatures" not in tables and "article_bands" not in tables
        return set(wh.frame("SELECT doc_id FROM articles")["doc_id"])


def test_the_index_follows_the_published_articles(tmp_path):
    db = tmp_path / "w.duckdb"
    run_pipeline([_feed(tmp_path / "a.jsonl", [_story(i) for i in range(3)])], db, None)
    assert _index(db) == _articles(db) and len(_articles(db)) == 3
    # A failed run (most records broken) wrote its good article to the index, then was
    # thrown away: the index is repaired with the working copy.
    with pytest.raises(RunFailed):
        run_pipeline([_feed(tmp_path / "b.jsonl", [_story(9)], broken=5)], db, None)
    run_pipeline([_feed(tmp_path / "c.jsonl", [_story(4)])], db, None)
    assert _index(db) == _articles(db) and len(_articles(db)) == 4


def test_a_lost_writer_folder_is_rebuilt_and_copies_are_still_found(tmp_path):
    db = tmp_path / "w.duckdb"
    run_pipeline([_feed(tmp_path / "a.jsonl", [_story(i) for i in range(3)])], db, None)
    shutil.rmtree(writer_folder(db))
    copy = _story(1).replace("Officials", "Government officials").replace("sharply", "strongly")
    summary = run_pipeline([_feed(tmp_path / "copy.jsonl", [copy], date="2024-03-05")], db,
                           None)
    assert summary.near_duplicates == 1  # found against signatures computed again
    assert _index(db) == _articles(db)


def test_an_index_kept_in_the_warehouse_by_an_earlier_version_moves_out(tmp_path):
    db = tmp_path / "w.duckdb"
    run_pipeline([_feed(tmp_path / "a.jsonl", [_story(i) for i in range(2)])], db, None)
    with Warehouse(index_of(db), read_only=True) as index:
        signatures = index.frame("SELECT * FROM article_signatures ORDER BY doc_id")
        bands = index.frame("SELECT * FROM article_bands ORDER BY ALL")
    shutil.rmtree(writer_folder(db))
    with Warehouse(db) as old:  # as an earlier version left it: the index inside
        old.con.execute("CREATE TABLE article_signatures (doc_id VARCHAR PRIMARY KEY, "
                        "minhash UBIGINT[] NOT NULL, shingles INTEGER NOT NULL)")
        old.con.execute("CREATE TABLE article_bands (band SMALLINT NOT NULL, key UBIGINT "
                        "NOT NULL, doc_id VARCHAR NOT NULL)")
        old.insert("article_signatures", signatures)
        old.insert("article_bands", bands)
    run_pipeline([_feed(tmp_path / "b.jsonl", [_story(5)])], db, None)
    assert _index(db) == _articles(db) and len(_articles(db)) == 3
    with Warehouse(index_of(db), read_only=True) as index:
        assert index.frame("SELECT * FROM article_bands WHERE doc_id IN "
                           "(SELECT unnest(?::VARCHAR[])) ORDER BY ALL",
                           [signatures["doc_id"].to_list()]).equals(bands)
