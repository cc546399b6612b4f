"""Start or resume a run: config in, archive on disk and a result out.

This is a plain library function, so it can itself be the fitness of a
higher level (meta-evolution) or be called from a notebook or a cluster job.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from ..archive import (STATUS_COMPLETE, STATUS_INTERRUPTED, ArchiveWriter,
                       GenerationRecord, prepare_resume)
from ..config import RunConfig
from .loop import evolve, make_search
from .problem import Problem, build_tasks, make_problem


@dataclass
class RunResult:
    path: str
    status: str
    config: RunConfig
    problem: Problem
    last: GenerationRecord
    wall_seconds: float
    write_seconds: float
    stop_signal: int | None = None     # SIGINT/SIGTERM that stopped the run early


class StopFlag:
    """Set by SIGINT/SIGTERM; the loop stops at the next generation boundary."""

    def __init__(self) -> None:
        self.signal: int | None = None

    def __call__(self) -> bool:
        return self.signal is not None


@contextlib.contextmanager
def graceful_stop():
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag.signal is not None:          # second Ctrl-C: stop now
            raise KeyboardInterrupt
        flag.signal = signum

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _drive(writer: ArchiveWriter, config: RunConfig, problem: Problem,
           hooks: Iterable[Callable], resume_from: GenerationRecord | None) -> RunResult:
    t0 = time.perf_counter()
    path = writer.path
    writer.cache_log = problem.cache_log
    status = STATUS_INTERRUPTED
    # The handlers stay until the archive is closed: a signal that arrives after the last
    # generation (or while closing) must not leave a finished run marked as running.
    with graceful_stop() as stop:
        try:
            last = evolve(problem, config, [writer, *hooks], resume_from, stop)
            if last.generation + 1 >= config.run.n_generations:
                status = STATUS_COMPLETE
        finally:
            writer.close(status)
    # A run that completed was not stopped by a signal, whenever one came.
    stopped_by = None if status == STATUS_COMPLETE else stop.signal
    return RunResult(path, status, config, problem, last, time.perf_counter() - t0,
                     writer.write_seconds, stopped_by)


def start_run(config: RunConfig, path: str, force: bool = False,
              hooks: Iterable[Callable] = ()) -> RunResult:
    """A new run of `config`, archived at `path` generation by generation."""
    config.validate()
    tasks = build_tasks(config)
    problem = make_problem(config, tasks)
    # A fresh search's state arrays have the names and shapes the run will keep.
    writer = ArchiveWriter.create(path, config, tasks, problem,
                                  make_search(config, problem).state(), force=force)
    return _drive(writer, config, problem, hooks, None)


def resume_run(path: str, n_generations: int | None = None,
               hooks: Iterable[Callable] = (), force: bool = False) -> RunResult:
    """Continues an archived run from its last complete generation.

    n_generations: the new total (default: the run's own target).
    """
    run, tmp = prepare_resume(path, n_generations, force)
    try:
        target = int(run.state["n_generations_target"])
        config = run.config.with_overrides({"run.n_generations": target})
        problem = make_problem(config, run.tasks)
        problem.load_cache(run.state["cache_keys"], run.state["cache_fitness"])
        record = run.resume_record()
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    writer = ArchiveWriter(path, config.run.flush_interval, publish_from=tmp)
    return _drive(writer, config, problem, hooks, record)
