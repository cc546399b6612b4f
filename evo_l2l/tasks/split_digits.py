"""Split digits: task- and class-incremental continual learning (the split-MNIST protocol).

After Zenke, Poole & Ganguli (2017) and van de Ven & Tolias (2019), on scikit-learn's 8x8
digits (or MNIST-1D, dataset mnist1d): five two-class tasks, digits (0, 1), (2, 3), (4, 5), (6, 7), (8, 9), learned online
in that order, one pass each, by one net with 10 output units. Class-incremental: a test
image's prediction is the argmax over all 10 outputs (the learner must tell every digit
seen so far apart). Task-incremental: over the two outputs of the image's own task.
Images: disjoint pools (tasks/continual_digits.py); meta-training and held-out sequences
share the protocol and differ in their images and initial weights.
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

PAIRS = ((0, 1), (2, 3), (4, 5), (6, 7), (8, 9))


def draw_sequence(rng, pools, kind: str, s: "Settings") -> Episode:
    train, test = [], []
    for pair in PAIRS:
        x, y = sample(rng, pools.x[(kind, "fit")], pools.y[(kind, "fit")], pair,
                      s.n_train_per_task)
        train.append((with_bias(x), y))
        x, y = sample(rng, pools.x[(kind, "test")], pools.y[(kind, "test")], pair,
                      s.n_test_per_task)
        allowed = np.ones(dd.N_DIGITS)
        if s.scenario == "task":
            allowed = np.isin(np.arange(dd.N_DIGITS), pair).astype(np.float64)
        test.append((with_bias(x), y, allowed))
    Wh, Wo = initial_weights(rng, s.n_hidden, pools.n_inputs + 1, dd.N_DIGITS, s.init_scale)
    return Episode(train, test, Wh, Wo)


def make_split_digits(rng: np.random.Generator, s: "Settings"):
    pool_rng, train_rng, heldout_rng = child_generators(rng, 3)
    pools = image_pools(pool_rng, s.dataset)
    episodes = ([draw_sequence(train_rng, pools, "train", s) for _ in range(s.n_train_episodes)]
                + [draw_sequence(heldout_rng, pools, "heldout", s) for _ in range(s.n_heldout)])
    split = np.array([TRAIN] * s.n_train_episodes + [HELDOUT] * s.n_heldout, dtype=np.int8)
    params = {"scenario": s.scenario, "pairs": [list(p) for p in PAIRS],
              "n_train_per_task": s.n_train_per_task, "n_test_per_task": s.n_test_per_task,
              "n_hidden": s.n_hidden, "init_scale": s.init_scale, "dataset": s.dataset,
              "data": pools.identity}
    return pack(episodes, split, dd.N_DIGITS, "split_digits", params)


@dataclass
class Settings(ContinualSettings):
    scenario: str = setting("class", "class: argmax over all 10 outputs (class-incremental); "
                                     "task: over the test image's own task's two outputs",
                            choices=("class", "task"))


FAMILY = TaskFamily(
    "split_digits", Settings, frozenset({"hidden_layer", "episodes"}), make_split_digits,
    "five two-digit tasks in sequence, one pass each (continual, class- or task-incremental)",
    size=lambda s: continual_size(s, 5))
