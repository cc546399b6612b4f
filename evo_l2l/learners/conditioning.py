"""The conditioning circuit trained by a conditioning-family rule; see kernels/conditioning.py."""
from __future__ import annotations

import numpy as np

from ..tasks import TaskSet


def conditioning_curves(coef: np.ndarray, tasks: TaskSet, n_epochs: int = 1,
                        clip: float = 20.0) -> np.ndarray:
    """(R, 16) coefficients -> (R, T, n_epochs + 1): probe performance before and after."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if coef.shape[1] != 16:
        raise ValueError(f"coef must have shape (R, 16), got {coef.shape}")
    if tasks.X.shape[2] != 4 or tasks.W0.shape[2] != 4:
        raise ValueError("these are not conditioning tasks (use the conditioning family)")
    R, T = coef.shape[0], len(tasks)
    perf = np.zeros((T, n_epochs + 1, R))
    if R and T:
        from ..kernels.conditioning import train_conditioning_population
        train_conditioning_population(np.ascontiguousarray(coef.T), tasks.X, tasks.Y, tasks.W0,
                                      tasks.n_patterns, int(n_epochs), float(clip), perf)
    return np.ascontiguousarray(perf.transpose(2, 0, 1))
