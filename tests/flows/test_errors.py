"""flows.errors: what the user can fix is a UserError, printed by the CLI as one line; anything
else is a bug and is not disguised as one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import flows.pipeline
from flows.cli import app
from flows.errors import BadOption, UserError
from flows.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
STORY = ("Officials in Berlin said on Monday that exports to France rose sharply this year, "
         "while talks with Japan on a new trade agreement continued in Tokyo. Story {i}.")


def _feed(folder: Path) -> Path:
    path = folder / "feed.jsonl"
    path.write_text("".join(json.dumps({"id": i, "title": f"Trade talks {i}",
                                        "text": STORY.format(i=i),
                                        "date": f"2024-03-0{1 + i}T08:00:00Z"}) + "\n"
                            for i in range(3)))
    return path


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_the_errors_a_user_can_fix_are_user_errors():
    from flows.pipeline import NothingToRead, RunFailed
    from flows.query import QueryError
    from flows.schedule import ScheduleError
    from flows.settings import SettingError
    from flows.sources import InputNotFound
    from flows.warehouse import WarehouseError
    from flows.writer import WriterBusy
    from reports.queries import NoArticlesInWeek

    for error in (NothingToRead, RunFailed, QueryError, ScheduleError, SettingError,
                  InputNotFound, WarehouseError, WriterBusy, NoArticlesInWeek, BadOption):
        assert issubclass(error, UserError), error


@pytest.mark.parametrize(("command", "expected"), [
    (["ingest", "no/such/dump.txt"], "no such file, folder or glob match: no/such/dump.txt"),
    (["ingest", "{feed}", "--field", "color=blue"], "bad --field 'color=blue'"),
    (["run", "{feed}", "--runner", "spark"], "unknown runner 'spark': use local or dask"),
    (["report", "--db", "missing.duckdb"], "no database at missing.duckdb"),
    (["sql", "SELECT 1; SELECT 2", "--db", "{db}"], "one statement at a time: got 2"),
    (["run", "{feed}", "--week", "2024-W99"], "bad week"),
])
def test_a_user_error_is_one_line_and_exit_code_1(command, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    feed, db = _feed(tmp_path), tmp_path / "w.duckdb"
    with Warehouse(db):
        pass
    args = [arg.format(feed=feed, db=db) for arg in command]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output
    lines = _lines(result.output)
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], lines


def test_a_user_error_raised_inside_a_stage_is_one_line(tmp_path, monkeypatch):
    class OddInput(UserError):
        pass

    def marts(*args, **kwargs):
        raise OddInput("the week grid is odd: fix the input")

    monkeypatch.setattr(flows.pipeline, "marts", marts)
    result = runner.invoke(app, ["ingest", str(_feed(tmp_path)), "--db",
                                 str(tmp_path / "w.duckdb")])
    assert result.exit_code == 1
    assert _lines(result.output)[-1] == "error: the week grid is odd: fix the input"


def test_an_unexpected_error_is_not_disguised_as_a_user_error(tmp_path, monkeypatch):
    def marts(*args, **kwargs):
        raise ValueError("a bug in the marts")

    monkeypatch.setattr(flows.pipeline, "marts", marts)
    db = tmp_path / "w.duckdb"
    result = runner.invoke(app, ["ingest", str(_feed(tmp_path)), "--db", str(db)])
    assert isinstance(result.exception, ValueError), result.output
    assert str(result.exception) == "a bug in the marts"
    assert "error: " not in result.output
    # The run is recorded as failed, saying what happened, and nothing else was published.
    with Warehouse(db, read_only=True) as wh:
        assert wh.frame("SELECT status, message FROM runs").rows() == [
            ("failed", "ValueError: a bug in the marts")]
        assert wh.scalar("SELECT count(*) FROM articles") == 0


@pytest.mark.slow
def test_an_unexpected_error_keeps_its_traceback(tmp_path):
    probe = (
        "import sys\n"
        "import flows.pipeline\n"
        "def marts(*args, **kwargs):\n"
        "    raise ValueError('a bug in the marts')\n"
        "flows.pipeline.marts = marts\n"
        "from flows.cli import app\n"
        "sys.argv[0] = 'comention'\n"
        "app()\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, "ingest", str(_feed(tmp_path)),
                           "--db", str(tmp_path / "w.duckdb")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "ValueError: a bug in the marts" in done.stderr
    assert "error: " not in done.stderr
