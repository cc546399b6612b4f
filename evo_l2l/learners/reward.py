"""A stochastic sigmoid neuron learning from reward (Jordan et al. 2021, reward-driven).

Symbolic rules only; they see the binary reward R (1 if the sampled answer
was right) and the eligibility trace E = (y - p) x. The known forms are
c (R - b) E with c > 0 and a reward baseline 0 <= b <= 1 (b = 1: the
paper's (R - 1) E; b = 0: plain REINFORCE).
"""
from __future__ import annotations

import math

from ..rules.symbolic import python_function, scaled
from .base import TINY, Learner
from .symbolic import InterpreterLearner


def baseline_form(expr, v) -> tuple[str, float] | None:
    """c * (R - b) * E with c > 0 and a reward baseline 0 <= b <= 1: ('(R - b)*E', c).

    R is 0 or 1, so any rule g(R) * E is such a form when g(1) > g(0) and
    b = -g(0) / (g(1) - g(0)) lies in [0, 1].
    """
    import sympy
    R, E = v["R"], v["E"]
    try:
        q = sympy.simplify(expr / E)
        if q.free_symbols - {R}:
            return None
        g0, g1 = complex(q.subs(R, 0)), complex(q.subs(R, 1))
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if g0.imag or g1.imag or not all(map(math.isfinite, (g0.real, g1.real))):
        return None
    slope = g1.real - g0.real
    if not slope > 0:
        return None
    b = -g0.real / slope
    if not -1e-12 <= b <= 1 + 1e-12:
        return None
    name = "R*E" if abs(b) < 1e-12 else "(R - 1)*E" if abs(b - 1) < 1e-12 else f"(R - {b:.6g})*E"
    return name, float(slope)


def numeric_baseline_form(f) -> tuple[str, float] | None:
    """('(R - b)*E', c) if f(R, E) = c (R - b) E for R in {0, 1} at several E, with c > 0
    and 0 <= b <= 1 (to 1e-9 relative), else None."""
    E = (-1.3, -0.6, -0.05, 0.5, 1.7)
    try:
        g = [[f(R, e) / e for e in E] for R in (0.0, 1.0)]
        zero = [f(R, 0.0) for R in (0.0, 1.0)]
    except (ArithmeticError, ValueError):
        return None
    if not all(math.isfinite(v) for row in g for v in row) or any(z != 0.0 for z in zero):
        return None
    g0, g1 = g[0][0], g[1][0]
    if any(abs(v - row[0]) > 1e-9 * max(1.0, abs(row[0])) for row in g for v in row):
        return None                               # not linear in E
    slope = g1 - g0
    if not slope > 0:
        return None
    b = -g0 / slope
    if not -1e-12 <= b <= 1 + 1e-12:
        return None
    name = "R*E" if abs(b) < 1e-12 else "(R - 1)*E" if abs(b - 1) < 1e-12 else f"(R - {b:.6g})*E"
    return name, float(slope)


class Reward(InterpreterLearner, Learner):
    name = "reward"
    summary = "a stochastic sigmoid neuron learns from reward (Jordan et al. 2021): R, E"
    requires = frozenset({"single_layer_weights", "binary_targets"})
    performance = "1 - mean|t - p| (expected accuracy)"
    variables = ("R", "E")
    # The reward noise numbers a task's outputs by their place among the call's tasks, so a
    # call takes the whole task set (evolution/problem.py CallPlan cuts only the rules).
    tasks_separable = False
    known_trees = {"delta": lambda rate=None: scaled(rate, "mul(sub(R, one), E)"),
                   "reinforce": lambda rate=None: scaled(rate, "mul(R, E)"),
                   "none": lambda rate=None: "0.0"}
    known_labels = {"delta": "the (R - 1)*E rule", "reinforce": "REINFORCE R*E",
                    "none": "no learning"}
    forms = (("(R - 1)*E", lambda v: (v["R"] - 1) * v["E"]), ("R*E", lambda v: v["R"] * v["E"]))
    reference_form = "(R - 1)*E"
    probe_special = {"R": (0.0, 1.0), "E": (0.0, TINY, -TINY)}
    register_layout = (2, (0, 0), (2, 3))

    def special_form(self, tree, pset, expr, symbols, exact):
        if exact:
            # R is 0 or 1 in every task, so the rule's values at R = 0 and 1 decide its
            # form, protected divisions included (sympy reads pdiv(x, R) as x/R: it
            # called c*(R - b)*E rules that divide by R "R*E almost everywhere").
            hit = numeric_baseline_form(python_function(tree, pset))
            if hit is not None:
                return hit
        hit = baseline_form(expr, symbols)
        if hit is None or not exact:
            return hit
        name, c = hit
        b = 0.0 if name == "R*E" else 1.0 if name == "(R - 1)*E" else float(name[5:-3])
        # b is printed with 6 significant digits: compare with a loose tolerance.
        f = python_function(tree, pset)
        ok = all(abs(f(R, E) - c * (R - b) * E) <= 2e-3 * max(1.0, abs(c)) for R in (0.0, 1.0)
                 for E in (-0.6, 0.0, 0.5))
        return hit if ok else None


LEARNER = Reward()
