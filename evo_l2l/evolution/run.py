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

from ..archive import (STATUS_COMPLETE, STATUS_INTERRUPTED, ArchiveError, ArchiveWriter,
                       GenerationRecord, prepare_resume)
from ..config import RunConfig
from ..errors import ConfigError
from ..rules.symbolic import in_finaliser
from .loop import StopFlag, StopRun, evolve, make_search
from .problem import Problem, build_tasks, make_problem


@dataclass
class RunResult:
    path: str
    status: str
    config: RunConfig
    problem: Problem
    last: GenerationRecord | None      # None: stopped before the first generation was complete
    wall_seconds: float
    write_seconds: float
    stop_signal: int | None = None     # SIGINT/SIGTERM that stopped the run early


@contextlib.contextmanager
def graceful_stop():
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        if flag.signal is not None and not flag.pending:     # second Ctrl-C: stop now
            raise KeyboardInterrupt
        flag.signal, flag.pending = signum, False
        if flag.interruptible:               # in the middle of a generation: drop it now
            if in_finaliser(frame):
                # Python would print and drop an exception raised in a finaliser or a
                # weakref/gc callback, and the generation would run on: ask again in 50 ms.
                flag.pending = True
                threading.Timer(0.05, os.kill, (os.getpid(), signum)).start()
                return
            raise StopRun

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
            if last is not None and last.generation + 1 >= config.run.n_generations:
                status = STATUS_COMPLETE
        finally:
            writer.close(status)
    # A run that completed was not stopped by a signal, whenever one came.
    stopped_by = None if status == STATUS_COMPLETE else stop.signal
    return RunResult(path, status, config, problem, last, time.perf_counter() - t0,
                     writer.write_seconds, stopped_by)


def memory_needed(config: RunConfig) -> int:
    """Bytes a run of `config` needs, estimated: about 190 MB for the libraries, and per
    individual its DEAP objects (two generations), genome and rule arrays and cache keys,
    which grow with its genes (measured: 2.8 kB for a 35-bit genome, 4-5 kB for a tree of
    up to 32 nodes; `/usr/bin/time -f %M evo-l2l run ... --population N`)."""
    genome = config.genome()
    if genome.kind == "tree":
        per = 600 + 150 * getattr(config.optimizer.settings, "max_size", 32)
    else:
        per = 600 + 64 * genome.length
    return 190_000_000 + config.run.population * per


def memory_available() -> int | None:
    """Bytes of memory available now (Linux: MemAvailable), None where unknown."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_memory(config: RunConfig) -> None:
    need, have = memory_needed(config), memory_available()
    if have is not None and need > have:
        raise ConfigError(f"population {config.run.population} needs about {need / 1e9:.1f} GB "
                          f"of memory (an estimate), and {have / 1e9:.1f} GB are available; "
                          "use a smaller population")


def start_run(config: RunConfig, path: str, force: bool = False,
              hooks: Iterable[Callable] = ()) -> RunResult:
    """A new run of `config`, archived at `path` generation by generation."""
    config.validate()
    check_memory(config)
    tasks = build_tasks(config)
    problem = make_problem(config, tasks)
    # A fresh search's state arrays have the names and shapes the run will keep.
    search = make_search(config, problem)
    writer = ArchiveWriter.create(path, config, tasks, problem, search.state(), force=force,
                                  trace=search.trace() if hasattr(search, "trace") else None)
    return _drive(writer, config, problem, hooks, None)


def resume_run(path: str, n_generations: int | None = None,
               hooks: Iterable[Callable] = (), force: bool = False) -> RunResult:
    """Continues an archived run from its last complete generation.

    n_generations: the new total (default: the run's own target). A run stopped before
    its first generation was complete starts again from the beginning (its config and
    tasks are in the archive).
    """
    from ..archive import open_run, writer_alive
    run = open_run(path, populations=False)
    if run.n_generations_done < 1:
        live = None if force else writer_alive(run)
        if live:
            raise ArchiveError(f"{path}: is being written by a live run ({live}); stop it first "
                               "(or pass --force if that process is gone)")
        target = n_generations or int(run.state["n_generations_target"])
        return start_run(run.config.with_overrides({"run.n_generations": target}), path,
                         force=True, hooks=hooks)
    run, tmp = prepare_resume(path, n_generations, force)
    try:
        target = int(run.state["n_generations_target"])
        config = run.config.with_overrides({"run.n_generations": target})
        check_memory(config)
        problem = make_problem(config, run.tasks)
        problem.load_cache(run.state["cache_keys"], run.state["cache_fitness"])
        record = run.resume_record()
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    writer = ArchiveWriter(path, config.run.flush_interval, publish_from=tmp)
    return _drive(writer, config, problem, hooks, record)
