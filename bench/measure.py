"""Wall time and peak resident memory of a block of code, for the benchmarks."""

from __future__ import annotations

import contextlib
import threading
import time
from contextlib import contextmanager

import psutil


def tree_rss_mb(process: psutil.Process) -> float:
    """RSS of the process and all its descendants (worker processes, the GX helper), in MB."""
    try:
        family = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0
    for member in family:
        with contextlib.suppress(psutil.Error):  # it may end between listing and reading
            total += member.memory_info().rss
    return total / 2**20


def rss_mb() -> float:
    """tree_rss_mb of this process."""
    return tree_rss_mb(psutil.Process())


@contextmanager
def measure(results: dict, name: str):
    """Store (seconds, peak RSS MB sampled every 20 ms) of the block in ``results[name]``."""
    peak = [rss_mb()]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        results[name] = (elapsed, max(peak[0], rss_mb()))
