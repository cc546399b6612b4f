"""Tasks for AutoML-Zero programs (Real, Liang, So & Le 2020): examples, no network.

A task is n_train training then n_valid validation examples: X (T, n_train + n_valid, F)
features, Y (T, n_train + n_valid, 1) labels; params say n_train, n_valid and whether labels
are classes (`classify`). W0 is unused (zeros). Tag `program_examples`.

- `program_linear`: the paper's demo. Each task draws w ~ N(0, I_F); x ~ N(0, I_F); y = w.x.
  Search tasks (split train), selection tasks and unseen tasks are drawn alike,
  independently. The split heldout holds the `n_select` selection tasks (D_select, first)
  then the `n_heldout` unseen tasks (params n_select); both have `n_train_unseen` training
  examples (the paper's demo: T_select and the final tasks learn from 1000). Tasks of one
  TaskSet are padded to its longest; params say each split's sizes. With no unseen tasks
  (n_heldout = 0: `evaluate --tasks fresh`) there are no selection tasks either.
- `program_digits`: projected binary classification on scikit-learn's bundled 8x8 digits
  (tasks/digits_data.py, never downloaded). A task is a pair of digit classes (a, b), label
  1 for b, with its own random projection of the 64 pixels (scaled to [0, 1]) to F features
  (N(0, 1/64) entries); its examples are drawn from the pair's images. Search pairs and
  held-out pairs are disjoint (the pairs are split once, at random, from the 45).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from .family import TaskFamily, TaskSettings
from .taskset import HELDOUT, TRAIN, TaskSet, padded_nbytes

TAGS = frozenset({"program_examples"})


def _pack(X, Y, split, family, params) -> TaskSet:
    T, P, F = X.shape
    return TaskSet(X, Y[:, :, None], np.zeros((T, 1, F)), np.full(T, P), np.full(T, F),
                   np.ones(T, dtype=np.int64), split, family=family, params=params)


@dataclass
class LinearSettings(TaskSettings):
    n_heldout: int = setting(100, "unseen tasks (the paper's success is judged on 100)", low=1)
    n_search: int = setting(10, "search tasks (fitness during evolution)", low=1)
    n_features: int = setting(4, "F, the features (and the vectors' dimension)", low=1, high=64)
    n_train: int = setting(100, "training examples per task", low=1)
    n_valid: int = setting(100, "validation examples per task", low=1)
    n_select: int = setting(100, "selection tasks (D_select; the paper's demo: 100), disjoint "
                            "from the unseen tasks: the search's best candidates are "
                            "re-evaluated on them and the best there is the run's result "
                            "(rule.select_top); 0: no selection stage", low=0)
    n_train_unseen: int = setting(1000, "training examples of each selection and unseen task "
                                  "(the paper's demo: 1000; the search tasks: n_train)", low=1)


def _linear(rng: np.random.Generator, T: int, P: int, F: int) -> tuple:
    w = rng.standard_normal((T, F))
    X = rng.standard_normal((T, P, F))
    return X, np.einsum("tpf,tf->tp", X, w)


def make_linear(rng: np.random.Generator, s: LinearSettings) -> TaskSet:
    F = s.n_features
    n_select = s.n_select if s.n_heldout > 0 else 0
    n_unseen = n_select + s.n_heldout
    P_search, P_unseen = s.n_train + s.n_valid, s.n_train_unseen + s.n_valid
    P = max(P_search, P_unseen if n_unseen else 0)
    X = np.zeros((s.n_search + n_unseen, P, F))
    Y = np.zeros((s.n_search + n_unseen, P))
    X[:s.n_search, :P_search], Y[:s.n_search, :P_search] = _linear(rng, s.n_search, P_search, F)
    if n_unseen:
        X[s.n_search:, :P_unseen], Y[s.n_search:, :P_unseen] = _linear(rng, n_unseen, P_unseen, F)
    split = np.array([TRAIN] * s.n_search + [HELDOUT] * n_unseen, dtype=np.int8)
    T = len(split)
    counts = np.where(split == TRAIN, P_search, P_unseen)
    return TaskSet(X, Y[:, :, None], np.zeros((T, 1, F)), counts, np.full(T, F),
                   np.ones(T, dtype=np.int64), split, family="program_linear",
                   params={"n_train": s.n_train, "n_valid": s.n_valid, "classify": False,
                           "n_select": n_select, "n_train_unseen": s.n_train_unseen})


def linear_size(s: LinearSettings) -> tuple[int, int, str]:
    n_unseen = (s.n_select if s.n_heldout > 0 else 0) + s.n_heldout
    P = max(s.n_train + s.n_valid, s.n_train_unseen + s.n_valid if n_unseen else 0)
    T = s.n_search + n_unseen
    return (T, padded_nbytes(T, P, s.n_features, 1),
            "tasks.n_search, tasks.n_select and tasks.n_heldout")


LINEAR = TaskFamily("program_linear", LinearSettings, TAGS | {"real_targets"}, make_linear,
                    "AutoML-Zero's demo: linear regression y = w.x, F = 4, one w per task",
                    size=linear_size)

PAIRS = tuple(itertools.combinations(range(10), 2))


@dataclass
class DigitsSettings(TaskSettings):
    n_heldout: int = setting(10, "held-out pairs (disjoint from the search pairs)", low=1)
    n_search: int = setting(10, "search pairs", low=1)
    n_features: int = setting(8, "F, the projection's dimension (the paper: 8..16)", low=1,
                              high=64)
    n_train: int = setting(100, "training examples per task", low=1)
    n_valid: int = setting(100, "validation examples per task", low=1)

    def check(self) -> None:
        need(self.n_search + self.n_heldout <= len(PAIRS),
             f"n_search + n_heldout must be at most {len(PAIRS)} (the digit pairs)")


def make_digits(rng: np.random.Generator, s: DigitsSettings) -> TaskSet:
    from . import digits_data as dd
    images, labels = dd.digits()
    pixels = images.reshape(len(images), -1) / 16.0
    order = rng.permutation(len(PAIRS))
    chosen = [PAIRS[i] for i in order[:s.n_search + s.n_heldout]]
    P = s.n_train + s.n_valid
    X = np.zeros((len(chosen), P, s.n_features))
    Y = np.zeros((len(chosen), P))
    for k, (a, b) in enumerate(chosen):
        idx = np.flatnonzero((labels == a) | (labels == b))
        pick = rng.choice(idx, size=P, replace=len(idx) < P)
        proj = rng.standard_normal((dd.N_PIXELS, s.n_features)) / np.sqrt(dd.N_PIXELS)
        X[k] = pixels[pick] @ proj
        Y[k] = (labels[pick] == b).astype(np.float64)
    split = np.array([TRAIN] * s.n_search + [HELDOUT] * s.n_heldout, dtype=np.int8)
    return _pack(X, Y, split, "program_digits",
                 {"n_train": s.n_train, "n_valid": s.n_valid, "classify": True,
                  "pairs": [list(p) for p in chosen], "data": dd.data_identity()})


DIGITS = TaskFamily("program_digits", DigitsSettings, TAGS | {"binary_targets"}, make_digits,
                    "projected binary classification of digit pairs (sklearn's 8x8 digits)",
                    size=lambda s: (s.n_search + s.n_heldout, padded_nbytes(
                        s.n_search + s.n_heldout, s.n_train + s.n_valid, s.n_features, 1),
                        "tasks.n_search and tasks.n_heldout"))
FAMILIES = (LINEAR, DIGITS)
