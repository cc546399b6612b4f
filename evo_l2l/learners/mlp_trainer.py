"""Small MLPs trained by minibatch backprop, each parameter moved by the optimizer under
test (learning to optimize): the learner of the rule families update_program and
learned_optimizer, over net_training tasks (tasks/net_training.py).

The kernel (kernels/mlp_train.py) gives each task's mean test loss before training and
after each of n_epochs equal parts of its steps. A task's performance at a point is the
fraction of its initial test loss removed, 1 - L / L_0, clipped to [-1, 1] so that one
diverging task cannot outweigh the others (-1 once a run diverged). Losses themselves, for
the analysis, come from `losses`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import Settings, setting
from ..kernels import mlp_train as kernel
from .base import Learner

MODES = {"update_program": kernel.PROGRAM, "learned_optimizer": kernel.FEATURES}


@dataclass
class TrainerSettings(Settings):
    n_epochs: int = setting(5, "checkpoints: the test loss is measured before training and "
                               "after each of this many equal parts of a task's steps", low=1)
    fitness_measure: str = setting(
        "mean", "mean: performance averaged over the checkpoints (speed counts); final: "
                "after the last step", choices=("mean", "final"))


def task_arrays(tasks) -> tuple:
    """(arch, n_train, loss_scale, theta0, batches) of a net_training task set, made once
    per set."""
    got = getattr(tasks, "_trainer_arrays", None)
    if got is None:
        from ..tasks import net_training as nt
        got = (np.ascontiguousarray(nt.architecture(tasks), dtype=np.int64),
               np.ascontiguousarray(nt.n_train(tasks), dtype=np.int64),
               nt.loss_scales(tasks),
               np.ascontiguousarray(nt.initial_parameters(tasks), dtype=np.float64),
               np.ascontiguousarray(nt.minibatches(tasks), dtype=np.int64))
        tasks._trainer_arrays = got
    return got


def losses(family: str, rows, tasks, n_checkpoints: int) -> tuple[np.ndarray, np.ndarray]:
    """(test loss (R, T, n_checkpoints + 1), training minibatch loss (R, T, S)) of R
    optimizer rows on a task set; inf from where a run diverged."""
    rows = np.ascontiguousarray(np.atleast_2d(rows), dtype=np.float64)
    arch, n_train, loss_scale, theta0, batches = task_arrays(tasks)
    R, T = rows.shape[0], len(tasks)
    test = np.empty((R, T, n_checkpoints + 1))
    train = np.empty((R, T, batches.shape[1]))
    if R and T:
        kernel.train(MODES[family], rows, tasks.X, tasks.Y, tasks.n_inputs, tasks.n_outputs,
                     arch, n_train, tasks.n_patterns, loss_scale, theta0, batches, test,
                     train)
    return test, train


def performance(test_loss: np.ndarray) -> np.ndarray:
    """(R, T, E + 1) test losses -> 1 - L / L_0 in [-1, 1]; -1 where diverged."""
    with np.errstate(all="ignore"):
        perf = 1.0 - test_loss / test_loss[:, :, :1]
    return np.where(np.isfinite(perf), np.clip(perf, -1.0, 1.0), -1.0)


class MLPTrainer(Learner):
    name = "mlp_trainer"
    summary = ("small MLPs (1-3 hidden layers, tanh/ReLU, cross-entropy or squared loss) "
               "trained by minibatch backprop with the optimizer under test")
    settings = TrainerSettings
    requires = frozenset({"net_training"})
    coefficient_families = tuple(MODES)
    performance = "1 - test loss / initial test loss"
    reference_rule = "adam"

    def coefficient_curves(self, family, coef, tasks, settings) -> np.ndarray:
        test, _ = losses(family, coef, tasks, settings.n_epochs)
        return performance(test)


LEARNER = MLPTrainer()
