"""`comention schedule`'s checks that need no Prefect server (the real run is
tests/test_schedule_server.py)."""

from __future__ import annotations

import socket

import pytest

import flows
from flows import schedule
from flows.schedule import ScheduleError


def test_a_port_held_by_something_else_is_a_clear_error(tmp_path):
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        env = schedule.prefect_env(port, tmp_path)
        with pytest.raises(ScheduleError, match=f"port {port} is in use"):
            schedule.start_server(env, tmp_path / "log")


def test_no_prefect_yaml_next_to_the_package_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(flows, "__file__", str(tmp_path / "flows" / "__init__.py"))
    with pytest.raises(ScheduleError, match="no prefect.yaml"):
        schedule.project_dir()


def test_the_environment_is_quiet_offline_and_local(tmp_path):
    env = schedule.prefect_env(4300, tmp_path)
    assert env["PREFECT_API_URL"] == "http://127.0.0.1:4300/api"
    assert env["PREFECT_HOME"] == str(tmp_path)
    assert env["PREFECT_SERVER_ANALYTICS_ENABLED"] == "false" and env["DO_NOT_TRACK"] == "1"
    assert env["PREFECT_LOGGING_LEVEL"] == "WARNING"
