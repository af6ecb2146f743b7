"""The comention command: Ctrl-C before a command handles it is one line and exit code 1."""

from __future__ import annotations

import sys

import pytest
import typer

from flows import cli, entry


def _interrupt() -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("where", ["while importing", "inside Typer"])
def test_ctrl_c_before_a_command_handles_it_is_one_line(where, monkeypatch, capsys):
    if where == "inside Typer":  # Typer makes it a silent exit 130
        app = typer.Typer()
        app.command()(_interrupt)
    else:
        app = _interrupt
    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(sys, "argv", ["comention"])
    with pytest.raises(SystemExit) as done:
        entry.main()
    assert done.value.code == 1
    assert capsys.readouterr().err == "error: interrupted\n"


def test_other_exits_pass_through(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["comention", "--version"])
    with pytest.raises(SystemExit) as done:
        entry.main()
    assert done.value.code == 0
    assert "interrupted" not in capsys.readouterr().err
