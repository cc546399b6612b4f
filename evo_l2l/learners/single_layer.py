"""Single-layer sigmoid learners trained online by a Chalmers-family rule.

The Python side validates and allocates; the arithmetic is in
evo_l2l.kernels.single_layer. Every task's net starts from the task's stored
initial weights, so a rule's fitness is a pure function of its coefficients.
"""
from __future__ import annotations

import numpy as np

from ..rules.symbolic import scaled
from ..tasks import TaskSet
from .base import (SIGMOID_SPECIAL, Learner, LearnerSettings, fitness_from_curves,  # noqa: F401
                   task_order)
from .symbolic import InterpreterLearner

# Rules per parallel job: large enough to fill SIMD lanes, small enough that
# tasks x blocks gives both cores work.
DEFAULT_BLOCK = 64


def learning_curves(coef: np.ndarray, tasks: TaskSet, n_epochs: int = 10,
                    clip: float = 20.0, block: int | None = None,
                    serial: bool = False) -> np.ndarray:
    """Performance of every rule on every task before training and after each epoch.

    Parameters
    ----------
    coef : (R, 11) float64, one Chalmers coefficient row per rule.
    tasks : the tasks to learn.
    n_epochs : epochs of online learning (one update per pattern).
    clip : weights are clipped to [-clip, clip] after every update (inf: no clip).

    Returns
    -------
    (R, T, n_epochs + 1) float64 in [0, 1]: 1 - mean |t - o|; 0 once a net's
    weights became NaN.
    """
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim == 1:
        coef = coef[None, :]
    if coef.ndim != 2 or coef.shape[1] != 11:
        raise ValueError(f"coef must have shape (R, 11), got {coef.shape}")
    if n_epochs < 0:
        raise ValueError("n_epochs must be >= 0")
    if not clip > 0:
        raise ValueError("clip must be > 0")
    R, T = coef.shape[0], len(tasks)
    perf = np.zeros((R, T, n_epochs + 1))     # filled in place by the kernel
    if R == 0 or T == 0:
        return perf
    coefT = np.ascontiguousarray(coef.T)
    args = (coefT, tasks.X, tasks.Y, tasks.W0, tasks.n_patterns, tasks.n_inputs,
            tasks.n_outputs, int(n_epochs), float(clip))
    from ..kernels import single_layer as k
    if serial:
        k.train_chalmers_serial(*args, perf)
    else:
        if block is None:
            n_blocks = -(-R // DEFAULT_BLOCK)
            block = -(-R // n_blocks)
        k.train_chalmers_population(*args, int(block), perf, task_order(tasks))
    return perf


class SingleLayer(InterpreterLearner, Learner):
    """Sigmoid units o = sigmoid(w . a), supervised: a rule sees w, a, o and the target t."""

    name = "single_layer"
    summary = "single-layer sigmoid nets, supervised (Chalmers 1990): w, a, o, t"
    requires = frozenset({"single_layer_weights", "binary_targets"})
    coefficient_families = ("chalmers",)
    variables = ("w", "a", "o", "t")
    known_trees = {"delta": lambda rate=None: scaled(rate, "mul(a, sub(t, o))"),
                   "hebb": lambda rate=None: scaled(rate, "mul(a, o)"),
                   "none": lambda rate=None: "0.0"}
    known_labels = {"delta": "the delta rule", "hebb": "Hebb's rule", "none": "no learning"}
    forms = (("delta", lambda v: v["a"] * (v["t"] - v["o"])),)
    probe_special = {"w": (0.0,), "a": (-1.0, 0.0, 1.0), "o": SIGMOID_SPECIAL, "t": (0.0, 1.0)}
    register_layout = (0, (0, 1, 0, 1), (0, 0, 1, 1))     # interpreter code; kinds, rows of w, a, o, t

    def coefficient_curves(self, family, coef, tasks, settings):
        return learning_curves(coef, tasks, settings.n_epochs, settings.clip)


LEARNER = SingleLayer()
