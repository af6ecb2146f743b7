"""flows.settings: one typed object, its defaults, each variable overriding one, a bad value a
one-line error, and nobody else reading the variables."""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.settings import MartSettings, SettingError, Settings, variables
from transforms.countries import COUNTED_KINDS_DEFAULT

ROOT = Path(__file__).resolve().parents[2]


def test_the_defaults_need_no_environment():
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.db == Path("comention.duckdb")
    assert settings.reports == Path("reports/out")
    assert settings.inbox == Path("inbox")
    assert settings.duckdb_memory == "512MB"
    assert settings.max_expanded_bytes == 4 * 2**30
    assert settings.max_quarantined_per_file == 100_000
    assert settings.min_pair_support == 3
    assert settings.shared == ROOT.parent / "shared"
    assert settings.marts == MartSettings() == MartSettings(COUNTED_KINDS_DEFAULT, 3)
    options = settings.read_options()
    assert (options.max_expanded_bytes, options.max_quarantined_per_file) == (4 * 2**30, 100_000)


@pytest.mark.parametrize(("variable", "raw", "name", "value"), [
    ("COMENTION_DB", "data/w.duckdb", "db", Path("data/w.duckdb")),
    ("COMENTION_REPORTS", "/srv/reports", "reports", Path("/srv/reports")),
    ("COMENTION_INBOX", "dumps", "inbox", Path("dumps")),
    ("COMENTION_DUCKDB_MEMORY", "2GiB", "duckdb_memory", "2GiB"),
    ("COMENTION_DUCKDB_MEMORY", "1.5 GB", "duckdb_memory", "1.5 GB"),
    ("COMENTION_DUCKDB_MEMORY", "50%", "duckdb_memory", "50%"),
    ("COMENTION_MAX_EXPANDED_BYTES", "1000000", "max_expanded_bytes", 1_000_000),
    ("COMENTION_MAX_QUARANTINED_PER_FILE", "100", "max_quarantined_per_file", 100),
    ("COMENTION_COUNTED_KINDS", "name, org", "counted_kinds", ("name", "org")),
    ("COMENTION_MIN_PAIR_SUPPORT", "1", "min_pair_support", 1),
    ("COMENTION_SHARED", "/data/shared", "shared", Path("/data/shared")),
])
def test_each_variable_overrides_its_setting_and_only_it(variable, raw, name, value):
    settings = Settings.from_env({variable: raw})
    assert getattr(settings, name) == value
    assert dataclasses.replace(settings, **{name: getattr(Settings(), name)}) == Settings()


def test_the_settings_reach_what_uses_them():
    settings = Settings.from_env({"COMENTION_COUNTED_KINDS": "name", "COMENTION_MIN_PAIR_SUPPORT":
                                  "5", "COMENTION_MAX_EXPANDED_BYTES": "10",
                                  "COMENTION_MAX_QUARANTINED_PER_FILE": "0"})
    assert settings.marts == MartSettings(counted_kinds=("name",), min_pair_support=5)
    options = settings.read_options(clean_exports=True)
    assert (options.max_expanded_bytes, options.max_quarantined_per_file,
            options.clean_exports) == (10, 0, True)


def test_an_empty_variable_is_unset_and_a_flag_wins():
    assert Settings.from_env({"COMENTION_DB": "", "COMENTION_MIN_PAIR_SUPPORT": ""}) == Settings()
    settings = Settings.from_env({"COMENTION_DB": "env.duckdb"})
    assert settings.overridden(db=Path("flag.duckdb"), reports=None).db == Path("flag.duckdb")
    assert settings.overridden(db=None).db == Path("env.duckdb")


@pytest.mark.parametrize(("variable", "raw", "expected"), [
    ("COMENTION_DUCKDB_MEMORY", "abc", "expected a size with its unit"),
    ("COMENTION_DUCKDB_MEMORY", "512", "expected a size with its unit"),
    ("COMENTION_DUCKDB_MEMORY", "1,5GB", "expected a size with its unit"),
    ("COMENTION_DUCKDB_MEMORY", "150%", "expected a size with its unit"),
    ("COMENTION_MAX_EXPANDED_BYTES", "4GiB", "expected a whole number, 0 or more"),
    ("COMENTION_MAX_EXPANDED_BYTES", "-1", "expected a whole number, 0 or more"),
    ("COMENTION_MAX_QUARANTINED_PER_FILE", "1e5", "expected a whole number, 0 or more"),
    ("COMENTION_MIN_PAIR_SUPPORT", "three", "expected a whole number, 0 or more"),
    ("COMENTION_COUNTED_KINDS", "name,country", "expected mention kinds separated by commas"),
    ("COMENTION_COUNTED_KINDS", " , ", "expected mention kinds separated by commas"),
])
def test_a_bad_value_is_one_line_naming_the_variable(variable, raw, expected):
    with pytest.raises(SettingError) as error:
        Settings.from_env({variable: raw})
    message = str(error.value)
    assert message.startswith(f"bad {variable}={raw!r}: {expected}"), message
    assert "\n" not in message


def test_the_memory_forms_accepted_are_those_duckdb_accepts():
    import duckdb

    for raw in ("512MB", "512mb", "512 MB", "4MiB", "1.5GB", ".5GB", "3g", "2T", "80%", "none"):
        duckdb.connect(config={"memory_limit": Settings.from_env(
            {"COMENTION_DUCKDB_MEMORY": raw}).duckdb_memory}).close()


@pytest.mark.parametrize("command", [["sql", "SELECT 1"], ["check"], ["report"],
                                     ["ingest", "nothing.txt"]])
def test_a_bad_value_stops_a_command_in_one_line(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COMENTION_DUCKDB_MEMORY", "abc")
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["error: bad COMENTION_DUCKDB_MEMORY='abc': expected a size with its unit, "
                     "such as 512MB, 2GB or 4GiB, or a share of the machine's memory, such as "
                     "50%"], result.output


def test_nothing_reads_the_variables_at_import_time():
    """Garbage in every variable: importing every module still works (the error comes when a
    command reads its settings)."""
    env = {**os.environ, **{variable: "garbage" for variable in variables()}}
    probe = ("import flows.cli, flows.pipeline, flows.deployments, flows.sources, "
             "flows.warehouse, flows.query, flows.stages.marts, reports.render; print('ok')")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr[-2000:]


def test_only_flows_settings_reads_the_variables():
    readers = []
    for folder in ("flows", "transforms", "reports", "expectations"):
        for path in (ROOT / folder).rglob("*.py"):
            for line in path.read_text().splitlines():
                if re.search(r"(environ|getenv)\b.*COMENTION_", line):
                    readers.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    # The reference-data cache is looked up where it is used, in worker processes too.
    assert all(r.startswith("transforms/refcache.py") for r in readers), readers


def test_the_readme_lists_every_variable_with_its_default():
    readme = (ROOT / "README.md").read_text()
    table = {m.group(1): m.group(2) for m in re.finditer(
        r"^\| `(COMENTION_[A-Z_]+)` \| ([^|]+) \|", readme, re.M)}
    for variable, (default, _) in variables().items():
        assert variable in table, variable
        if variable == "COMENTION_COUNTED_KINDS":
            default = ",".join(COUNTED_KINDS_DEFAULT)
        if variable != "COMENTION_SHARED":
            assert table[variable].startswith(f"`{default}`"), (variable, table[variable])
