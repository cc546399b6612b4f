"""Classical-conditioning protocols for the Aplysia-like circuit (kernels/conditioning.py).

Bengio, Bengio & Cloutier (1991) evolved a rule on "conditioning in Aplysia
(a biologically inspired circuit)" [V]; the protocols and their desired
outcomes here are the textbook phenomena (acquisition, extinction, blocking,
differential conditioning, and no conditioning without CS-US pairing), ours
to define. Each task is one protocol: trials of (CS1, CS2, US) presence with
learning, and probe trials (no learning, no US) whose desired motor response
is 1 (conditioned) or 0 (not). Which stimulus plays CS1 is random per task,
and phase lengths are random, so a rule cannot memorise one sequence.
"""
from __future__ import annotations

import numpy as np

from dataclasses import dataclass

from ..components import need, setting
from .family import TaskFamily, TaskSettings, check_heldout
from .taskset import TaskSet, random_split

PROTOCOLS = ("acquisition", "extinction", "blocking", "differential", "unpaired")


def _protocol(name: str, rng: np.random.Generator) -> list[tuple]:
    """[(cs1, cs2, us, probe, desired), ...] for one protocol instance."""
    n, m = int(rng.integers(4, 11)), int(rng.integers(4, 11))
    pair = [(1, 0, 1, 0, 0)] * n
    probe1 = lambda want: (1, 0, 0, 1, want)
    probe2 = lambda want: (0, 1, 0, 1, want)
    if name == "acquisition":
        return [probe1(0)] + pair + [probe1(1)]
    if name == "extinction":
        return pair + [probe1(1)] + [(1, 0, 0, 0, 0)] * m + [probe1(0)]
    if name == "blocking":
        return pair + [(1, 1, 1, 0, 0)] * m + [probe1(1), probe2(0)]
    if name == "differential":
        return [t for _ in range(n) for t in ((1, 0, 1, 0, 0), (0, 1, 0, 0, 0))] + [probe1(1), probe2(0)]
    if name == "unpaired":
        return [t for _ in range(n) for t in ((0, 0, 1, 0, 0), (1, 0, 0, 0, 0))] + [probe1(0)]
    raise ValueError(f"unknown protocol {name!r}")


def make_conditioning_tasks(rng: np.random.Generator, shapes=((6, 0, 0),), n_heldout: int = 10,
                            w_us: float = 2.0, bias_drive: float = -3.0, init_low: float = -0.5,
                            init_high: float = 0.5) -> TaskSet:
    """shapes [[k, 0, 0]]: k instances of each protocol (5 k tasks).

    W0 holds (w1, w2, w_us, bias): CS weights ~ U[init_low, init_high), the
    US synapse w_us and the motor neuron's bias drive fixed. The US alone
    drives the motor neuron only moderately (sigmoid(2 - 3) = 0.27), so the
    response to CS + US still reports how well the CS predicts the US.
    """
    (k, _, _), = shapes
    specs = [(name, _protocol(name, rng)) for name in PROTOCOLS for _ in range(k)]
    T, P = len(specs), max(len(trials) for _, trials in specs)
    if not 0 <= n_heldout < T:
        raise ValueError(f"n_heldout must be in 0..{T - 1}")
    X = np.zeros((T, P, 4)); Y = np.zeros((T, P, 1)); W0 = np.zeros((T, 1, 4))
    for t, (_, trials) in enumerate(specs):
        arr = np.array(trials, dtype=np.float64)
        if rng.random() < 0.5:                      # which stimulus is "CS1"
            arr[:, [0, 1]] = arr[:, [1, 0]]
        X[t, :len(arr)] = arr[:, :4]
        Y[t, :len(arr), 0] = arr[:, 4]
        W0[t, 0] = (*rng.uniform(init_low, init_high, 2), w_us, bias_drive)
    split = random_split(rng, T, n_heldout)
    return TaskSet(X, Y, W0, np.array([len(tr) for _, tr in specs]), np.full(T, 4),
                   np.ones(T, dtype=np.int64), split, family="conditioning",
                   params={"shapes": [list(s) for s in shapes], "protocols": [n for n, _ in specs],
                           "w_us": w_us, "bias_drive": bias_drive, "init_low": init_low,
                           "init_high": init_high})


@dataclass
class Settings(TaskSettings):
    instances: int = setting(6, "instances of each of the 5 protocols (5 * instances tasks)",
                             low=1, high=100)
    init_low: float = setting(-0.5, "CS weights ~ U[init_low, init_high), drawn per task")
    init_high: float = setting(0.5, "upper end of the CS weights' range")
    w_us: float = setting(2.0, "the fixed US synapse")
    bias_drive: float = setting(-3.0, "the motor neuron's fixed bias drive")

    def check(self) -> None:
        check_heldout(self.n_heldout, len(PROTOCOLS) * self.instances)
        need(self.init_low <= self.init_high, "init_low must be <= init_high")


FAMILY = TaskFamily(
    "conditioning", Settings, frozenset({"protocols"}),
    lambda rng, s: make_conditioning_tasks(rng, [(s.instances, 0, 0)], s.n_heldout, s.w_us,
                                           s.bias_drive, s.init_low, s.init_high),
    "classical-conditioning protocols for an Aplysia-like circuit (Bengio et al. 1991)")
