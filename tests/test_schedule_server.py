"""The README's "Run it on a schedule" commands against a real Prefect server.

Starts `prefect server start` on a free port with a temporary PREFECT_HOME, creates the work
pool (concurrency 1), deploys prefect.yaml, starts a process worker, triggers the ingest and
weekly-report deployments through the API, waits for them to complete, checks the warehouse
and the report, and stops every process it started by PID.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from flows.warehouse import Warehouse

pytestmark = pytest.mark.slow
PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TEXT = ("Officials in Berlin said on Monday that exports to France rose sharply this year, "
        "while talks with Japan on a new trade agreement continued in Tokyo.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"Prefect server at {url} not healthy after {timeout} s")


def _prefect(env: dict, *args: str) -> str:
    result = subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=PROJECT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _wait_for_run(env: dict, run_id: str, timeout: float = 300) -> str:
    api = env["PREFECT_API_URL"]
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{api}/flow_runs/{run_id}", timeout=10) as response:
            state = json.load(response)["state"]["type"]
        if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return state
        time.sleep(2)
    raise TimeoutError(f"flow run {run_id} still {state} after {timeout} s")


def _trigger(env: dict, deployment: str) -> str:
    """`prefect deployment run NAME`, as the README says; returns the flow run's id."""
    output = _prefect(env, "deployment", "run", deployment)
    return re.search(r"UUID: ([0-9a-f-]{36})", output).group(1)


def _stop(process: subprocess.Popen, sig: int) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_scheduled_deployments_on_a_real_server(tmp_path):
    port = _free_port()
    inbox, db, out = tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "reports"
    inbox.mkdir()
    (inbox / "export.jsonl").write_text("\n".join(json.dumps(
        {"id": str(i), "title": f"Trade {i}", "text": f"{TEXT} Story {i}.",
         "published": f"2024-03-0{1 + i % 5}"}) for i in range(6)) + "\n")
    env = {**os.environ,
           "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
           "PREFECT_LOGGING_LEVEL": "WARNING",
           "COMENTION_PROJECT_DIR": str(PROJECT), "COMENTION_INBOX": str(inbox),
           "COMENTION_DB": str(db), "COMENTION_REPORTS": str(out)}
    logs = tmp_path / "logs"
    logs.mkdir()
    server = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port),
         "--analytics-off"], env=env, cwd=tmp_path, start_new_session=True,
        stdout=(logs / "server.log").open("w"), stderr=subprocess.STDOUT)
    worker = None
    try:
        _wait_healthy(env["PREFECT_API_URL"])
        _prefect(env, "work-pool", "create", "comention", "--type", "process")
        _prefect(env, "work-pool", "set-concurrency-limit", "comention", "1")
        _prefect(env, "--no-prompt", "deploy", "--all")
        worker = subprocess.Popen(
            [str(BIN / "prefect"), "worker", "start", "--pool", "comention", "--type",
             "process"], env=env, cwd=PROJECT, start_new_session=True,
            stdout=(logs / "worker.log").open("w"), stderr=subprocess.STDOUT)

        state = _wait_for_run(env, _trigger(env, "comention-ingest/ingest"))
        assert state == "COMPLETED", (logs / "worker.log").read_text()[-3000:]
        with Warehouse(db, read_only=True) as wh:
            assert wh.scalar("SELECT count(*) FROM articles") == 6
            assert wh.scalar("SELECT count(*) FROM inbox_files") == 1

        state = _wait_for_run(env, _trigger(env, "comention-weekly-report/weekly-report"))
        assert state == "COMPLETED", (logs / "worker.log").read_text()[-3000:]
        assert list(out.glob("comention-*.html")) and (out / "data-quality.html").exists()
    finally:
        # The worker ignores SIGTERM (../shared/DEPENDENCIES.md): SIGINT stops it.
        if worker is not None:
            _stop(worker, signal.SIGINT)
        _stop(server, signal.SIGTERM)
    assert server.poll() is not None and (worker is None or worker.poll() is not None)
