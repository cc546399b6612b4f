"""TaskFamily: the component a task family registers (tasks/__init__.py).

A family owns its settings section ([tasks] in a config), what its task sets
provide (capability tags that learners require, checked by generic code) and
`make(rng, settings) -> TaskSet`. The tags in use:

    single_layer_weights  W0 (T, O, I): initial weights of a one-layer net on X
    hidden_layer          W0_hidden (T, H, I) and W0 (T, 1, H + 1): a two-layer net
    binary_targets        Y in {0, 1}
    real_targets          Y real-valued (regression)
    pc_direction          direction (T, I): the first principal component of X
    protocols             conditioning trials: X = (CS1, CS2, US, probe), W0 = (w1, w2, w_us, bias)
    episodes              segment_end, group_end, group_mask: a training stream in segments and
                          test groups scored by argmax (tasks/episodes.py); one-hot Y (T, P, O)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..components import Settings, need, setting
from .taskset import TaskSet


@dataclass
class TaskSettings(Settings):
    """Settings every task family has."""

    n_heldout: int = setting(10, "tasks held out from evolution, chosen at random", low=0)
    seed: int | None = setting(None, "seed of the task set; null derives it from the run's seed",
                               low=0)


def check_heldout(n_heldout: int, n_tasks: int) -> None:
    need(1 <= n_heldout < n_tasks, f"n_heldout must be in 1..{n_tasks - 1}; got {n_heldout}")


@dataclass(frozen=True)
class TaskFamily:
    name: str
    settings: type
    provides: frozenset
    make: Callable[[np.random.Generator, Settings], TaskSet]
    summary: str = ""
    # params of a task set -> (n, d) every meta-training input the family draws its training
    # tasks from, as the tasks' X holds them without the bias column: a fixed function of the
    # meta-training data, for learners that fit features on it (learners/srwm.py). None:
    # the family has no such pool.
    meta_training_inputs: Callable[[dict], np.ndarray] | None = None
    # settings -> (tasks, bytes of the task set's arrays, the setting that sets how many
    # tasks there are) from the settings alone, without drawing a task or reading data: a
    # run checks its memory with it before it allocates anything. None (or a size that
    # returns None): the family cannot tell before it reads its data.
    size: Callable[[Settings], tuple[int, int, str] | None] | None = None
