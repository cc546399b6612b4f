"""The single-layer learner in vectorised NumPy (all rules x all tasks per step).

The baseline scripts/bench_inner.py measures the numba kernels against, and a
second, independent reference in the tests. Padding is masked: patterns past
a task's n_patterns do not update, outputs past n_outputs do not count.
"""
from __future__ import annotations

import numpy as np

from ..tasks import TaskSet


def learning_curves_numpy(coef: np.ndarray, tasks: TaskSet, n_epochs: int = 10,
                          clip: float = 20.0) -> np.ndarray:
    """Same contract as learners.learning_curves: (R, 11) -> (R, T, E+1)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    R, T = len(coef), len(tasks)
    k = [coef[:, c][None, :, None, None] for c in range(11)]       # (1, R, 1, 1)
    X, Y = tasks.X, tasks.Y                                          # (T, P, I), (T, P, O)
    W = np.broadcast_to(tasks.W0[:, None], (T, R) + tasks.W0.shape[1:]).copy()  # (T, R, O, I)
    out_mask = (np.arange(Y.shape[2])[None, :] < tasks.n_outputs[:, None])      # (T, O)
    pat_mask = (np.arange(X.shape[1])[None, :] < tasks.n_patterns[:, None])     # (T, P)
    denom = (tasks.n_patterns * tasks.n_outputs)[:, None]
    curves = np.zeros((T, R, n_epochs + 1))

    def sigmoid(s):
        with np.errstate(over="ignore", invalid="ignore"):
            return 1.0 / (1.0 + np.exp(-s))

    def measure():
        with np.errstate(invalid="ignore"):
            o = sigmoid(np.einsum("troi,tpi->trpo", W, X))          # (T, R, P, O)
            err = np.abs(Y[:, None] - o) * (pat_mask[:, None, :, None] & out_mask[:, None, None, :])
            v = 1.0 - err.sum(axis=(2, 3)) / denom
        return np.where(np.isnan(v), 0.0, v)

    curves[:, :, 0] = measure()
    with np.errstate(all="ignore"):
        for e in range(n_epochs):
            for p in range(X.shape[1]):
                a = X[:, p][:, None, None, :]                        # (T, 1, 1, I)
                o = sigmoid(np.einsum("troi,ti->tro", W, X[:, p]))[..., None]   # (T, R, O, 1)
                t = Y[:, p][:, None, :, None]                        # (T, 1, O, 1)
                dw = k[0] * (k[1] * W + k[2] * a + k[3] * o + k[4] * t + k[5] * W * a
                             + k[6] * W * o + k[7] * W * t + k[8] * a * o + k[9] * a * t
                             + k[10] * o * t)
                new = np.clip(W + dw, -clip, clip)
                W = np.where(pat_mask[:, p][:, None, None, None], new, W)
            curves[:, :, e + 1] = measure()
    return np.ascontiguousarray(curves.transpose(1, 0, 2))
