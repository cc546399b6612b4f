"""Linearly separable Boolean mappings, the task family of Chalmers (1990).

Chalmers, "The evolution of learning: an experiment in genetic connectionism",
Proc. 1990 Connectionist Models Summer School, pp. 81-90. The paper's 30
mappings are not published; we generate mappings of the same shapes (the
pattern x input counts of a Swift reproduction, marked [S] in
shared/REFERENCES.md) from a random hyperplane, so each is separable by
construction and has both output classes.
"""
from __future__ import annotations

import numpy as np

from dataclasses import dataclass

from ..components import need, setting
from ..errors import ConfigError
from .family import TaskFamily, TaskSettings, check_heldout
from .taskset import TRAIN, TaskSet, expand_shapes, random_split, shapes_size

# (count, patterns, inputs) of the Chalmers environment [S: Swift reproduction].
CHALMERS_SHAPES = ((6, 8, 3), (4, 4, 2), (8, 8, 4), (8, 12, 5), (4, 8, 7))


def linearly_separable_mapping(rng: np.random.Generator, n_patterns: int,
                               n_inputs: int) -> tuple[np.ndarray, np.ndarray]:
    """One separable mapping: (X (P, n) in {0,1}, t (P,) in {0,1}), both classes present.

    Patterns are distinct binary vectors in ascending binary order; the targets
    threshold a Gaussian hyperplane between two distinct projections.
    """
    if not 1 <= n_inputs <= 20:
        raise ValueError("n_inputs must be in 1..20")
    if not 2 <= n_patterns <= 2 ** n_inputs:
        raise ValueError(f"n_patterns must be in 2..{2 ** n_inputs} for {n_inputs} inputs")
    codes = np.sort(rng.choice(2 ** n_inputs, size=n_patterns, replace=False))
    X = ((codes[:, None] >> np.arange(n_inputs - 1, -1, -1)) & 1).astype(np.float64)
    while True:
        z = X @ rng.standard_normal(n_inputs)
        levels = np.unique(z)
        if len(levels) >= 2:
            break
    cut = rng.integers(1, len(levels))
    threshold = 0.5 * (levels[cut - 1] + levels[cut])
    return X, (z > threshold).astype(np.float64)


def make_boolean_environment(rng: np.random.Generator,
                             shapes=CHALMERS_SHAPES, n_heldout: int = 10,
                             bias: float = -1.0, init_low: float = 0.0,
                             init_high: float = 1.0) -> TaskSet:
    """Distinct separable mappings of the given (count, patterns, inputs) shapes.

    A bias input of constant value `bias` is appended as the last column.
    Initial weights are drawn U[init_low, init_high) per task. `n_heldout`
    tasks, chosen at random, are marked HELDOUT; the rest TRAIN.
    """
    specs = expand_shapes(shapes, n_heldout)
    T, P = len(specs), max(p for p, _ in specs)
    I = max(n for _, n in specs) + 1
    X = np.zeros((T, P, I)); Y = np.zeros((T, P, 1)); W0 = np.zeros((T, 1, I))
    seen = set()
    for k, (p, n) in enumerate(specs):
        for _ in range(1000):
            x, t = linearly_separable_mapping(rng, p, n)
            key = (x.tobytes(), t.tobytes())
            if key not in seen:
                break
        else:
            raise ConfigError(f"tasks: cannot draw {sum(s == (p, n) for s in specs)} distinct "
                              f"linearly separable {p}x{n} mappings (found {len(seen)} of "
                              "all shapes); ask for fewer tasks of that shape in tasks.shapes")
        seen.add(key)
        X[k, :p, :n] = x
        X[k, :p, n] = bias
        Y[k, :p, 0] = t
        W0[k, 0, :n + 1] = rng.uniform(init_low, init_high, size=n + 1)
    split = random_split(rng, T, n_heldout)
    n_inputs = np.array([n + 1 for _, n in specs])
    return TaskSet(X, Y, W0, np.array([p for p, _ in specs]), n_inputs,
                   np.ones(T, dtype=np.int64), split, family="linearly_separable",
                   params={"shapes": [list(s) for s in shapes], "n_heldout": n_heldout,
                           "bias": bias, "init_low": init_low, "init_high": init_high})


def check_shapes(shapes) -> None:
    need(len(shapes) > 0 and all(isinstance(s, list) and len(s) == 3
                                 and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0
                                         for x in s) for s in shapes),
         "shapes must be a list of [count, patterns, inputs] integer triples")
    need(all(s[0] >= 1 for s in shapes), "each shape's count (its first number) must be >= 1")


@dataclass
class Settings(TaskSettings):
    shapes: list = setting([list(s) for s in CHALMERS_SHAPES],
                           "[count, patterns, inputs] groups of tasks (inputs without the bias)")
    bias: float = setting(-1.0, "value of the bias input (appended as the last input)")
    init_low: float = setting(0.0, "initial weights ~ U[init_low, init_high), drawn per task")
    init_high: float = setting(1.0, "upper end of the initial weights' range")
    n_train: int | None = setting(None, "evolve on only the first n_train training tasks, the "
                                  "held-out set unchanged (Chalmers' diversity sweep); null: all",
                                  low=1)

    def check(self) -> None:
        check_shapes(self.shapes)
        need(all(1 <= s[2] <= 20 and 2 <= s[1] <= 2 ** s[2] for s in self.shapes),
             "each task shape needs 1..20 inputs and 2..2^inputs patterns")
        check_heldout(self.n_heldout, sum(s[0] for s in self.shapes))
        need(self.init_low <= self.init_high, "init_low must be <= init_high")
        n_tasks = sum(s[0] for s in self.shapes)
        need(self.n_train is None or self.n_train <= n_tasks - self.n_heldout,
             f"n_train must be in 1..{n_tasks - self.n_heldout} (the tasks not held out)")


def make(rng: np.random.Generator, s: Settings) -> TaskSet:
    """The environment of `s`; with n_train set, only the first n_train training tasks are
    kept (the environment, and so the held-out tasks, are the same as without it)."""
    env = make_boolean_environment(rng, [tuple(x) for x in s.shapes], s.n_heldout,
                                   s.bias, s.init_low, s.init_high)
    if s.n_train is None:
        return env
    train = np.flatnonzero(env.split == TRAIN)[:s.n_train]
    kept = env.select(np.sort(np.concatenate([train, np.flatnonzero(env.split != TRAIN)])))
    kept.params["n_train"] = s.n_train
    return kept


FAMILY = TaskFamily(
    "linearly_separable", Settings, frozenset({"single_layer_weights", "binary_targets"}),
    make,
    "linearly separable Boolean mappings (Chalmers 1990)",
    size=lambda s: shapes_size(s.shapes, bias_input=True))
