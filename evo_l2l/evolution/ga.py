"""DEAP toolbox for the genetic algorithm over fixed-length genomes.

Defaults follow Chalmers (1990) as reported in shared/REFERENCES.md [S]:
two-point crossover at rate 0.8, bit-flip mutation 0.01 per bit,
fitness-proportional selection, elitism 1.
"""
from __future__ import annotations

import bisect
import itertools
import random

import numpy as np
from deap import base, creator, tools

from ..config import RunConfig

# Created once at import so individuals pickle into worker processes.
if not hasattr(creator, "FitnessMax"):
    creator.create("FitnessMax", base.Fitness, weights=(1.0,))
if not hasattr(creator, "Individual"):
    creator.create("Individual", list, fitness=creator.FitnessMax)


def clone(ind):
    """Much faster than DEAP's default deepcopy for flat genomes."""
    new = creator.Individual(ind)
    if ind.fitness.valid:
        new.fitness.values = ind.fitness.values
    return new


def individual_from_genome(genome: np.ndarray, fitness: float | None = None):
    ind = creator.Individual(genome.tolist())
    if fitness is not None:
        ind.fitness.values = (float(fitness),)
    return ind


def select_roulette(individuals: list, k: int) -> list:
    """Fitness-proportional selection that always returns k individuals.

    DEAP's selRoulette can return fewer when rounding makes the running sum
    fall short of the drawn point, and fails on all-zero fitness; here a
    non-positive total falls back to uniform choice.
    """
    fits = [max(ind.fitness.values[0], 0.0) for ind in individuals]
    cum = list(itertools.accumulate(fits))
    if not cum or not cum[-1] > 0:
        return [random.choice(individuals) for _ in range(k)]
    last = len(individuals) - 1
    return [individuals[min(bisect.bisect_right(cum, random.random() * cum[-1]), last)]
            for _ in range(k)]


def make_toolbox(config: RunConfig, genome_length: int) -> base.Toolbox:
    tb = base.Toolbox()
    if config.genome == "bits":
        tb.register("attr", random.randint, 0, 1)
        tb.register("mutate", tools.mutFlipBit, indpb=config.mutation_indpb)
    else:
        tb.register("attr", random.uniform, -1.0, 1.0)
        tb.register("mutate", tools.mutGaussian, mu=0.0, sigma=config.mutation_sigma,
                    indpb=config.mutation_indpb)
    tb.register("individual", tools.initRepeat, creator.Individual, tb.attr, genome_length)
    tb.register("population", tools.initRepeat, list, tb.individual)
    if config.crossover == "two_point":
        tb.register("mate", tools.cxTwoPoint)
    elif config.crossover == "uniform":
        tb.register("mate", tools.cxUniform, indpb=0.5)
    else:
        tb.register("mate", tools.cxBlend, alpha=0.5)
    if config.selection == "roulette":
        tb.register("select", select_roulette)
    else:
        tb.register("select", tools.selTournament, tournsize=config.tournament_size)
    tb.register("clone", clone)
    return tb


def next_generation(tb: base.Toolbox, pop: list, config: RunConfig) -> list:
    """Elites unchanged, the rest selected, crossed over and mutated (fitness invalidated)."""
    elites = [tb.clone(ind) for ind in tools.selBest(pop, config.elitism)]
    offspring = [tb.clone(ind) for ind in tb.select(pop, len(pop) - config.elitism)]
    for i in range(1, len(offspring), 2):
        if random.random() < config.crossover_prob:
            tb.mate(offspring[i - 1], offspring[i])
            del offspring[i - 1].fitness.values, offspring[i].fitness.values
    for ind in offspring:
        tb.mutate(ind)
        del ind.fitness.values
    return elites + offspring


class ArrayGenomes:
    """(De)serialising fixed-length genomes; shared by the GA, CMA-ES, ES and SA operators."""

    problem = None

    def to_genomes(self, pop: list) -> np.ndarray:
        return np.array(pop, dtype=self.problem.genome_dtype)

    def from_genomes(self, genomes: np.ndarray, fitness: np.ndarray) -> list:
        return [individual_from_genome(g, f) for g, f in zip(genomes, fitness)]


class GAOperators(ArrayGenomes):
    """The GA as the loop sees it: make, vary and (de)serialise a population."""

    def __init__(self, config: RunConfig, problem):
        self.config = config
        self.problem = problem
        self.tb = make_toolbox(config, problem.genome_length)

    def population(self, n: int) -> list:
        return self.tb.population(n=n)

    def next_generation(self, pop: list, evaluate) -> list:
        new = next_generation(self.tb, pop, self.config)
        evaluate(new)
        return new
