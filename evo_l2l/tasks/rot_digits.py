"""Rotated digits: an Omniglot-like few-shot benchmark from scikit-learn's bundled digits.

Classes are (digit, rotation) pairs: 10 digits x 4 quarter turns = 40 classes, as Omniglot
augments its characters by rotation (Santoro et al. 2016; Vinyals et al. 2016). Meta-training
episodes draw their classes from digits 0-6 (28 classes), held-out episodes from digits 7-9
(12 classes), so a rule is tested on classes it never saw. An N-way K-shot episode: N classes
at random, in random output order; K support images per class, shuffled, learned online in
one segment; n_query other images per class as the query set (one test group, argmax over
the N outputs). Pixels are standardised with the per-pixel statistics of the meta-training
classes (every rotation), a fixed function of the data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from . import digits_data as dd
from .episodes import (Episode, EpisodeSettings, child_generators, episodes_size,
                       initial_weights, pack, with_bias)
from .family import TaskFamily
from .taskset import HELDOUT, TRAIN

TRAIN_DIGITS = tuple(range(7))
HELDOUT_DIGITS = (7, 8, 9)


def class_images() -> tuple[list[np.ndarray], np.ndarray]:
    """([standardised (n_c, 64) pixels of class c for c in 0..39], digit of each class).

    Class c = digit * 4 + quarter turns.
    """
    images, labels = dd.digits()
    pools = [dd.rotated(images[labels == d], k).reshape(-1, dd.N_PIXELS)
             for d in range(dd.N_DIGITS) for k in range(dd.N_ROTATIONS)]
    digit_of = np.repeat(np.arange(dd.N_DIGITS), dd.N_ROTATIONS)
    mean, scale = dd.standardiser(np.vstack([pools[c] for c in range(len(pools))
                                             if digit_of[c] in TRAIN_DIGITS]))
    return [(p - mean) / scale for p in pools], digit_of


def draw_episode(rng: np.random.Generator, pools: list, classes: np.ndarray, n_way: int,
                 k_shot: int, n_query: int, n_hidden: int, init_scale: float) -> Episode:
    """One N-way K-shot episode over `classes` (indices into pools)."""
    chosen = rng.choice(classes, size=n_way, replace=False)
    sx, sy, qx, qy = [], [], [], []
    for out, c in enumerate(chosen):
        idx = rng.choice(len(pools[c]), size=k_shot + n_query, replace=False)
        sx.append(pools[c][idx[:k_shot]]); sy += [out] * k_shot
        qx.append(pools[c][idx[k_shot:]]); qy += [out] * n_query
    order = rng.permutation(n_way * k_shot)
    support = (with_bias(np.vstack(sx))[order], np.array(sy)[order])
    query = (with_bias(np.vstack(qx)), np.array(qy), np.ones(n_way))
    Wh, Wo = initial_weights(rng, n_hidden, dd.N_PIXELS + 1, n_way, init_scale)
    return Episode([support], [query], Wh, Wo, {"classes": chosen.tolist()})


def make_rot_digits(rng: np.random.Generator, s: "Settings"):
    pools, digit_of = class_images()
    train_classes = np.flatnonzero(np.isin(digit_of, TRAIN_DIGITS))
    heldout_classes = np.flatnonzero(np.isin(digit_of, HELDOUT_DIGITS))
    train_rng, heldout_rng = child_generators(rng, 2)
    args = (s.n_way, s.k_shot, s.n_query, s.n_hidden, s.init_scale)
    episodes = ([draw_episode(train_rng, pools, train_classes, *args)
                 for _ in range(s.n_train_episodes)]
                + [draw_episode(heldout_rng, pools, heldout_classes, *args)
                   for _ in range(s.n_heldout)])
    split = np.array([TRAIN] * s.n_train_episodes + [HELDOUT] * s.n_heldout, dtype=np.int8)
    params = {"n_way": s.n_way, "k_shot": s.k_shot, "n_query": s.n_query,
              "n_hidden": s.n_hidden, "init_scale": s.init_scale,
              "train_digits": list(TRAIN_DIGITS), "heldout_digits": list(HELDOUT_DIGITS),
              "classes": [e.info["classes"] for e in episodes], "data": dd.data_identity()}
    return pack(episodes, split, s.n_way, "rot_digits", params)


def meta_training_inputs(params: dict) -> np.ndarray:
    """(n, 64) every meta-training image (digits 0-6, every rotation) as episodes hold it:
    standardised pixels, no bias column (params: unused, the data are fixed)."""
    pools, digit_of = class_images()
    return np.vstack([p for p, d in zip(pools, digit_of) if d in TRAIN_DIGITS])


@dataclass
class Settings(EpisodeSettings):
    n_heldout: int = setting(100, "held-out episodes stored in the run (evaluate draws 1000 "
                                  "or --n-tasks, these first)", low=1)
    n_way: int = setting(5, "classes per episode (output units)", low=2, high=12)
    k_shot: int = setting(1, "support images per class, learned online in one pass", low=1,
                          high=20)
    n_query: int = setting(15, "query images per class, scored after the support set", low=1,
                           high=40)

    def check(self) -> None:
        # The rarest (digit, rotation) class has 174 images (digit 8: 174).
        need(self.k_shot + self.n_query <= 174, "k_shot + n_query must be <= 174")


FAMILY = TaskFamily(
    "rot_digits", Settings, frozenset({"hidden_layer", "episodes"}), make_rot_digits,
    "N-way K-shot episodes of rotated 8x8 digits; held-out classes: digits 7-9 (few-shot)",
    meta_training_inputs=meta_training_inputs,
    size=lambda s: episodes_size(s, s.n_way * (s.k_shot + s.n_query), dd.N_PIXELS + 1, s.n_way))
