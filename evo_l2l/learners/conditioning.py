"""The conditioning circuit trained by a conditioning-family rule; see kernels/conditioning.py."""
from __future__ import annotations

import numpy as np

from ..rules.symbolic import scaled
from ..tasks import TaskSet
from .base import SIGMOID_SPECIAL, Learner, task_order
from .symbolic import NET_LAYOUT, program_args


def conditioning_curves(coef: np.ndarray, tasks: TaskSet, n_epochs: int = 1,
                        clip: float = 20.0) -> np.ndarray:
    """(R, 16) coefficients -> (R, T, n_epochs + 1): probe performance before and after."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if coef.shape[1] != 16:
        raise ValueError(f"coef must have shape (R, 16), got {coef.shape}")
    if tasks.X.shape[2] != 4 or tasks.W0.shape[2] != 4:
        raise ValueError("these are not conditioning tasks (use the conditioning family)")
    R, T = coef.shape[0], len(tasks)
    perf = np.zeros((R, T, n_epochs + 1))     # filled in place by the kernel
    if R and T:
        from ..kernels.conditioning import train_conditioning_population
        train_conditioning_population(np.ascontiguousarray(coef.T), tasks.X, tasks.Y, tasks.W0,
                                      tasks.n_patterns, int(n_epochs), float(clip), perf,
                                      task_order(tasks))
    return perf


class Conditioning(Learner):
    """The Aplysia-like circuit; one rule for the CS synapses sees a, o, w and the facilitatory f."""

    name = "conditioning"
    summary = "an Aplysia-like conditioning circuit (Bengio et al. 1991): a, o, w, f"
    requires = frozenset({"protocols"})
    coefficient_families = ("conditioning",)
    performance = "1 - mean|desired - o| at probe trials"
    variables = ("a", "o", "w", "f")
    known_trees = {"rescorla_wagner": lambda rate=None: scaled(rate, "mul(a, sub(f, o))"),
                   "facilitation": lambda rate=None: scaled(rate, "mul(a, f)"),
                   "hebb": lambda rate=None: scaled(rate, "mul(a, o)"),
                   "none": lambda rate=None: "0.0"}
    known_labels = {"rescorla_wagner": "the Rescorla-Wagner rule",
                    "facilitation": "activity-dependent facilitation", "hebb": "Hebb's rule",
                    "none": "no learning"}
    reference_rule = reference_form = "rescorla_wagner"
    forms = (("rescorla_wagner", lambda v: v["a"] * (v["f"] - v["o"])),
             ("facilitation", lambda v: v["a"] * v["f"]))
    probe_special = {"a": (-1.0, 0.0, 1.0), "o": SIGMOID_SPECIAL, "w": (0.0,), "f": (0.0, 1.0)}
    register_layout = (None,) + NET_LAYOUT

    def coefficient_curves(self, family, coef, tasks, settings):
        return conditioning_curves(coef, tasks, settings.n_epochs, settings.clip)

    def program_curves(self, programs, tasks, settings, eta, views=None, noise_seed=0):
        R = programs[0].shape[0]
        perf = np.zeros((R, len(tasks), settings.n_epochs + 1))
        if R and len(tasks):
            from ..kernels.symbolic_nets import train_programs_conditioning
            train_programs_conditioning(*program_args(programs), tasks.X, tasks.Y, tasks.W0,
                                        tasks.n_patterns, int(settings.n_epochs),
                                        float(settings.clip), float(eta),
                                        np.array(NET_LAYOUT[0]), np.array(NET_LAYOUT[1]), perf)
        return perf


LEARNER = Conditioning()
