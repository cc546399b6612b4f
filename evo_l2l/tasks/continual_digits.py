"""What the continual-learning digit families share: disjoint image pools and sequences.

The data set (scikit-learn's 1797 digits, or the 5000 MNIST-1D signals) is split at random (from the task seed) into a meta-training half and a
held-out half, and each half into training (70%) and test (30%) images. Meta-training
sequences draw only from the first half, held-out sequences only from the second, so a
rule is scored on images it never saw. Pixels are standardised with the statistics of the
meta-training half's training images.

A sequence is one episode (tasks/episodes.py): one segment per task, learned online in one
pass, in order; one test group per task. Its accuracy matrix R[i, j] is the accuracy on
task j's test images after learning tasks 0..i (Lopez-Paz & Ranzato 2017).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import setting
from . import digits_data as dd
from .episodes import EpisodeSettings, episodes_size

TEST_FRACTION = 0.3


@dataclass
class ContinualSettings(EpisodeSettings):
    dataset: str = setting("digits", "digits: scikit-learn's 8x8 digits (64 pixels); mnist1d: "
                                     "MNIST-1D signals (40 samples), generated locally",
                           choices=("digits", "mnist1d"))
    n_train_episodes: int = setting(4, "sequences that score rules during evolution", low=1)
    n_heldout: int = setting(4, "held-out sequences stored in the run (evaluate draws more "
                                "with --n-tasks, these first)", low=1)
    n_train_per_task: int = setting(60, "training images per task, learned online in one pass",
                                    low=1, high=600)
    n_test_per_task: int = setting(60, "test images per task", low=1, high=250)


def continual_size(s: ContinualSettings, n_tasks: int) -> tuple[int, int, str]:
    """TaskFamily.size of a sequence of n_tasks 10-class digit (or MNIST-1D) tasks."""
    I = (40 if s.dataset == "mnist1d" else dd.N_PIXELS) + 1
    P = n_tasks * (s.n_train_per_task + s.n_test_per_task)
    return episodes_size(s, P, I, dd.N_DIGITS, n_tasks, n_tasks)


def dataset(name: str) -> tuple[np.ndarray, np.ndarray, dict]:
    """(inputs (n, D), labels (n,), identity) of a data set: 'digits' or 'mnist1d'."""
    if name == "mnist1d":
        from . import mnist1d_data
        x, y = mnist1d_data.signals()
        return x, y, mnist1d_data.data_identity()
    images, labels = dd.digits()
    return images.reshape(len(images), dd.N_PIXELS), labels, dd.data_identity()


@dataclass
class Pools:
    """Standardised (n, D) inputs and labels of the four pools; the data's identity."""

    x: dict
    y: dict
    identity: dict

    @property
    def n_inputs(self) -> int:
        return self.x[("train", "fit")].shape[1]


def image_pools(rng: np.random.Generator, name: str = "digits") -> Pools:
    """Pools 'train'/'heldout' (sequence kind) x 'fit'/'test' (role in a sequence)."""
    pixels, labels, identity = dataset(name)
    meta, held = dd.split_images(rng, len(pixels), (0.5, 0.5))
    parts = {}
    for kind, idx in (("train", meta), ("heldout", held)):
        fit, test = dd.split_images(rng, len(idx), (1 - TEST_FRACTION, TEST_FRACTION))
        parts[(kind, "fit")], parts[(kind, "test")] = idx[fit], idx[test]
    mean, scale = dd.standardiser(pixels[parts[("train", "fit")]])
    return Pools({k: (pixels[v] - mean) / scale for k, v in parts.items()},
                 {k: labels[v] for k, v in parts.items()}, identity)


def sample(rng: np.random.Generator, x: np.ndarray, y: np.ndarray, classes, n: int):
    """n images of the given classes, without replacement while the pool lasts."""
    idx = np.flatnonzero(np.isin(y, classes))
    pick = rng.choice(idx, size=n, replace=n > len(idx))
    return x[pick], y[pick]
