"""Our own generation loop on DEAP operators, with per-generation hooks.

Generation 0 is the initial population; a run of n_generations ends after
generation n_generations - 1. After every generation the loop hands a
GenerationRecord to each hook (archive writer, progress bar, ...). A record
carries everything needed to continue exactly: the evaluated population, the
hall of fame and the state of stdlib `random`, which DEAP's operators draw
from. Fitness evaluation uses no randomness, so resuming from a record gives
the same run as not stopping.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from ..config import RunConfig
from .ga import individual_from_genome, make_toolbox, next_generation
from .problem import ParametricRuleProblem, python_random_seed


@dataclass
class GenerationRecord:
    generation: int
    genomes: np.ndarray          # (N, L) population after evaluation
    coef: np.ndarray             # (N, K) decoded coefficients
    fitness: np.ndarray          # (N,) training fitness
    n_evaluations: int           # individuals whose fitness was (re)computed
    best_index: int              # index of the generation's best in the population
    best_heldout: float          # held-out fitness of the generation's best
    hof_genome: np.ndarray       # (L,) best genome so far
    hof_coef: np.ndarray         # (K,) its coefficients
    hof_fitness: float
    hof_heldout: float
    hof_generation: int
    elapsed: float               # seconds of evolution so far, over all sessions
    py_random_state: tuple       # random.getstate() at the end of this generation


HookFn = Callable[[GenerationRecord], None]


def evolve(problem: ParametricRuleProblem, config: RunConfig, hooks: Iterable[HookFn] = (),
           resume_from: GenerationRecord | None = None,
           should_stop: Callable[[], bool] = lambda: False) -> GenerationRecord:
    """Runs (or continues) the GA until config.n_generations; returns the last record."""
    hooks = list(hooks)
    tb = make_toolbox(config, problem.genome_length)
    t0 = time.perf_counter()

    def evaluate(pop: list) -> int:
        invalid = [ind for ind in pop if not ind.fitness.valid]
        if not invalid:
            return 0
        fit, _ = problem.evaluate(np.array(invalid, dtype=problem.genome_dtype))
        for ind, f in zip(invalid, fit.tolist()):
            ind.fitness.values = (f,)
        # DEAP's count (invalid individuals), not kernel work: it must not
        # depend on the fitness cache, which a resumed run starts empty.
        return len(invalid)

    def heldout(genome: np.ndarray) -> float:
        return float(problem.evaluate(genome[None, :], "heldout")[0][0])

    if resume_from is None:
        random.seed(python_random_seed(config.seed))
        pop = tb.population(n=config.population)
        n_eval = evaluate(pop)
        generation, elapsed0 = 0, 0.0
        hof = None
    else:
        r = resume_from
        random.setstate(r.py_random_state)
        pop = [individual_from_genome(g, f) for g, f in zip(r.genomes, r.fitness)]
        generation, elapsed0 = r.generation, r.elapsed
        hof = (r.hof_genome.copy(), r.hof_fitness, r.hof_heldout, r.hof_generation)
        hof_coef = problem.decode(hof[0][None])[0]
        record = r

    while True:
        if resume_from is None or generation > resume_from.generation:
            genomes = np.array(pop, dtype=problem.genome_dtype)
            fitness = np.array([ind.fitness.values[0] for ind in pop])
            best = int(np.argmax(fitness))
            best_heldout = heldout(genomes[best])
            if hof is None or fitness[best] > hof[1]:
                hof = (genomes[best].copy(), float(fitness[best]), best_heldout, generation)
                hof_coef = problem.decode(hof[0][None])[0]
            record = GenerationRecord(
                generation, genomes, problem.decode(genomes), fitness, n_eval, best,
                best_heldout, hof[0], hof_coef, hof[1], hof[2], hof[3],
                elapsed0 + time.perf_counter() - t0, random.getstate())
            for hook in hooks:
                hook(record)
        if generation + 1 >= config.n_generations or should_stop():
            return record
        pop = next_generation(tb, pop, config)
        n_eval = evaluate(pop)
        generation += 1
