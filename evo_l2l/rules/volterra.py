"""The Volterra (Taylor) rule family of Confavreux et al. (2020): 27 terms.

    dw = eta * sum_{a,b,c in 0..2} A_abc x^a y^b w^c

x: the presynaptic input, y: the postsynaptic output, w: the weight; eta is
fixed by the config, so the overall scale of A is the learning rate. Oja's
rule is A_110 = 1, A_021 = -1 (dw = x y - y^2 w); plain Hebb is A_110 = 1.
Coefficients are rows of 27 floats in the order a*9 + b*3 + c [V in the
follow-up code, per shared/REFERENCES.md]. Genomes are those floats.
"""
from __future__ import annotations

import numpy as np

from .family import ParametricForm, ParametricSettings, RuleFamily

from .terms import decode_rows, effective, format_terms, sparse_rule  # noqa: F401

N_COEF = 27
INDEX = {(a, b, c): a * 9 + b * 3 + c for a in range(3) for b in range(3) for c in range(3)}
COEF_NAMES = tuple(f"A{a}{b}{c}" for (a, b, c) in INDEX)
VARIABLES = ("x", "y", "w")          # the order `best --format python` takes them in


def _term(a: int, b: int, c: int) -> str:
    parts = [f"{v}^{p}" if p > 1 else v for v, p in (("x", a), ("y", b), ("w", c)) if p]
    return "*".join(parts) or "1"


TERM_NAMES = tuple(_term(*abc) for abc in INDEX)


def decode_real(genomes: np.ndarray) -> np.ndarray:
    return decode_rows(genomes, N_COEF, "Volterra")


def oja_rule(rate: float = 1.0) -> np.ndarray:
    return sparse_rule(N_COEF, {INDEX[1, 1, 0]: 1.0, INDEX[0, 2, 1]: -1.0}, rate)


def hebb_rule(rate: float = 1.0) -> np.ndarray:
    return sparse_rule(N_COEF, {INDEX[1, 1, 0]: 1.0}, rate)


def no_learning(rate: float = 1.0) -> np.ndarray:
    return np.zeros(N_COEF)


KNOWN_RULES = {"oja": oja_rule, "hebb": hebb_rule, "none": no_learning}
REFERENCE_RULE = "oja"
COEF_LABEL = "A_abc"


def oja_distance(coef: np.ndarray) -> tuple[float, float, float]:
    """After dividing by A110: (|A110' - 1|, |A021' + 1|, largest |other|); inf if A110 <= 0."""
    coef = np.asarray(coef, dtype=np.float64)
    a110 = coef[INDEX[1, 1, 0]]
    if not a110 > 0:
        return np.inf, np.inf, np.inf
    n = coef / a110
    others = np.delete(n, [INDEX[1, 1, 0], INDEX[0, 2, 1]])
    return 0.0, abs(n[INDEX[0, 2, 1]] + 1.0), float(np.max(np.abs(others)))


def is_oja_rule(coef: np.ndarray, tol: float = 0.1) -> bool:
    """Oja's rule up to a positive rate: after dividing by A110, A021 within tol of -1
    and every other coefficient under tol (the recovery criterion of docs/results/oja.md)."""
    _, d021, other = oja_distance(coef)
    return bool(d021 <= tol and other < tol)


def is_reference_rule(coef: np.ndarray) -> bool:
    """The family's reference rule is Oja's."""
    return is_oja_rule(coef)


def formula(coef: np.ndarray, rel_tol: float = 1e-4) -> str:
    return format_terms(coef, TERM_NAMES, rel_tol)


KNOWN_LABELS = {"oja": "Oja's rule", "hebb": "Hebb's rule", "none": "no learning"}


FAMILY = RuleFamily(
    "volterra", ParametricSettings,
    ParametricForm(coef_names=COEF_NAMES, term_names=TERM_NAMES, coef_label=COEF_LABEL,
                   decode_real=decode_real, effective=effective, formula=formula,
                   known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
                   reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule,
                   variables=VARIABLES),
    summary="Confavreux et al. (2020): 27 Volterra terms x^a y^b w^c")
