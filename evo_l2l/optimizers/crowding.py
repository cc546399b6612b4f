"""Deterministic crowding: a GA whose children replace only the parent they resemble.

Mahfoud (1995), "Niching methods for genetic algorithms" (PhD thesis, Univ. of
Illinois; IlliGAL report 95001), ch. 4. Each generation the population is paired
at random; each pair makes two children by the GA's crossover (with probability
`crossover_prob`) and mutation; each child is matched with the parent it is
closer to (the pairing of children with parents that has the smaller total
Hamming or Euclidean distance) and replaces that parent if its fitness is at least
the parent's. There is no selection across the population, so a rule competes only
with its own neighbours and niches around several optima survive side by side;
a plain GA instead hands the whole population to the first good optimum it finds
(on the Chalmers (1990) bit genome, a bias-exploiting rule such as a(4t - 2o - 1)
that the delta-like (t - o)(8a - 4) beats on every seed: docs/results/modern.md).

The archived population is the survivors, in slot order; the children of a
generation are the batch evaluated. State: none beyond the population (randomness
from the search's `rng`, here and through the GA's operators).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import need
from .base import ArraySearch, Optimizer, set_fitness
from .ga import GA, GASettings, make_toolbox


@dataclass
class CrowdingSettings(GASettings):
    """The GA's settings; selection, tournament_size and elitism are not used (every
    individual is a parent once per generation, and a parent is only ever replaced by a
    child at least as fit, so the best is never lost)."""


def distance(a, b) -> float:
    return float(np.sum(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))


class CrowdingSearch(ArraySearch):
    def __init__(self, s: CrowdingSettings, genome, population: int):
        super().__init__(genome)
        self.s, self.n = s, population
        self.tb = make_toolbox(s, genome.kind, genome.length, self.rng)
        self.pairs: list = []      # (slot of parent 1, slot of parent 2) per pair of children

    def ask_individuals(self) -> list:
        if self.pop is None:
            return self.tb.population(n=self.n)
        order = list(range(self.n))
        self.rng.shuffle(order)
        self.pairs = [(order[i], order[i + 1]) for i in range(0, self.n - 1, 2)]
        children = []
        for i, j in self.pairs:
            c1, c2 = self.tb.clone(self.pop[i]), self.tb.clone(self.pop[j])
            if self.rng.random() < self.s.crossover_prob:
                self.tb.mate(c1, c2)
            for c in (c1, c2):
                self.tb.mutate(c)
                del c.fitness.values
            children += [c1, c2]
        return children

    def tell(self, fitness: np.ndarray) -> bool:
        set_fitness(self.pending, fitness)
        if self.pop is None:
            self.pop = self.pending
            return True
        pop = list(self.pop)
        for k, (i, j) in enumerate(self.pairs):
            c1, c2 = self.pending[2 * k], self.pending[2 * k + 1]
            p1, p2 = self.pop[i], self.pop[j]
            if distance(p1, c1) + distance(p2, c2) <= distance(p1, c2) + distance(p2, c1):
                matches = ((i, c1), (j, c2))
            else:
                matches = ((i, c2), (j, c1))
            for slot, child in matches:
                if child.fitness.values[0] >= pop[slot].fitness.values[0]:
                    pop[slot] = child
        self.pop = pop
        return True


class Crowding(Optimizer):
    name = "crowding"
    summary = "deterministic crowding: children replace the parent they resemble (Mahfoud 1995)"
    settings = CrowdingSettings
    genomes = ("bits", "real")

    def check(self, s: CrowdingSettings, genome, population: int) -> None:
        GA().check(s, genome, population)
        need(population % 2 == 0, "optimizer 'crowding' pairs the population: it must be even")

    def create(self, s, genome, population):
        return CrowdingSearch(s, genome, population)


OPTIMIZER = Crowding()
