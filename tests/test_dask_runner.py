"""`comention run --runner dask` gives exactly what the local runner gives."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.sample import write_sample
from flows.warehouse import Warehouse
from flows.writer import index_of

pytestmark = pytest.mark.slow
runner = CliRunner()
PUBLISHED = ("articles", "country_mentions", "article_countries", "article_themes",
             "country_weekly", "country_pairs_weekly", "theme_weekly", "theme_country_weekly",
             "term_weekly", "emerging_terms", "dedup.article_signatures",
             "dedup.article_bands", "quarantine", "enriched_articles")


def _fingerprints(db) -> dict[str, tuple[int, int]]:
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


def test_dask_runner_publishes_the_same_tables(prefect_harness, tmp_path):
    corpus = tmp_path / "corpus"
    write_sample(corpus, articles=160, seed=5)
    results = {}
    for name in ("local", "dask"):
        db = tmp_path / f"{name}.duckdb"
        outcome = runner.invoke(app, ["run", str(corpus), "--db", str(db), "--out",
                                      str(tmp_path / name), "--runner", name])
        assert outcome.exit_code == 0, outcome.output
        results[name] = _fingerprints(db)
    assert results["local"]["articles"][0] > 100
    assert results["dask"] == results["local"]
