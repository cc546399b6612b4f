"""Simulated annealing (Kirkpatrick, Gelatt & Vecchi 1983), as Bengio et al. (1992) compared it.

`population` independent chains; each generation every chain proposes a
Gaussian step (real genomes) or flips bits with probability 1/L (bit
genomes), accepted if better or with probability exp(df / T); the
temperature falls geometrically, T = max(t_end, t0 * decay^generation).
Draws only from the search's `rng`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from deap import creator

from ..components import Settings, need, setting
from .base import ArraySearch, Optimizer, take


@dataclass
class SASettings(Settings):
    step: float = setting(0.1, "Gaussian proposal step (real genomes)", low=0, low_open=True)
    t0: float = setting(0.05, "initial temperature", low=0, low_open=True)
    t_end: float = setting(1e-4, "final temperature", low=0, low_open=True)
    decay: float = setting(0.99, "temperature factor per generation", low=0, low_open=True, high=1)

    def check(self) -> None:
        need(self.t_end <= self.t0, "t_end must be <= t0")


class SASearch(ArraySearch):
    def __init__(self, s: SASettings, genome, population: int):
        super().__init__(genome)
        self.s, self.dim, self.n = s, genome.length, population
        self.bits = genome.kind == "bits"
        self.current = np.zeros((self.n, self.dim))
        self.current_fit = np.full(self.n, -np.inf)
        self.generation = 0
        self.pending_init = False     # the first evaluated population becomes the chains

    def _temperature(self) -> float:
        # A schedule in the generation number only (not the run's length), so
        # a run extended by `resume --generations` is the same run.
        return max(self.s.t_end, self.s.t0 * self.s.decay ** self.generation)

    def _propose(self, x: np.ndarray) -> list:
        if self.bits:
            p = 1.0 / self.dim
            return [int(v) ^ (self.rng.random() < p) for v in x]
        return [v + self.rng.gauss(0.0, self.s.step) for v in x]

    def ask_individuals(self) -> list:
        if self.pop is None:
            self.pending_init = True
            if self.bits:
                return [creator.Individual([self.rng.randint(0, 1) for _ in range(self.dim)])
                        for _ in range(self.n)]
            return [creator.Individual([self.rng.uniform(-1.0, 1.0) for _ in range(self.dim)])
                    for _ in range(self.n)]
        pop = self.pop
        f = np.array([ind.fitness.values[0] for ind in pop])
        if self.pending_init:
            self.current = np.array(pop, dtype=np.float64)
            self.current_fit = f.copy()
            self.pending_init = False
        else:
            T = self._temperature()
            for i in range(self.n):
                df = f[i] - self.current_fit[i]
                if df >= 0 or (math.isfinite(df) and self.rng.random() < math.exp(df / T)):
                    self.current[i] = np.array(pop[i], dtype=np.float64)
                    self.current_fit[i] = f[i]
        self.generation += 1
        return [creator.Individual(self._propose(x)) for x in self.current]

    def state(self) -> dict:
        return {"current": self.current.copy(), "current_fitness": self.current_fit.copy(),
                "generation": np.array(float(self.generation)),
                "pending_init": np.array(float(self.pending_init))}

    def load(self, state: dict) -> None:
        a = take(state, {"current": (self.n, self.dim), "current_fitness": (self.n,),
                         "generation": (), "pending_init": ()})
        self.current, self.current_fit = a["current"], a["current_fitness"]
        self.generation, self.pending_init = int(a["generation"]), bool(a["pending_init"])


class SA(Optimizer):
    name = "sa"
    summary = "simulated annealing: independent chains, geometric cooling"
    settings = SASettings
    genomes = ("bits", "real")

    def create(self, s, genome, population):
        return SASearch(s, genome, population)

    def legacy_state(self, vec, genome, population):
        """Archive format 1.0: current, current fitness, generation, pending flag in one vector."""
        k, n = population * genome.length, population
        return {"current": vec[:k].reshape(n, genome.length), "current_fitness": vec[k:k + n],
                "generation": np.array(vec[k + n]), "pending_init": np.array(vec[k + n + 1])}


OPTIMIZER = SA()
