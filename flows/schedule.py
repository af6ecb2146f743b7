"""`comention schedule`: the deployments of prefect.yaml running on this machine until Ctrl-C.

A local Prefect server (or one already healthy on the port), the work pool `comention`
(process, concurrency limit 1: one writer on the DuckDB file), every deployment of prefect.yaml
deployed from the project folder, and one worker whose environment gives the flows their paths.
The output of those processes goes to ``$PREFECT_HOME/comention-schedule.log``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import flows
from flows.errors import UserError

POOL = "comention"
LOG_NAME = "comention-schedule.log"
SERVER_TIMEOUT = 90  # seconds; a first start (database migrations) takes about 11 s
WORKER_TIMEOUT = 60


class ScheduleError(UserError):
    """The schedule cannot start; the message says why and what to do."""


def project_dir() -> Path:
    """The folder holding prefect.yaml: the package is installed editable, so it is next to
    the `flows` package."""
    folder = Path(flows.__file__).resolve().parent.parent
    if not (folder / "prefect.yaml").exists():
        raise ScheduleError(f"no prefect.yaml in {folder}: `comention schedule` needs the "
                            "project folder (install comention with `pip install -e`)")
    return folder


def prefect_env(port: int, home: Path) -> dict[str, str]:
    """The environment every Prefect process here shares: this one's, where importing flows
    set the quiet, offline defaults (the user's own settings win), and the local API."""
    return {**os.environ, "PREFECT_HOME": str(home),
            "PREFECT_API_URL": f"http://127.0.0.1:{port}/api"}


def _prefect(*args: str) -> list[str]:
    # The venv's interpreter, not whatever `prefect` is on PATH (there may be none).
    return [sys.executable, "-m", "prefect", *args]


def api_healthy(api: str) -> bool:
    """Whether a Prefect API answers its health check at ``api`` (…/api), within 2 s."""
    try:
        with urllib.request.urlopen(f"{api.rstrip('/')}/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"true"
    except (OSError, ValueError):
        return False


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _tail(log: Path, lines: int = 15) -> str:
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    return "\n".join(text[-lines:])


def start_server(env: dict, log: Path) -> subprocess.Popen | None:
    """Start `prefect server start` and wait until healthy; None if one already serves the
    port (it is reused and left running)."""
    api = env["PREFECT_API_URL"]
    if api_healthy(api):
        return None
    port = api.rsplit(":", 1)[1].split("/")[0]
    if not _port_free(int(port)):
        raise ScheduleError(f"port {port} is in use by something that is not a healthy "
                            "Prefect server: choose another with --port")
    # A session of its own: the terminal's Ctrl-C reaches only us, and we stop it after the
    # worker, which still needs the API to report its runs.
    with log.open("a") as output:
        server = subprocess.Popen(
            _prefect("server", "start", "--host", "127.0.0.1", "--port", port,
                     "--analytics-off"),
            env=env, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    deadline = time.monotonic() + SERVER_TIMEOUT
    try:
        while not api_healthy(api):
            if server.poll() is not None or time.monotonic() > deadline:
                raise ScheduleError(f"the Prefect server on port {port} did not come up "
                                    f"(log: {log}):\n{_tail(log)}")
            time.sleep(0.5)
    except BaseException:  # including Ctrl-C while waiting: the caller has no PID to stop
        stop(server, signal.SIGTERM)
        raise
    return server


@contextmanager
def _client(env: dict):
    # Prefect reads its settings when imported: give this client the API URL explicitly.
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: env["PREFECT_API_URL"]}), \
            get_client(sync_client=True) as client:
        yield client


def ensure_pool(env: dict) -> None:
    """Create the process work pool with a concurrency limit of 1 if it is missing."""
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with _client(env) as client:
        try:
            pool = client.read_work_pool(POOL)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(
                name=POOL, type="process", concurrency_limit=1,
                base_job_template=ProcessWorker.get_default_base_job_template()))
            return
    if pool.type != "process":
        raise ScheduleError(f"work pool {POOL!r} exists with type {pool.type!r}, not "
                            f"'process': delete it (`prefect work-pool delete {POOL}`)")


def deploy(env: dict, project: Path, log: Path) -> None:
    """`prefect deploy --all` from the project folder: with no pull section in prefect.yaml,
    Prefect records that folder as the working directory of every run."""
    result = subprocess.run(_prefect("--no-prompt", "deploy", "--all"), env=env, cwd=project,
                            stdin=subprocess.DEVNULL, capture_output=True, text=True)
    with log.open("a") as f:
        f.write(result.stdout + result.stderr)
    if result.returncode != 0:
        raise ScheduleError(f"`prefect deploy --all` failed (log: {log}):\n"
                            f"{(result.stdout + result.stderr).strip()[-2000:]}")


def start_worker(env: dict, paths: dict[str, Path], log: Path) -> subprocess.Popen:
    """A process worker on the pool; its environment, inherited by every flow run, gives the
    flows their paths. Returns once the server has seen it."""
    name = f"comention-{os.getpid()}"
    with log.open("a") as output:
        worker = subprocess.Popen(
            _prefect("worker", "start", "--pool", POOL, "--type", "process", "--name", name),
            env={**env, **{key: str(path) for key, path in paths.items()}},
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
            start_new_session=True)
    deadline = time.monotonic() + WORKER_TIMEOUT
    try:
        while True:
            with _client(env) as client:
                if any(w.name == name for w in client.read_workers_for_work_pool(POOL)):
                    return worker
            if worker.poll() is not None or time.monotonic() > deadline:
                raise ScheduleError(f"the Prefect worker did not start (log: {log}):\n"
                                    f"{_tail(log)}")
            time.sleep(1)
    except BaseException:  # as in start_server
        stop(worker, signal.SIGINT)
        raise


def stop(process: subprocess.Popen | None, sig: int) -> None:
    """Stop a process we started and the session it leads (a flow run the worker started, the
    server's own children); SIGKILL to the session if it does not exit in 30 s."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)  # its own session: pgid == pid
        process.wait(timeout=10)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def run_schedule(db: Path, out: Path, inbox: Path, port: int = 4200) -> None:
    """Start everything, print where things are, wait for Ctrl-C or SIGTERM, stop what we
    started. Raises ScheduleError when something cannot start."""
    project = project_dir()
    home = flows.PREFECT_HOME.resolve()  # created, with its parents, when flows was imported
    log = home / LOG_NAME
    env = prefect_env(port, home)
    paths = {"COMENTION_DB": db.resolve(), "COMENTION_REPORTS": out.resolve(),
             "COMENTION_INBOX": inbox.resolve()}
    paths["COMENTION_INBOX"].mkdir(parents=True, exist_ok=True)

    # SIGTERM stops cleanly, as Ctrl-C does; SIGINT too even where it was inherited ignored
    # (a background job of a non-interactive shell).
    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    server = worker = None
    try:
        print(f"Prefect server on port {port} (log: {log}) ...", flush=True)
        started = time.monotonic()
        server = start_server(env, log)
        print("  reusing the one already running there" if server is None
              else f"  started, healthy after {time.monotonic() - started:.0f} s", flush=True)
        ensure_pool(env)
        deploy(env, project, log)
        worker = start_worker(env, paths, log)
        _print_ready(env, paths, log)
        while True:  # the children do the work; we only notice if one of them dies
            for process, what in ((server, "server"), (worker, "worker")):
                if process is not None and process.poll() is not None:
                    raise ScheduleError(f"the Prefect {what} stopped (log: {log}):\n"
                                        f"{_tail(log)}")
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nstopping ...", flush=True)
    finally:
        for sig in previous:  # a second Ctrl-C must not cut the clean-up short
            signal.signal(sig, signal.SIG_IGN)
        try:
            stop(worker, signal.SIGINT)  # the worker ignores SIGTERM
            stop(server, signal.SIGTERM)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    print("stopped", flush=True)


def _print_ready(env: dict, paths: dict[str, Path], log: Path) -> None:
    api = env["PREFECT_API_URL"]
    prefect = Path(sys.executable).parent / "prefect"
    print(f"""
comention schedule is running (Ctrl-C stops it)
  Prefect UI: {api.removesuffix('/api')}
  inbox:      {paths['COMENTION_INBOX']}  (ingested every hour)
  warehouse:  {paths['COMENTION_DB']}
  reports:    {paths['COMENTION_REPORTS']}  (every Monday, see prefect.yaml)
  log:        {log}
Run now, from another terminal:
  PREFECT_API_URL={api} {prefect} deployment run 'comention-ingest/ingest'
  PREFECT_API_URL={api} {prefect} deployment run 'comention-weekly-report/weekly-report'
""", flush=True)
