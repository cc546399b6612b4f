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
from .problem import python_random_seed


@dataclass
class GenerationRecord:
    generation: int
    genomes: np.ndarray          # (N, L) arrays, or (N,) tree texts
    extra: dict                  # per-individual arrays to archive, e.g. {"coef": (N, K)}
    fitness: np.ndarray          # (N,) training fitness
    n_evaluations: int           # individuals whose fitness was (re)computed
    best_index: int              # index of the generation's best in the population
    best_heldout: float          # held-out fitness of the generation's best
    hof_genome: np.ndarray       # best genome so far ((L,) array or a 0-d text array)
    hof_extra: dict              # its archived arrays, e.g. {"coef": (K,)}
    hof_fitness: float
    hof_heldout: float
    hof_generation: int
    elapsed: float               # seconds of evolution so far, over all sessions
    py_random_state: tuple       # random.getstate() at the end of this generation
    optimizer_state: np.ndarray = None   # e.g. CMA-ES mean, step size, covariance (else empty)


HookFn = Callable[[GenerationRecord], None]


def make_operators(config: RunConfig, problem):
    if config.optimizer == "gp":
        from .gp_ops import GPOperators
        return GPOperators(config, problem)
    if config.optimizer == "cmaes":
        from .cmaes_ops import CMAESOperators
        return CMAESOperators(config, problem)
    if config.optimizer == "es":
        from .es_sa_ops import ESOperators
        return ESOperators(config, problem)
    if config.optimizer == "sa":
        from .es_sa_ops import SAOperators
        return SAOperators(config, problem)
    from .ga import GAOperators
    return GAOperators(config, problem)


def evolve(problem, config: RunConfig, hooks: Iterable[HookFn] = (),
           resume_from: GenerationRecord | None = None,
           should_stop: Callable[[], bool] = lambda: False) -> GenerationRecord:
    """Runs (or continues) evolution until config.n_generations; returns the last record."""
    hooks = list(hooks)
    ops = make_operators(config, problem)
    t0 = time.perf_counter()
    n_eval = 0

    def evaluate(pop: list) -> None:
        nonlocal n_eval
        invalid = [ind for ind in pop if not ind.fitness.valid]
        if not invalid:
            return
        fit, _ = problem.evaluate(ops.to_genomes(invalid))
        for ind, f in zip(invalid, fit.tolist()):
            ind.fitness.values = (f,)
        # DEAP's count (invalid individuals), not kernel work: it must not
        # depend on the fitness cache.
        n_eval += len(invalid)

    def heldout(genome) -> float:
        return float(problem.evaluate(_one(problem, genome), "heldout")[0][0])

    if resume_from is None:
        random.seed(python_random_seed(config.seed))
        pop = ops.population(config.population)
        evaluate(pop)
        generation, elapsed0 = 0, 0.0
        hof = None
    else:
        r = resume_from
        random.setstate(r.py_random_state)
        if hasattr(ops, "set_state"):
            ops.set_state(np.asarray(r.optimizer_state))
        pop = ops.from_genomes(r.genomes, r.fitness)
        generation, elapsed0 = r.generation, r.elapsed
        hof = (r.hof_genome.copy(), r.hof_fitness, r.hof_heldout, r.hof_generation)
        hof_extra = {k: v[0] for k, v in problem.describe(_one(problem, hof[0])).items()}
        record = r

    while True:
        if resume_from is None or generation > resume_from.generation:
            genomes = ops.to_genomes(pop)
            fitness = np.array([ind.fitness.values[0] for ind in pop])
            best = int(np.argmax(fitness))
            best_heldout = heldout(genomes[best])
            if hof is None or fitness[best] > hof[1]:
                hof = (np.array(genomes[best]).copy(), float(fitness[best]), best_heldout, generation)
                hof_extra = {k: v[0] for k, v in problem.describe(_one(problem, hof[0])).items()}
            record = GenerationRecord(
                generation, genomes, problem.describe(genomes), fitness, n_eval, best,
                best_heldout, hof[0], hof_extra, hof[1], hof[2], hof[3],
                elapsed0 + time.perf_counter() - t0, random.getstate(),
                ops.get_state() if hasattr(ops, "get_state") else np.zeros(0))
            for hook in hooks:
                hook(record)
        if generation + 1 >= config.n_generations or should_stop():
            return record
        n_eval = 0
        pop = ops.next_generation(pop, evaluate)
        generation += 1


def _one(problem, genome) -> np.ndarray:
    """A batch of one genome, as the problem expects it."""
    if problem.genome_shape == ():
        return problem.to_genome_array([problem.rule_of_genome(genome)])
    return np.asarray(genome, dtype=problem.genome_dtype)[None, :]
