from datetime import UTC, datetime

import polars as pl

from flows.pipeline import RAW_SCHEMA
from transforms.articles import build_articles, doc_id_of

NOW = datetime(2026, 11, 28, tzinfo=UTC)
BODY = "The finance ministry said on Monday that exports rose sharply in the third quarter. " * 3


def raw(**overrides) -> dict:
    return {name: None for name in RAW_SCHEMA} | {
        "source": "/dumps/site/a.jsonl", "record_key": "a.jsonl:1", "kind": "article",
        "text": BODY, "file_mtime": datetime(2024, 1, 2, tzinfo=UTC),
    } | overrides


def build(*records):
    return build_articles(pl.DataFrame(list(records), schema=RAW_SCHEMA), NOW)


def test_doc_id_ignores_case_and_whitespace():
    assert doc_id_of("Hello  World\n") == doc_id_of("hello world")


def test_record_date_wins_over_file_time():
    articles, quarantined = build(raw(date_raw="2023-05-01T10:00:00Z"))
    row = articles.row(0, named=True)
    assert row["date_source"] == "record" and row["published_at"].year == 2023
    assert row["lang"] == "en" and row["n_words"] > 20 and quarantined.is_empty()


def test_url_date_then_file_time():
    articles, _ = build(raw(url="https://news.example/2021/03/04/story"), raw(record_key="k2"))
    assert articles["date_source"].to_list() == ["url", "file_mtime"]
    assert articles["site"].to_list() == ["news.example", "site"]


def test_bad_records_are_quarantined_with_reasons():
    articles, quarantined = build(
        raw(text="too short"),
        raw(record_key="k2", date_raw="2999-01-01"),
        raw(record_key="k3", date_raw="yesterday-ish"),
        raw(record_key="k4", error="malformed JSON: oops"),
    )
    assert articles.is_empty()
    reasons = quarantined["reason"].to_list()
    assert reasons[0] == "malformed JSON: oops"
    assert any("too short" in r for r in reasons)
    assert any("implausible date" in r for r in reasons)
    assert any("unparseable date" in r for r in reasons)
