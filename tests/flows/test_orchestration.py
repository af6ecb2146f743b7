"""The pipeline as a Prefect flow (deployments, a configured server) publishes exactly what the
direct run does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.pipeline import run_pipeline
from flows.warehouse import ANALYTIC_TABLES, Warehouse

pytestmark = pytest.mark.slow
BODY = ("Officials in Berlin said on Monday that exports to France rose sharply this year, "
        "while talks with Japan on a new trade agreement continued in Tokyo.")


def test_flow_and_direct_run_publish_the_same_tables(prefect_harness, tmp_path):
    from flows.orchestration import comention_flow

    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(
        json.dumps({"id": i, "title": f"Trade {i}", "text": f"{BODY} Story {i}.",
                    "published": f"2024-03-0{1 + i % 7}"}) + "\n" for i in range(15)))
    as_flow, direct = tmp_path / "flow.duckdb", tmp_path / "direct.duckdb"
    summary = comention_flow(paths=[str(feed)], db=str(as_flow), out=None)
    assert summary.articles_loaded == 15 and summary.gates["ingest"] in ("pass", "warn")
    run_pipeline([str(feed)], Path(direct), None)
    with Warehouse(as_flow, read_only=True) as a, Warehouse(direct, read_only=True) as b:
        for table in ANALYTIC_TABLES:
            columns = "* EXCLUDE (run_id)" if table == "articles" else "*"
            query = f"SELECT {columns} FROM {table} ORDER BY ALL"
            assert a.frame(query).equals(b.frame(query)), table
