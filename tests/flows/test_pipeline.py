"""--replace against the near-duplicate links: whatever is replaced, the warehouse ends as a
fresh load of the same files would be."""

from __future__ import annotations

import json
from pathlib import Path

from flows.pipeline import run_pipeline
from flows.warehouse import Warehouse
from flows.writer import index_of

STORY = ("Officials in Berlin said on Monday that exports to France rose sharply this year, "
         "while talks with Japan on a new trade agreement continued in Tokyo. Ministers met "
         "for a second day and said they hoped to finish the agreement before the summer, "
         "although farm groups in both countries asked for more time to study the text.")
EDITED = STORY.replace("a second day", "a third day").replace("summer", "autumn")
COPY = STORY.replace("Officials", "Government officials").replace("sharply", "strongly")
TABLES = {"articles": "doc_id, source, published_at, dup_of",
          "article_countries": "doc_id, country", "enriched_articles": "doc_id",
          "term_weekly": "week, term, articles", "country_weekly": "week, country, articles",
          "dedup.article_bands": "band, key, doc_id"}


def _feed(path: Path, text: str, date: str) -> str:
    path.write_text(json.dumps({"id": "1", "title": "Trade talks", "text": text,
                                "published": date}) + "\n")
    return str(path)


def _tables(db: Path) -> dict:
    with Warehouse(db, read_only=True) as wh:
        wh.con.execute(f"ATTACH '{index_of(db)}' AS dedup (READ_ONLY)")
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


def test_a_run_failing_after_chunks_were_written_publishes_only_its_record(tmp_path,
                                                                         monkeypatch):
    """Chunks go to the run's working copy as they pass their row checks; when a run-level
    check fails later (most records unreadable), none of them is published, but the failed
    run, its checks and its quarantined records are."""
    from flows.pipeline import RunFailed
    from flows.stages import ingest

    db = tmp_path / "w.duckdb"
    run_pipeline([_feed(tmp_path / "first.jsonl", STORY, "2024-03-04")], db, None)
    with Warehouse(db, read_only=True) as wh:
        before = {t: wh.checksum(t) for t in ("articles", "country_mentions", "country_weekly",
                                              "term_weekly")}
    monkeypatch.setattr(ingest, "INGEST_CHUNK", 4)
    monkeypatch.setattr(ingest, "INGEST_BATCH", 2)
    chunks = []
    load_chunk = ingest._load_chunk
    monkeypatch.setattr(ingest, "_load_chunk", lambda *a: (chunks.append(1), load_chunk(*a)))
    feed = tmp_path / "mixed.jsonl"
    good = [{"id": str(i), "title": f"Talks {i}", "published": "2024-03-11",
             "text": STORY.replace("Monday", f"day {i}") + f" Round {i} ended."}
            for i in range(4)]
    feed.write_text("".join(json.dumps(r) + "\n" for r in good) + "{broken\n" * 12)
    try:
        run_pipeline([str(feed)], db, None)
        raise AssertionError("the run should have failed")
    except RunFailed as exc:
        assert "quarantine_rate" in str(exc)
    assert len(chunks) == 4  # the first, with the good records, was written before the end
    with Warehouse(db, read_only=True) as wh:
        assert {t: wh.checksum(t) for t in before} == before
        runs = wh.frame("SELECT run_id, status FROM runs ORDER BY started_at")
        assert runs["status"].to_list() == ["success", "failed"]
        failed = runs["run_id"][1]
        assert wh.scalar("SELECT count(*) FROM quarantine WHERE run_id = ?", [failed]) == 12
        # One result per expectation, the chunks' rows summed.
        assert wh.scalar("SELECT count(*) - count(DISTINCT (suite, expectation, threshold)) "
                         "FROM quality_results WHERE run_id = ?", [failed]) == 0
        assert not wh.scalar("SELECT bool_and(success) FROM quality_results WHERE run_id = ?",
                             [failed])


def test_replacing_a_file_over_several_chunks_keeps_its_copies_linked(tmp_path, monkeypatch):
    """The story and its copy chunks apart in one file: after --replace (same texts), the copy
    still points at the story, as in a fresh load."""
    from flows.stages import ingest

    monkeypatch.setattr(ingest, "INGEST_CHUNK", 2)
    monkeypatch.setattr(ingest, "INGEST_BATCH", 1)
    others = [
        "The central bank kept its main rate unchanged on Thursday and said inflation in the "
        "euro zone was easing faster than expected, although wages were still rising quickly.",
        "Heavy rain flooded roads across the north of the country overnight, cutting power to "
        "thousands of homes and forcing schools to close while rescue teams searched villages.",
        "The club signed a young striker from Brazil for a record fee, and its coach said the "
        "player would join training next week after a medical examination in the capital.",
        "Researchers published a study showing that a new battery design lasts twice as long in "
        "cold weather, which could make electric cars more practical in northern regions.",
    ]
    stories = [STORY, *others, COPY]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps({"id": str(i), "title": f"Trade talks {i}", "text": text,
                                        "published": "2024-03-04"}) + "\n"
                            for i, text in enumerate(stories)))
    db, fresh = tmp_path / "w.duckdb", tmp_path / "fresh.duckdb"
    assert run_pipeline([str(feed)], db, None).near_duplicates == 1
    again = run_pipeline([str(feed)], db, None, replace=True)
    assert again.replaced == len(stories) and again.near_duplicates == 1
    run_pipeline([str(feed)], fresh, None)
    assert _tables(db) == _tables(fresh)


def test_pages_saved_one_per_file_are_extracted_in_batches_across_files(tmp_path, monkeypatch):
    """The text-dump extractor learns a site's template lines from the pages of a batch: a
    folder of page files makes full batches, not one batch per file."""
    from flows.sample import write_sample
    from flows.stages import ingest

    write_sample(tmp_path / "pages", articles=40, seed=3)
    monkeypatch.setattr(ingest, "INGEST_BATCH", 16)
    heights = []

    def spying(function, items):
        for item in items:
            if function is ingest._articles_of:
                heights.append(item[0].height)
            yield function(item)

    summary = run_pipeline([str(tmp_path / "pages")], tmp_path / "w.duckdb", None,
                           mapper=spying)
    assert summary.records_seen == sum(heights) > 40
    assert all(height == 16 for height in heights[:-1]) and 0 < heights[-1] <= 16
