"""A linear student neuron u = w . x matching a teacher (Jordan et al. 2021, error-driven).

Symbolic rules only; they see u_target (the teacher's output), u (the
student's) and psp (the presynaptic trace, here the input rate).
"""
from __future__ import annotations

from ..rules.symbolic import scaled
from .base import Learner
from .symbolic import InterpreterLearner


class Student(InterpreterLearner, Learner):
    name = "student"
    summary = "a linear student neuron matches a teacher (Jordan et al. 2021): u_target, u, psp"
    requires = frozenset({"single_layer_weights", "real_targets"})
    performance = "1 / (1 + mean (u_target - u)^2)"
    variables = ("u_target", "u", "psp")
    known_trees = {"delta": lambda rate=None: scaled(rate, "mul(psp, sub(u_target, u))"),
                   "none": lambda rate=None: "0.0"}
    known_labels = {"delta": "the delta rule", "none": "no learning"}
    forms = (("delta", lambda v: v["psp"] * (v["u_target"] - v["u"])),)
    probe_special = {"u_target": (0.0,), "u": (0.0,), "psp": (0.0,)}
    register_layout = (1, (1, 0, 1), (1, 1, 0))


LEARNER = Student()
