"""Our own generation loop over an ask/tell optimizer, with per-generation hooks.

Generation 0 is the initial population; a run of n_generations ends after
generation n_generations - 1. After every generation the loop hands a
GenerationRecord to each hook (archive writer, progress bar, ...). A record
carries everything needed to continue exactly: the evaluated population, the
hall of fame, the optimizer's state arrays and the state of the search's own
random.Random (`search.rng`, optimizers/base.py Search), which is all the
optimizer draws from. Fitness evaluation uses no randomness, so resuming from a
record gives the same run as not stopping. A run leaves the process's global
`random` and every module alone, so runs nested in one process (meta-evolution)
or in threads of one process keep separate streams.
"""
from __future__ import annotations

import random
import time
from typing import Callable, Iterable

import numpy as np

from ..archive import GenerationRecord
from ..config import RunConfig
from .evaluator import ExecutorLost
from .problem import Problem, python_random_seed
from .steady import SteadyStream

HookFn = Callable[[GenerationRecord], None]

__all__ = ["GenerationRecord", "HookFn", "StopFlag", "StopRun", "evolve", "make_search"]


class StopRun(BaseException):
    """Raised by a stop request in the middle of a generation: that generation is dropped
    (the archive keeps the last complete one, from which a resume continues exactly)."""


class StopFlag:
    """A stop request (set by SIGINT/SIGTERM, or by code). While `interruptible`, the
    signal handler raises StopRun at once; otherwise the loop stops at the next
    generation boundary."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self.interruptible = False
        self.pending = False          # a request that could not stop the generation yet
        self.lost: str | None = None  # the executor was lost (why): stopped at a boundary

    def __call__(self) -> bool:
        return self.signal is not None

    def request(self) -> None:
        """A stop asked by code (signal 0), e.g. a run below that reached its target."""
        self.signal = 0


def make_search(config: RunConfig, problem: Problem):
    """The config's optimizer, created for the problem's genomes; a search without an
    `rng` of its own (one registered from outside, not derived from optimizers.base.Search)
    is given one."""
    search = config.component("optimizer").create(config.optimizer.settings, problem.genome,
                                                   config.run.population)
    if not isinstance(getattr(search, "rng", None), random.Random):
        search.rng = random.Random(0)
    return search


def evolve(problem: Problem, config: RunConfig, hooks: Iterable[HookFn] = (),
           resume_from: GenerationRecord | None = None,
           stop: StopFlag | None = None, catch_stop: bool = True,
           search=None) -> GenerationRecord | None:
    """Runs (or continues) evolution until config.run.n_generations; returns the last
    complete record (None: stopped before the first generation was complete).

    catch_stop=False lets a StopRun raised in a generation propagate: a run nested in
    an outer run's evaluation (meta-evolution) must not end early and quietly score a
    truncated run when the signal is meant for the outer run. (So does ExecutorLost.)

    The search draws from its own random.Random (`search.rng`), seeded here from the
    run's seed tree or restored from the record, and archived with every generation.
    search: a fresh make_search(config, problem) made by the caller (start_run lays out
    the archive from its state), else one is made here."""
    hooks = list(hooks)
    stop = stop if stop is not None else StopFlag()
    search = search if search is not None else make_search(config, problem)
    rng = search.rng
    t0 = time.perf_counter()
    stream = None                   # a steady-state search's evaluation stream

    def generation() -> int:
        """Ask/tell rounds until the optimizer's generation is complete; evaluations made."""
        nonlocal stream
        if getattr(search, "steady", False):
            if stream is None:
                stream = SteadyStream(search, problem)
            return stream.generation()
        n_eval = 0
        while True:
            batch = search.ask()
            fitness = batch.fitness.copy()
            todo = np.flatnonzero(~batch.known)
            if len(todo):
                fitness[todo] = problem.evaluate(batch.genomes[todo])[0]
                # DEAP's count (invalid individuals), not kernel work: it must not
                # depend on the fitness cache.
                n_eval += len(todo)
            if search.tell(fitness):
                return n_eval

    def generation_or_stop() -> int | None:
        """generation(), or None when a stop request came in the middle of it."""
        try:
            stop.interruptible = True
            try:
                return None if stop() else generation()
            finally:
                stop.interruptible = False
        except StopRun:
            if not catch_stop:
                raise
            return None
        except ExecutorLost as exc:
            # The generation in progress is dropped, as for a stop request; the archive
            # keeps every complete one and a resume continues on any executor.
            if not catch_stop:
                raise
            stop.lost = str(exc)
            return None

    def heldout(genome) -> float:
        return float(problem.evaluate(_one(problem, genome), "heldout")[0][0])

    if resume_from is None:
        rng.seed(python_random_seed(config.run.seed))
        n_eval = generation_or_stop()
        if n_eval is None:
            return None
        gen, elapsed0, hof, record = 0, 0.0, None, None
    else:
        r = resume_from
        rng.setstate(r.py_random_state)
        search.restore(r.genomes, r.fitness, r.optimizer_state)
        gen, elapsed0, record = r.generation, r.elapsed, r
        hof = (r.hof_genome.copy(), r.hof_fitness, r.hof_heldout, r.hof_generation)
        hof_extra = {k: v[0] for k, v in problem.describe(_one(problem, hof[0])).items()}

    while True:
        if record is None or gen > record.generation:
            genomes, fitness = search.population()
            best = int(np.argmax(fitness))
            try:
                best_heldout = heldout(genomes[best])
            except ExecutorLost as exc:
                if not catch_stop:
                    raise
                stop.lost = str(exc)
                return record
            if getattr(problem, "selecting", False):
                # A selection stage (AutoML-Zero): the problem picks the run's best among
                # the generation's best candidates by their fitness on its selection tasks.
                new = problem.select_from(genomes, fitness, None if hof is None else hof[0])
            else:
                new = best if hof is None or fitness[best] > hof[1] else None
            if new is not None:
                new_heldout = best_heldout if new == best else heldout(genomes[new])
                hof = (np.array(genomes[new]).copy(), float(fitness[new]), new_heldout, gen)
                hof_extra = {k: v[0] for k, v in problem.describe(_one(problem, hof[0])).items()}
            record = GenerationRecord(
                gen, genomes, problem.describe(genomes), fitness, n_eval, best,
                best_heldout, hof[0], hof_extra, hof[1], hof[2], hof[3],
                elapsed0 + time.perf_counter() - t0, rng.getstate(), search.state(),
                search.trace() if hasattr(search, "trace") else {})
            for hook in hooks:
                hook(record)
        if gen + 1 >= config.run.n_generations or stop() or finished(problem, record):
            return record
        n_eval = generation_or_stop()
        if n_eval is None:
            return record
        gen += 1


def finished(problem, record) -> bool:
    """The problem's own end before the generation budget (e.g. AutoML-Zero's
    rule.sufficient_fitness): problem.done(record), when it has one."""
    done = getattr(problem, "done", None)
    return bool(done is not None and record is not None and done(record))


def _one(problem: Problem, genome) -> np.ndarray:
    """A batch of one genome, as the problem expects it."""
    if problem.genome.text:
        return problem.to_genome_array([problem.rule_of_genome(genome)])
    return np.asarray(genome, dtype=problem.genome.dtype)[None, :]
