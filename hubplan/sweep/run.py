"""Run a sweep's variants on dask.distributed (a local cluster or one reached by address), or in a plain loop.

Each group of variants (the same parameters but the demand draw) is warm-started
from the plan of its first variant by ID, which is solved first: the hints, and so
the table, do not depend on which worker finishes first. The shared inputs (study
area, base scenario, travel matrix) go to every worker once (``client.scatter(...,
broadcast=True)``); each task then carries only its variant's parameters and hint
and returns one row's worth of figures.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from hubplan.api import SiteHint
from hubplan.errors import ClusterError, input_error
from hubplan.progress import Progress
from hubplan.sweep.cluster import SCHEDULER_TIMEOUT_S, reach_scheduler
from hubplan.sweep.spec import Variant
from hubplan.sweep.worker import SharedInputs, VariantResult, solve_variant, solve_variants

__all__ = ["GLIBC_TRIM_SETTING", "QUIET_INTERVALS", "SCHEDULER_TIMEOUT_S", "Progress", "SweepTiming", "batch_size",
           "dask_client", "run_on_dask", "run_sequential", "split_waves"]

log = logging.getLogger(__name__)

#: Tasks per worker a sweep aims at (more balance the load, fewer cost less to schedule).
TASKS_PER_WORKER = 8
#: The most variants in one task.
MAX_BATCH = 25
#: How often a waiting sweep checks that its cluster still has workers (s).
WORKER_CHECK_S = 1.0
#: How long a cluster may have no worker before the sweep stops (s). Assumption: a worker that
#: restarts (dask's nanny) is back within seconds; a minute without any is a lost cluster.
WORKERLESS_GRACE_S = 60.0
#: The dask setting by which each Nanny exports ``MALLOC_TRIM_THRESHOLD_=65536`` to the workers it starts
#: (and to its own process). A set trim threshold turns off glibc's adaptive mmap threshold, so every
#: array of 128 KiB or more is mapped and unmapped anew: 20-80 times the page faults per variant here
#: (measured: 0.1-0.4 s more system time per 200 variants of 16-20 CPU s). A sweep's workers keep
#: little data, so the local cluster keeps glibc's default (``None`` drops the variable from what the
#: Nanny exports; one set in the user's own environment is still inherited).
GLIBC_TRIM_SETTING = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
#: Slower housekeeping for the local cluster: the event loops' health tick (dask: 20 ms), the memory
#: checks against the spill and pause thresholds (100 ms) and the dashboard's system samples (500 ms).
#: With dask's intervals an idle 1-worker cluster took 2.8% of a core in the main process (scheduler,
#: nanny, client) and 2.0% in the worker, which shares its GIL with the solves; with these, 0.7% and
#: 0.35% (measured here). A worker over its memory limit is then seen within a second.
QUIET_INTERVALS = {
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


@dataclass(frozen=True)
class SweepTiming:
    """How a sweep was run (kept out of the compared table).

    Parameters
    ----------
    scheduler
        ``"plain loop"``, ``"local cluster"`` or the scheduler's address.
    workers
        Worker processes (1 for the plain loop).
    seconds
        Wall time of solving every variant.
    """

    scheduler: str
    workers: int
    seconds: float


def split_waves(variants: Sequence[Variant]) -> tuple[list[Variant], dict[str, list[Variant]]]:
    """The first variant of each group by ID, and the others of each group.

    Examples
    --------
    >>> vs = [Variant("b", {}, "g"), Variant("a", {}, "g"), Variant("c", {}, "h")]
    >>> first, rest = split_waves(vs)
    >>> [v.variant_id for v in first], {g: [v.variant_id for v in r] for g, r in rest.items()}
    (['a', 'c'], {'g': ['b'], 'h': []})
    """
    first: dict[str, Variant] = {}
    rest: dict[str, list[Variant]] = {}
    for variant in sorted(variants, key=lambda v: v.variant_id):
        if variant.group in first:
            rest[variant.group].append(variant)
        else:
            first[variant.group] = variant
            rest[variant.group] = []
    return list(first.values()), rest


def _hint_of(result: VariantResult) -> SiteHint | None:
    return result.hint() if result.has_plan else None


def run_sequential(shared: SharedInputs, variants: Sequence[Variant],
                   progress: Progress | None = None) -> list[VariantResult]:
    """Solve every variant in this process, one after the other (the same hints as on Dask)."""
    first, rest = split_waves(variants)
    results: list[VariantResult] = []
    for anchor in first:
        hint: SiteHint | None = None
        for variant in (anchor, *rest[anchor.group]):
            result = solve_variant(shared, variant, hint)
            hint = _hint_of(result) if variant is anchor else hint
            results.append(result)
            if progress:
                progress(len(results), len(variants))
    return sorted(results, key=lambda r: r.variant.variant_id)


_LOST = "the worker failed: "


def _failed(variant: Variant, err: BaseException) -> VariantResult:
    return VariantResult(variant, "error", f"{_LOST}{type(err).__name__}: {err}")


def batch_size(n_variants: int, n_workers: int) -> int:
    """Variants per task: enough tasks to keep every worker busy, few enough that scheduling costs little.

    About :data:`TASKS_PER_WORKER` tasks per worker, at most :data:`MAX_BATCH` variants each.

    Examples
    --------
    >>> batch_size(1000, 2), batch_size(10, 2), batch_size(0, 4)
    (25, 1, 1)
    """
    return max(1, min(MAX_BATCH, math.ceil(n_variants / (max(n_workers, 1) * TASKS_PER_WORKER))))


def run_on_dask(client: Any, shared: SharedInputs, variants: Sequence[Variant],
                progress: Progress | None = None, *, grace_s: float = WORKERLESS_GRACE_S) -> list[VariantResult]:
    """Solve every variant on the cluster of ``client``; each finished group head releases its group.

    Parameters
    ----------
    client
        A ``dask.distributed.Client``.
    shared
        Sent to every worker once.
    variants
        The sweep's variants; after each group's first, its others go in batches
        (:func:`batch_size`) so that scheduling costs little per variant.
    progress
        Optional ``(done, total)`` callback, called as results arrive.
    grace_s
        How long the cluster may have no worker at all before the sweep stops.

    Returns
    -------
    list of VariantResult
        Sorted by variant ID.

    Raises
    ------
    ClusterError
        A task was lost with its workers (dask's ``KilledWorker``, after it retried on
        ``distributed.scheduler.allowed-failures`` more workers) or failed on its worker,
        or the cluster had no worker for ``grace_s``: a sweep never reports success over
        rows its cluster lost.
    """
    from dask.distributed import as_completed

    token = uuid.uuid4().hex[:8]
    shared_future = client.scatter(shared, broadcast=True, hash=False)
    first, rest = split_waves(variants)
    size = batch_size(len(variants) - len(first), len(client.scheduler_info(n_workers=-1)["workers"]))
    batch_of: dict[str, tuple[Variant, ...]] = {}

    def submit(batch: tuple[Variant, ...], hint: SiteHint | None) -> Any:
        key = f"variants-{batch[0].variant_id}-{len(batch)}-{token}"
        batch_of[key] = batch
        return client.submit(solve_variants, shared_future, batch, hint, key=key, pure=False)

    # distributed ships without annotations: its calls below are untyped
    pending = as_completed([submit((anchor,), None) for anchor in first])  # type: ignore[no-untyped-call]
    heads = {anchor.variant_id for anchor in first}
    results: list[VariantResult] = []
    lost: list[BaseException] = []
    while not pending.is_empty():  # type: ignore[no-untyped-call]  # distributed is untyped
        for future in _ready(pending, client, grace_s):
            batch = batch_of.pop(future.key)
            try:
                done = future.result()
            except Exception as err:  # the task itself failed (worker lost, unpicklable input)
                done = [_failed(variant, err) for variant in batch]
                lost.append(err)
            results.extend(done)
            if batch[0].variant_id in heads:
                others = rest[batch[0].group]
                for start in range(0, len(others), size):
                    pending.add(submit(tuple(others[start:start + size]), _hint_of(done[0])))  # type: ignore[no-untyped-call]
            if progress:
                progress(len(results), len(variants))
            future.release()
    if lost:
        raise _lost_error(lost, sum(r.status == "error" and r.reason.startswith(_LOST) for r in results),
                          len(variants))
    return sorted(results, key=lambda r: r.variant.variant_id)


def _ready(pending: Any, client: Any, grace_s: float) -> list[Any]:
    """The futures finished so far (at least one); fail once the cluster has had no worker for ``grace_s``."""
    since: float | None = None
    while True:
        with pending.thread_condition:  # held while checking, so a notify cannot slip in between
            if not pending.has_ready():
                pending.thread_condition.wait(timeout=WORKER_CHECK_S)
        if pending.has_ready():
            return list(pending.next_batch(block=False))
        if client.nthreads():
            since = None
            continue
        since = time.monotonic() if since is None else since
        if time.monotonic() - since >= grace_s:
            raise ClusterError(f"the Dask cluster has had no workers for {grace_s:g} s, with "
                               f"{pending.count()} tasks of the sweep still to run; fix: start workers "
                               "(`dask worker ADDRESS`) or check why they stopped (memory, logs), then run again")


def _lost_error(errors: Sequence[BaseException], n_lost: int, n_variants: int) -> ClusterError:
    import dask

    retries = dask.config.get("distributed.scheduler.allowed-failures")
    first = errors[0]
    return ClusterError(
        f"{n_lost} of {n_variants} variants were lost with their workers ({type(first).__name__}: "
        f"{str(first)[:200]}; dask gives a task up after losing it with {retries + 1} workers, or with the "
        "inputs broadcast to them); nothing was written; fix: "
        "check the cluster's workers (memory limit, logs) and run the sweep again")


def _warm_up() -> None:
    from hubplan.core.solve import warm_up

    warm_up()


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None,
                timeout_s: float = SCHEDULER_TIMEOUT_S) -> Iterator[Any]:
    """A ``dask.distributed.Client``: on the scheduler at ``scheduler``, else on a new local cluster.

    The local cluster has ``workers`` single-threaded worker processes (default: one
    per CPU) with glibc's default memory trimming (:data:`GLIBC_TRIM_SETTING`) and
    slower housekeeping (:data:`QUIET_INTERVALS`). Every worker loads the solver
    libraries before the clock starts. A scheduler that does not answer within
    ``connect_timeout_s`` (default :data:`SCHEDULER_TIMEOUT_S`) is an input error.

    A scheduler given by address is checked first (:func:`~hubplan.sweep.cluster.reach_scheduler`),
    each step within ``timeout_s``, and must have a worker within ``timeout_s``.

    Raises
    ------
    InputError
        The address is malformed, or no Dask scheduler answers there in time.
    ClusterError
        The scheduler has no worker.
    """
    import dask
    from dask.distributed import Client, LocalCluster

    # every worker samples its own stack every 10 ms for the dashboard's profile: not worth a sweep's CPU
    dask.config.set({"distributed.worker.profile.enabled": False})
    # distributed logs every worker's start and stop at INFO: show them only under -v
    logging.getLogger("distributed").setLevel(max(logging.getLogger().getEffectiveLevel(), logging.WARNING))
    if scheduler is not None:
        with _remote_client(scheduler, timeout_s) as client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with dask.config.set({GLIBC_TRIM_SETTING: None, **QUIET_INTERVALS}), \
            LocalCluster(n_workers=n, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                         dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:  # type: ignore[no-untyped-call]
        pids = [int(pid) for pid in client.run(os.getpid).values()]
        client.run(_warm_up)
        try:
            yield client
        except KeyboardInterrupt:
            _stop_at_once(pids)
            raise


def _stop_at_once(pids: Sequence[int]) -> None:
    """Kill this sweep's own local worker processes (Ctrl-C: a solve in progress is not worth waiting for).

    Their nannies would otherwise wait up to 4 s for each to finish its task; the cluster
    then closes at once, and dask's complaint about it is not shown.
    """
    logging.getLogger("distributed").setLevel(logging.CRITICAL)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def _remote_client(scheduler: str, timeout_s: float) -> Iterator[Any]:
    from dask.distributed import Client

    address, n_workers = reach_scheduler(scheduler, timeout_s)
    try:
        client = Client(str(address), timeout=f"{timeout_s}s")  # type: ignore[no-untyped-call]
    except Exception as err:
        raise input_error("--scheduler", str(address), f"cannot reach the scheduler ({type(err).__name__})",
                          "start one (`dask scheduler`) or give its tcp://HOST:PORT") from None
    with client:
        if not n_workers:
            try:
                client.wait_for_workers(1, timeout=timeout_s)
            except TimeoutError:
                raise ClusterError(f"--scheduler: {address}: the scheduler has no workers (none joined within "
                                   f"{timeout_s:g} s); fix: start workers with `dask worker {address}`, "
                                   "then run again") from None
        client.run(_warm_up)
        yield client


def timed(run: Callable[[], list[VariantResult]], scheduler: str, workers: int) -> tuple[list[VariantResult],
                                                                                           SweepTiming]:
    """Run and time a sweep."""
    start = time.perf_counter()
    results = run()
    return results, SweepTiming(scheduler, workers, time.perf_counter() - start)
