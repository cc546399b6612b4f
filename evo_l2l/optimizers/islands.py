"""The island-model GA: the population split into demes that evolve apart and trade migrants.

Whitley, Rana & Heckendorn (1999), "The island model genetic algorithm: on
separability, population size and convergence" (J. Computing and Information
Technology 7(1)): several small populations, each a GA of its own, with the
best few of each deme copied into the next deme of a ring every
`migration_interval` generations. Demes that converge on different local optima
keep the search from committing to the first one it finds (a single
tournament GA on the Chalmers (1990) bit genome converges on a non-delta rule in
about half of the seeds: docs/results/modern.md, chalmers1990-modern); migration
lets the best deme's rule spread. Within a deme, a generation is the GA's
(`optimizers/ga.py`: elites, selection, crossover, mutation), so `islands = 1`
is the plain GA.

The demes are contiguous slices of the population (deme d: individuals
d*m .. (d+1)*m - 1 for m = population / islands), which the archive keeps in
order, so a resumed run finds its demes again; the state is the number of
generations bred so far (when to migrate). Its randomness is the GA's (the search's
`rng`, drawn through `optimizers/ga.py`'s operators); migration draws none.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from deap import tools

from ..components import need, setting
from .base import ArraySearch, Optimizer, take
from .ga import GA, GASettings, make_toolbox, next_generation


@dataclass
class IslandSettings(GASettings):
    islands: int = setting(4, "demes the population is split into (population must be a "
                              "multiple); 1: the plain GA", low=1)
    migration_interval: int = setting(50, "generations between migrations; 0: never (independent "
                                          "restarts, the best deme wins)", low=0)
    migrants: int = setting(1, "best individuals of each deme copied over the worst of the next "
                               "deme in the ring at each migration", low=0)


def migrate(demes: list, migrants: int, clone) -> list:
    """Ring migration: deme d's `migrants` best (copies, fitness kept) replace the worst of
    deme d + 1. Emigrants are chosen before any deme receives, so the order of demes does
    not matter. Returns new lists; the demes given are not changed."""
    if migrants == 0 or len(demes) < 2:
        return [list(d) for d in demes]
    emigrants = [[clone(ind) for ind in tools.selBest(d, migrants)] for d in demes]
    out = []
    for i, deme in enumerate(demes):
        incoming = emigrants[i - 1]
        order = sorted(range(len(deme)), key=lambda j: deme[j].fitness.values[0])
        worst = set(order[:len(incoming)])
        kept = [ind for j, ind in enumerate(deme) if j not in worst]
        out.append(kept + incoming)
    return out


class IslandSearch(ArraySearch):
    def __init__(self, s: IslandSettings, genome, population: int):
        super().__init__(genome)
        self.s, self.n = s, population
        self.size = population // s.islands
        self.tb = make_toolbox(s, genome.kind, genome.length, self.rng)
        self.bred = 0           # generations bred from a previous one

    def ask_individuals(self) -> list:
        if self.pop is None:
            return self.tb.population(n=self.n)
        m = self.size
        demes = [self.pop[d * m:(d + 1) * m] for d in range(self.s.islands)]
        self.bred += 1
        if self.s.migration_interval and self.bred % self.s.migration_interval == 0:
            demes = migrate(demes, self.s.migrants, self.tb.clone)
        return [ind for deme in demes for ind in next_generation(self.tb, deme, self.s, self.rng)]

    def state(self) -> dict:
        return {"generations_bred": np.array(float(self.bred))}

    def load(self, state: dict) -> None:
        self.bred = int(take(state, {"generations_bred": ()})["generations_bred"])


class IslandGA(Optimizer):
    name = "islands"
    summary = "island-model GA: demes that evolve apart with ring migration (Whitley et al. 1999)"
    settings = IslandSettings
    genomes = ("bits", "real")

    def check(self, s: IslandSettings, genome, population: int) -> None:
        GA().check(s, genome, population)
        need(population % s.islands == 0,
             f"run.population ({population}) must be a multiple of optimizer.islands ({s.islands})")
        size = population // s.islands
        need(size >= 2, "each deme needs 2 or more individuals (population / islands)")
        need(s.elitism < size, f"optimizer.elitism must be below the deme size ({size})")
        need(s.migrants < size, f"optimizer.migrants must be below the deme size ({size})")

    def create(self, s, genome, population):
        return IslandSearch(s, genome, population)


OPTIMIZER = IslandGA()
