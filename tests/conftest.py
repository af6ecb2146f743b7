"""Shared fixtures: one Prefect test harness per session, one generated sample corpus."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from bench.data import shared_folder

# Before anything imports Prefect: a private, throw-away Prefect home for the test session.
os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="comention-prefect-")
atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)

SHARED = shared_folder()
SEED_PAGE = SHARED / "samples" / "page-dump-central-asia.txt"
DATA = SHARED / "data"


def needs(path: Path):
    """Skip cleanly where the shared labelled data is absent (e.g. on a user's machine)."""
    return pytest.mark.skipif(not path.exists(), reason=f"{path} not available (set "
                              "COMENTION_SHARED to the folder holding data/)")


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    import flows  # noqa: F401  (quiet, offline Prefect defaults)

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def sample_corpus(tmp_path_factory) -> Path:
    from flows.sample import write_sample

    folder = tmp_path_factory.mktemp("sample")
    write_sample(folder, articles=480, seed=7)
    return folder
