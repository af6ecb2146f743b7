"""comention as a Prefect flow: the pipeline's stages as Prefect tasks.

Deployments, a configured Prefect server and the Dask runner use this; a `comention run` with
no Prefect API configured calls the pipeline directly instead (no temporary API server to
start for every command). The stages and their results are the same either way.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path

# Importing this module imports flows first: Prefect's quiet defaults are set, its home exists.
from prefect import flow, task
from prefect.cache_policies import NONE as NO_CACHE
from rich.console import Console

from flows.pipeline import RunSummary, run_pipeline
from flows.progress import RunProgress
from flows.settings import Settings
from flows.stages.common import BATCHES_IN_FLIGHT


def as_task(function: Callable) -> Callable:
    """A pipeline stage as a Prefect task (no caching: stages write the warehouse)."""
    return task(function, cache_policy=NO_CACHE)


@flow(name="comention", log_prints=False)
def comention_flow(
    paths: list[str], db: str = str(Settings.db), out: str | None = str(Settings.reports),
    week: date | None = None, fields: dict[str, str] | None = None, clean_exports: bool = False,
    runner: str = "local", replace: bool = False, verbose: bool = False, wait: float = 0.0,
    follow_links: bool = False,
) -> RunSummary:
    """Ingest the dumps at ``paths`` into ``db`` and write the weekly report into ``out``.

    ``fields`` maps record fields to export columns (``{"text": "maintext"}``);
    ``clean_exports`` runs page cleaning on the text of structured exports too; ``replace``
    reloads files read before; ``verbose`` prints a line per stage; ``wait``: seconds to wait
    for another run writing ``db``; ``follow_links``: read symbolic links out of the folders
    given too. With ``runner="dask"``
    (and the flow run on a DaskTaskRunner, see ``dask_flow``) extraction and enrichment
    batches run on the Dask cluster. The other settings (DuckDB's memory, the limits of
    reading, how the marts count) are read from the environment as the flow starts.
    """
    settings = Settings.from_env()
    options = settings.read_options(fields=fields or {}, clean_exports=clean_exports,
                                    follow_links=follow_links)
    progress = RunProgress(Console(), live=Console(stderr=True)) if verbose else None

    def pipeline(mapper=None) -> RunSummary:
        return run_pipeline(paths, Path(db), Path(out) if out else None, week, options, mapper,
                            replace=replace, progress=progress, as_task=as_task, wait=wait,
                            settings=settings)

    if runner != "dask":
        return pipeline()
    from prefect_dask import get_dask_client

    # The DaskTaskRunner connects to its cluster on the first submitted task.
    _cluster_ready.submit().result()
    with get_dask_client() as client:
        return pipeline(functools.partial(cluster_map, client))


def cluster_map(client, function: Callable, items: Iterable) -> Iterator:
    """The Mapper of a Dask cluster: BATCHES_IN_FLIGHT batches at a time."""
    items = iter(items)
    while window := list(itertools.islice(items, BATCHES_IN_FLIGHT)):
        # Scattered, the batches go straight to the workers instead of into the graph.
        yield from client.gather(client.map(function, client.scatter(window), pure=False))


@task(cache_policy=NO_CACHE)
def _cluster_ready() -> bool:
    return True


def dask_flow(address: str | None = None):
    """comention_flow on a Dask cluster: the scheduler at ``address``, or a LocalCluster of
    two single-threaded worker processes. The DuckDB writer stays in the flow's process."""
    from prefect_dask import DaskTaskRunner

    runner = (DaskTaskRunner(address=address) if address else
              DaskTaskRunner(cluster_kwargs={"n_workers": 2, "threads_per_worker": 1,
                                             "processes": True, "dashboard_address": None}))
    return comention_flow.with_options(task_runner=runner)
