"""A linear neuron trained by a Volterra-family rule (Oja's setting); see kernels/linear_neuron.py."""
from __future__ import annotations

import numpy as np

from dataclasses import dataclass

from ..components import setting
from ..tasks import TaskSet
from .base import Learner, LearnerSettings
from .single_layer import DEFAULT_BLOCK


def volterra_curves(coef: np.ndarray, tasks: TaskSet, n_epochs: int = 10, clip: float = 20.0,
                    eta: float = 0.01) -> np.ndarray:
    """(R, 27) coefficients A_abc (row a*9 + b*3 + c) -> (R, T, n_epochs + 1) performance."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if coef.shape[1] != 27:
        raise ValueError(f"coef must have shape (R, 27), got {coef.shape}")
    if tasks.direction is None:
        raise ValueError("these tasks have no target direction (use the gaussian_pca family)")
    if n_epochs < 0 or not clip > 0:
        raise ValueError("n_epochs must be >= 0 and clip > 0")
    R, T = coef.shape[0], len(tasks)
    perf = np.zeros((R, T, n_epochs + 1))     # filled in place by the kernel
    if R and T:
        n_blocks = -(-R // DEFAULT_BLOCK)
        from ..kernels.linear_neuron import train_volterra_population
        train_volterra_population(np.ascontiguousarray(coef.T), tasks.X, tasks.W0,
                                  tasks.n_patterns, tasks.n_inputs, tasks.direction,
                                  int(n_epochs), float(clip), float(eta), -(-R // n_blocks), perf)
    return perf


@dataclass
class Settings(LearnerSettings):
    eta: float = setting(0.01, "learning rate: dw = eta * rule", low=0, low_open=True)


class LinearNeuron(Learner):
    """y = w . x on unlabelled inputs; the rule sees x, y and w (Oja's setting)."""

    name = "linear_neuron"
    summary = "a linear neuron y = w.x on Gaussian inputs (Confavreux et al. 2020): x, y, w"
    settings = Settings
    requires = frozenset({"single_layer_weights", "pc_direction"})
    coefficient_families = ("volterra",)
    performance = "|cos(w, PC1)| * exp(-(|w| - 1)^2)"

    def coefficient_curves(self, family, coef, tasks, settings):
        return volterra_curves(coef, tasks, settings.n_epochs, settings.clip, settings.eta)


LEARNER = LinearNeuron()
