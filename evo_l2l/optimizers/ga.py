"""The genetic algorithm over fixed-length genomes (DEAP operators).

Defaults follow Chalmers (1990) as reported in shared/REFERENCES.md [S]:
two-point crossover at rate 0.8, bit-flip mutation 0.01 per bit,
fitness-proportional selection, elitism 1. Each generation: the elites
unchanged, the rest selected, crossed over in pairs and mutated.
"""
from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass

import numpy as np
from deap import base, creator, tools

from ..components import Settings, need, setting
from . import draws
from .base import ArraySearch, Batch, Optimizer, clone, fitness_values, individuals
from .draws import cx_two_point, two_point_cuts, uniforms


@dataclass
class GASettings(Settings):
    selection: str = setting("roulette", "roulette (fitness-proportional) or tournament",
                             choices=("roulette", "tournament"))
    tournament_size: int = setting(3, "individuals per tournament", low=1)
    crossover: str = setting("two_point", "two_point, uniform, or blend (real genomes)",
                             choices=("two_point", "uniform", "blend"))
    crossover_prob: float = setting(0.8, "probability that a pair is crossed over", low=0, high=1)
    mutation_indpb: float = setting(0.01, "per-gene mutation probability (bit flip, or Gaussian)",
                                    low=0, high=1)
    mutation_sigma: float = setting(0.5, "standard deviation of Gaussian mutation (real genomes)",
                                    low=0, low_open=True)
    elitism: int = setting(1, "best individuals copied unchanged into the next generation", low=0)


def select_roulette(individuals: list, k: int, *, rng: random.Random) -> list:
    """Fitness-proportional selection that always returns k individuals.

    DEAP's selRoulette can return fewer when rounding makes the running sum
    fall short of the drawn point, and fails on all-zero fitness; here a
    non-positive total falls back to uniform choice. (wvalues[0] is values[0]:
    the weight is 1.0.)
    """
    return [individuals[i] for i in roulette_rows(fitness_values(individuals), k, rng).tolist()]


def flip_bits(individuals: list, indpb: float, *, rng: random.Random) -> None:
    """tools.mutFlipBit(ind, indpb) on each individual in turn: one random() per gene, in
    order, a gene flipped when it is below indpb; the draws taken in one call."""
    lengths = [len(ind) for ind in individuals]
    hits = np.flatnonzero(uniforms(sum(lengths), rng) < indpb).tolist()
    if not hits:
        return
    starts = list(itertools.accumulate(lengths, initial=0))
    for h in hits:
        k = bisect.bisect_right(starts, h) - 1
        ind, i = individuals[k], h - starts[k]
        ind[i] = type(ind[i])(not ind[i])


def select_best(individuals: list, k: int) -> list:
    """tools.selBest: the same order (a stable sort on the same comparisons, Fitness's
    `<` being its wvalues'), without a Python-level comparison call per pair."""
    return sorted(individuals, key=lambda ind: ind.fitness.wvalues, reverse=True)[:k]


def make_toolbox(s: GASettings, kind: str, length: int, rng: random.Random) -> base.Toolbox:
    """The GA's operators, each drawing from rng (the search's generator)."""
    tb = base.Toolbox()
    if kind == "bits":
        tb.register("attr", rng.randint, 0, 1)
        tb.register("mutate", draws.mut_flip_bit, indpb=s.mutation_indpb, rng=rng)
        # the same mutation on a whole generation's offspring at once (next_generation)
        tb.register("mutate_all", flip_bits, indpb=s.mutation_indpb, rng=rng)
    else:
        tb.register("attr", rng.uniform, -1.0, 1.0)
        tb.register("mutate", draws.mut_gaussian, mu=0.0, sigma=s.mutation_sigma,
                    indpb=s.mutation_indpb, rng=rng)
    tb.register("individual", tools.initRepeat, creator.Individual, tb.attr, length)
    tb.register("population", tools.initRepeat, list, tb.individual)
    if s.crossover == "two_point":
        tb.register("mate", cx_two_point, rng=rng)
    elif s.crossover == "uniform":
        tb.register("mate", draws.cx_uniform, indpb=0.5, rng=rng)
    else:
        tb.register("mate", draws.cx_blend, alpha=0.5, rng=rng)
    if s.selection == "roulette":
        tb.register("select", select_roulette, rng=rng)
    else:
        tb.register("select", draws.sel_tournament, tournsize=s.tournament_size, rng=rng)
    tb.register("clone", clone)
    return tb


def next_generation(tb: base.Toolbox, pop: list, s: GASettings, rng: random.Random) -> list:
    """Elites unchanged, the rest selected, crossed over and mutated (fitness invalidated).
    rng: the generator tb's operators draw from (the crossover decisions are drawn here)."""
    elites = [tb.clone(ind) for ind in select_best(pop, s.elitism)]
    offspring = [tb.clone(ind) for ind in tb.select(pop, len(pop) - s.elitism)]
    for i in range(1, len(offspring), 2):
        if rng.random() < s.crossover_prob:
            tb.mate(offspring[i - 1], offspring[i])
    if hasattr(tb, "mutate_all"):
        tb.mutate_all(offspring)
    else:
        for ind in offspring:
            tb.mutate(ind)
    for ind in offspring:
        ind.fitness.wvalues = ()            # del ind.fitness.values, without the property
    return elites + offspring


def roulette_rows(fitness: np.ndarray, k: int, rng: random.Random) -> np.ndarray:
    """select_roulette on a fitness array: the rows it picks, from the same draws."""
    fits = np.where(0.0 > fitness, 0.0, fitness)        # max(f, 0.0), NaN kept as max keeps it
    cum = np.cumsum(fits)                                # sequential, as itertools.accumulate
    if not len(cum) or not cum[-1] > 0:
        return np.array([rng.choice(range(len(fitness))) for _ in range(k)], dtype=np.intp)
    return np.minimum(np.searchsorted(cum, uniforms(k, rng) * cum[-1], side="right"),
                      len(cum) - 1)


def tournament_rows(fitness: np.ndarray, k: int, tournsize: int,
                    rng: random.Random) -> np.ndarray:
    """draws.sel_tournament on a fitness array without NaN: the rows it picks, from the
    same draws (the first of the largest of each tournament, as its argmax path)."""
    if k <= 0:
        return np.zeros(0, dtype=np.intp)
    drawn = draws.below_many(len(fitness), k * tournsize, rng).reshape(k, tournsize)
    return drawn[np.arange(k), np.argmax(fitness[drawn], axis=1)]


def bit_generation(genomes: np.ndarray, fitness: np.ndarray, s: GASettings,
                   rng: random.Random):
    """next_generation for bit genomes (roulette or tournament selection, two-point or
    uniform crossover) on a (N, L) uint8 population and its (N,) fitness without NaN: the
    same draws from rng in the same order and the same children
    (tests/test_ga_operators.py), as arrays.

    Why: with list individuals most of a chalmers1990 generation's Python went to cloning
    and slicing lists, one gene at a time (and a meta level's runs below make a million
    such generations). Returns (genomes, carried fitness, known) of the next batch: the
    elites with their fitness, then the offspring (NaN, unknown)."""
    N, L = genomes.shape
    e = s.elitism
    # select_best: sorted(..., reverse=True) is stable, as argsort of the negation is
    elites = np.argsort(-fitness, kind="stable")[:e]
    if s.selection == "roulette":
        off = genomes[roulette_rows(fitness, N - e, rng)]
    else:
        off = genomes[tournament_rows(fitness, N - e, s.tournament_size, rng)]
    rows, lo, hi, masks = [], [], [], []
    uniform = s.crossover == "uniform"
    for i in range(1, N - e, 2):
        if rng.random() < s.crossover_prob:
            rows.append(i)
            if uniform:                     # cx_uniform: one random() per gene, in order
                masks.append(uniforms(L, rng) < 0.5)
            else:
                c1, c2 = two_point_cuts(L, rng)
                lo.append(c1)
                hi.append(c2)
    if rows:
        i = np.array(rows)
        if uniform:
            swap = np.array(masks)
        else:
            cols = np.arange(L)
            swap = (cols >= np.array(lo)[:, None]) & (cols < np.array(hi)[:, None])
        a, b = off[i - 1], off[i]
        off[i - 1], off[i] = np.where(swap, b, a), np.where(swap, a, b)
    flat = off.reshape(-1)                               # flip_bits: gene by gene, in order
    hits = np.flatnonzero(uniforms(flat.size, rng) < s.mutation_indpb)
    flat[hits] = flat[hits] == 0
    known = np.arange(N) < e
    carried = np.concatenate([fitness[elites], np.full(N - e, np.nan)])
    return np.concatenate([genomes[elites], off]), carried, known


class GASearch(ArraySearch):
    """The GA's search. With bit genomes (two-point or uniform crossover, either
    selection) its population lives in arrays and bit_generation breeds it; otherwise, or
    when arrays=False (the tests' reference), in DEAP list individuals."""

    def __init__(self, s: GASettings, genome, population: int, arrays: bool | None = None):
        super().__init__(genome)
        self.s, self.n = s, population
        self.tb = make_toolbox(s, genome.kind, genome.length, self.rng)
        if arrays is None:
            arrays = genome.kind == "bits" and s.crossover in ("two_point", "uniform")
        self.arrays = arrays
        self.pop_arrays: tuple | None = None     # (genomes, fitness) in array mode
        self._pending_arrays = None

    def ask_individuals(self) -> list:
        if self.pop is None:
            return self.tb.population(n=self.n)
        return next_generation(self.tb, self.pop, self.s, self.rng)

    def ask(self) -> Batch:
        if not self.arrays or self.pop_arrays is None:
            return super().ask()                 # the first generation: DEAP's initRepeat
        genomes, fitness = self.pop_arrays
        if np.isnan(fitness).any():              # NaN orders differently in sorted(): lists
            self.pop = individuals(genomes, fitness)
            self.pop_arrays = None
            return super().ask()
        genomes, carried, known = bit_generation(genomes, fitness, self.s, self.rng)
        self._pending_arrays = genomes
        return Batch(genomes.copy(), carried, known)

    def tell(self, fitness: np.ndarray) -> bool:
        fitness = np.array(fitness, dtype=np.float64)
        if self._pending_arrays is not None:
            self.pop_arrays = (self._pending_arrays, fitness)
            self._pending_arrays = None
            return True
        super().tell(fitness)
        if self.arrays:
            self.pop_arrays = (self._asked[1].copy(), fitness)
            self.pop, self._asked = None, None
        return True

    def population(self) -> tuple[np.ndarray, np.ndarray]:
        if self.pop_arrays is None:
            return super().population()
        return self.pop_arrays[0].copy(), self.pop_arrays[1].copy()

    def restore(self, genomes: np.ndarray, fitness: np.ndarray, state: dict) -> None:
        super().restore(genomes, fitness, state)
        if self.arrays:
            self.pop_arrays = (self.to_array(self.pop), fitness_values(self.pop))
            self.pop = None


class GA(Optimizer):
    name = "ga"
    summary = "genetic algorithm: selection, crossover, mutation, elitism (DEAP)"
    settings = GASettings
    genomes = ("bits", "real")

    def check(self, s: GASettings, genome, population: int) -> None:
        need(s.elitism < population, "optimizer.elitism must be in 0..population-1")
        need(not (s.crossover == "blend" and genome.kind != "real"),
             "optimizer.crossover 'blend' needs a real genome")
        need(not (s.crossover == "two_point" and genome.length < 2),
             f"optimizer.crossover 'two_point' needs 2 or more genes; the genome has "
             f"{genome.length} (choose uniform or blend)")

    def create(self, s, genome, population):
        return GASearch(s, genome, population)


OPTIMIZER = GA()
