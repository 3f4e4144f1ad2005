"""Where a sweep's tasks run: in this process, in local worker processes, or on a Dask cluster.

Every executor has one method, `map_unordered(function, tasks)`, which yields each task's
result as it finishes, in any order. A task's result does not depend on where it ran (each
task carries its own seeds, `sim.streams`), so the choice of executor changes the time a
sweep takes, never its numbers. At most `2 x workers` tasks are in flight at once, so memory
stays flat however many tasks there are. A task whose worker dies (killed, out of memory) is
run again, up to `RETRIES` times; an exception raised by the task itself is its own business
(the sweep's tasks catch their errors and report them in their result).

Workers that see this process's files (`shares_files`: in-process, local processes, a local
Dask cluster) write their part of the runs table themselves and send back only what the
sweep's tallies read; workers of a remote cluster send back their whole table.

- `InProcess()`: one task after another, here (the default; simplest to debug).
- `LocalProcesses(n)`: a pool of n worker processes on this machine (`--workers N`).
- `DaskCluster(address=...)`: an existing Dask distributed cluster (`--scheduler ADDRESS`),
  e.g. one started by dask-jobqueue on SLURM (docs/cluster.md);
  `DaskCluster(local_workers=n)`: a `LocalCluster` of n single-threaded worker processes
  started for the sweep (`--dask-local N`). Dask's scheduler runs a lost worker's tasks again
  (until a task has killed `distributed.scheduler.allowed-failures` workers, 3 by default).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

RETRIES = 3
"""How many times a task is run again after its worker died."""


class ExecutorError(RuntimeError):
    """The executor cannot run the tasks (a worker keeps dying, a cluster cannot be reached)."""


class Executor(Protocol):
    """Runs tasks and yields their results as they finish."""

    workers: int
    shares_files: bool
    """Whether the workers see this process's files (then they write their results there)."""

    def map_unordered(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield `function(task)` for every task, in the order they finish."""
        ...

    def close(self) -> None:
        """Release the workers."""
        ...


class InProcess:
    """Run every task in this process, one after another."""

    workers = 1
    shares_files = True

    def map_unordered(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield `function(task)` for every task, in order."""
        for task in tasks:
            yield function(task)

    def close(self) -> None:
        """Nothing to release."""


class LocalProcesses:
    """Run tasks in a pool of worker processes on this machine.

    Workers are started with the "spawn" method, so they share nothing with this process
    but what a task carries (no inherited locks or threads). A pool whose worker died is
    replaced and the tasks in flight are submitted again.
    """

    shares_files = True

    def __init__(self, workers: int):
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
            )
        return self._pool

    def map_unordered(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield `function(task)` for every task, in the order they finish."""
        waiting = iter(tasks)
        retries: dict[int, int] = {}
        flight: dict[Future, tuple[int, Any]] = {}
        resubmit: deque[tuple[int, Any]] = deque()
        number = 0
        while True:
            while len(flight) < 2 * self.workers:
                if resubmit:
                    key, task = resubmit.popleft()
                else:
                    task = next(waiting, _DONE)
                    if task is _DONE:
                        break
                    key, number = number, number + 1
                flight[self._start().submit(function, task)] = (key, task)
            if not flight:
                return
            done, _ = wait(flight, return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                key, task = flight.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    broken = True
                    retries[key] = retries.get(key, 0) + 1
                    if retries[key] > RETRIES:
                        raise ExecutorError(
                            f"a worker process died {RETRIES + 1} times running the same task"
                        ) from None
                    resubmit.append((key, task))
                    continue
                yield result
            if broken:  # every task in flight is lost with the pool: submit them again
                resubmit.extend(flight.values())
                flight.clear()
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class DaskCluster:
    """Run tasks on a Dask distributed cluster: an existing one, or a local one started here.

    Args:
        address: the scheduler's address (e.g. tcp://10.0.0.5:8786) of a running cluster.
        local_workers: start a `LocalCluster` of this many single-threaded worker processes
            instead (the model is numpy code holding the GIL, so processes, not threads).
    """

    def __init__(self, address: str | None = None, local_workers: int | None = None):
        if (address is None) == (local_workers is None):
            raise ValueError("give either a scheduler address or a number of local workers")
        from dask.distributed import Client, LocalCluster

        self._cluster = None
        self.shares_files = address is None
        try:
            if address is None:
                self._cluster = LocalCluster(
                    n_workers=local_workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
                self._client = Client(self._cluster)
            else:
                self._client = Client(address, timeout="30s")
        except (OSError, TimeoutError) as error:
            self.close()
            where = address or "a local cluster"
            message = f"cannot connect to the Dask scheduler at {where}: {error}"
            raise ExecutorError(message) from None
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))

    def map_unordered(self, function: Callable[[Any], Any], tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield `function(task)` for every task, in the order they finish.

        Twice as many tasks as there are workers *now* are kept in flight, so workers that
        join later (an adaptive SLURM cluster) get work too.
        """
        from dask.distributed import KilledWorker, as_completed

        waiting = iter(tasks)
        flight = as_completed()
        for task in _take(waiting, 2 * self.workers):
            flight.add(self._submit(function, task))
        for future in flight:
            try:
                result = future.result()
            except KilledWorker as error:
                raise ExecutorError(f"Dask workers died running the same task: {error}") from None
            future.release()
            self.workers = max(1, len(self._client.scheduler_info().get("workers", {})))
            for task in _take(waiting, 2 * self.workers - flight.count()):
                flight.add(self._submit(function, task))
            yield result

    def _submit(self, function: Callable[[Any], Any], task: Any) -> Any:
        return self._client.submit(function, task, pure=False)

    def close(self) -> None:
        """Disconnect; stop the local cluster if this executor started one."""
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
        if self._cluster is not None:
            self._cluster.close()


_DONE = object()


def _start_worker() -> None:
    """In a worker: leave Ctrl-C to the parent, and exit when the parent does.

    Ctrl-C in a terminal reaches every process of the sweep; the parent alone stops it (it
    keeps the finished runs and says how to resume), so a worker ignores SIGINT and finishes
    its task instead of dying with a traceback in the middle of it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _leave_with_parent()


def _leave_with_parent() -> None:
    """In a worker: exit as soon as the process that started it ends, however it ended.

    A pool's workers otherwise outlive a sweep killed outright (SIGKILL, SIGTERM), running
    what is queued and then waiting forever.
    """
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="leave-with-parent", daemon=True).start()


def _take(items: Iterator[Any], count: int) -> list[Any]:
    """The next `count` items (fewer if there are not so many; none if `count` < 1)."""
    taken: list[Any] = []
    if count < 1:
        return taken
    for item in items:
        taken.append(item)
        if len(taken) == count:
            break
    return taken
