"""Batches on every core: the same tables as one process, small runs stay in one."""

from __future__ import annotations

import os

import pytest

from flows import pool as pool_module
from flows.pipeline import run_pipeline
from flows.pool import CorePool, WorkerDied, usable_cores
from flows.sample import write_sample
from flows.stages import enrich, ingest
from flows.stages.common import local_map
from tests.published import fingerprints


def _square(x: int) -> int:
    return x * x


def _die(x: int) -> int:
    os._exit(3)


def test_a_run_on_worker_processes_publishes_what_one_process_does(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    write_sample(corpus, articles=160, seed=5)
    # Small batches: the sample spreads over many, so the workers share them out of order.
    monkeypatch.setattr(ingest, "INGEST_BATCH", 20)
    monkeypatch.setattr(enrich, "ENRICH_BATCH", 30)
    with CorePool(workers=2, local_batches=0) as pool:
        run_pipeline([str(corpus)], tmp_path / "pool.duckdb", None, mapper=pool)
        assert pool._pool is not None
    run_pipeline([str(corpus)], tmp_path / "one.duckdb", None, mapper=local_map)
    pooled, alone = fingerprints(tmp_path / "pool.duckdb"), fingerprints(tmp_path / "one.duckdb")
    assert alone["articles"][0] > 100 and pooled == alone


def test_results_come_in_order_and_a_small_run_starts_no_workers():
    with CorePool(workers=2, local_batches=3) as pool:
        assert list(pool(_square, range(3))) == [0, 1, 4]
        assert pool._pool is None
        assert list(pool(_square, range(20))) == [x * x for x in range(20)]
        assert pool._pool is not None


def test_a_worker_that_dies_is_one_error_naming_the_work():
    for batches in (4, 40):  # fewer than the window, and more (a submit finds the pool broken)
        with CorePool(workers=2, local_batches=0) as pool, pytest.raises(WorkerDied, match="_die"):
            list(pool(_die, range(batches)))


def test_usable_cores_keep_to_the_cgroups_quota(tmp_path, monkeypatch):
    quota = tmp_path / "cpu.max"
    monkeypatch.setattr(pool_module, "CPU_QUOTA", quota)
    monkeypatch.setattr(pool_module.os, "sched_getaffinity", lambda pid: set(range(64)))
    assert usable_cores() == 64  # no quota file
    quota.write_text("max 100000\n")
    assert usable_cores() == 64
    quota.write_text("150000 100000\n")  # docker --cpus 1.5
    assert usable_cores() == 2
