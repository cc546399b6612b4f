"""Two-layer nets trained by a shared local rule and a broadcast error; see kernels/two_layer.py."""
from __future__ import annotations

import numpy as np

from ..rules.symbolic import scaled
from ..tasks import TaskSet
from .base import NEAR_ONE, SIGMOID_SPECIAL, TINY, Learner
from .single_layer import DEFAULT_BLOCK
from .symbolic import NET_LAYOUT, program_args


def two_layer_curves(coef: np.ndarray, tasks: TaskSet, n_epochs: int = 30,
                     clip: float = 20.0) -> np.ndarray:
    """(R, 16) rule coefficients -> (R, T, n_epochs + 1) performance 1 - mean|t - o|."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if coef.shape[1] != 16:
        raise ValueError(f"coef must have shape (R, 16), got {coef.shape}")
    if tasks.W0_hidden is None:
        raise ValueError("these tasks have no hidden layer (use the boolean_functions family)")
    if n_epochs < 0 or not clip > 0:
        raise ValueError("n_epochs must be >= 0 and clip > 0")
    R, T = coef.shape[0], len(tasks)
    perf = np.zeros((R, T, n_epochs + 1))     # filled in place by the kernel
    if R and T:
        H = tasks.W0_hidden.shape[1]
        n_blocks = -(-R // DEFAULT_BLOCK)
        from ..kernels.two_layer import train_two_layer_population
        train_two_layer_population(np.ascontiguousarray(coef.T), tasks.X, tasks.Y,
                                   tasks.W0_hidden, tasks.W0,
                                   tasks.n_patterns, tasks.n_inputs, int(n_epochs), float(clip),
                                   -(-R // n_blocks), perf)
    return perf


def backprop_curves(tasks: TaskSet, rates, n_epochs: int = 30, clip: float = 20.0) -> np.ndarray:
    """The same nets trained online by backpropagation at each rate: (len(rates), T, E+1).

    The reference Bengio et al. compared their rules with (NumPy, all tasks at once).
    """
    rates = np.atleast_1d(np.asarray(rates, dtype=np.float64))
    H = tasks.W0_hidden.shape[1]
    out = np.zeros((len(rates), len(tasks), n_epochs + 1))
    X, Y, P = tasks.X, tasks.Y[:, :, 0], tasks.X.shape[1]

    def sig(z):
        return 1.0 / (1.0 + np.exp(-z))

    for k, lr in enumerate(rates):
        Wh = tasks.W0_hidden.copy()                      # (T, H, I)
        Wo = tasks.W0[:, 0, :H + 1].copy()                # (T, H+1)

        def perf():
            h = sig(np.einsum("thi,tpi->tph", Wh, X))
            o = sig(np.einsum("th,tph->tp", Wo[:, :H], h) - Wo[:, H][:, None])
            return 1.0 - np.abs(Y - o).mean(axis=1)

        out[k, :, 0] = perf()
        with np.errstate(all="ignore"):
            for e in range(n_epochs):
                for p in range(P):
                    x = X[:, p]                                     # (T, I)
                    h = sig(np.einsum("thi,ti->th", Wh, x))
                    o = sig((Wo[:, :H] * h).sum(axis=1) - Wo[:, H])
                    d_o = (Y[:, p] - o) * o * (1 - o)               # ascent on -1/2 (t - o)^2
                    d_h = d_o[:, None] * Wo[:, :H] * h * (1 - h)
                    Wo[:, :H] += lr * d_o[:, None] * h
                    Wo[:, H] += lr * d_o * -1.0
                    Wh += lr * d_h[:, :, None] * x[:, None, :]
                    np.clip(Wo, -clip, clip, out=Wo)
                    np.clip(Wh, -clip, clip, out=Wh)
                out[k, :, e + 1] = np.nan_to_num(perf(), nan=0.0)
    return out


class TwoLayer(Learner):
    """2-layer sigmoid nets; one rule for every synapse sees a, o, w and the broadcast error m."""

    name = "two_layer"
    summary = "two-layer sigmoid nets (Bengio et al. 1991): a, o, w and the broadcast error m"
    requires = frozenset({"hidden_layer", "binary_targets"})
    coefficient_families = ("bengio",)
    variables = ("a", "o", "w", "m")
    known_trees = {"delta": lambda rate=None: scaled(rate, "mul(a, m)"),
                   "hebb": lambda rate=None: scaled(rate, "mul(a, o)"),
                   "none": lambda rate=None: "0.0"}
    known_labels = {"delta": "the delta rule", "hebb": "Hebb's rule", "none": "no learning"}
    forms = (("delta", lambda v: v["a"] * v["m"]),)
    probe_special = {"a": (-1.0, 0.0, 1.0, TINY, NEAR_ONE), "o": SIGMOID_SPECIAL, "w": (0.0,),
                     "m": (0.0, TINY, -TINY)}
    register_layout = (None,) + NET_LAYOUT

    def coefficient_curves(self, family, coef, tasks, settings):
        return two_layer_curves(coef, tasks, settings.n_epochs, settings.clip)

    def program_curves(self, programs, tasks, settings, eta, views=None, noise_seed=0):
        R = programs[0].shape[0]
        perf = np.zeros((R, len(tasks), settings.n_epochs + 1))
        if R and len(tasks):
            from ..kernels.symbolic_nets import train_programs_two_layer
            train_programs_two_layer(*program_args(programs), tasks.X, tasks.Y, tasks.W0_hidden,
                                     tasks.W0, tasks.n_patterns, tasks.n_inputs,
                                     int(settings.n_epochs), float(settings.clip), float(eta),
                                     np.array(NET_LAYOUT[0]), np.array(NET_LAYOUT[1]), perf)
        return perf


LEARNER = TwoLayer()
