"""Permuted digits: domain-incremental continual learning (the permuted-MNIST protocol).

After Goodfellow et al. (2013) and Kirkpatrick et al. (2017), on scikit-learn's 8x8 digits:
each task is the 10-way digit problem with the pixels shuffled by a fixed permutation of its
own; a sequence of n_tasks tasks is learned online, one pass each, by one net with 10 output
units, and tested on every task (argmax over all 10 outputs). Permutation p is
`default_rng([p, D]).permutation(D)` for D inputs (64 pixels; 40 for dataset mnist1d); meta-training sequences use permutation numbers below
2^31, held-out sequences numbers from 2^31 up, so the two never share a permutation.
Images: disjoint pools (tasks/continual_digits.py).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import setting
from . import digits_data as dd
from .continual_digits import ContinualSettings, continual_size, image_pools, sample
from .episodes import Episode, child_generators, initial_weights, pack, with_bias
from .family import TaskFamily
from .taskset import HELDOUT, TRAIN

HELDOUT_PERMUTATIONS_FROM = 2 ** 31
ALL_CLASSES = tuple(range(dd.N_DIGITS))


def permutation(p: int, n: int = dd.N_PIXELS) -> np.ndarray:
    """Permutation number p of n inputs (a fixed function of p and n)."""
    return np.random.default_rng([p, n]).permutation(n)


def draw_sequence(rng, pools, kind: str, s: "Settings") -> Episode:
    low = HELDOUT_PERMUTATIONS_FROM if kind == "heldout" else 0
    perms = rng.choice(HELDOUT_PERMUTATIONS_FROM, size=s.n_tasks, replace=False) + low
    train, test = [], []
    for p in perms:
        order = permutation(int(p), pools.n_inputs)
        x, y = sample(rng, pools.x[(kind, "fit")], pools.y[(kind, "fit")], ALL_CLASSES,
                      s.n_train_per_task)
        train.append((with_bias(x[:, order]), y))
        x, y = sample(rng, pools.x[(kind, "test")], pools.y[(kind, "test")], ALL_CLASSES,
                      s.n_test_per_task)
        test.append((with_bias(x[:, order]), y, np.ones(dd.N_DIGITS)))
    Wh, Wo = initial_weights(rng, s.n_hidden, pools.n_inputs + 1, dd.N_DIGITS, s.init_scale)
    return Episode(train, test, Wh, Wo, {"permutations": perms.tolist()})


def make_permuted_digits(rng: np.random.Generator, s: "Settings"):
    pool_rng, train_rng, heldout_rng = child_generators(rng, 3)
    pools = image_pools(pool_rng, s.dataset)
    episodes = ([draw_sequence(train_rng, pools, "train", s) for _ in range(s.n_train_episodes)]
                + [draw_sequence(heldout_rng, pools, "heldout", s) for _ in range(s.n_heldout)])
    split = np.array([TRAIN] * s.n_train_episodes + [HELDOUT] * s.n_heldout, dtype=np.int8)
    params = {"n_tasks": s.n_tasks, "n_train_per_task": s.n_train_per_task,
              "n_test_per_task": s.n_test_per_task, "n_hidden": s.n_hidden,
              "init_scale": s.init_scale,
              "permutations": [e.info["permutations"] for e in episodes],
              "dataset": s.dataset, "data": pools.identity}
    return pack(episodes, split, dd.N_DIGITS, "permuted_digits", params)


@dataclass
class Settings(ContinualSettings):
    n_tasks: int = setting(10, "permutations learned one after another", low=2, high=50)


FAMILY = TaskFamily(
    "permuted_digits", Settings, frozenset({"hidden_layer", "episodes"}), make_permuted_digits,
    "sequences of pixel-permuted 8x8 digit tasks, one pass each (continual, domain-incremental)",
    size=lambda s: continual_size(s, s.n_tasks))
