"""All Boolean functions of n inputs (16 for n = 2), for two-layer nets.

After Bengio, Bengio & Cloutier (1991), who learned a synaptic rule on some
Boolean functions (linearly separable and not) and tested it on others.
Function k maps pattern p (inputs in binary order) to bit p of k. Each task
has its own random initial weights, hidden (W0_hidden) and output (W0: the H
hidden weights, then the hidden bias weight). params['separable'] marks the
linearly separable functions (all but XOR and XNOR for n = 2).
"""
from __future__ import annotations

import itertools

import numpy as np

from dataclasses import dataclass

from ..components import need, setting
from .family import TaskFamily, TaskSettings
from .taskset import HELDOUT, TRAIN, TaskSet


def truth_tables(n_inputs: int) -> tuple[np.ndarray, np.ndarray]:
    """(patterns (2^n, n) in binary order, targets (2^(2^n), 2^n)): every function."""
    P = 2 ** n_inputs
    X = np.array(list(itertools.product([0.0, 1.0], repeat=n_inputs)))
    Y = ((np.arange(2 ** P)[:, None] >> np.arange(P)[None, :]) & 1).astype(np.float64)
    return X, Y


def is_separable(X: np.ndarray, t: np.ndarray) -> bool:
    """Perceptron check (converges within the bound for these tiny problems)."""
    Xb = np.hstack([X, np.ones((len(X), 1))])
    w = np.zeros(Xb.shape[1])
    for _ in range(200):
        errors = 0
        for x, y in zip(Xb, t):
            pred = float(x @ w > 0)
            if pred != y:
                w += (y - pred) * x
                errors += 1
        if errors == 0:
            return True
    return False


def make_boolean_function_tasks(rng: np.random.Generator, shapes=((1, 4, 2),), n_heldout: int = 6,
                                n_hidden: int = 2, bias: float = -1.0, init_low: float = -1.0,
                                init_high: float = 1.0, heldout_functions=None) -> TaskSet:
    """Every function of `inputs` inputs (shapes: [[1, 2^inputs, inputs]]), one task each.

    Held out: `heldout_functions` (function numbers) if given, else n_heldout at random.
    """
    (count, _, n_in), = shapes
    X1, Y1 = truth_tables(n_in)
    T, P, I = len(Y1), len(X1), n_in + 1
    X = np.zeros((T, P, I)); X[:, :, :n_in] = X1; X[:, :, n_in] = bias
    Y = Y1[:, :, None].copy()
    Wh = rng.uniform(init_low, init_high, (T, n_hidden, I))
    Wo = rng.uniform(init_low, init_high, (T, 1, n_hidden + 1))
    split = np.full(T, TRAIN, dtype=np.int8)
    if heldout_functions is not None:
        split[np.asarray(heldout_functions, dtype=int)] = HELDOUT
    else:
        split[rng.choice(T, size=n_heldout, replace=False)] = HELDOUT
    separable = [bool(is_separable(X1, Y1[k])) for k in range(T)]
    return TaskSet(X, Y, Wo, np.full(T, P), np.full(T, I), np.ones(T, dtype=np.int64), split,
                   family="boolean_functions",
                   params={"shapes": [list(s) for s in shapes], "n_hidden": n_hidden,
                           "bias": bias, "init_low": init_low, "init_high": init_high,
                           "separable": separable},
                   W0_hidden=Wh)


@dataclass
class Settings(TaskSettings):
    n_inputs: int = setting(2, "inputs of the functions (2^2^n_inputs functions, one task each)",
                            low=1, high=3)
    n_hidden: int = setting(2, "hidden units of each task's net", low=1, high=64)
    heldout_functions: list[int] | None = setting(
        None, "the held-out function numbers (else n_heldout at random)")
    bias: float = setting(-1.0, "value of the bias input")
    init_low: float = setting(-1.0, "initial weights ~ U[init_low, init_high), drawn per task")
    init_high: float = setting(1.0, "upper end of the initial weights' range")

    def check(self) -> None:
        n_functions = 2 ** (2 ** self.n_inputs)
        hf = self.heldout_functions
        need(hf is None or (len(set(hf)) == len(hf) > 0 and all(0 <= k < n_functions for k in hf)
                            and len(hf) < n_functions),
             f"heldout_functions must be distinct function numbers in 0..{n_functions - 1}")
        need(1 <= self.n_heldout < n_functions, f"n_heldout must be in 1..{n_functions - 1}")
        need(self.init_low <= self.init_high, "init_low must be <= init_high")


FAMILY = TaskFamily(
    "boolean_functions", Settings, frozenset({"hidden_layer", "binary_targets"}),
    lambda rng, s: make_boolean_function_tasks(
        rng, [(1, 2 ** s.n_inputs, s.n_inputs)], s.n_heldout, s.n_hidden, s.bias, s.init_low,
        s.init_high, s.heldout_functions),
    "every Boolean function of n inputs, for two-layer nets (Bengio et al. 1991)")
