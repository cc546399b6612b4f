"""Gaussian inputs with a random covariance: find the first principal component.

The task family of Confavreux, Zenke, Agnes, Lillicrap & Vogels (2020),
"A meta-learning approach to (re)discover plasticity rules that carve a
desired function into a neural network" (NeurIPS): a single linear neuron
y = w.x sees zero-mean Gaussian inputs; Oja's rule turns w into the first
principal component of their covariance. Each task draws its own covariance
(a random rotation of a spectrum whose largest eigenvalue stands clear of the
rest, so the component is well defined), its samples and initial weights.
"""
from __future__ import annotations

import numpy as np

from dataclasses import dataclass

from ..components import need, setting
from .family import TaskFamily, TaskSettings, check_heldout
from .student import check_real_shapes
from .taskset import TaskSet, expand_shapes, random_split, shapes_size


def random_covariance(rng: np.random.Generator, n: int, gap: float = 2.0):
    """(C (n, n), first principal component (n,)): eigenvalues 1 and U[0.1, 1/gap]."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q = q * np.sign(np.diag(r))
    eig = np.concatenate([[1.0], rng.uniform(0.1, 1.0 / gap, n - 1)])
    return (q * eig) @ q.T, q[:, 0]


def make_gaussian_pca_tasks(rng: np.random.Generator, shapes=((30, 200, 5),),
                            n_heldout: int = 10, init_low: float = -1.0,
                            init_high: float = 1.0) -> TaskSet:
    """Tasks of (count, samples, inputs) shapes; initial weights U[low, high) / sqrt(inputs).

    X holds the samples; `direction` the first principal component; Y is unused (zeros).
    """
    specs = expand_shapes(shapes, n_heldout)
    T, P, I = len(specs), max(p for p, _ in specs), max(n for _, n in specs)
    X = np.zeros((T, P, I)); Y = np.zeros((T, P, 1)); W0 = np.zeros((T, 1, I))
    direction = np.zeros((T, I))
    for k, (p, n) in enumerate(specs):
        cov, pc1 = random_covariance(rng, n)
        X[k, :p, :n] = rng.multivariate_normal(np.zeros(n), cov, size=p)
        W0[k, 0, :n] = rng.uniform(init_low, init_high, n) / np.sqrt(n)
        direction[k, :n] = pc1
    split = random_split(rng, T, n_heldout)
    return TaskSet(X, Y, W0, np.array([p for p, _ in specs]), np.array([n for _, n in specs]),
                   np.ones(T, dtype=np.int64), split, family="gaussian_pca",
                   params={"shapes": [list(s) for s in shapes], "n_heldout": n_heldout,
                           "init_low": init_low, "init_high": init_high},
                   direction=direction)


@dataclass
class Settings(TaskSettings):
    shapes: list = setting([[30, 200, 5]], "[count, samples, inputs] groups of tasks")
    init_low: float = setting(-1.0, "initial weights ~ U[init_low, init_high) / sqrt(inputs)")
    init_high: float = setting(1.0, "upper end of the initial weights' range")

    def check(self) -> None:
        check_real_shapes(self.shapes)
        check_heldout(self.n_heldout, sum(s[0] for s in self.shapes))
        need(self.init_low <= self.init_high, "init_low must be <= init_high")


FAMILY = TaskFamily(
    "gaussian_pca", Settings, frozenset({"single_layer_weights", "pc_direction"}),
    lambda rng, s: make_gaussian_pca_tasks(rng, [tuple(x) for x in s.shapes], s.n_heldout,
                                           s.init_low, s.init_high),
    "Gaussian inputs, find the first principal component (Confavreux et al. 2020)",
    size=lambda s: shapes_size(s.shapes, direction=True))
