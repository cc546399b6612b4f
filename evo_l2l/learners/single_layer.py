"""Single-layer sigmoid learners trained online by a Chalmers-family rule.

The Python side validates and allocates; the arithmetic is in
evo_l2l.kernels.single_layer. Every task's net starts from the task's stored
initial weights, so a rule's fitness is a pure function of its coefficients.
"""
from __future__ import annotations

import numpy as np

from ..tasks import TaskSet

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
    perf = np.zeros((T, n_epochs + 1, R))
    if R == 0 or T == 0:
        return perf.transpose(2, 0, 1).copy()
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
        k.train_chalmers_population(*args, int(block), perf)
    return np.ascontiguousarray(perf.transpose(2, 0, 1))


def fitness_from_curves(curves: np.ndarray, measure: str = "mean") -> np.ndarray:
    """(R, T, E+1) curves -> (R,) fitness, the mean over tasks of each task's score.

    measure='mean' averages the measurements before training and after each
    epoch, so learning speed counts (Chalmers 1990 [S]); 'final' takes the
    last measurement only.
    """
    if measure == "mean":
        per_task = curves.mean(axis=2)
    elif measure == "final":
        per_task = curves[:, :, -1]
    else:
        raise ValueError(f"unknown fitness measure {measure!r}; expected mean or final")
    return per_task.mean(axis=1)
