"""Start or resume a run: config in, archive on disk and a result out.

This is a plain library function, so it can itself be the fitness of a
higher level (meta-evolution) or be called from a notebook or a cluster job. It leaves
the caller's signal handlers alone unless asked (handle_signals=True, as the command line
does); a KeyboardInterrupt then ends a run as any exception does, with the archive closed,
marked interrupted and resumable.
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable

from .. import _process
from ..archive import (STATUS_COMPLETE, STATUS_INTERRUPTED, ArchiveError, ArchiveWriter,
                       GenerationRecord, holding_writer_lock, prepare_resume)
from ..config import RunConfig
from ..errors import ConfigError
from ..rules.kinds import kind_of
from ..rules.symbolic import in_finaliser
from .evaluator import Evaluator
from .loop import StopFlag, StopRun, evolve, finished, make_search
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
    executor_lost: str | None = None   # why the executor failed, if that stopped the run


@contextlib.contextmanager
def graceful_stop(handle_signals: bool = True):
    """A StopFlag, and while the block runs (in the main thread, handle_signals=True)
    SIGINT and SIGTERM handlers that set it: a first signal stops at the end of the
    generation in hand (or at once where the flag is interruptible), a second raises
    KeyboardInterrupt. The previous handlers come back when the block ends. With
    handle_signals=False the flag only takes stop requests from code."""
    flag = StopFlag()
    if not handle_signals or threading.current_thread() is not threading.main_thread():
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

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)
           if s not in _process.KEEP_IGNORED}
    try:
        yield flag
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _drive(writer: ArchiveWriter, config: RunConfig, problem: Problem, search,
           hooks: Iterable[Callable], resume_from: GenerationRecord | None,
           handle_signals: bool) -> RunResult:
    t0 = time.perf_counter()
    path = writer.path
    writer.cache_log = problem.cache_log
    status = STATUS_INTERRUPTED
    # The handlers stay until the archive is closed: a signal that arrives after the last
    # generation (or while closing) must not leave a finished run marked as running.
    with graceful_stop(handle_signals) as stop:
        try:
            last = evolve(problem, config, [writer, *hooks], resume_from, stop, search=search)
            if last is not None and (last.generation + 1 >= config.run.n_generations
                                     or finished(problem, last)):
                status = STATUS_COMPLETE
        finally:
            writer.close(status)
    # A run that completed was not stopped by a signal, whenever one came.
    stopped_by = None if status == STATUS_COMPLETE else stop.signal
    lost = None if status == STATUS_COMPLETE else stop.lost
    return RunResult(path, status, config, problem, last, time.perf_counter() - t0,
                     writer.write_seconds, stopped_by, lost)


def memory_needed(config: RunConfig, n_tasks: int = 0) -> int:
    """Bytes a run of `config` needs, estimated: about 190 MB for the libraries, and per
    individual its DEAP objects (two generations), genome and rule arrays and cache keys,
    which grow with its genes (measured: 2.8 kB for a 35-bit genome, 4-5 kB for a tree of
    up to 32 nodes; `/usr/bin/time -f %M evo-l2l run ... --population N`); with n_tasks,
    also the learning curves of a generation, (population, tasks, epochs + 1) float64, held
    about three times over (the kernel's output, the curves, the fitness measure)."""
    per = kind_of(config).bytes_per_individual(config)
    epochs = getattr(config.learner.settings, "n_epochs", 0)
    if isinstance(epochs, int) and epochs > 0:
        per += 3 * 8 * n_tasks * (epochs + 1)
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


def check_memory(config: RunConfig, n_tasks: int = 0) -> None:
    need, have = memory_needed(config, n_tasks), memory_available()
    if have is not None and need > have:
        what = f"population {config.run.population}"
        if n_tasks:
            epochs = getattr(config.learner.settings, "n_epochs", None)
            what += f" x {n_tasks} tasks" + (f" x {epochs} epochs" if epochs else "")
        raise ConfigError(f"{what} needs about {need / 1e9:.1f} GB of memory (an estimate), "
                          f"and {have / 1e9:.1f} GB are available; use a smaller configuration")


@holding_writer_lock
def start_run(config: RunConfig, path: str, force: bool = False,
              hooks: Iterable[Callable] = (), executor: Evaluator | None = None,
              handle_signals: bool = False) -> RunResult:
    """A new run of `config`, archived at `path` generation by generation.

    executor: where fitness is evaluated (evaluator.InProcess by default; see
    executors.make_executor); the archive is the same on every executor.
    handle_signals: SIGINT and SIGTERM stop the run after the generation in hand, with
    RunResult.stop_signal saying which, and the caller's handlers are put back at the end
    (graceful_stop; the command line's behaviour). By default the handlers are left alone,
    and a KeyboardInterrupt propagates after the archive is closed as interrupted."""
    config.validate()
    check_memory(config)
    tasks = build_tasks(config)
    check_memory(config, len(tasks))
    problem = make_problem(config, tasks, executor)
    # The run's search, made once: its fresh state arrays lay out the archive, and evolve
    # seeds its generator and runs it.
    search = make_search(config, problem)
    writer = ArchiveWriter.create(path, config, tasks, problem, search.state(), force=force,
                                  trace=search.trace() if hasattr(search, "trace") else None)
    return _drive(writer, config, problem, search, hooks, None, handle_signals)


@holding_writer_lock
def resume_run(path: str, n_generations: int | None = None,
               hooks: Iterable[Callable] = (), force: bool = False,
               executor: Evaluator | None = None, handle_signals: bool = False) -> RunResult:
    """Continues an archived run from its last complete generation.

    n_generations: the new total (default: the run's own target). A run stopped before
    its first generation was complete starts again from the beginning (its config and
    tasks are in the archive). handle_signals: as for start_run.
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
                         force=True, hooks=hooks, executor=executor,
                         handle_signals=handle_signals)
    run, tmp = prepare_resume(path, n_generations, force)
    try:
        target = int(run.state["n_generations_target"])
        config = run.config.with_overrides({"run.n_generations": target})
        check_memory(config, len(run.tasks))
        problem = make_problem(config, run.tasks, executor)
        problem.load_cache(run.state["cache_keys"], run.state["cache_fitness"])
        record = run.resume_record()
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    writer = ArchiveWriter(path, config.run.flush_interval, publish_from=tmp)
    return _drive(writer, config, problem, None, hooks, record, handle_signals)


def summarise(result: RunResult) -> dict:
    """A run's result as plain data (what a worker sends back for a whole run)."""
    last, problem = result.last, result.problem
    out = {"seed": result.config.run.seed, "archive": result.path, "status": result.status,
           "generations": 0 if last is None else last.generation + 1,
           "wall_seconds": result.wall_seconds, "stop_signal": result.stop_signal,
           "executor_lost": result.executor_lost, "best_fitness": None,
           "best_heldout_fitness": None, "best_generation": None, "best_rule": None}
    if last is not None:
        rule = problem.rule_of_genome(last.hof_genome)
        out.update(best_fitness=float(last.hof_fitness),
                   best_heldout_fitness=float(last.hof_heldout),
                   best_generation=int(last.hof_generation),
                   best_rule=str(problem.formula(rule)))
    return out


def run_summary(job: dict) -> dict:
    """One whole run as a plain-data call, for executor.map: job = {"config": config
    dict, "path": archive path, "force": bool} -> summarise(result). Runs one after
    another in a process (each run's search owns its random generator).

    The run handles SIGINT and SIGTERM (handle_signals=True): this is the job of a worker
    process, which the pool's owner stops with SIGTERM (executors' stop_workers) and whose
    run then ends cleanly, reporting stop_signal; the command line's in-process seeds run
    it too."""
    config = RunConfig.from_dict(job["config"])
    return summarise(start_run(config, job["path"], force=bool(job.get("force", False)),
                               handle_signals=True))


def result_from_archive(path: str, wall_seconds: float = 0.0) -> RunResult:
    """A finished run's RunResult rebuilt from its archive (for runs made elsewhere)."""
    from ..archive import open_run
    run = open_run(path)
    problem = make_problem(run.config, run.tasks)
    last = run.resume_record() if run.n_generations_done else None
    return RunResult(path, run.status, run.config, problem, last, wall_seconds, 0.0)


def run_all(configs: list, paths: list, executor: Evaluator | None = None,
            force: bool = True) -> list[RunResult]:
    """Whole runs, one per (config, path), spread over the executor's workers (in-process:
    one after another here). The results are what start_run returns; for runs made in
    other processes they are rebuilt from the archives, which are the same as in-process."""
    if executor is None or executor.name == "in-process":
        return [start_run(c, p, force=force) for c, p in zip(configs, paths)]
    jobs = [{"config": c.to_dict(), "path": p, "force": force} for c, p in zip(configs, paths)]
    return [result_from_archive(s["archive"], s["wall_seconds"])
            for s in executor.map(run_summary, jobs)]
