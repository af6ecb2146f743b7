"""Wall time and peak resident memory of a block of code, for the benchmarks."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager


def rss_mb() -> float:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


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
