"""CMA-ES (DEAP's cma.Strategy) as loop operators, with state that resumes exactly.

Hansen's covariance matrix adaptation, as implemented by DEAP, with a restart
from the identity covariance and the initial step size when the strategy breaks
down numerically (it can on flat fitness landscapes), and two changes that
keep one seed in charge of the run: samples are drawn from
stdlib `random` (whose state the archive keeps) instead of numpy's global
generator, and the strategy's whole state (mean, step size, paths,
covariance and its eigen-decomposition) is packed into one float vector that
the archive stores every flush. The population size is lambda; mu = lambda/2
with superlinear weights (DEAP's defaults).
"""
from __future__ import annotations

import random

import numpy as np
from deap import cma

from ..config import RunConfig
from .ga import ArrayGenomes
from deap import creator


class _Strategy(cma.Strategy):
    def update(self, population):
        try:
            with np.errstate(all="ignore"):
                super().update(population)
            ok = (np.isfinite(self.sigma) and 1e-300 < self.sigma < 1e300
                  and all(np.all(np.isfinite(m)) for m in (self.C, self.diagD, self.B, self.centroid)))
        except np.linalg.LinAlgError:
            ok = False
        if not ok:
            self.restart()
            return
        # eigh can hand back Fortran-ordered matrices; BLAS sums in a layout-
        # dependent order, so keep every matrix C-ordered, as a restored one is.
        self.C, self.B, self.BD = (np.ascontiguousarray(m) for m in (self.C, self.B, self.BD))
        self.diagD = np.ascontiguousarray(self.diagD)

    def restart(self) -> None:
        """Numerical breakdown (non-finite or degenerate covariance): start again from
        the identity and the initial step size, keeping the mean if it is finite."""
        n = self.dim
        if not np.all(np.isfinite(self.centroid)):
            self.centroid = np.zeros(n)
        self.C, self.B, self.BD = np.eye(n), np.eye(n), np.eye(n) * 1.0
        self.diagD = np.ones(n)
        self.pc, self.ps = np.zeros(n), np.zeros(n)
        self.sigma, self.cond = self.initial_sigma, 1.0
        self.restarts = getattr(self, "restarts", 0) + 1

    def generate(self, ind_init):
        z = np.array([[random.gauss(0.0, 1.0) for _ in range(self.dim)]
                      for _ in range(self.lambda_)])
        x = self.centroid + self.sigma * np.dot(z, self.BD.T)
        return [ind_init(row.tolist()) for row in x]


def state_size(dim: int) -> int:
    return 4 * dim + 3 * dim * dim + 3


class CMAESOperators(ArrayGenomes):
    """The loop's view of CMA-ES: make, update-and-sample, (de)serialise."""

    def __init__(self, config: RunConfig, problem):
        self.config = config
        self.problem = problem
        self.dim = problem.genome_length
        self.strategy = _Strategy(centroid=[0.0] * self.dim, sigma=config.cma_sigma,
                                  lambda_=config.population)
        self.strategy.initial_sigma = config.cma_sigma

    def population(self, n: int) -> list:
        return self.strategy.generate(creator.Individual)

    def next_generation(self, pop: list, evaluate) -> list:
        self.strategy.update(list(pop))     # update() sorts its argument: give it a copy
        new = self.strategy.generate(creator.Individual)
        evaluate(new)
        return new

    # -- exact resume --------------------------------------------------------
    def get_state(self) -> np.ndarray:
        s = self.strategy
        return np.concatenate([s.centroid, s.pc, s.ps, s.diagD, s.C.ravel(), s.B.ravel(),
                               s.BD.ravel(), [s.sigma, float(s.update_count), s.cond]])

    def set_state(self, vec: np.ndarray) -> None:
        n, s = self.dim, self.strategy
        if vec.shape != (state_size(n),):
            raise ValueError("CMA-ES state has the wrong size for this genome")
        parts = np.split(vec, np.cumsum([n, n, n, n, n * n, n * n, n * n]))
        s.centroid, s.pc, s.ps, s.diagD = (p.copy() for p in parts[:4])
        s.C, s.B, s.BD = (p.reshape(n, n).copy() for p in parts[4:7])
        s.sigma, update_count, s.cond = parts[7]
        s.update_count = int(update_count)
