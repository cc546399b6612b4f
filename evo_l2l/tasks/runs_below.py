"""Runs of the level below as the tasks of a meta level (Schmidhuber 1987 meta-evolution).

A task is one run of the level below: a run seed (its search's randomness) and
a task seed (its environment, e.g. which 30 Boolean mappings chalmers1990
draws). Training runs and held-out runs have disjoint seeds of both kinds, so
operators that fit the training runs are measured on new searches of new
environments. X[t, 0] = (run seed, task seed); the other arrays are unused.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from .family import TaskFamily, TaskSettings
from .taskset import HELDOUT, TRAIN, TaskSet

SEED_RANGE = 2 ** 31


@dataclass
class RunsBelowSettings(TaskSettings):
    n_runs: int = setting(4, "runs of the level below that score one genome", low=1)
    n_heldout: int = setting(10, "held-out runs (new run and task seeds)", low=1)

    def check(self) -> None:
        need(self.n_runs + self.n_heldout <= 10_000, "tasks.n_runs + n_heldout must be <= 10000")


def make(rng: np.random.Generator, s: RunsBelowSettings) -> TaskSet:
    n = s.n_runs + s.n_heldout
    seeds = rng.choice(SEED_RANGE, size=2 * n, replace=False).reshape(n, 2).astype(np.float64)
    split = np.array([TRAIN] * s.n_runs + [HELDOUT] * s.n_heldout, dtype=np.int8)
    ones = np.ones(n, dtype=np.int64)
    return TaskSet(seeds[:, None, :], np.zeros((n, 1, 1)), np.zeros((n, 1, 2)), ones, 2 * ones,
                   ones, split, family="runs_below",
                   params={"n_runs": s.n_runs, "n_heldout": s.n_heldout})


FAMILY = TaskFamily("runs_below", RunsBelowSettings, frozenset({"level_below_runs"}), make,
                    "runs of the level below (seeds and environments) for meta-evolution")
