"""sep-CMA-ES (Ros & Hansen 2008, "A simple modification in CMA-ES achieving linear time
and space complexity"): CMA-ES with a diagonal covariance, for genomes of thousands of
coefficients.

Full CMA-ES (optimizers/cmaes.py) keeps an n x n covariance and decomposes it every
generation: O(n^2) memory and O(n^3) time per update, which dominates at n ~ 1000 and is
out of reach at 10^4. sep-CMA-ES adapts only the variances (O(n) per sample and per
update), with the rank-one and rank-mu learning rates raised by (n + 2) / 3 as the paper
prescribes, so it learns the scales of separable problems in about as many generations as
full CMA-ES needs for any rotation of them. Everything else is Hansen's CMA-ES: weighted
recombination of the best half (superlinear weights), cumulative step-size adaptation,
the h_sigma stall of the evolution path; the mean starts at 0.

One seed in charge: each generation's normal samples come from a numpy generator seeded by
64 bits drawn from the search's `rng` (whose state the archive keeps), so a run is the same
on any executor and a resume is exact; the strategy's state is named arrays.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from deap import creator

from ..components import Settings, need, setting
from .base import ArraySearch, Optimizer, take


@dataclass
class SepCMAESSettings(Settings):
    sigma: float = setting(0.5, "initial step size around coefficients 0", low=0, low_open=True)


class SepCMA:
    """The strategy: ask() samples lambda points, tell(x, fitness) updates (maximising)."""

    def __init__(self, n: int, lam: int, sigma: float):
        self.n, self.lam, self.initial_sigma = n, lam, sigma
        mu = lam // 2
        w = math.log(mu + 0.5) - np.log(np.arange(1, mu + 1))
        self.weights = w / w.sum()
        self.mu = mu
        self.mueff = 1.0 / float(np.sum(self.weights ** 2))
        me = self.mueff
        self.cs = (me + 2.0) / (n + me + 5.0)
        self.ds = 1.0 + 2.0 * max(0.0, math.sqrt((me - 1.0) / (n + 1.0)) - 1.0) + self.cs
        self.cc = (4.0 + me / n) / (n + 4.0 + 2.0 * me / n)
        c1 = 2.0 / ((n + 1.3) ** 2 + me)
        cmu = min(1.0 - c1, 2.0 * (me - 2.0 + 1.0 / me) / ((n + 2.0) ** 2 + me))
        scale = (n + 2.0) / 3.0                  # the paper's learning rates for the diagonal
        self.c1 = min(1.0, c1 * scale)
        self.cmu = min(1.0 - self.c1, cmu * scale)
        self.chi_n = math.sqrt(n) * (1.0 - 1.0 / (4.0 * n) + 1.0 / (21.0 * n * n))
        self.reset(np.zeros(n))

    def reset(self, mean: np.ndarray) -> None:
        """The start (and the restart after a numerical breakdown): unit variances, the
        initial step size, empty paths."""
        self.mean = np.asarray(mean, dtype=np.float64).copy()
        self.var = np.ones(self.n)
        self.pc, self.ps = np.zeros(self.n), np.zeros(self.n)
        self.sigma, self.count = self.initial_sigma, 0

    def sample(self, z: np.ndarray) -> np.ndarray:
        """(lambda, n) standard normals -> the points they make."""
        return self.mean + self.sigma * z * np.sqrt(self.var)

    def tell(self, x: np.ndarray, fitness: np.ndarray) -> None:
        fitness = np.nan_to_num(np.asarray(fitness, dtype=np.float64), nan=-np.inf)
        order = np.argsort(-fitness, kind="stable")[:self.mu]
        d = np.sqrt(self.var)
        y = (np.asarray(x, dtype=np.float64)[order] - self.mean) / self.sigma   # D z
        yw = self.weights @ y
        zw = yw / d
        n, cs, cc = self.n, self.cs, self.cc
        with np.errstate(all="ignore"):
            mean = self.mean + self.sigma * yw
            ps = (1.0 - cs) * self.ps + math.sqrt(cs * (2.0 - cs) * self.mueff) * zw
            norm = float(np.linalg.norm(ps))
            self.count += 1
            hs = norm / math.sqrt(1.0 - (1.0 - cs) ** (2 * self.count)) < \
                (1.4 + 2.0 / (n + 1.0)) * self.chi_n
            pc = (1.0 - cc) * self.pc + hs * math.sqrt(cc * (2.0 - cc) * self.mueff) * yw
            var = ((1.0 - self.c1 - self.cmu) * self.var
                   + self.c1 * (pc * pc + (not hs) * cc * (2.0 - cc) * self.var)
                   + self.cmu * (self.weights @ (y * y)))
            sigma = self.sigma * math.exp((cs / self.ds) * (norm / self.chi_n - 1.0))
        ok = (np.all(np.isfinite(mean)) and np.all(np.isfinite(var)) and np.all(var > 0)
              and np.all(np.isfinite(ps)) and np.all(np.isfinite(pc))
              and 1e-300 < sigma < 1e300 and var.max() / var.min() < 1e28)
        if not ok:
            self.reset(mean if np.all(np.isfinite(mean)) else np.zeros(n))
            return
        self.mean, self.ps, self.pc, self.var, self.sigma = mean, ps, pc, var, sigma


class SepCMAESSearch(ArraySearch):
    def __init__(self, s: SepCMAESSettings, genome, population: int):
        super().__init__(genome)
        self.strategy = SepCMA(genome.length, population, s.sigma)

    def ask_individuals(self) -> list:
        st = self.strategy
        if self.pop is not None:
            x = np.array([list(ind) for ind in self.pop], dtype=np.float64)
            st.tell(x, np.array([ind.fitness.values[0] for ind in self.pop]))
        z = np.random.default_rng(self.rng.getrandbits(64)).standard_normal((st.lam, st.n))
        return [creator.Individual(row) for row in st.sample(z).tolist()]

    def state(self) -> dict:
        s = self.strategy
        out = {k: np.array(getattr(s, k), dtype=np.float64) for k in ("mean", "var", "pc", "ps")}
        out.update({"sigma": np.array(float(s.sigma)), "count": np.array(float(s.count))})
        return out

    def load(self, state: dict) -> None:
        n, s = self.strategy.n, self.strategy
        arrays = take(state, {"mean": (n,), "var": (n,), "pc": (n,), "ps": (n,), "sigma": (),
                              "count": ()})
        for k in ("mean", "var", "pc", "ps"):
            setattr(s, k, arrays[k])
        s.sigma, s.count = float(arrays["sigma"]), int(arrays["count"])


class SepCMAES(Optimizer):
    name = "sep_cmaes"
    summary = ("sep-CMA-ES (Ros & Hansen 2008): CMA-ES with a diagonal covariance, O(n) per "
               "sample, for genomes of thousands of coefficients")
    settings = SepCMAESSettings
    genomes = ("real",)

    def check(self, s, genome, population: int) -> None:
        need(population >= 4, "optimizer 'sep_cmaes' needs population >= 4")

    def create(self, s, genome, population):
        return SepCMAESSearch(s, genome, population)


OPTIMIZER = SepCMAES()
