"""The deployment flows in-process (the real-server test is tests/test_schedule_server.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flows.deployments import backfill, ingest_inbox, weekly_report
from flows.warehouse import Warehouse

pytestmark = pytest.mark.slow
PROJECT = Path(__file__).resolve().parents[2]
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


def _artifacts(state) -> list[str]:
    """The markdown artifacts the flow run of ``state`` published."""
    from prefect import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[run_id])))
    return [a.data for a in found]


def test_a_fresh_machine_with_default_paths_has_nothing_to_report(prefect_harness, tmp_path,
                                                                  monkeypatch):
    """No warehouse, no inbox, no COMENTION_* variables: every flow completes and says so."""
    for variable in ("COMENTION_DB", "COMENTION_REPORTS", "COMENTION_INBOX"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.chdir(tmp_path)
    for run in (weekly_report, backfill):  # before anything was ingested: no warehouse
        state = run(return_state=True)
        assert state.is_completed(), state.message
        assert not state.result()
        assert any("nothing to report" in text for text in _artifacts(state))
    assert not (tmp_path / "comention.duckdb").exists() and not (tmp_path / "reports").exists()

    assert ingest_inbox() == 0  # no inbox folder: creates the (empty) warehouse here
    assert (tmp_path / "comention.duckdb").exists()
    for run in (weekly_report, backfill):  # an empty warehouse: still nothing to report
        state = run(return_state=True)
        assert state.is_completed(), state.message
        assert not state.result()
        assert any("nothing to report" in text for text in _artifacts(state))


def test_ingest_creates_the_warehouse_folder(prefect_harness, tmp_path):
    db = tmp_path / "new" / "folder" / "w.duckdb"
    assert ingest_inbox(str(tmp_path / "inbox"), str(db)) == 0
    assert db.exists()


def test_deploy_needs_no_project_dir_variable(prefect_harness, tmp_path, monkeypatch):
    """`prefect deploy --all` from the project folder, with no COMENTION_PROJECT_DIR: every
    deployment's pull steps, run from anywhere, end in the project folder (the worker loads
    the entrypoints from there)."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.steps.core import run_steps
    from prefect.settings import PREFECT_API_URL
    from prefect.utilities.asyncutils import run_coro_as_sync
    from prefect.workers.process import ProcessWorker

    monkeypatch.delenv("COMENTION_PROJECT_DIR", raising=False)
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(
            name="comention", type="process", concurrency_limit=1,
            base_job_template=ProcessWorker.get_default_base_job_template()), overwrite=True)
    result = subprocess.run(
        [sys.executable, "-m", "prefect", "--no-prompt", "deploy", "--all"], cwd=PROJECT,
        env={**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()},
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr

    with get_client(sync_client=True) as client:
        deployments = {d.name: d for d in client.read_deployments()}
    assert {"ingest", "weekly-report", "backfill"} <= set(deployments)
    for name in ("ingest", "weekly-report", "backfill"):
        monkeypatch.chdir(tmp_path)  # a worker's flow run starts in a folder of its own
        run_coro_as_sync(run_steps(deployments[name].pull_steps))
        assert Path.cwd() == PROJECT, name
        entrypoint = deployments[name].entrypoint.split(":")[0]
        assert (Path.cwd() / entrypoint).exists(), deployments[name].entrypoint
