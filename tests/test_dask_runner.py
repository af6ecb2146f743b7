"""`comention run --runner dask` gives exactly what the local runner gives."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.sample import write_sample
from tests.published import fingerprints

pytestmark = pytest.mark.slow
runner = CliRunner()
def test_dask_runner_publishes_the_same_tables(prefect_harness, tmp_path):
    corpus = tmp_path / "corpus"
    write_sample(corpus, articles=160, seed=5)
    results = {}
    for name in ("local", "dask"):
        db = tmp_path / f"{name}.duckdb"
        outcome = runner.invoke(app, ["run", str(corpus), "--db", str(db), "--out",
                                      str(tmp_path / name), "--runner", name])
        assert outcome.exit_code == 0, outcome.output
        results[name] = fingerprints(db)
    assert results["local"]["articles"][0] > 100
    assert results["dask"] == results["local"]
