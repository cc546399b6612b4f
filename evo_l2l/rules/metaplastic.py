"""Meta-plastic rules: the layered Bengio et al. (1991) rule whose 32 coefficients are state
of the learner, changed within a lifetime by a second evolved rule driven by the learner's
own error (kernels/metaplastic.py).

After every training pattern, with err the mean squared output error and ebar its running
mean (trace rate tau): c += A (err - ebar) + B ebar + lam (c0 - c). The error surprise
err - ebar jumps when the task changes (a permuted-digits switch), the level ebar tracks how
well the net does; A and B say how each coefficient answers; lam pulls the rule back to c0.
Meta-plasticity in the sense of Abraham & Bear (1996): the plasticity of the plasticity,
here under evolutionary control.

Genome (98 genes): c0 (the fixed rule of rules/bengio_layers.py: output layer then hidden
layer, 32), A (32), B (32), then lam = sigmoid(g - 3) and tau = sigmoid(g - 2) (so that
genes 0 mean lam 0.047 and tau 0.12). With A = B = 0 it is the fixed rule c0.
Learner: episode_net.
"""
from __future__ import annotations

import numpy as np

from . import bengio_layers
from .family import ParametricForm, ParametricSettings, RuleFamily
from .terms import decode_rows, is_positive_multiple

N_RULE = bengio_layers.N_COEF                # 32
N_COEF = 3 * N_RULE + 2
TERM_NAMES = (bengio_layers.TERM_NAMES + tuple(f"A:{t}" for t in bengio_layers.TERM_NAMES)
              + tuple(f"B:{t}" for t in bengio_layers.TERM_NAMES) + ("lam", "tau"))
COEF_NAMES = (bengio_layers.COEF_NAMES + tuple(f"A_{c}" for c in bengio_layers.COEF_NAMES)
              + tuple(f"B_{c}" for c in bengio_layers.COEF_NAMES) + ("g_lam", "g_tau"))
COEF_LABEL = "c0, A, B, lam, tau"
REFERENCE_RULE = "delta"
LAM_SHIFT, TAU_SHIFT = 3.0, 2.0


def decode_real(genomes: np.ndarray) -> np.ndarray:
    return decode_rows(genomes, N_COEF, "meta-plastic")


def parts(coef: np.ndarray) -> dict:
    """(R, N_COEF) -> c0, A, B (R, 32) and lam, tau (R,)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    n = N_RULE
    with np.errstate(over="ignore"):
        lam = 1.0 / (1.0 + np.exp(-(coef[:, 3 * n] - LAM_SHIFT)))
        tau = 1.0 / (1.0 + np.exp(-(coef[:, 3 * n + 1] - TAU_SHIFT)))
    return {"c0": coef[:, :n], "A": coef[:, n:2 * n], "B": coef[:, 2 * n:3 * n],
            "lam": lam, "tau": tau}


def fixed(coef: np.ndarray) -> np.ndarray:
    """The same genomes with the second rule switched off (A = B = 0)."""
    coef = np.array(np.atleast_2d(coef), dtype=np.float64)
    coef[:, N_RULE:3 * N_RULE] = 0.0
    return coef


def effective(coef: np.ndarray) -> np.ndarray:
    return np.asarray(coef, dtype=np.float64)


def from_fixed_rule(rule: np.ndarray) -> np.ndarray:
    """A 32-coefficient bengio_layers rule as a meta-plastic genome that never changes it."""
    out = np.zeros(N_COEF)
    out[:N_RULE] = rule
    return out


def delta_rule(rate: float = 1.0) -> np.ndarray:
    return from_fixed_rule(bengio_layers.delta_rule(rate))


def no_learning(rate: float = 1.0) -> np.ndarray:
    return np.zeros(N_COEF)


KNOWN_RULES = {"delta": delta_rule, "none": no_learning}
KNOWN_LABELS = {"delta": "the delta rule at both layers, fixed (A = B = 0)",
                "none": "no learning"}


def is_reference_rule(coef: np.ndarray, tol: float = 0.1) -> bool:
    return is_positive_multiple(np.asarray(coef)[:3 * N_RULE], delta_rule()[:3 * N_RULE], tol)


def formula(coef: np.ndarray, rel_tol: float = 1e-4) -> str:
    p = parts(coef)
    c0 = bengio_layers.formula(p["c0"][0], rel_tol)
    A = bengio_layers.formula(p["A"][0], rel_tol)
    B = bengio_layers.formula(p["B"][0], rel_tol)
    return (f"rule c0: {c0} || c += A*(err - ebar) + B*ebar + {p['lam'][0]:.3g}*(c0 - c), "
            f"trace rate {p['tau'][0]:.3g}; A: {A}; B: {B}")


FAMILY = RuleFamily(
    "metaplastic", ParametricSettings,
    ParametricForm(coef_names=COEF_NAMES, term_names=TERM_NAMES, coef_label=COEF_LABEL,
                   decode_real=decode_real, effective=effective, formula=formula,
                   known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
                   reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule),
    summary="a layered Bengio rule whose coefficients change within a lifetime by a second "
            "rule driven by the net's error (meta-plasticity)",
    self_modifying=True)
