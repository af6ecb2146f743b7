"""Enrich a chunk at a time: the published tables and the recorded gate are those of one
whole-run batch, whatever the chunk size; a chunk that fails its gate stops the run."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from expectations.gate import GateFailed, load_suite
from flows import long_lived
from flows.batches import rows_within, spans
from flows.pipeline import start_run
from flows.sample import write_sample
from flows.stages import enrich as enrich_stage
from flows.stages.common import RunSummary, local_map
from flows.stages.ingest import ingest
from flows.warehouse import Warehouse
from transforms.gazetteer import countries_reference
from transforms.themes import themes_reference

RUN = "20240101T000000Z-test"
TABLES = ("country_mentions", "article_countries", "article_themes", "term_weekly",
          "enriched_articles")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    write_sample(folder, articles=40, seed=3)
    return folder


def _ingested(db: Path, corpus: Path) -> tuple[Warehouse, RunSummary]:
    wh = Warehouse(db)
    wh.ensure_schema(countries_reference(), themes_reference())
    start_run(wh, RUN, [str(corpus)])
    summary = RunSummary(run_id=RUN, db=db)
    ingest(wh, RUN, [str(corpus)], summary)
    return wh, summary


def _enriched(db: Path, corpus: Path, chunk: int, monkeypatch, mapper=local_map):
    monkeypatch.setattr(enrich_stage, "ENRICH_CHUNK", chunk)
    wh, summary = _ingested(db, corpus)
    counts = enrich_stage.enrich(wh, RUN, summary, mapper)
    return wh, summary, counts


def test_small_chunks_publish_what_one_chunk_does(corpus, tmp_path, monkeypatch):
    calls: list[int] = []
    publish_chunk = enrich_stage._publish_chunk

    def counting(*args):
        calls.append(1)
        return publish_chunk(*args)

    whole, whole_summary, whole_counts = _enriched(tmp_path / "whole.duckdb", corpus,
                                                   100_000, monkeypatch)
    monkeypatch.setattr(enrich_stage, "_publish_chunk", counting)
    merged = []
    add_run_terms = enrich_stage.add_term_counts
    monkeypatch.setattr(enrich_stage, "TERM_MERGE_ROWS", 40)  # term counts merged in parts
    monkeypatch.setattr(enrich_stage, "add_term_counts",
                        lambda *args: (merged.append(1), add_run_terms(*args)))
    chunked, chunked_summary, chunked_counts = _enriched(tmp_path / "chunked.duckdb", corpus,
                                                         7, monkeypatch)
    try:
        articles = whole_counts["articles"]
        assert articles > 14 and whole.checksum("articles")[0] == articles
        assert len(calls) == -(-articles // 7)  # one transaction per chunk
        assert len(merged) > 1
        assert chunked_counts == whole_counts
        assert chunked_counts["mentions"] > 0
        for table in TABLES:
            assert chunked.checksum(table) == whole.checksum(table), table
        assert chunked_summary.gates == whole_summary.gates
        # What enrich staged is gone (ingest leaves the run's sources for the pipeline).
        assert chunked.frame("SELECT table_name FROM information_schema.tables "
                             "WHERE table_schema = 'staging'")["table_name"].to_list() == [
            "run_sources"]

        # One combined row per expectation of the suite, not one per chunk.
        expected = sum(len(specs) for specs in load_suite("enrich")["batches"].values())
        for wh in (whole, chunked):
            rows = wh.frame("SELECT suite, expectation, success, severity FROM quality_results "
                            "WHERE stage = 'enrich' ORDER BY ALL")
            assert rows.height == expected
            assert rows.select("suite", "expectation").n_unique() == expected
        assert chunked.frame(
            "SELECT suite, expectation, success, severity, observed FROM quality_results "
            "WHERE stage = 'enrich' ORDER BY ALL"
        ).equals(whole.frame(
            "SELECT suite, expectation, success, severity, observed FROM quality_results "
            "WHERE stage = 'enrich' ORDER BY ALL"))
    finally:
        whole.close()
        chunked.close()


def test_a_chunk_that_fails_its_gate_stops_the_run(corpus, tmp_path, monkeypatch):
    real = enrich_stage.article_countries
    calls: list[int] = []

    def duplicated_in_the_second_chunk(mentions, docs):
        calls.append(docs.height)
        rows = real(mentions, docs)
        return pl.concat([rows, rows]) if len(calls) == 2 else rows  # duplicate keys

    monkeypatch.setattr(enrich_stage, "article_countries", duplicated_in_the_second_chunk)
    monkeypatch.setattr(enrich_stage, "ENRICH_CHUNK", 7)
    wh, summary = _ingested(tmp_path / "w.duckdb", corpus)
    try:
        with pytest.raises(GateFailed) as failed:
            enrich_stage.enrich(wh, RUN, summary)
        assert len(calls) == 2  # nothing after the failing chunk was computed
        assert [r.expectation for r in failed.value.gate.failed] == [
            "expect_compound_columns_to_be_unique(doc_id,country)"]
        assert summary.gates["enrich"] == "fail"
        # The parts so far, combined: one row per row-level expectation, no coverage yet.
        rows = wh.frame("SELECT suite, expectation FROM quality_results WHERE stage = 'enrich'")
        batches = load_suite("enrich")["batches"]
        assert rows.height == rows.unique().height == sum(
            len(specs) for name, specs in batches.items() if name != "coverage")
        assert wh.scalar("SELECT count(*) FROM enriched_articles") == 7  # the first chunk
    finally:
        wh.close()


def test_batches_are_bounded_by_the_bytes_of_their_text(corpus, tmp_path, monkeypatch):
    # Batches of at most ENRICH_BATCH articles, or fewer where their text reaches BATCH_BYTES
    # (before, 2,000 articles a batch whatever their size); what is published is the same.
    whole, _, whole_counts = _enriched(tmp_path / "whole.duckdb", corpus, 100_000, monkeypatch)
    seen: list[tuple[int, int]] = []

    def measuring(function, batches):
        for docs in batches:
            text = docs["title"].str.len_bytes().sum() + docs["body"].str.len_bytes().sum()
            seen.append((docs.height, text, docs["body"].str.len_bytes().max()))
            yield function(docs)

    limit = 4_000
    monkeypatch.setattr(enrich_stage, "BATCH_BYTES", limit)
    cut, _, cut_counts = _enriched(tmp_path / "cut.duckdb", corpus, 100_000, monkeypatch,
                                   mapper=measuring)
    try:
        assert len(seen) > 3 and sum(n for n, _, _ in seen) == whole_counts["articles"]
        assert all(text < limit + largest + 200 for _, text, largest in seen)  # + one title
        assert cut_counts == whole_counts
        for table in TABLES:
            assert cut.checksum(table) == whole.checksum(table), table
    finally:
        whole.close()
        cut.close()


def test_the_batch_rule_cuts_by_rows_and_by_bytes():
    sizes = pl.Series([1, 1, 10, 1, 1, 1, 30, 1])
    assert spans(sizes, max_rows=3, max_bytes=12) == [(0, 3), (3, 3), (6, 1), (7, 1)]
    assert spans(sizes, max_rows=100, max_bytes=5) == [(0, 3), (3, 4), (7, 1)]
    assert spans(pl.Series([], dtype=pl.Int64), 10, 5) == []
    assert rows_within(pl.Series([100]), 10, 5) == 1  # one row at least, however large


def test_first_batch_freezes_the_long_lived_objects_once(monkeypatch):
    import gc

    # Counts calls rather than gc.get_freeze_count(): frozen objects freed by reference counting
    # leave the permanent generation, so the count can fall between batches.
    freezes = []
    real_freeze = gc.freeze
    monkeypatch.setattr(long_lived, "_frozen", False)
    monkeypatch.setattr(gc, "freeze", lambda: (freezes.append(1), real_freeze()))
    docs = pl.DataFrame({"doc_id": ["a"], "title": ["Paris talks"], "body": ["France said."],
                         "week": ["2024-01-01"], "dup_of": [None]},
                        schema_overrides={"dup_of": pl.Utf8})
    try:
        enrich_stage.enrich_batch(docs)
        assert len(freezes) == 1 and gc.get_freeze_count() > 0
        enrich_stage.enrich_batch(docs)
        assert len(freezes) == 1  # not again: later batches' objects stay in reach
    finally:
        gc.unfreeze()
