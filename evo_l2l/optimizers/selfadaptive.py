"""Self-adaptive (mu, lambda)-ES: every genome carries its own mutation strengths.

Beyer & Schwefel (2002), "Evolution strategies: a comprehensive introduction";
DEAP's `mutESLogNormal`. Real genomes carry a strength per gene, mutated
log-normally before the genes they mutate:

    sigma_i <- sigma_i * exp(tau0 * N0 + tau * N_i),  tau0 = c / sqrt(2 n),
    tau = c / sqrt(2 sqrt(n));   x_i <- x_i + sigma_i * N_i'

Bit genomes carry one flip rate per individual, mutated on the logistic scale
so that it stays in (0, 1) (Baeck & Schuetz 1996, gamma = 0.22 c):

    p <- 1 / (1 + (1 - p) / p * exp(-gamma * N)),  then each bit flips with p.

Each generation the mu best of the lambda (= run.population) offspring are
the parents; an offspring is the intermediate recombination of two parents
picked at random (genes and strengths averaged; bits taken from either parent,
rates averaged geometrically), then mutated. `adapt = false` keeps every
strength at its initial value: the fixed-sigma ES of the same code, the
ablation a self-adaptation result is measured against. Strengths are search
state (named arrays the archive keeps), not part of the genome the rule
family decodes. Draws only from the search's `rng`.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from deap import creator

from ..components import Settings, need, setting
from .base import ArraySearch, Optimizer, take

GAMMA_BITS = 0.22      # Baeck & Schuetz (1996): learning rate of a bit-flip rate


@dataclass
class StrengthSettings(Settings):
    """What every search whose genomes carry their own strengths has (this one and fme)."""

    sigma_init: float = setting(0.3, "initial mutation strength of every gene (real genomes)",
                                low=0, low_open=True)
    sigma_min: float = setting(1e-5, "strengths are clipped to [sigma_min, sigma_max]",
                               low=0, low_open=True)
    sigma_max: float = setting(5.0, "upper clip of the strengths", low=0, low_open=True)
    init_range: float = setting(1.0, "initial genes uniform in [-init_range, init_range] (real)",
                                low=0)
    rate_init: float = setting(0.05, "initial bit-flip rate of every individual (bit genomes)",
                               low=0, high=0.5, low_open=True)

    def check(self) -> None:
        need(self.sigma_min < self.sigma_max, "optimizer.sigma_min must be below sigma_max")
        need(self.sigma_min <= self.sigma_init <= self.sigma_max,
             "optimizer.sigma_init must be in [sigma_min, sigma_max]")


def initial_genes(s: StrengthSettings, bits: bool, dim: int, n: int,
                  rng: random.Random) -> list:
    """n random genomes: bits, or genes uniform in [-init_range, init_range]."""
    if bits:
        return [[rng.randint(0, 1) for _ in range(dim)] for _ in range(n)]
    return [[rng.uniform(-s.init_range, s.init_range) for _ in range(dim)] for _ in range(n)]


@dataclass
class SelfAdaptiveSettings(StrengthSettings):
    mu: int = setting(10, "parents: the best mu of the lambda = run.population offspring", low=1)
    recombination: str = setting("intermediate", "global: an offspring starts from the mean of "
                                 "all mu parents (strengths: geometric mean; bits: each from a "
                                 "random parent); intermediate: of two random parents; none: "
                                 "from one", choices=("global", "intermediate", "none"))
    adapt: bool = setting(True, "false: strengths and rates stay at their initial values "
                          "(the fixed-sigma ablation)")
    c: float = setting(1.0, "learning-rate scale of the strengths: tau0 = c/sqrt(2n), "
                       "tau = c/sqrt(2 sqrt(n)); bit rates: gamma = 0.22 c", low=0, low_open=True)


def lognormal_step(sigmas: list[float], tau0: float, tau: float, lo: float, hi: float,
                   rng: random.Random) -> list:
    """One log-normal self-adaptation step of a strength vector (one shared N0)."""
    n0 = tau0 * rng.gauss(0.0, 1.0)
    return [min(max(s * math.exp(n0 + tau * rng.gauss(0.0, 1.0)), lo), hi) for s in sigmas]


def logistic_step(rate: float, gamma: float, lo: float, rng: random.Random) -> float:
    """One self-adaptation step of a bit-flip rate on the logistic scale, kept in [lo, 0.5]."""
    p = 1.0 / (1.0 + (1.0 - rate) / rate * math.exp(-gamma * rng.gauss(0.0, 1.0)))
    return min(max(p, lo), 0.5)


class SelfAdaptiveSearch(ArraySearch):
    def __init__(self, s: SelfAdaptiveSettings, genome, population: int):
        super().__init__(genome)
        self.s, self.n, self.dim = s, population, genome.length
        self.bits = genome.kind == "bits"
        # Strategy parameters of the last evaluated population, row i belongs to pop[i].
        self.strengths = np.zeros((population, 1 if self.bits else self.dim))
        self.pending_strengths = self.strengths
        self.tau0 = s.c / math.sqrt(2.0 * self.dim)
        self.tau = s.c / math.sqrt(2.0 * math.sqrt(self.dim))
        self.rate_min = min(s.rate_init, 1.0 / (10.0 * self.dim))

    def first(self) -> tuple[list, list]:
        s = self.s
        genes = initial_genes(s, self.bits, self.dim, self.n, self.rng)
        if self.bits:
            return genes, [[s.rate_init] for _ in range(self.n)]
        return genes, [[s.sigma_init] * self.dim for _ in range(self.n)]

    def child(self, parents: list, strengths: list) -> tuple[list, list]:
        """One offspring (genes, strengths) from the parents (mu rows) and their strengths."""
        s = self.s
        i = self.rng.randrange(len(parents))
        if s.recombination == "global":
            if self.bits:
                genes = [parents[self.rng.randrange(len(parents))][k] for k in range(self.dim)]
            else:
                genes = self.centre
            strat = self.centre_strengths
        elif s.recombination == "intermediate":
            j = self.rng.randrange(len(parents))
            if self.bits:
                genes = [a if self.rng.random() < 0.5 else b for a, b in zip(parents[i], parents[j])]
                strat = [math.sqrt(strengths[i][0] * strengths[j][0])]
            else:
                genes = [(a + b) / 2.0 for a, b in zip(parents[i], parents[j])]
                strat = [math.sqrt(a * b) for a, b in zip(strengths[i], strengths[j])]
        else:
            genes, strat = list(parents[i]), list(strengths[i])
        if self.bits:
            if s.adapt:
                strat = [logistic_step(strat[0], GAMMA_BITS * s.c, self.rate_min, self.rng)]
            p = strat[0]
            genes = [1 - g if self.rng.random() < p else g for g in genes]
        else:
            if s.adapt:
                strat = lognormal_step(strat, self.tau0, self.tau, s.sigma_min, s.sigma_max,
                                       self.rng)
            genes = [g + sd * self.rng.gauss(0.0, 1.0) for g, sd in zip(genes, strat)]
        return genes, strat

    def ask_individuals(self) -> list:
        if self.pop is None:
            genes, strat = self.first()
        else:
            fit = np.array([ind.fitness.values[0] for ind in self.pop])
            fit = np.where(np.isfinite(fit), fit, -np.inf)
            best = np.argsort(-fit, kind="stable")[:self.s.mu]
            parents = [list(self.pop[k]) for k in best]
            strengths = [self.strengths[k].tolist() for k in best]
            # The (mu/mu_I, lambda) centre: mean genes, geometric-mean strengths.
            self.centre = np.mean(np.array(parents, dtype=np.float64), axis=0).tolist()
            self.centre_strengths = np.exp(np.mean(np.log(self.strengths[best]), axis=0)).tolist()
            genes, strat = [], []
            for _ in range(self.n):
                g, st = self.child(parents, strengths)
                genes.append(g)
                strat.append(st)
        self.pending_strengths = np.array(strat, dtype=np.float64)
        return [creator.Individual(g) for g in genes]

    def tell(self, fitness) -> bool:
        self.strengths = self.pending_strengths
        return super().tell(fitness)

    def state(self) -> dict:
        return {"strengths": self.strengths.copy()}

    def trace(self) -> dict:
        """Per generation: the population's median strength of each gene (bits: flip rate)."""
        return {"median_strength": np.median(self.strengths, axis=0)}

    def load(self, state: dict) -> None:
        self.strengths = take(state, {"strengths": self.strengths.shape})["strengths"]
        self.pending_strengths = self.strengths


class SelfAdaptive(Optimizer):
    name = "selfadaptive"
    summary = "self-adaptive (mu, lambda)-ES: per-gene log-normal strengths, per-genome bit rates"
    settings = SelfAdaptiveSettings
    genomes = ("real", "bits")

    def check(self, s: SelfAdaptiveSettings, genome, population: int) -> None:
        need(s.mu < population, f"optimizer.mu must be below the population ({population})")

    def create(self, s, genome, population):
        return SelfAdaptiveSearch(s, genome, population)


OPTIMIZER = SelfAdaptive()
