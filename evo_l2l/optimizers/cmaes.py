"""CMA-ES (DEAP's cma.Strategy) with state that resumes exactly.

Hansen's covariance matrix adaptation, as implemented by DEAP, with a restart
from the identity covariance and the initial step size when the strategy breaks
down numerically (it can on flat fitness landscapes), and two changes that
keep one seed in charge of the run: samples are drawn from the search's `rng`
(whose state the archive keeps) instead of numpy's global generator, and the
strategy's whole state (mean, step size, paths, covariance and its
eigen-decomposition) is exposed as named arrays. The population size is
lambda; mu = lambda/2 with superlinear weights (DEAP's defaults). The mean
starts at 0.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from deap import cma, creator

from ..components import Settings, need, setting
from .base import ArraySearch, Optimizer, take


@dataclass
class CMAESSettings(Settings):
    sigma: float = setting(0.5, "initial step size around coefficients 0", low=0, low_open=True)


class _Strategy(cma.Strategy):
    def __init__(self, *args, rng: random.Random | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.rng = rng if rng is not None else random.Random(0)   # generate() draws from it

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
        self.restarts = getattr(self, "restarts", 0) + 1     # diagnostics only, not archived

    def generate(self, ind_init):
        gauss = self.rng.gauss
        z = np.array([[gauss(0.0, 1.0) for _ in range(self.dim)]
                      for _ in range(self.lambda_)])
        x = self.centroid + self.sigma * np.dot(z, self.BD.T)
        return [ind_init(row.tolist()) for row in x]


VECTORS = ("centroid", "pc", "ps", "diagD")
MATRICES = ("C", "B", "BD")
SCALARS = ("sigma", "update_count", "cond")


class CMAESSearch(ArraySearch):
    def __init__(self, s: CMAESSettings, genome, population: int):
        super().__init__(genome)
        self.dim = genome.length
        self.strategy = _Strategy(centroid=[0.0] * self.dim, sigma=s.sigma, lambda_=population,
                                  rng=self.rng)
        self.strategy.initial_sigma = s.sigma

    def ask_individuals(self) -> list:
        if self.pop is not None:
            self.strategy.update(list(self.pop))   # update() sorts its argument: give it a copy
        return self.strategy.generate(creator.Individual)

    def state(self) -> dict:
        s = self.strategy
        out = {k: np.array(getattr(s, k), dtype=np.float64) for k in VECTORS + MATRICES}
        out.update({k: np.array(float(getattr(s, k))) for k in SCALARS})
        return out

    def load(self, state: dict) -> None:
        n, s = self.dim, self.strategy
        shapes = {**{k: (n,) for k in VECTORS}, **{k: (n, n) for k in MATRICES},
                  **{k: () for k in SCALARS}}
        arrays = take(state, shapes)
        for k in VECTORS + MATRICES:
            setattr(s, k, arrays[k])
        s.sigma, s.cond = float(arrays["sigma"]), float(arrays["cond"])
        s.update_count = int(arrays["update_count"])


def legacy_state(vec: np.ndarray, dim: int) -> dict:
    """Archive format 1.0 kept the state as one vector: centroid, pc, ps, diagD, C, B, BD,
    sigma, update_count, cond."""
    n = dim
    if vec.shape != (4 * n + 3 * n * n + 3,):
        raise ValueError("CMA-ES state has the wrong size for this genome")
    parts = np.split(vec, np.cumsum([n, n, n, n, n * n, n * n, n * n]))
    out = dict(zip(VECTORS, parts[:4]))
    out.update({k: p.reshape(n, n) for k, p in zip(MATRICES, parts[4:7])})
    out.update({k: np.array(v) for k, v in zip(SCALARS, parts[7])})
    return out


# Genome length from which a run with full CMA-ES gets a note pointing to sep_cmaes
# (scripts/bench_cmaes_scaling.py: 0.48 s a generation of its own at n = 100, 12.9 s at 1118).
LONG_GENOME = 500


class CMAES(Optimizer):
    name = "cmaes"
    summary = "CMA-ES (Hansen), DEAP's strategy with restarts on numerical breakdown"
    settings = CMAESSettings
    genomes = ("real",)

    def check(self, s, genome, population: int) -> None:
        need(population >= 4, "optimizer 'cmaes' needs population >= 4")

    def create(self, s, genome, population):
        return CMAESSearch(s, genome, population)

    def notice(self, s, genome, population):
        if genome.length < LONG_GENOME:
            return None
        return (f"note: cmaes adapts a full {genome.length} x {genome.length} covariance, "
                f"whose decomposition every generation grows as n^3 (12.9 s a generation at "
                f"n = 1118 on a 2-core AMD EPYC); sep_cmaes costs O(n) a sample "
                f"(--set optimizer=sep_cmaes)")

    def legacy_state(self, vec, genome, population):
        return legacy_state(vec, genome.length)


OPTIMIZER = CMAES()
