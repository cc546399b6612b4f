"""Continual glyphs: class-incremental learning over alphabets of the rendered glyphs.

The class-incremental protocol of split digits (tasks/split_digits.py; van de Ven & Tolias
2019) with an Omniglot-like data set's alphabets as the tasks, as Schwarz et al. (2018,
"Progress & Compress") made each Omniglot alphabet a task. A sequence is n_tasks tasks;
a task is n_classes_per_task classes of one alphabet (the alphabets of a sequence drawn at
random, all different), n_train_per_class images of each, shuffled and learned online in
one pass. After each task the net is tested on n_test_per_class other images of every
class of the sequence: one test group per task, the prediction the argmax over all
n_tasks * n_classes_per_task outputs (class-incremental: a single head that must tell
every class seen so far apart; outputs of classes not seen yet compete too, as in split
digits). R[i, j] is then the accuracy on task j's classes after learning tasks 0..i.

Meta-training sequences draw their alphabets from the background split of
`class_data.split_classes`, the run's held-out sequences from the validation split (the
held-out score picks genomes, so the evaluation alphabets stay unseen; `heldout_split`
switches to them for a final report). Pixels are scaled to [0, 1] and standardised with
the per-pixel mean and one global scale of the background classes' images (as
tasks/class_episodes.py does). Inputs: size * size pixels and a bias.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from ..errors import ConfigError
from . import class_data as cd
from .class_episodes import features, standardiser
from .episodes import (Episode, EpisodeSettings, child_generators, episodes_size,
                       initial_weights, pack, with_bias)
from .family import TaskFamily
from .taskset import HELDOUT, TRAIN

TRAIN_SPLIT = "background"


@functools.lru_cache(maxsize=2)
def load_data(size: int) -> cd.ClassData:
    """The glyph set at size x size (rendered into the cache folder on first use).

    Read once per process: evaluation builds a run's task set again, the test suite many."""
    from . import glyphs
    return glyphs.load(size=size)


def alphabet_pools(data: cd.ClassData, classes: np.ndarray, per_class: int,
                   n_classes: int) -> dict:
    """{alphabet: sorted classes of `classes` with >= per_class rows}, for the alphabets
    that have at least n_classes such classes."""
    usable = cd.eligible(data, np.sort(classes), per_class)
    pools = {int(g): usable[data.group[usable] == g] for g in np.unique(data.group[usable])}
    return {g: c for g, c in pools.items() if len(c) >= n_classes}


def draw_sequence(rng: np.random.Generator, data: cd.ClassData, pools: dict,
                  standard: tuple[np.ndarray, float], s: "Settings") -> Episode:
    """One sequence: n_tasks alphabets of `pools`, n_classes_per_task classes of each.

    Output unit k * n_classes_per_task + i is class i of task k; the test groups allow
    every output (class-incremental)."""
    T, N = s.n_tasks, s.n_classes_per_task
    n_rows = s.n_train_per_class + s.n_test_per_class
    mean, scale = standard
    alphabets = rng.choice(sorted(pools), size=T, replace=False)
    train, test, classes = [], [], []
    for k, g in enumerate(alphabets):
        chosen = rng.choice(pools[int(g)], size=N, replace=False)
        fit_rows, fit_y, test_rows, test_y = [], [], [], []
        for i, c in enumerate(chosen):
            rows = data.rows(int(c))
            pick = rows[rng.choice(len(rows), size=n_rows, replace=False)]
            fit_rows.append(pick[:s.n_train_per_class])
            test_rows.append(pick[s.n_train_per_class:])
            fit_y.append(np.full(s.n_train_per_class, k * N + i))
            test_y.append(np.full(s.n_test_per_class, k * N + i))
        # Classes interleaved within a task's stream, as an online learner would meet them.
        order = rng.permutation(N * s.n_train_per_class)
        x = (features(data, np.concatenate(fit_rows)[order]) - mean) / scale
        train.append((with_bias(x), np.concatenate(fit_y)[order]))
        x = (features(data, np.concatenate(test_rows)) - mean) / scale
        test.append((with_bias(x), np.concatenate(test_y), np.ones(T * N)))
        classes += chosen.tolist()
    Wh, Wo = initial_weights(rng, s.n_hidden, len(mean) + 1, T * N, s.init_scale)
    return Episode(train, test, Wh, Wo, {"classes": [int(c) for c in classes]})


def _pools(data: cd.ClassData, splits: dict, split: str, s: "Settings") -> dict:
    pools = alphabet_pools(data, splits[split], s.n_train_per_class + s.n_test_per_class,
                           s.n_classes_per_task)
    if len(pools) < s.n_tasks:
        raise ConfigError(
            f"continual_glyphs: the {split} split has {len(pools)} alphabets with "
            f"{s.n_classes_per_task} classes of >= {s.n_train_per_class + s.n_test_per_class} "
            f"images; a sequence needs {s.n_tasks} (lower tasks.n_tasks or "
            f"tasks.n_classes_per_task)")
    return pools


def make_continual_glyphs(rng: np.random.Generator, s: "Settings"):
    data = load_data(s.size)
    splits = cd.split_classes(data)
    standard = standardiser(data, splits[TRAIN_SPLIT])
    train_pools = _pools(data, splits, TRAIN_SPLIT, s)
    heldout_pools = _pools(data, splits, s.heldout_split, s)
    # Each kind of sequence from its own generator, one sequence after another, so a longer
    # held-out draw (evaluate --n-tasks) starts with the run's stored sequences.
    train_rng, heldout_rng = child_generators(rng, 2)
    episodes = ([draw_sequence(train_rng, data, train_pools, standard, s)
                 for _ in range(s.n_train_episodes)]
                + [draw_sequence(heldout_rng, data, heldout_pools, standard, s)
                   for _ in range(s.n_heldout)])
    split = np.array([TRAIN] * s.n_train_episodes + [HELDOUT] * s.n_heldout, dtype=np.int8)
    params = {"size": s.size, "n_tasks": s.n_tasks, "n_classes_per_task": s.n_classes_per_task,
              "n_train_per_class": s.n_train_per_class, "n_test_per_class": s.n_test_per_class,
              "n_hidden": s.n_hidden, "init_scale": s.init_scale, "train_split": TRAIN_SPLIT,
              "heldout_split": s.heldout_split,
              "split_alphabets": {"train": len(train_pools), "heldout": len(heldout_pools)},
              "classes": [e.info["classes"] for e in episodes], "data": dict(data.identity)}
    return pack(episodes, split, s.n_tasks * s.n_classes_per_task, "continual_glyphs", params)


@dataclass
class Settings(EpisodeSettings):
    size: int = setting(14, "glyph image side in pixels (a new size is rendered into the "
                            "cache folder on first use, about 25 s)", low=4, high=64)
    n_tasks: int = setting(5, "tasks (alphabets) per sequence, learned one after another",
                           low=2, high=30)
    n_classes_per_task: int = setting(5, "classes of one alphabet per task", low=1, high=60)
    n_train_per_class: int = setting(10, "training images per class, learned online in one "
                                         "pass", low=1, high=19)
    n_test_per_class: int = setting(10, "test images per class", low=1, high=19)
    n_train_episodes: int = setting(8, "sequences that score rules during evolution", low=1)
    n_heldout: int = setting(4, "held-out sequences stored in the run (evaluate draws more "
                                "with --n-tasks, these first)", low=1)
    heldout_split: str = setting("validation", "alphabets of the held-out sequences: "
                                               "validation (they pick genomes) or evaluation "
                                               "(a final report)",
                                 choices=("validation", "evaluation"))

    def check(self) -> None:
        from .glyphs import INSTANCES
        need(self.n_train_per_class + self.n_test_per_class <= INSTANCES,
             f"tasks.n_train_per_class + tasks.n_test_per_class must be <= {INSTANCES} "
             "(images per glyph class)")


FAMILY = TaskFamily(
    "continual_glyphs", Settings, frozenset({"hidden_layer", "episodes"}), make_continual_glyphs,
    "sequences of glyph alphabets, a few classes each, one pass each (continual, "
    "class-incremental); background alphabets meta-train, held-out sequences use validation "
    "alphabets",
    size=lambda s: episodes_size(
        s, s.n_tasks * s.n_classes_per_task * (s.n_train_per_class + s.n_test_per_class),
        s.size * s.size + 1, s.n_tasks * s.n_classes_per_task, s.n_tasks, s.n_tasks))
