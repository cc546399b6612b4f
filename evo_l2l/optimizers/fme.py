"""Fitness-monotonic self-modification (after Kirsch & Schmidhuber 2022, "Eliminating meta
optimization through self-referential meta learning", arXiv 2212.14392; their Fitness
Monotonic Execution. They publish no code: this is our reading, see the note below).

There is no meta optimizer with hand-set learning rates. Every genome carries its rule
genes x, its own mutation strengths sigma (one per gene; bit genomes: one flip rate) and
a meta strength tau, the parameter that mutates the strengths, and tau mutates itself:

    tau'     = tau * exp(tau * N0)                 (tau modifies itself)
    sigma_i' = sigma_i * exp(tau' * N_i)           (tau' modifies the strengths)
    x_i'     = x_i + sigma_i' * N_i''              (the strengths modify the genes)
    (bits: p' = 1 / (1 + (1 - p)/p * exp(-tau' N)), then each bit flips with p')

Compute follows fitness: the mu best genomes of the last population are executed -- each
execution makes one offspring, by default from the mean of two executed parents
(intermediate recombination, as the self-adaptive ES: without it neither search reached
Oja's rule in scripts/self_adaptation_oja.py's trials) -- the one of rank r (0 = best) with probability
proportional to mu - r, so the compute a lineage gets grows monotonically with its
fitness rank. By default every generation is all new offspring (comma selection: with the
elites kept, `elitist = true`, small strengths win too easily and the search stalls, as
plus-selection self-adaptation is known to; measured in scripts/self_adaptation_oja.py). `inherit_meta = false` is the null model: every offspring draws a
fresh tau from the initial distribution instead of inheriting its parent's, so any drift
of the inherited taus away from that null is selection acting on how genomes modify
themselves. Draws only from the search's `rng`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from deap import creator

from ..components import need, setting
from .base import ArraySearch, Optimizer, take
from .selfadaptive import StrengthSettings, initial_genes


@dataclass
class FMESettings(StrengthSettings):
    mu: int = setting(10, "elites kept (their fitness carried); the rest of the population are "
                      "their offspring", low=1)
    elitist: bool = setting(False, "true: the mu best found so far stay in the population "
                            "(plus selection); false: parents are the mu best of the last "
                            "population, all of it new offspring (comma selection)")
    recombination: str = setting("intermediate", "intermediate: an offspring starts from two "
                                 "executed parents' mean (strengths and tau: geometric mean; "
                                 "bits: either parent's); none: from one",
                                 choices=("intermediate", "none"))
    inherit_meta: bool = setting(True, "false: each offspring draws a fresh meta strength tau "
                                 "(the null model) instead of inheriting it")
    tau_init: float = setting(0.3, "median initial meta strength tau (log-uniform over a factor "
                              "of 3 around it)", low=0, low_open=True)
    tau_max: float = setting(2.0, "meta strengths are clipped to [1e-3, tau_max]", low=0.01)


TAU_MIN = 1e-3


class FMESearch(ArraySearch):
    def __init__(self, s: FMESettings, genome, population: int):
        super().__init__(genome)
        self.s, self.n, self.dim = s, population, genome.length
        self.bits = genome.kind == "bits"
        width = 1 if self.bits else self.dim
        # Strategy of the last complete population, row i belongs to pop[i]:
        # its strengths and, in the last column, its meta strength tau.
        self.strategy = np.zeros((population, width + 1))
        self.pending_strategy = self.strategy
        self.rate_min = min(s.rate_init, 1.0 / (10.0 * self.dim))

    def fresh_tau(self) -> float:
        return self.s.tau_init * math.exp(self.rng.uniform(-0.5, 0.5) * math.log(3.0))

    def first(self) -> tuple[list, list]:
        s = self.s
        genes = initial_genes(s, self.bits, self.dim, self.n, self.rng)
        if self.bits:
            strat = [[s.rate_init, self.fresh_tau()] for _ in range(self.n)]
        else:
            strat = [[s.sigma_init] * self.dim + [self.fresh_tau()] for _ in range(self.n)]
        return genes, strat

    def offspring(self, genes: list, strat: list) -> tuple[list, list]:
        """The genome's own self-modification: tau changes itself, then the strengths, then
        the genes."""
        s = self.s
        tau = strat[-1] if s.inherit_meta else self.fresh_tau()
        tau = min(max(tau * math.exp(tau * self.rng.gauss(0.0, 1.0)), TAU_MIN), s.tau_max)
        if self.bits:
            p = strat[0]
            p = 1.0 / (1.0 + (1.0 - p) / p * math.exp(-tau * self.rng.gauss(0.0, 1.0)))
            p = min(max(p, self.rate_min), 0.5)
            return [1 - g if self.rng.random() < p else g for g in genes], [p, tau]
        # One shared and one per-gene draw, as the self-adaptive ES does: the shared draw
        # lets a genome scale all its strengths at once (without it they only random-walk).
        shared = self.rng.gauss(0.0, 1.0)
        sig = [min(max(sd * math.exp(tau * (shared + self.rng.gauss(0.0, 1.0)) / math.sqrt(2.0)),
                       s.sigma_min), s.sigma_max) for sd in strat[:-1]]
        return [g + sd * self.rng.gauss(0.0, 1.0) for g, sd in zip(genes, sig)], sig + [tau]

    def ask_individuals(self) -> list:
        if self.pop is None:
            genes, strat = self.first()
            self.pending_strategy = np.array(strat, dtype=np.float64)
            return [creator.Individual(g) for g in genes]
        fit = np.array([ind.fitness.values[0] for ind in self.pop])
        fit = np.where(np.isfinite(fit), fit, -np.inf)
        elite = np.argsort(-fit, kind="stable")[:self.s.mu]
        out, strat = [], []
        if self.s.elitist:
            out = [creator.Individual(self.pop[k]) for k in elite]
            for ind, k in zip(out, elite):
                ind.fitness.values = self.pop[k].fitness.values
            strat = [self.strategy[k].tolist() for k in elite]
        # Rank r of mu is executed with probability proportional to mu - r.
        weights = list(range(len(elite), 0, -1))
        for _ in range(self.n - len(out)):
            k = self.rng.choices(elite.tolist(), weights=weights)[0]
            genes, own = list(self.pop[k]), self.strategy[k].tolist()
            if self.s.recombination == "intermediate":
                j = self.rng.choices(elite.tolist(), weights=weights)[0]
                other = self.strategy[j].tolist()
                if self.bits:
                    genes = [a if self.rng.random() < 0.5 else b
                             for a, b in zip(genes, self.pop[j])]
                else:
                    genes = [(a + b) / 2.0 for a, b in zip(genes, self.pop[j])]
                own = [math.sqrt(a * b) for a, b in zip(own, other)]
            g, st = self.offspring(genes, own)
            out.append(creator.Individual(g))
            strat.append(st)
        self.pending_strategy = np.array(strat, dtype=np.float64)
        return out

    def tell(self, fitness) -> bool:
        self.strategy = self.pending_strategy
        return super().tell(fitness)

    def state(self) -> dict:
        return {"strategy": self.strategy.copy()}

    def trace(self) -> dict:
        """Per generation, over the mu elites: median strength per gene (bits: flip rate)
        and the median meta strength tau."""
        fit = np.array([ind.fitness.values[0] for ind in self.pop]) if self.pop else None
        rows = (self.strategy if fit is None
                else self.strategy[np.argsort(-np.nan_to_num(fit, nan=-np.inf),
                                              kind="stable")[:self.s.mu]])
        return {"median_strength": np.median(rows[:, :-1], axis=0),
                "median_tau": np.median(rows[:, -1:], axis=0)}

    def load(self, state: dict) -> None:
        self.strategy = take(state, {"strategy": self.strategy.shape})["strategy"]
        self.pending_strategy = self.strategy


class FME(Optimizer):
    name = "fme"
    summary = ("fitness-monotonic self-modification: genomes mutate their own strengths and "
               "meta strength; compute by fitness rank")
    settings = FMESettings
    genomes = ("real", "bits")

    def check(self, s: FMESettings, genome, population: int) -> None:
        need(s.mu < population, f"optimizer.mu must be below the population ({population})")

    def create(self, s, genome, population):
        return FMESearch(s, genome, population)


OPTIMIZER = FME()
