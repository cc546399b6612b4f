"""Two-layer nets whose learner is evolved with the rule (rule family bengio_automl).

Each decoded row brings its rule and its learner (hidden units, activation, eta, epochs,
initial weight scale, clip, term switches; rules/bengio_automl.py). A batch is grouped by
learner *shape* (hidden units, activation): one kernel call per group
(kernels/mixed_two_layer.py), rows of a group in their batch order. Evaluating a batch
gives exactly what evaluating each row alone gives (every lane is its own net).

Cost-aware: a fixed compute budget per task, in synapse updates = epochs x patterns x
synapses (synapses = H * (inputs + bias) + H + 1). A learner that asks for more epochs
than the budget allows is *truncated*: it trains floor(budget / (patterns x synapses))
epochs (at least 1), and its performance afterwards is held. So evolution cannot win by
training longer; bigger nets get fewer epochs. `compute` gives the updates each row spends
per task (archived beside every genome as `compute`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from ..rules import bengio_automl as fam
from ..tasks import TaskSet
from .base import Learner, LearnerSettings

HAND_SET_UPDATES = 30 * 4 * (2 * 3 + 3)      # bengio1991-boolean: 30 epochs, 4 patterns, 9 synapses


@dataclass
class AutoMLSettings(LearnerSettings):
    n_epochs: int = setting(120, "the most epochs any genome trains (its epochs gene is cut to "
                                 "this and to the budget); curves have n_epochs + 1 points",
                            low=1)
    fitness_measure: str = setting(
        "final", "final: performance after the learner's own epochs; mean: averaged over the "
                 "n_epochs + 1 points (held after the learner stops)", choices=("mean", "final"))
    budget: int = setting(HAND_SET_UPDATES, "synapse updates (epochs x patterns x synapses) a "
                                            "learner may spend per task; more epochs are cut",
                          low=1)


def epochs_in_budget(rows: np.ndarray, tasks: TaskSet, settings) -> np.ndarray:
    """(R, T) epochs each row trains on each task: its gene, cut to n_epochs and the budget."""
    rows = np.atleast_2d(rows)
    H = rows[:, fam.COL["hidden"]].astype(np.int64)[:, None]
    per_epoch = tasks.n_patterns[None, :] * (H * tasks.n_inputs[None, :] + H + 1)
    asked = np.minimum(rows[:, fam.COL["n_epochs"]].astype(np.int64), settings.n_epochs)[:, None]
    return np.maximum(1, np.minimum(asked, settings.budget // per_epoch))


def compute(rows: np.ndarray, tasks: TaskSet, settings) -> np.ndarray:
    """(R,) synapse updates each row spends per task (mean over the tasks)."""
    rows = np.atleast_2d(rows)
    H = rows[:, fam.COL["hidden"]].astype(np.int64)[:, None]
    per_epoch = tasks.n_patterns[None, :] * (H * tasks.n_inputs[None, :] + H + 1)
    return (epochs_in_budget(rows, tasks, settings) * per_epoch).mean(axis=1)


def automl_curves(rows: np.ndarray, tasks: TaskSet, settings) -> np.ndarray:
    """(R, 38) decoded rows -> (R, T, n_epochs + 1) performance, grouped by (hidden, activation)."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    if rows.shape[1] != fam.N_COEF:
        raise ValueError(f"rows must have shape (R, {fam.N_COEF}), got {rows.shape}")
    if tasks.W0_hidden is None:
        raise ValueError("these tasks have no hidden layer (use the boolean_functions family)")
    R, T, E = rows.shape[0], len(tasks), settings.n_epochs
    perf = np.zeros((R, T, E + 1))
    if not (R and T):
        return perf
    h_max = tasks.W0_hidden.shape[1]
    hidden = rows[:, fam.COL["hidden"]].astype(np.int64)
    if hidden.max() > h_max:
        raise ValueError(f"a learner asks for {hidden.max()} hidden units; the tasks have initial "
                         f"weights for {h_max} (set tasks.n_hidden)")
    act = rows[:, fam.COL["activation"]].astype(np.int64)
    epochs = epochs_in_budget(rows, tasks, settings)
    coef = fam.effective(rows)
    clip = rows[:, fam.COL["clip"]]
    scale = rows[:, fam.COL["init_scale"]]
    from ..kernels.mixed_two_layer import train_mixed_two_layer
    for H, a in sorted(set(zip(hidden.tolist(), act.tolist()))):
        idx = np.flatnonzero((hidden == H) & (act == a))
        sub = np.zeros((len(idx), T, E + 1))
        ep = epochs[idx]
        if np.all(ep == ep[:, :1]):
            train_mixed_two_layer(np.ascontiguousarray(coef[idx].T), np.ascontiguousarray(ep[:, 0]),
                                  np.ascontiguousarray(clip[idx]), np.ascontiguousarray(scale[idx]),
                                  int(H), int(a), tasks.X, tasks.Y, tasks.W0_hidden, tasks.W0,
                                  tasks.n_patterns, tasks.n_inputs, sub)
        else:                         # tasks of different sizes: one call per task
            for t in range(T):
                one = tasks.select(np.arange(T) == t)
                part = np.zeros((len(idx), 1, E + 1))
                train_mixed_two_layer(np.ascontiguousarray(coef[idx].T),
                                      np.ascontiguousarray(ep[:, t]),
                                      np.ascontiguousarray(clip[idx]),
                                      np.ascontiguousarray(scale[idx]), int(H), int(a), one.X,
                                      one.Y, one.W0_hidden, one.W0, one.n_patterns, one.n_inputs,
                                      part)
                sub[:, t] = part[:, 0]
        perf[idx] = sub
    return perf


class TwoLayerAutoML(Learner):
    """2-layer nets whose size, activation, rate, epochs, init scale and clip come with the rule."""

    name = "two_layer_automl"
    summary = ("two-layer nets whose learner (hidden units, activation, eta, epochs, init scale, "
               "clip, term switches) is evolved with the rule, under a compute budget per task")
    settings = AutoMLSettings
    requires = frozenset({"hidden_layer", "binary_targets"})
    coefficient_families = ("bengio_automl",)

    def check_pairing(self, settings, task_settings) -> None:
        """The tasks must draw initial weights for the most hidden units a genome may ask."""
        most = int(fam.GENES[fam.COL["hidden"]].high)
        need(getattr(task_settings, "n_hidden", most) >= most,
             f"tasks.n_hidden must be >= {most} for learner {self.name!r} (a genome may ask for "
             f"{most} hidden units; it uses the first ones of each task's initial weights)")

    def coefficient_curves(self, family, coef, tasks, settings):
        return automl_curves(coef, tasks, settings)

    def compute(self, rows, tasks, settings) -> np.ndarray:
        return compute(rows, tasks, settings)

    def epochs_trained(self, coef, tasks, settings) -> np.ndarray:
        return epochs_in_budget(np.asarray(coef, dtype=np.float64), tasks, settings)


LEARNER = TwoLayerAutoML()
