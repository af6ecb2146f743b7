"""The deployment flows in-process (the real-server test is tests/test_schedule_server.py)."""

from __future__ import annotations

import json

import pytest

from flows.deployments import backfill, ingest_inbox, weekly_report
from flows.warehouse import Warehouse

pytestmark = pytest.mark.slow
TEXT = ("Officials in Berlin said on Monday that exports to France rose sharply this year, "
        "while talks with Japan on a new trade agreement continued in Tokyo.")


def write_inbox(folder, name, n):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("\n".join(json.dumps(
        {"id": f"{name}-{i}", "title": f"Trade {i}", "text": f"{TEXT} {name} {i}.",
         "published": f"2024-03-0{1 + i % 5}"}) for i in range(n)) + "\n")


def test_inbox_files_are_processed_once(prefect_harness, tmp_path):
    inbox, db = tmp_path / "inbox", tmp_path / "w.duckdb"
    assert ingest_inbox(str(inbox), str(db)) == 0  # no inbox yet: a no-op that completes
    write_inbox(inbox, "a.jsonl", 5)
    assert ingest_inbox(str(inbox), str(db)) == 1
    assert ingest_inbox(str(inbox), str(db)) == 0  # nothing new
    write_inbox(inbox, "b.jsonl", 3)
    assert ingest_inbox(str(inbox), str(db)) == 1
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT count(*) FROM articles") == 8
        assert wh.scalar("SELECT count(*) FROM inbox_files") == 2


def test_weekly_report_and_backfill(prefect_harness, tmp_path):
    inbox, db, out = tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "out"
    write_inbox(inbox, "a.jsonl", 6)
    ingest_inbox(str(inbox), str(db))
    path = weekly_report(str(db), str(out))
    assert path and (out / "data-quality.html").exists()
    assert len(backfill(db=str(db), out=str(out))) == 1  # one week in the data
