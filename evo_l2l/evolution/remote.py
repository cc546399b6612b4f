"""What crosses to a worker, and what the worker runs: plain data and module-level functions.

A `ProblemHandle` names a run's fitness problem as plain data: its config (JSON) and its
task arrays, with a key (sha256 of both). A worker builds the problem from a handle once
and keeps it by that key (`problem_of`), so each later call carries only a rule batch
and the split name. `fitness_task` and `warm_worker` are the functions executors send;
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


def problem_of(handle: ProblemHandle):
    """The worker's problem for a handle, built on first use."""
    problem = _PROBLEMS.get(handle.key)
    if problem is None:
        problem = handle.build()
        _PROBLEMS[handle.key] = problem
        while len(_PROBLEMS) > MAX_PROBLEMS:
            _PROBLEMS.popitem(last=False)
    else:
        _PROBLEMS.move_to_end(handle.key)
    return problem


def _one_thread() -> None:
    import numba
    if numba.get_num_threads() != 1:
        numba.set_num_threads(1)       # per calling thread in numba: set in every task


def fitness_task(args: tuple) -> tuple[np.ndarray, float]:
    """(handle, split, rules) -> ((N,) float64 fitness, seconds it took here): the unit of
    remote evaluation (the executor sizes later calls by the seconds)."""
    import time
    handle, split, rules = args
    _one_thread()
    problem = problem_of(handle)
    t0 = time.perf_counter()
    fitness = np.asarray(problem.fitness_of(rules, split), dtype=np.float64)
    return fitness, time.perf_counter() - t0


def warm_worker(handle: ProblemHandle) -> int:
    """Builds the handle's problem and compiles (or loads from numba's on-disk cache) its
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

    from .. import __version__
    return {"evo_l2l": __version__, "numpy": np.__version__, "numba": numba.__version__,
            "python": platform.python_version()}

