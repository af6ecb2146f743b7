"""`comention schedule` against a real Prefect server, as a user on a fresh account runs it.

Runs the command as a subprocess with a fresh HOME (so PREFECT_HOME is the missing
~/.comention/prefect), no PREFECT_* or COMENTION_* variables, the default paths in a fresh
folder and a free port; triggers the ingest and weekly-report deployments with the commands it
prints, waits for their flow runs to complete, checks the warehouse and the report, then
SIGINTs it and checks it exits 0 and stops the server and worker it started.
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
READY = "comention schedule is running"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_ready(process: subprocess.Popen, output: Path, timeout: float = 240) -> float:
    """Seconds until the command printed that it is running; fails if it exits first."""
    started = time.monotonic()
    while READY not in output.read_text():
        assert process.poll() is None, f"exited {process.returncode}:\n{output.read_text()}"
        assert time.monotonic() - started < timeout, output.read_text()
        time.sleep(0.5)
    return time.monotonic() - started


def _children(pid: int) -> list[int]:
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def _prefect_alive(pid: int) -> bool:
    """Still the Prefect process we saw (not a recycled PID)."""
    try:
        return _alive(pid) and b"prefect" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False


def _trigger(env: dict, deployment: str) -> str:
    """The command `comention schedule` prints; returns the flow run's id."""
    result = subprocess.run([str(BIN / "prefect"), "deployment", "run", deployment], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return re.search(r"UUID: ([0-9a-f-]{36})", result.stdout).group(1)


def _wait_for_run(api: str, run_id: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        with urllib.request.urlopen(f"{api}/flow_runs/{run_id}", timeout=10) as response:
            state = json.load(response)["state"]["type"]
        if state in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            return state
        time.sleep(1)
    raise TimeoutError(f"flow run {run_id} still {state} after {timeout} s")


def _deployments(api: str) -> list[dict]:
    request = urllib.request.Request(f"{api}/deployments/filter", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_comention_schedule_on_a_real_server(tmp_path):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    inbox = work / "inbox"  # the defaults: inbox, comention.duckdb, reports/out in work/
    inbox.mkdir(parents=True)
    (inbox / "export.jsonl").write_text("\n".join(json.dumps(
        {"id": str(i), "title": f"Trade {i}", "text": f"{TEXT} Story {i}.",
         "published": f"2024-03-0{1 + i % 5}"}) for i in range(6)) + "\n")
    db, out = work / "comention.duckdb", work / "reports" / "out"
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    # A fresh account: no PREFECT_*/COMENTION_* variables, not even COMENTION_PROJECT_DIR.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}
    output = tmp_path / "schedule.out"
    started = time.monotonic()
    schedule = subprocess.Popen(
        [str(BIN / "comention"), "schedule", "--port", str(port)], cwd=work, env=env,
        stdin=subprocess.DEVNULL, stdout=output.open("w"), stderr=subprocess.STDOUT)
    log = home / ".comention" / "prefect" / "comention-schedule.log"
    children: list[int] = []
    try:
        ready_after = _wait_ready(schedule, output)
        children = _children(schedule.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes() for pid in children]
        assert any(b"server\0start" in c for c in commands), commands
        assert any(b"worker\0start" in c for c in commands), commands
        assert f"PREFECT_API_URL={api}" in output.read_text()
        assert str(inbox) in output.read_text() and str(log) in output.read_text()
        for deployment in _deployments(api):  # deployed from the project folder
            assert deployment["pull_steps"] == [{
                "prefect.deployments.steps.set_working_directory": {"directory": str(PROJECT)}}]

        trigger_env = {**env, "PREFECT_API_URL": api, "DO_NOT_TRACK": "1"}
        state = _wait_for_run(api, _trigger(trigger_env, "comention-ingest/ingest"))
        assert state == "COMPLETED", log.read_text()[-3000:]
        with Warehouse(db, read_only=True) as wh:
            assert wh.scalar("SELECT count(*) FROM articles") == 6
            assert wh.scalar("SELECT count(*) FROM inbox_files") == 1

        assert not out.exists()
        state = _wait_for_run(api, _trigger(trigger_env, "comention-weekly-report/weekly-report"))
        assert state == "COMPLETED", log.read_text()[-3000:]
        assert list(out.glob("comention-*.html")) and (out / "data-quality.html").exists()

        schedule.send_signal(signal.SIGINT)  # Ctrl-C
        assert schedule.wait(timeout=90) == 0, output.read_text()
        assert not [pid for pid in children if _alive(pid)], output.read_text()
        assert "stopped" in output.read_text()
    finally:
        # Whatever failed above, leave none of its processes behind (the worker needs SIGINT).
        if schedule.poll() is None:
            schedule.kill()
            schedule.wait(timeout=30)
        for sig in (signal.SIGINT, signal.SIGKILL):
            left = [pid for pid in children if _prefect_alive(pid)]
            for pid in left:
                os.kill(pid, sig)
            if left:
                time.sleep(10)
    print(f"ready after {ready_after:.0f} s, whole test {time.monotonic() - started:.0f} s")
