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

import numpy as np

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
           stop: StopFlag) -> RunResult:
    """Evolves into `writer` and closes it. The caller holds graceful_stop from before the
    writer was opened until this returns: a signal that arrives while the archive is being
    created, after the last generation or while closing must not leave it marked running."""
    t0 = time.perf_counter()
    path = writer.path
    writer.cache_log = problem.cache_log
    status = STATUS_INTERRUPTED
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


# Copies of the task set a run holds: the set and its train/held-out splits (a selection
# copies the arrays).
TASK_SET_COPIES = 2


def task_set_size(config: RunConfig) -> tuple[int, int, str] | None:
    """(tasks, bytes of the task set's arrays, the setting that sets how many tasks there
    are) from the config alone, nothing drawn or read (TaskFamily.size); None when the
    family cannot tell before it reads its data."""
    size = getattr(config.component("tasks"), "size", None)
    return None if size is None else size(config.tasks.settings)


def memory_parts(config: RunConfig, n_tasks: int = 0, task_bytes: int = 0) -> dict:
    """Bytes a run of `config` needs, estimated, by what needs them: 'libraries' (about
    190 MB), 'individuals' (per individual its DEAP objects over two generations, genome
    and rule arrays and cache keys, which grow with its genes: measured 2.8 kB for a 35-bit
    genome, 4-5 kB for a tree of up to 32 nodes with `/usr/bin/time -f %M evo-l2l run ...
    --population N`), 'curves' (with n_tasks: a generation's learning curves, (population,
    tasks, epochs + 1) float64 held about three times over: the kernel's output, the curves,
    the fitness measure) and 'tasks' (task_bytes: the task set's arrays, TASK_SET_COPIES
    times)."""
    per = kind_of(config).bytes_per_individual(config)
    epochs = getattr(config.learner.settings, "n_epochs", 0)
    curves = 0
    if isinstance(epochs, int) and epochs > 0:
        curves = 3 * 8 * n_tasks * (epochs + 1) * config.run.population
    return {"libraries": 190_000_000, "individuals": config.run.population * per,
            "curves": curves, "tasks": TASK_SET_COPIES * task_bytes}


def memory_needed(config: RunConfig, n_tasks: int = 0, task_bytes: int = 0) -> int:
    """Bytes a run of `config` needs, estimated (memory_parts summed)."""
    return sum(memory_parts(config, n_tasks, task_bytes).values())


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


def check_memory(config: RunConfig, n_tasks: int | None = None) -> None:
    """Refuses (ConfigError, one line) a run whose estimated memory exceeds what is
    available. n_tasks None: before anything is allocated, with the task set's size from
    the config (task_set_size; population alone where the family cannot tell); else the
    number of tasks of a task set already built."""
    task_bytes, count_setting = 0, None
    if n_tasks is None:
        size = task_set_size(config)
        n_tasks, task_bytes, count_setting = (0, 0, None) if size is None else size
    parts = memory_parts(config, n_tasks, task_bytes)
    need, have = sum(parts.values()), memory_available()
    if have is None or need <= have:
        return
    what = f"population {config.run.population}"
    if n_tasks:
        epochs = getattr(config.learner.settings, "n_epochs", None)
        what += f" x {n_tasks} tasks" + (f" x {epochs} epochs" if epochs else "")
    if 10 * parts["tasks"] >= need:
        what += f" and a task set of {_gigabytes(task_bytes)}"
    # The advice names the setting behind the largest part.
    biggest = max(parts, key=parts.get)
    if biggest == "tasks" and count_setting:
        advice = f"lower {count_setting}"
    elif biggest == "curves" and count_setting:
        advice = f"lower run.population, {count_setting} or learner.n_epochs"
    else:
        advice = "lower run.population"
    raise ConfigError(f"{what} needs {_gigabytes(need)} of memory (an estimate), "
                      f"and {have / 1e9:.1f} GB are available; {advice}")


def _gigabytes(n: int) -> str:
    """'about 3.2 GB'; integer arithmetic past 10^18 bytes (a population of 10^400 makes
    estimates no float holds)."""
    return f"about {n / 1e9:.1f} GB" if n < 10 ** 18 else "more than a billion GB"


# Bytes a tree or program text takes in the archive besides its characters (HDF5's
# variable-length reference and global-heap object header), and the characters of a text
# per node of the optimizer's max_size (trees) or per instruction of the rule's max_sizes
# (programs), measured on the archives of chalmers1990-gp, fewshot-digits-gp and
# automl-zero-linear (tests/test_resource_estimates.py).
TEXT_OVERHEAD_BYTES = 32
TEXT_BYTES_PER_MAX_NODE = 3.5
TEXT_BYTES_PER_MAX_INSTRUCTION = 11.0
# Archive growth past which `evo-l2l run` warns (a generation, or the whole run): a run of
# many generations fills disks.
DISK_WARN_BYTES_PER_GENERATION = 1e7
DISK_WARN_BYTES = 1e9
# A run whose archive would need this many times the free space is refused.
DISK_REFUSE_FACTOR = 2.0


def archive_growth(config: RunConfig, problem) -> int:
    """Bytes the archive grows by a generation, estimated from the population, the genome
    and the problem's archive columns: per individual its genome, fitness and
    archive_fields (coefficients, sizes...), then the generation's best so far and
    summary columns (the resume state is rewritten in place and does not grow)."""
    from ..archive.schema import GENERATION_COLUMNS
    spec = problem.genome
    if spec.text:
        instructions = getattr(config.rule.settings, "max_sizes", None)
        if instructions:
            text = TEXT_BYTES_PER_MAX_INSTRUCTION * sum(instructions)
        else:
            text = TEXT_BYTES_PER_MAX_NODE * (getattr(config.optimizer.settings, "max_size",
                                                      None) or 32)
        genome = TEXT_OVERHEAD_BYTES + text
    else:
        genome = int(np.prod(spec.shape or (1,))) * np.dtype(spec.dtype).itemsize
    fields = sum(int(np.prod(tail or (1,))) * np.dtype(dt).itemsize
                 for tail, dt in problem.archive_fields().values())
    return int(config.run.population * (genome + 8 + fields) + genome + fields
               + 8 * len(GENERATION_COLUMNS))


def check_disk(config: RunConfig, problem, path: str, generations: int | None = None) -> dict:
    """The archive's growth (bytes a generation, and over `generations`, default the run's)
    and the free space of the output's file system; refuses (ConfigError, one line) a run
    whose archive would not fit there."""
    import shutil
    per = archive_growth(config, problem)
    n = config.run.n_generations if generations is None else generations
    total = per * n
    where = os.path.dirname(os.path.abspath(path))
    while not os.path.isdir(where) and os.path.dirname(where) != where:
        where = os.path.dirname(where)         # a folder the command line will create
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        free = None
    # Refused only when clearly too small (the estimate errs by up to half again; a disk
    # that fills later stops the run cleanly, resumable once space is freed).
    if free is not None and total > DISK_REFUSE_FACTOR * free:
        raise ConfigError(
            f"the archive would grow by about {_bytes(per)} a generation (population "
            f"{config.run.population}), {_bytes(total)} over {n} generations, and "
            f"{where} has {_bytes(free)} free; lower run.population or "
            "run.n_generations, or free space there")
    return {"bytes_per_generation": per, "bytes_total": total, "generations": n,
            "free_bytes": free}


def _bytes(n: float) -> str:
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n:.0f} bytes"


def disk_notice(estimate: dict, config: RunConfig) -> str | None:
    """One warning line when the archive will grow large (DISK_WARN_BYTES_PER_GENERATION
    a generation or DISK_WARN_BYTES in all), else None."""
    if (estimate["bytes_total"] < DISK_WARN_BYTES
            and estimate["bytes_per_generation"] < DISK_WARN_BYTES_PER_GENERATION):
        return None
    return (f"warning: the archive will grow by about "
            f"{_bytes(estimate['bytes_per_generation'])} a generation (population "
            f"{config.run.population}), {_bytes(estimate['bytes_total'])} over "
            f"{estimate['generations']} generations; lower run.population to write less")


@holding_writer_lock
def start_run(config: RunConfig, path: str, force: bool = False,
              hooks: Iterable[Callable] = (), executor: Evaluator | None = None,
              handle_signals: bool = False,
              notify: Callable[[str], None] | None = None) -> RunResult:
    """A new run of `config`, archived at `path` generation by generation.

    executor: where fitness is evaluated (evaluator.InProcess by default; see
    executors.make_executor); the archive is the same on every executor.
    handle_signals: SIGINT and SIGTERM stop the run after the generation in hand, with
    RunResult.stop_signal saying which, and the caller's handlers are put back at the end
    (graceful_stop; the command line's behaviour). By default the handlers are left alone,
    and a KeyboardInterrupt propagates after the archive is closed as interrupted.
    notify: takes a one-line warning before the run starts (an archive that will grow
    large); memory or disk space that would not do raise ConfigError before anything
    big is allocated or written."""
    config.validate()
    check_memory(config)
    tasks = build_tasks(config)
    check_memory(config, len(tasks))
    problem = make_problem(config, tasks, executor)
    notice = disk_notice(check_disk(config, problem, path), config)
    if notice and notify is not None:
        notify(notice)
    # The run's search, made once: its fresh state arrays lay out the archive, and evolve
    # seeds its generator and runs it.
    search = make_search(config, problem)
    notice_of = getattr(config.component("optimizer"), "notice", None)
    slow = notice_of and notice_of(config.optimizer.settings, problem.genome,
                                   config.run.population)
    if slow and notify is not None:
        notify(slow)
    with graceful_stop(handle_signals) as stop:
        writer = ArchiveWriter.create(path, config, tasks, problem, search.state(), force=force,
                                      trace=search.trace() if hasattr(search, "trace") else None)
        return _drive(writer, config, problem, search, hooks, None, stop)


@holding_writer_lock
def resume_run(path: str, n_generations: int | None = None,
               hooks: Iterable[Callable] = (), force: bool = False,
               executor: Evaluator | None = None, handle_signals: bool = False,
               notify: Callable[[str], None] | None = None) -> RunResult:
    """Continues an archived run from its last complete generation.

    n_generations: the new total (default: the run's own target). A run stopped before
    its first generation was complete starts again from the beginning (its config and
    tasks are in the archive). handle_signals, notify: as for start_run (the archive's
    growth counted over the generations still to run).
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
                         handle_signals=handle_signals, notify=notify)
    run, tmp = prepare_resume(path, n_generations, force)
    try:
        target = int(run.state["n_generations_target"])
        config = run.config.with_overrides({"run.n_generations": target})
        check_memory(config, len(run.tasks))
        problem = make_problem(config, run.tasks, executor)
        notice = disk_notice(check_disk(config, problem, path,
                                        max(0, target - run.n_generations_done)), config)
        if notice and notify is not None:
            notify(notice)
        problem.load_cache(run.state["cache_keys"], run.state["cache_fitness"])
        record = run.resume_record()
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    with graceful_stop(handle_signals) as stop:
        writer = ArchiveWriter(path, config.run.flush_interval, publish_from=tmp)
        return _drive(writer, config, problem, None, hooks, record, stop)


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
