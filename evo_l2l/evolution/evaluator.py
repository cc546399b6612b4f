"""The evaluation seam: every fitness computation of a run goes through an executor.

An executor does two things, on one machine or many:

``executor.fitness(problem, split, rules) -> (N,) float64``
    The problems' hot path: fitness of a batch of rules (an (N, K) coefficient array or
    an (N,) array of tree texts) on one task split, in order. `InProcess` calls the
    problem directly, so numba's threads parallelise each kernel call over rules x tasks.
    The other executors cut the batch into calls of tens of milliseconds of work or more
    and send each as plain data, ``(ProblemHandle, split, rule rows)``, to the
    module-level `remote.fitness_task`; each worker builds the problem from the handle
    (the run's config as JSON and its task arrays) once and keeps it by the handle's key.
    A batch too small to pay for the trip (under `min_remote_updates` synaptic updates)
    is evaluated in the driver. Results never depend on how a batch is cut or where it
    runs, because a rule's fitness depends on that rule alone and kernels are
    deterministic: the same seed gives the same archive arrays on every executor.

``executor.map(fn, items) -> list``
    Generic: ``[fn(item) for item in items]``, results in the order of `items`. `fn` must
    be a module-level function (importable by name in a worker; no lambdas or closures)
    and each item plain data (numbers, strings, dicts and lists of them, numpy arrays),
    so any executor can carry it. Deterministic when `fn` is. This is how whole runs are
    spread (`run.run_summary` over seeds, `evo-l2l run --seeds`) and how a higher level
    (meta-evolution's level-1 runs: config dict + seed + operator genome -> summary
    arrays) should call its inner runs.

``executor.as_completed(fn, items, in_flight=None)``
    Yields ``(index, result)`` as calls finish (completion order: not deterministic),
    keeping at most `in_flight` calls running (default: twice the workers). `items` is
    read lazily, one item per finished call, so a generator that reads the results
    received so far makes an asynchronous steady-state search with no generation
    barrier (AutoML-Zero's regularised evolution; meta-evolution's level-1 runs).

``executor.ordered(fn, items, in_flight) -> iterator of results``
    The deterministic form of the same: results in the order of `items`, at most
    `in_flight` calls running, and item k + in_flight read only after result k has been
    handed out. A generator of items that breeds from the results received so far thus
    sees the same results at the same points on every executor and worker count, while
    the workers are kept busy with no generation barrier (the steady-state searches,
    `evolution/steady.py`). Only a slow call at the head of the window makes the others
    wait; a larger window hides it, and changes the search (it is a setting of the run).

``executor.fitness_stream(problem, split, row_batches, in_flight) -> iterator of arrays``
    `ordered` for fitness: each batch of rule rows is one call (the search sizes it).

Executors (`executors.make_executor` chooses by the command line): `InProcess` (default,
here), `executors.ProcessPool` (``--workers N``: spawned local processes) and
`executors.DaskExecutor` (``--dask-local N`` or ``--scheduler tcp://HOST:PORT``). Remote
calls run numba single-threaded (one level of parallelism at a time). An executor that
loses its workers or scheduler raises `ExecutorLost`; the loop then stops cleanly at the
last complete generation and ``evo-l2l resume`` continues on any executor.
"""
from __future__ import annotations

from collections import deque
from typing import Any, Callable, Iterable, Iterator, Protocol

import numpy as np

# A remote call carries at least MIN_CALL_SECONDS of work (a Dask round trip costs a few
# milliseconds), and a batch with less work in all is evaluated in the driver. Work is
# estimated from the synaptic updates a rule makes and the seconds per update the remote
# calls of the same problem and split reported; until they have, UPDATES_PER_SECOND (a
# middling single-threaded rate: 25 to 800 million on the presets, docs/results/performance.md).
MIN_CALL_SECONDS = 0.03
UPDATES_PER_SECOND = 2e8


class ExecutorLost(Exception):
    """The executor can no longer run work (scheduler or every worker gone)."""


class Evaluator(Protocol):
    """What the problems and the loop need from an executor (see the module docstring)."""

    name: str
    n_workers: int

    def fitness(self, problem, split: str, rules) -> np.ndarray: ...
    def map(self, fn: Callable[[Any], Any], items: Iterable) -> list: ...
    def as_completed(self, fn: Callable[[Any], Any], items: Iterable,
                     in_flight: int | None = None) -> Iterator[tuple[int, Any]]: ...
    def ordered(self, fn: Callable[[Any], Any], items: Iterable,
                in_flight: int) -> Iterator[Any]: ...
    def fitness_stream(self, problem, split: str, row_batches: Iterable,
                       in_flight: int) -> Iterator[np.ndarray]: ...


def local_fitness(problem, split: str, rules) -> np.ndarray:
    """The problem's own fitness, at most problem.chunk[split] rules a kernel call: a stop
    request is answered between calls (a kernel call cannot be interrupted), so the
    problems size chunks to a fraction of a second of work."""
    n, chunk = len(rules), problem.chunk[split]
    if n <= chunk:
        return np.asarray(problem.fitness_of(rules, split), dtype=np.float64)
    return np.concatenate([np.asarray(problem.fitness_of(rules[i:i + chunk], split),
                                      dtype=np.float64) for i in range(0, n, chunk)])


def cut(n_rules: int, seconds_per_rule: float, max_rules: int, n_workers: int,
        min_seconds: float = MIN_CALL_SECONDS, calls_per_worker: int = 4) -> list[tuple]:
    """(start, stop) slices of a batch for remote calls: each of at least `min_seconds` of
    work (estimated) and at most `max_rules` rules, up to `calls_per_worker` calls a worker
    (more, smaller calls balance rules of uneven cost; fewer pay fewer round trips)."""
    total = n_rules * max(seconds_per_rule, 0.0)
    by_work = n_rules if min_seconds <= 0 else int(total // min_seconds)
    n_calls = max(1, min(n_workers * calls_per_worker, by_work, n_rules))
    n_calls = max(n_calls, -(-n_rules // max(1, max_rules)))
    bounds = np.linspace(0, n_rules, n_calls + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def ordered_window(submit: Callable, items: Iterable, in_flight: int,
                   recover: Callable | None = None) -> Iterator[Any]:
    """The window behind every executor's `ordered` (see the module docstring).

    submit(item) -> a handle with .result() and .cancel(). recover(exc) -> True when the
    calls in the window should be submitted again (a pool that lost a worker), False to
    raise. Handles still in the window when the consumer stops are cancelled."""
    if in_flight < 1:
        raise ValueError("in_flight must be at least 1")
    it = iter(items)
    window: deque = deque()          # (item, handle), oldest first

    def fill() -> None:
        while len(window) < in_flight:
            item = next(it, _END)
            if item is _END:
                return
            window.append([item, submit(item)])

    try:
        fill()
        while window:
            try:
                result = window[0][1].result()
            except BaseException as exc:
                if recover is None or not recover(exc):
                    raise
                for entry in window:
                    entry[1] = submit(entry[0])
                continue
            window.popleft()
            yield result
            fill()                  # after the consumer has taken the result
    finally:
        for _, handle in window:
            try:
                handle.cancel()
            except Exception:                             # noqa: BLE001
                pass


_END = object()


class _Later:
    """An in-process call made when its result is asked for (in window order)."""

    def __init__(self, fn, item):
        self.fn, self.item = fn, item

    def result(self):
        return self.fn(self.item)

    def cancel(self) -> None:
        pass


class InProcess:
    """Evaluates in this process (numba's threads parallelise each kernel call)."""

    name = "in-process"
    n_workers = 1
    dashboard_link = None

    def fitness(self, problem, split, rules):
        return local_fitness(problem, split, rules)

    def map(self, fn, items):
        return [fn(item) for item in items]

    def as_completed(self, fn, items, in_flight=None):
        for i, item in enumerate(items):
            yield i, fn(item)

    def ordered(self, fn, items, in_flight):
        return ordered_window(lambda item: _Later(fn, item), items, in_flight)

    def fitness_stream(self, problem, split, row_batches, in_flight):
        return self.ordered(lambda rows: local_fitness(problem, split, rows) if len(rows)
                            else np.zeros(0), row_batches, in_flight)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
