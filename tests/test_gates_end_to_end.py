"""Stage gates on the real flow: poisoned transforms, row-level quarantine, unchanged tables."""

from __future__ import annotations

import polars as pl
import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.stages import enrich as enrich_stage
from flows.warehouse import ANALYTIC_TABLES, Warehouse

pytestmark = pytest.mark.slow
runner = CliRunner()
BODY = ("Officials in Berlin said on Monday that exports to France rose sharply this year, "
        "while talks with Japan on a new trade agreement continued in Tokyo.")


@pytest.fixture
def dump(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [f'{{"id": "{i}", "title": "Trade news {i}", "text": "{BODY} Story {i}.", '
             f'"published": "2024-03-0{1 + i % 5}"}}' for i in range(12)]
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n")
    return folder


def test_rows_a_poisoned_transform_emits_are_quarantined_and_the_rest_published(
    prefect_harness, dump, tmp_path, monkeypatch
):
    real = enrich_stage.find_mentions
    zz_docs: set[str] = set()

    def poisoned(docs):
        good = real(docs)
        bad = good.head(2).with_columns(country=pl.lit("ZZ"))  # not a country
        zz_docs.update(bad["doc_id"].to_list())
        # A mention pointing past the end of its text.
        far = good.head(1).with_columns(start=pl.lit(10_000, pl.Int64),
                                        end=pl.lit(10_005, pl.Int64))
        return pl.concat([good, bad, far])

    monkeypatch.setattr(enrich_stage, "find_mentions", poisoned)
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["ingest", str(dump), "--db", str(db)])
    assert result.exit_code == 0, result.output
    with Warehouse(db, read_only=True) as wh:
        reasons = wh.frame("SELECT reason FROM quarantine")["reason"].to_list()
        # Exactly the bad rows: two mentions of no country and the article × country rows
        # they rolled up into, and one mention pointing past the end of its text.
        assert sorted(reasons) == sorted(
            ["enrich: expect_column_values_to_be_in_set(country) failed (country_mentions row)"] * 2
            + ["enrich: expect_column_values_to_be_in_set(country) failed "
               "(article_countries row)"] * len(zz_docs)
            + ["enrich: expect_column_pair_values_a_to_be_greater_than_b(field_length,end) "
               "failed (country_mentions row)"]
        )
        assert wh.scalar("SELECT count(*) FROM article_countries WHERE country = 'ZZ'") == 0
        assert wh.scalar("SELECT count(*) FROM country_mentions WHERE country = 'ZZ'") == 0
        assert wh.scalar("SELECT count(*) FROM country_mentions WHERE start >= 10000") == 0
        assert wh.scalar("SELECT count(*) FROM country_mentions") > 0
        logged = wh.frame("SELECT severity, success FROM quality_results WHERE "
                          "severity = 'quarantine' AND NOT success")
        assert logged.height == 3


def test_a_failed_enrich_gate_names_the_check_and_publishes_nothing(
    prefect_harness, dump, tmp_path, monkeypatch
):
    db = tmp_path / "w.duckdb"
    assert runner.invoke(app, ["ingest", str(dump), "--db", str(db)]).exit_code == 0
    with Warehouse(db, read_only=True) as wh:
        before = {t: wh.checksum(t) for t in ANALYTIC_TABLES}
    extra = dump / "b.jsonl"
    extra.write_text(f'{{"id": "x", "title": "More", "text": "{BODY} Another one.", '
                     '"published": "2024-03-04"}\n')
    real = enrich_stage.article_countries
    monkeypatch.setattr(enrich_stage, "article_countries",
                        lambda m, d: pl.concat([real(m, d), real(m, d)]))  # duplicate keys
    result = runner.invoke(app, ["ingest", str(extra), "--db", str(db)])
    assert result.exit_code == 1
    assert "enrich gate failed" in result.output
    assert "expect_compound_columns_to_be_unique(doc_id,country)" in result.output
    with Warehouse(db, read_only=True) as wh:
        after = {t: wh.checksum(t) for t in ANALYTIC_TABLES if t != "articles"}
        assert after == {t: v for t, v in before.items() if t != "articles"}
        assert wh.scalar("SELECT status FROM runs ORDER BY started_at DESC LIMIT 1") == "failed"


def test_article_text_in_the_report_is_escaped(prefect_harness, tmp_path):
    folder = tmp_path / "xss"
    folder.mkdir()
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)> France and Germany"
    rows = [f'{{"id": "{i}", "title": "{evil}", "text": "{BODY} Item {i}.", '
            f'"published": "2024-03-0{1 + i % 5}"}}' for i in range(6)]
    (folder / "x.jsonl").write_text("\n".join(rows) + "\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(folder), "--db", str(tmp_path / "x.duckdb"),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    html = next(out.glob("comention-*.html")).read_text()
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_drop_against_recent_runs_is_reported(prefect_harness, dump, tmp_path):
    db = tmp_path / "w.duckdb"
    assert runner.invoke(app, ["ingest", str(dump), "--db", str(db)]).exit_code == 0
    quiet = tmp_path / "quiet"
    quiet.mkdir()
    text = ("The committee met on Tuesday to discuss the schedule for the coming season and "
            "agreed to publish the minutes after the next meeting of its members.")
    (quiet / "q.jsonl").write_text("\n".join(
        f'{{"id": "q{i}", "title": "Minutes {i}", "text": "{text} Note {i}.", '
        f'"published": "2024-03-05"}}' for i in range(8)) + "\n")
    assert runner.invoke(app, ["ingest", str(quiet), "--db", str(db)]).exit_code == 0
    with Warehouse(db, read_only=True) as wh:
        warned = wh.frame(
            "SELECT expectation, observed FROM quality_results WHERE NOT success AND "
            "severity = 'warn' AND run_id = (SELECT run_id FROM runs ORDER BY started_at DESC "
            "LIMIT 1)")["expectation"].to_list()
    assert "expect_column_values_to_be_between(mentions_per_article_change)" in warned
    assert "expect_column_values_to_be_between(share_with_country)" in warned
