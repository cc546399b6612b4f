"""What crosses to a worker, and what the worker runs: plain data and module-level functions.

A `ProblemHandle` names a run's fitness problem as plain data: its config (JSON) and its
task arrays, with a key (sha256 of both). A worker builds the problem from a handle once
and keeps it by that key (`problem_of`), so each later call carries only a rule batch
and the split name. A call carries the handle itself (a process pool) or only its key
(Dask): there a `ProblemPlugin`, a Dask worker plugin the executor registers, installs
the handle on every worker, those present and those that join later (a replacement for
a worker that died), so any worker may die at any time without the problem's data dying
with it. `fitness_task` and `warm_worker` are the functions executors send;
they run numba single-threaded, because the executor already spreads the work over
processes or machines (and numba's parallel kernels called from several threads of one
process can abort or hang: numba #8563, dask #5132).
"""
from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..config import RunConfig
from ..rules.kinds import kind_of
from ..tasks import TaskSet

# Problems a worker keeps (a driver alternates between two at most: a run and its
# evaluation of another task set); the oldest goes first.
MAX_PROBLEMS = 4
_PROBLEMS: "OrderedDict[str, object]" = OrderedDict()
# Handles installed in this process by worker plugins (key -> handle, and how many
# plugins installed it: two drivers may share a cluster and a problem).
_INSTALLED: dict = {}


@dataclass(frozen=True)
class ProblemHandle:
    """A fitness problem as plain data: config JSON, task arrays, and their digest."""

    key: str
    config_json: str
    task_arrays: dict
    task_family: str
    task_params_json: str

    def build(self):
        from .problem import make_problem
        config = RunConfig.from_dict(json.loads(self.config_json))
        tasks = TaskSet(**self.task_arrays, family=self.task_family,
                        params=json.loads(self.task_params_json))
        return make_problem(config, tasks)


def handle_of(problem) -> ProblemHandle:
    """The problem's handle (computed once per problem object)."""
    handle = getattr(problem, "_handle", None)
    if handle is None:
        config_json = problem.config.to_json()
        arrays = {k: np.ascontiguousarray(v) for k, v in problem.tasks.arrays().items()}
        params = json.dumps(problem.tasks.params, sort_keys=True, default=str)
        h = hashlib.sha256(config_json.encode())
        h.update(problem.tasks.family.encode())
        h.update(params.encode())
        for name in sorted(arrays):
            a = arrays[name]
            h.update(f"{name}{a.dtype.str}{a.shape}".encode())
            h.update(a.tobytes())
        handle = ProblemHandle(h.hexdigest(), config_json, arrays, problem.tasks.family, params)
        problem._handle = handle
    return handle


class ProblemMissing(RuntimeError):
    """A call named a problem by its key, and this worker has neither the problem nor its
    handle."""


def install_handle(handle: ProblemHandle) -> None:
    """Keeps `handle` in this process, so calls may name its problem by key alone."""
    old = _INSTALLED.get(handle.key)
    _INSTALLED[handle.key] = (handle, 1 if old is None else old[1] + 1)


def remove_handle(key: str) -> None:
    """Undoes one install_handle of `key` (the handle goes with the last one)."""
    old = _INSTALLED.get(key)
    if old is not None and old[1] > 1:
        _INSTALLED[key] = (old[0], old[1] - 1)
    else:
        _INSTALLED.pop(key, None)


def problem_of(handle: "ProblemHandle | str"):
    """The worker's problem for a handle (or a handle's key, if the handle was installed
    here), built on first use."""
    key = handle if isinstance(handle, str) else handle.key
    problem = _PROBLEMS.get(key)
    if problem is None:
        if isinstance(handle, str):
            installed = _INSTALLED.get(key)
            if installed is None:
                raise ProblemMissing(
                    f"this worker has no problem {key[:16]}: its handle is installed by the "
                    "executor's worker plugin (evo_l2l.evolution.remote.ProblemPlugin), "
                    "which this worker did not run")
            handle = installed[0]
        problem = handle.build()
        _PROBLEMS[key] = problem
        while len(_PROBLEMS) > MAX_PROBLEMS:
            _PROBLEMS.popitem(last=False)
    else:
        _PROBLEMS.move_to_end(key)
    return problem


def plugin_name(key: str, owner: str) -> str:
    """The Dask worker plugin's name for a problem key and the executor that owns it."""
    return f"evo_l2l-problem-{key[:16]}-{owner}"


def _problem_plugin_class():
    """`ProblemPlugin`: a subclass of distributed's WorkerPlugin, made on first use so that
    importing this module never imports Dask (an optional extra). Workers unpickle it by
    name, through this module's __getattr__."""
    global _PLUGIN_CLASS
    if _PLUGIN_CLASS is None:
        from distributed import WorkerPlugin

        class ProblemPlugin(WorkerPlugin):
            """Installs one problem handle on every Dask worker, present and future (the
            scheduler keeps the plugin and sets it up on each worker that joins, before
            the worker takes calls); removed again when the plugin is unregistered."""

            def __init__(self, handle: ProblemHandle, name: str):
                self.handle, self.name = handle, name

            def setup(self, worker=None) -> None:
                install_handle(self.handle)

            def teardown(self, worker=None) -> None:
                remove_handle(self.handle.key)

        ProblemPlugin.__module__ = __name__
        ProblemPlugin.__qualname__ = "ProblemPlugin"
        _PLUGIN_CLASS = ProblemPlugin
    return _PLUGIN_CLASS


_PLUGIN_CLASS = None


def __getattr__(name: str):
    if name == "ProblemPlugin":
        return _problem_plugin_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _one_thread() -> None:
    import numba
    if numba.get_num_threads() != 1:
        numba.set_num_threads(1)       # per calling thread in numba: set in every task


def fitness_task(args: tuple) -> tuple[np.ndarray, float]:
    """(handle or its key, split, rules) -> ((N,) float64 fitness, seconds it took here):
    the unit of remote evaluation (the executor sizes later calls by the seconds)."""
    import time
    handle, split, rules = args
    _one_thread()
    problem = problem_of(handle)
    t0 = time.perf_counter()
    fitness = np.asarray(problem.fitness_of(rules, split), dtype=np.float64)
    return fitness, time.perf_counter() - t0


def warm_worker(handle: "ProblemHandle | str") -> int:
    """Builds the handle's (or installed key's) problem and compiles (or loads from numba's on-disk cache) its
    kernels, once per worker before the first generation; returns the worker's pid."""
    import os
    _one_thread()
    problem = problem_of(handle)
    kind_of(problem).warm(problem)
    return os.getpid()


def versions() -> dict:
    """What must match between the driver and its workers for identical results."""
    import platform

    import numba

    from .._version import __version__
    return {"evo_l2l": __version__, "numpy": np.__version__, "numba": numba.__version__,
            "python": platform.python_version()}

