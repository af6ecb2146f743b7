"""Batches on every core the process may use: the default mapper of a local run.

Finding articles in records and enriching them are pure functions of one batch, so they run in
worker processes while this process reads, deduplicates, checks and writes; results come back
in order, so the tables are those of one process. A small run never starts the workers
(starting one costs seconds of imports): the pool starts once a run has mapped more than
``LOCAL_BATCHES`` batches here.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

# Batches of a run mapped here before the workers start: a rerun of a few thousand records
# is over before they would have imported what they need.
LOCAL_BATCHES = 8
# Batches submitted per worker ahead of the one handed back: enough for the workers to go on
# while the run's process checks and writes a chunk, few enough to bound memory (on any
# number of cores: MAX_AHEAD in all).
AHEAD_PER_WORKER = 8
MAX_AHEAD = 32
# cgroup v2: "<quota> <period>" in microseconds, or "max <period>" for no limit.
CPU_QUOTA = Path("/sys/fs/cgroup/cpu.max")


class WorkerDied(RuntimeError):
    """A worker process ended without finishing its batch (killed, out of memory)."""


def usable_cores() -> int:
    """The cores this process may run on: its affinity mask (taskset, a container's CPU set),
    and no more than its cgroup's CPU quota (``docker --cpus``, a Kubernetes limit)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # no affinity masks (macOS)
        cores = os.cpu_count() or 1
    try:
        quota, period = CPU_QUOTA.read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass  # no cgroup v2 quota here
    return cores


def _quiet_worker() -> None:
    # Ctrl-C reaches the whole process group: the run reports it, the workers stay quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class CorePool:
    """``with CorePool() as mapper:`` a Mapper over ``workers`` processes (default: every
    usable core; one core means no pool)."""

    def __init__(self, workers: int | None = None, local_batches: int = LOCAL_BATCHES):
        self.workers = workers or usable_cores()
        self.local_batches = local_batches
        self._mapped = 0
        self._pool: ProcessPoolExecutor | None = None

    def __call__(self, function: Callable, items: Iterable) -> Iterator:
        """The results in order, as they come; at most AHEAD_PER_WORKER batches per worker
        (MAX_AHEAD in all) are submitted ahead of the one handed back."""
        pending: deque[Future] = deque()
        try:
            for item in items:
                if self._pool is None and (self.workers < 2
                                           or self._mapped < self.local_batches):
                    self._mapped += 1
                    yield function(item)
                    continue
                pending.append(self._started().submit(function, item))
                if len(pending) >= min(AHEAD_PER_WORKER * self.workers, MAX_AHEAD):
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        except BrokenProcessPool:  # from a result, or from submitting once a worker died
            raise WorkerDied(f"a worker process died during {function.__name__} "
                             "(out of memory, or killed)") from None

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # Spawned, not forked: this process holds DuckDB's and Prefect's threads.
            self._pool = ProcessPoolExecutor(self.workers, initializer=_quiet_worker,
                                             mp_context=multiprocessing.get_context("spawn"))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> CorePool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
