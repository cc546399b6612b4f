"""Evolution-strategies gradient ascent (Salimans et al. 2017, "Evolution strategies as a
scalable alternative to reinforcement learning"; the OpenAI-ES of Najarro & Risi 2020).

A finite-difference gradient estimate around a mean theta (starting at 0) from
antithetic pairs theta +- sigma * eps, with centred ranks; theta += lr * gradient, or with
`adam` the Adam step of Kingma & Ba (2015) on that estimate, as Salimans et al. did: every
gene then moves by about lr a generation whatever the scale of its gradient, which is
what a genome of thousands of genes of different kinds needs (rules/bengio_init.py: rule
coefficients and initial weights). Draws only from the search's `rng`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from deap import creator

from ..components import Settings, need, setting
from .base import ArraySearch, Optimizer, take


@dataclass
class ESSettings(Settings):
    sigma: float = setting(0.1, "antithetic perturbation size", low=0, low_open=True)
    lr: float = setting(0.05, "learning rate on the mean", low=0, low_open=True)
    adam: bool = setting(False, "Adam steps on the gradient estimate (Salimans et al. 2017) "
                                "instead of plain gradient steps")
    beta1: float = setting(0.9, "Adam's first-moment decay", low=0, high=0.9999)
    beta2: float = setting(0.999, "Adam's second-moment decay", low=0, high=0.9999)


def centred_ranks(f: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(f))
    ranks[np.argsort(f, kind="stable")] = np.arange(len(f))
    return ranks / max(len(f) - 1, 1) - 0.5


class ESSearch(ArraySearch):
    def __init__(self, s: ESSettings, genome, population: int):
        super().__init__(genome)
        self.s, self.dim, self.half = s, genome.length, population // 2
        self.theta = np.zeros(self.dim)
        self.eps = np.zeros((self.half, self.dim))
        self.m = np.zeros(self.dim)            # Adam's moments and step count
        self.v = np.zeros(self.dim)
        self.step = np.zeros(1)

    def ask_individuals(self) -> list:
        if self.pop is not None:
            f = np.array([ind.fitness.values[0] for ind in self.pop])
            f = np.where(np.isfinite(f), f, -np.inf)
            r = centred_ranks(f)
            grad = ((r[:self.half] - r[self.half:])[:, None] * self.eps).sum(axis=0)
            if self.s.adam:
                grad = grad / (self.half * self.s.sigma)
                b1, b2 = self.s.beta1, self.s.beta2
                self.step = self.step + 1.0
                self.m = b1 * self.m + (1.0 - b1) * grad
                self.v = b2 * self.v + (1.0 - b2) * grad * grad
                mhat = self.m / (1.0 - b1 ** self.step[0])
                vhat = self.v / (1.0 - b2 ** self.step[0])
                self.theta = self.theta + self.s.lr * mhat / (np.sqrt(vhat) + 1e-8)
            else:       # as before Adam existed, to the bit (archive_1_0 fixtures)
                self.theta = self.theta + self.s.lr * grad / (self.half * self.s.sigma)
        self.eps = np.array([[self.rng.gauss(0.0, 1.0) for _ in range(self.dim)]
                             for _ in range(self.half)])
        xs = ([self.theta + self.s.sigma * e for e in self.eps]
              + [self.theta - self.s.sigma * e for e in self.eps])
        return [creator.Individual(x.tolist()) for x in xs]

    def state(self) -> dict:
        out = {"theta": self.theta.copy(), "eps": self.eps.copy()}
        if self.s.adam:
            out.update(m=self.m.copy(), v=self.v.copy(), step=self.step.copy())
        return out

    def load(self, state: dict) -> None:
        shapes = {"theta": (self.dim,), "eps": (self.half, self.dim)}
        if self.s.adam:
            shapes.update(m=(self.dim,), v=(self.dim,), step=(1,))
        arrays = take(state, shapes)
        self.theta, self.eps = arrays["theta"], arrays["eps"]
        if self.s.adam:
            self.m, self.v, self.step = arrays["m"], arrays["v"], arrays["step"]


class ES(Optimizer):
    name = "es"
    summary = "evolution-strategies gradient ascent with antithetic pairs and centred ranks"
    settings = ESSettings
    genomes = ("real",)

    def check(self, s, genome, population: int) -> None:
        need(population % 2 == 0, "optimizer 'es' needs an even population (antithetic pairs)")

    def create(self, s, genome, population):
        return ESSearch(s, genome, population)

    def legacy_state(self, vec, genome, population):
        """Archive format 1.0: theta then eps, one vector."""
        n = genome.length
        return {"theta": vec[:n], "eps": vec[n:].reshape(population // 2, n)}


OPTIMIZER = ES()
