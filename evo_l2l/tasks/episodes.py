"""Episodes: a learner's whole life on real data, packed as one task of a TaskSet.

An episode is a training stream cut into segments (a few-shot support set is one segment;
a continual-learning sequence has one segment per task) and test groups (a query set; one
test set per continual task). The learner trains online on the segments in order and is
scored on every test group before training and after each segment: accuracy of the argmax
over the group's allowed output units (all of them, or a task's own classes in
task-incremental learning). Every episode has its own initial weights, so that a rule is
scored on fresh networks.

Families built on this (rot_digits, permuted_digits, split_digits) draw each episode from
its own generator, one after another, so asking for more held-out episodes gives the same
first ones (the stored held-out episodes are a prefix of the evaluation's 1000).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..components import setting
from .family import TaskSettings
from .taskset import TaskSet, padded_nbytes

BIAS_INPUT = 1.0      # the last input column; the hidden layer's bias input is the kernel's -1


@dataclass
class EpisodeSettings(TaskSettings):
    """Settings every episode family has (n_heldout: held-out episodes stored in the run)."""

    n_train_episodes: int = setting(64, "episodes that score rules during evolution", low=1)
    n_hidden: int = setting(32, "hidden units of each episode's net", low=1, high=4096)
    init_scale: float = setting(1.0, "initial weights ~ N(0, init_scale^2 / fan-in), fresh "
                                     "every episode", low=0)


@dataclass
class Episode:
    """train: [(inputs (n, I), labels (n,))] segments in order; test: [(inputs, labels,
    allowed (O,) 0/1)] groups; Wh (H, I), Wo (O, H + 1) initial weights."""

    train: list
    test: list
    Wh: np.ndarray
    Wo: np.ndarray
    info: dict = field(default_factory=dict)


def episodes_size(s: EpisodeSettings, P: int, I: int, O: int, S: int = 1,
                  G: int = 1) -> tuple[int, int, str]:
    """TaskFamily.size of an episode family: episodes of P patterns (inputs with the bias
    column I, outputs O) in S segments and G test groups, packed by `pack`."""
    T = s.n_train_episodes + s.n_heldout
    return (T, padded_nbytes(T, P, I, O, w0=O * (s.n_hidden + 1), hidden=s.n_hidden,
                             segments=S, groups=G), "tasks.n_train_episodes")


def with_bias(pixels: np.ndarray) -> np.ndarray:
    """(n, 64) standardised pixels -> (n, 65) inputs, the bias column last."""
    return np.hstack([pixels, np.full((len(pixels), 1), BIAS_INPUT)])


def initial_weights(rng: np.random.Generator, n_hidden: int, n_inputs: int, n_outputs: int,
                    scale: float) -> tuple[np.ndarray, np.ndarray]:
    """(Wh (H, I), Wo (O, H + 1)) ~ N(0, scale^2 / fan-in): unit-order pre-activations."""
    Wh = rng.normal(0.0, scale / np.sqrt(n_inputs), (n_hidden, n_inputs))
    Wo = rng.normal(0.0, scale / np.sqrt(n_hidden + 1), (n_outputs, n_hidden + 1))
    return Wh, Wo


def pack(episodes: list[Episode], split: np.ndarray, n_outputs: int, family: str,
         params: dict) -> TaskSet:
    """Episodes (all with the same numbers of segments and groups) -> a TaskSet."""
    T = len(episodes)
    S, G = len(episodes[0].train), len(episodes[0].test)
    if any(len(e.train) != S or len(e.test) != G for e in episodes):
        raise ValueError("episodes of one task set need the same segments and groups")
    sizes = [sum(len(x) for x, *_ in e.train) + sum(len(x) for x, *_ in e.test)
             for e in episodes]
    P, I = max(sizes), episodes[0].Wh.shape[1]
    H = episodes[0].Wh.shape[0]
    X = np.zeros((T, P, I)); Y = np.zeros((T, P, n_outputs))
    Wh = np.zeros((T, H, I)); Wo = np.zeros((T, n_outputs, H + 1))
    seg = np.zeros((T, S), np.int64); grp = np.zeros((T, G), np.int64)
    mask = np.zeros((T, G, n_outputs))
    for t, e in enumerate(episodes):
        p = 0
        for s, (x, y) in enumerate(e.train):
            X[t, p:p + len(x)] = x
            Y[t, p + np.arange(len(y)), y] = 1.0
            p += len(x)
            seg[t, s] = p
        for g, (x, y, allowed) in enumerate(e.test):
            X[t, p:p + len(x)] = x
            Y[t, p + np.arange(len(y)), y] = 1.0
            p += len(x)
            grp[t, g] = p
            mask[t, g] = allowed
        Wh[t], Wo[t] = e.Wh, e.Wo
    return TaskSet(X, Y, Wo, np.array(sizes), np.full(T, I), np.full(T, n_outputs), split,
                   family=family, params=params, W0_hidden=Wh, segment_end=seg,
                   group_end=grp, group_mask=mask)


def child_generators(rng: np.random.Generator, n: int) -> list[np.random.Generator]:
    """n independent generators from rng (the same n first ones whatever is drawn later)."""
    seeds = rng.integers(0, 2 ** 63, size=n)
    return [np.random.default_rng(int(s)) for s in seeds]
