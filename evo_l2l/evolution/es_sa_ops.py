"""Evolution-strategies gradient ascent and simulated annealing as loop operators.

Both draw only from stdlib `random` and keep their whole state in one float
vector the archive stores, so a resumed run is the same run.

ES (Salimans et al. 2017, "Evolution strategies as a scalable alternative to
reinforcement learning"; the OpenAI-ES of Najarro & Risi 2020): a finite-
difference gradient estimate around a mean theta from antithetic pairs
theta +- sigma * eps, with centred ranks; theta += lr * gradient.

SA (Kirkpatrick, Gelatt & Vecchi 1983), as Bengio et al. (1992) compared it:
`population` independent chains; each generation every chain proposes a
Gaussian step (real genomes) or flips bits with probability 1/L (bit
genomes), accepted if better or with probability exp(df / T); the
temperature falls geometrically, T = max(sa_t_end, sa_t0 * sa_decay^generation).
"""
from __future__ import annotations

import math
import random

import numpy as np
from deap import creator

from ..config import RunConfig
from .ga import ArrayGenomes


def _centred_ranks(f: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(f))
    ranks[np.argsort(f, kind="stable")] = np.arange(len(f))
    return ranks / max(len(f) - 1, 1) - 0.5


class ESOperators(ArrayGenomes):
    def __init__(self, config: RunConfig, problem):
        self.config, self.problem = config, problem
        self.dim = problem.genome_length
        self.half = config.population // 2
        self.theta = np.zeros(self.dim)
        self.eps = np.zeros((self.half, self.dim))

    def _sample(self) -> list:
        self.eps = np.array([[random.gauss(0.0, 1.0) for _ in range(self.dim)]
                             for _ in range(self.half)])
        s = self.config.es_sigma
        xs = [self.theta + s * e for e in self.eps] + [self.theta - s * e for e in self.eps]
        return [creator.Individual(x.tolist()) for x in xs]

    def population(self, n: int) -> list:
        return self._sample()

    def next_generation(self, pop: list, evaluate) -> list:
        f = np.array([ind.fitness.values[0] for ind in pop])
        f = np.where(np.isfinite(f), f, -np.inf)
        r = _centred_ranks(f)
        grad = ((r[:self.half] - r[self.half:])[:, None] * self.eps).sum(axis=0)
        self.theta = self.theta + self.config.es_lr * grad / (self.half * self.config.es_sigma)
        new = self._sample()
        evaluate(new)
        return new

    def get_state(self) -> np.ndarray:
        return np.concatenate([self.theta, self.eps.ravel()])

    def set_state(self, vec: np.ndarray) -> None:
        self.theta = vec[:self.dim].copy()
        self.eps = vec[self.dim:].reshape(self.half, self.dim).copy()


class SAOperators(ArrayGenomes):
    def __init__(self, config: RunConfig, problem):
        self.config, self.problem = config, problem
        self.dim = problem.genome_length
        self.bits = config.genome == "bits"
        self.n = config.population
        self.current = np.zeros((self.n, self.dim))
        self.current_fit = np.full(self.n, -np.inf)
        self.generation = 0
        self._pending_init = False     # the first evaluated population becomes the chains

    def _temperature(self) -> float:
        # A schedule in the generation number only (not the run's length), so
        # a run extended by `resume --generations` is the same run.
        c = self.config
        return max(c.sa_t_end, c.sa_t0 * c.sa_decay ** self.generation)

    def population(self, n: int) -> list:
        if self.bits:
            pop = [creator.Individual([random.randint(0, 1) for _ in range(self.dim)]) for _ in range(n)]
        else:
            pop = [creator.Individual([random.uniform(-1.0, 1.0) for _ in range(self.dim)])
                   for _ in range(n)]
        self._pending_init = True
        return pop

    def _propose(self, x: np.ndarray) -> list:
        if self.bits:
            p = 1.0 / self.dim
            return [int(v) ^ (random.random() < p) for v in x]
        return [v + random.gauss(0.0, self.config.sa_step) for v in x]

    def next_generation(self, pop: list, evaluate) -> list:
        f = np.array([ind.fitness.values[0] for ind in pop])
        if self._pending_init:
            self.current = np.array(pop, dtype=np.float64)
            self.current_fit = f.copy()
            self._pending_init = False
        else:
            T = self._temperature()
            for i in range(self.n):
                df = f[i] - self.current_fit[i]
                if df >= 0 or (math.isfinite(df) and random.random() < math.exp(df / T)):
                    self.current[i] = np.array(pop[i], dtype=np.float64)
                    self.current_fit[i] = f[i]
        self.generation += 1
        new = [creator.Individual(self._propose(x)) for x in self.current]
        evaluate(new)
        return new

    def get_state(self) -> np.ndarray:
        return np.concatenate([self.current.ravel(), self.current_fit,
                               [float(self.generation), float(self._pending_init)]])

    def set_state(self, vec: np.ndarray) -> None:
        k = self.n * self.dim
        self.current = vec[:k].reshape(self.n, self.dim).copy()
        self.current_fit = vec[k:k + self.n].copy()
        self.generation = int(vec[k + self.n])
        self._pending_init = bool(vec[k + self.n + 1])


def state_size(config: RunConfig, dim: int) -> int:
    if config.optimizer == "es":
        return dim + (config.population // 2) * dim
    if config.optimizer == "sa":
        return config.population * dim + config.population + 2
    return 0
