"""SRWM learner: a self-referential weight matrix (Irie et al. 2022) that learns few-shot
episodes by rewriting itself; the genome is its initial W (rules/srwm.py), the kernel
kernels/srwm.py.

Input at each position: N_FEATURES fixed features of the input, then N_LABELS label slots
holding the label one-hot (times LABEL_VALUE) on support positions and zeros on queries (the
synchronous-label setup of Irie et al.'s few-shot experiments). The features are the first
N_FEATURES principal components of the task family's meta-training inputs, as the episodes
hold them (rot_digits: digits 0-6, every rotation, 64 standardised pixels; class_episodes:
every row of the background classes, size x size standardised pixels or a user's vectors),
all scaled by one factor so that they have unit mean variance: a fixed function of the
meta-training data that never sees a held-out class, so any input width is read with the
same genome (computed once per process and data set). Every head reads the whole input.

Curves: query performance before the support set and after each support position (the
accuracy per position in the episode); performance is the mean probability of the right
class (softmax over the episode's n_way logits; smooth, for evolution) or the argmax
accuracy (`score`). `accuracy()` gives the (R, T, 2, 1) before/after accuracies that
`evo-l2l evaluate` reports.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from ..errors import ConfigError
from ..rules import srwm as fam
from ..tasks import TaskSet
from .base import Learner, LearnerSettings

MODES = {"full": 0, "none": 1, "fixed_rate": 2}
# Label slots hold 3 on a support position: phi(x) (a softmax) then gives the label most of
# its mass (e^3 = 20 against about 13 for the 8 features); with 1, about a tenth.
LABEL_VALUE = 3.0


@dataclass
class SRWMSettings(LearnerSettings):
    self_modification: str = setting(
        "full", "full: W rewrites every block at rates it sets itself; none: sigmoid(beta) "
                "fixed at 0, W never changes (the ablation without self-modification); "
                "fixed_rate: beta fixed at 0, every block learns at rate sigmoid(0) = 0.5",
        choices=tuple(MODES))
    score: str = setting(
        "probability", "query performance: probability (mean softmax probability of the "
                       "right class: smooth, for evolution) or accuracy (argmax)",
        choices=("probability", "accuracy"))


def principal_basis(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(mean (d,), projection (d, k)) of inputs X (n, d): the k leading principal directions
    (SVD of the centred rows), all divided by one factor so that the k projections have unit
    mean variance over X."""
    mean = X.mean(axis=0)
    _, s, vt = np.linalg.svd(X - mean, full_matrices=False)
    scale = np.sqrt(np.mean(s[:k] ** 2) / len(X))
    return mean, vt[:k].T / scale


_BASES: dict = {}        # (task family, the data its params name) -> principal_basis


def feature_basis(tasks: TaskSet) -> tuple[np.ndarray, np.ndarray]:
    """(mean (d,), projection (d, N_FEATURES)): principal_basis of the meta-training inputs
    of the task set's family (TaskFamily.meta_training_inputs: rot_digits' digits 0-6, every
    rotation; class_episodes' background classes), d = the tasks' inputs without the bias.

    Kept per family and data: every task set of a run (its training and held-out episodes,
    those `evaluate` draws) is projected on the same basis. Raises ConfigError if the family
    has no meta-training pool or its inputs have fewer than N_FEATURES dimensions.
    """
    from ..tasks import TASK_FAMILIES
    p = tasks.params
    key = (tasks.family, json.dumps({k: p.get(k) for k in ("dataset", "path", "size", "data")},
                                    sort_keys=True, default=str))
    if key not in _BASES:
        family = TASK_FAMILIES.get(tasks.family) if tasks.family in TASK_FAMILIES else None
        pool = getattr(family, "meta_training_inputs", None)
        if pool is None:
            raise ConfigError(f"the srwm learner projects its inputs on the principal "
                              f"directions of the task family's meta-training inputs; task "
                              f"family {tasks.family!r} gives none")
        X = pool(p)
        if min(X.shape) < fam.N_FEATURES:
            raise ConfigError(f"the srwm learner reads {fam.N_FEATURES} principal components "
                              f"of its inputs: it needs >= {fam.N_FEATURES} input dimensions "
                              f"and meta-training rows (got {X.shape[1]} and {X.shape[0]})")
        if len(_BASES) >= 8:
            _BASES.clear()
        _BASES[key] = principal_basis(X, fam.N_FEATURES)
    return _BASES[key]


def embed(tasks: TaskSet) -> dict:
    """A few-shot TaskSet -> the kernel's arrays (Z (T, P, E) and the episode layout)."""
    if tasks.segment_end is None:
        raise ValueError("the srwm learner needs few-shot episodes (rot_digits, class_episodes)")
    if tasks.segment_end.shape[1] != 1 or tasks.group_end.shape[1] != 1:
        raise ValueError("the srwm learner learns few-shot episodes (one support segment, "
                         "one query group), not continual sequences")
    n_way = np.asarray(tasks.n_outputs, dtype=np.int64)
    if len(n_way) and n_way.max() > fam.N_LABELS:
        raise ValueError(f"the srwm learner has {fam.N_LABELS} label slots: n_way must be "
                         f"<= {fam.N_LABELS}")
    mean, proj = feature_basis(tasks)
    T, P = tasks.X.shape[:2]
    d = tasks.X.shape[2] - 1                       # the bias column last
    if len(mean) != d:
        raise ConfigError(f"the srwm learner's basis has {len(mean)} inputs; these tasks have "
                          f"{d} (and a bias)")
    Z = np.zeros((T, P, fam.E))
    Z[:, :, :fam.N_FEATURES] = (tasks.X[:, :, :d] - mean) @ proj
    label = tasks.Y.argmax(axis=2).astype(np.int64)
    n_support = tasks.segment_end[:, 0].astype(np.int64)
    for t in range(T):
        s = n_support[t]
        Z[t, np.arange(s), fam.LABEL_SLOT + label[t, :s]] = LABEL_VALUE
    return {"Z": Z, "label": label, "n_support": n_support, "query_start": n_support.copy(),
            "query_end": tasks.group_end[:, 0].astype(np.int64), "n_way": n_way}


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def srwm_step_numpy(W: np.ndarray, x: np.ndarray, mode: str = "full"):
    """The kernel's step in NumPy, batched over leading axes: W (..., M, E), x (..., E) ->
    (new W, y (..., E)). For analysis (tracing W) and the benchmark against the kernel."""
    E = W.shape[-1]
    main = np.einsum("...me,...e->...m", W, _softmax(x))
    y = main[..., :E]
    if mode == "none":
        return W, y
    q, k = _softmax(main[..., E:2 * E]), _softmax(main[..., 2 * E:3 * E])
    beta = (np.full(main.shape[:-1] + (4,), 0.5) if mode == "fixed_rate"
            else 1.0 / (1.0 + np.exp(-main[..., 3 * E:])))
    rate = np.repeat(beta, [E, E, E, 4], axis=-1)
    d = rate * (np.einsum("...me,...e->...m", W, q) - np.einsum("...me,...e->...m", W, k))
    return W + d[..., :, None] * k[..., None, :], y


def run_episodes(W0: np.ndarray, tasks: TaskSet, mode: str = "full", measure_all: bool = True):
    """(R, N_COEF) initial matrices -> (accuracy, probability), each (R, T, L + 1): query
    performance before the support set and after each of its L positions."""
    W0 = np.ascontiguousarray(np.atleast_2d(np.asarray(W0, dtype=np.float64)))
    if W0.shape[1] != fam.N_COEF:
        raise ValueError(f"initial matrices must have shape (R, {fam.N_COEF}), got {W0.shape}")
    if mode not in MODES:
        raise ValueError(f"unknown self_modification {mode!r}; expected {', '.join(MODES)}")
    a = embed(tasks)
    R, T = len(W0), len(tasks)
    L = int(a["n_support"].max()) if T else 0
    acc = np.full((R, T, L + 1), np.nan)
    prob = np.full((R, T, L + 1), np.nan)
    if R and T:
        from ..kernels.srwm import srwm_episodes
        srwm_episodes(W0, a["Z"], a["n_support"], a["query_start"], a["query_end"], a["label"],
                      a["n_way"], fam.N_HEADS, fam.LABEL_SLOT, MODES[mode], bool(measure_all),
                      acc, prob)
    return acc, prob


class SRWM(Learner):
    """A self-referential weight matrix, its initial W evolved, that learns each episode alone."""

    name = "srwm"
    summary = ("a self-referential weight matrix (Irie et al. 2022) that learns few-shot "
               "episodes by rewriting itself (keys, queries and rates included)")
    settings = SRWMSettings
    requires = frozenset({"episodes"})
    coefficient_families = ("srwm",)
    performance = "query performance after each support position (probability or accuracy)"
    reference_rule = "handwired"

    def check_pairing(self, settings, task_settings) -> None:
        """What the learner can read, checked before a run starts (and its archive exists)."""
        n_way = getattr(task_settings, "n_way", None)
        need(n_way is None or n_way <= fam.N_LABELS,
             f"the srwm learner has {fam.N_LABELS} label slots: tasks.n_way must be <= "
             f"{fam.N_LABELS} (got {n_way})")
        size = getattr(task_settings, "size", None)      # class_episodes: images size x size
        need(size is None or getattr(task_settings, "dataset", None) == "path"
             or size * size >= fam.N_FEATURES,
             f"the srwm learner reads {fam.N_FEATURES} principal components of its inputs: "
             f"tasks.size must be >= {int(np.ceil(np.sqrt(fam.N_FEATURES)))} (got {size})")

    def coefficient_curves(self, family, coef, tasks, settings):
        acc, prob = run_episodes(coef, tasks, settings.self_modification,
                                 measure_all=settings.fitness_measure != "final")
        return prob if settings.score == "probability" else acc

    def accuracy(self, coef, tasks, settings, measure_all: bool = True) -> np.ndarray:
        """(R, T, 2, 1) query accuracy before and after the support set (evaluate);
        measure_all False: after only (before NaN)."""
        acc, _ = run_episodes(coef, tasks, settings.self_modification, measure_all=measure_all)
        return np.stack([acc[:, :, 0], acc[:, :, -1]], axis=2)[..., None]


LEARNER = SRWM()
