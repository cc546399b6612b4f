"""A parametric synaptic rule in the spirit of Bengio, Bengio & Cloutier (1991).

"Learning a synaptic learning rule" (IJCNN-91): dW is a parametric function of
local variables only, shared by every synapse of networks learning different
tasks [V]. The paper's exact parameterisation is not verified [?]; ours is
the general multilinear form over the variables it names that our two-layer
learner provides: presynaptic activity a, postsynaptic activity o, the
synaptic strength w and a diffusely broadcast modulatory signal m (here the
output error t - o_out, the supervised case):

    dw = sum over subsets S of {a, o, w, m} of c_S * prod(S)       (16 terms)

Known rules: a*m (the delta rule at the output layer, shared with the hidden
layer), Hebb a*o, none. Genomes are the 16 floats.
"""
from __future__ import annotations

import numpy as np

from .family import ParametricForm, ParametricSettings, RuleFamily

from .terms import (decode_rows, effective, format_terms, is_positive_multiple,  # noqa: F401
                    multilinear_terms, sparse_rule, term_names)

TERMS = multilinear_terms(("a", "o", "w", "m"))
N_COEF = len(TERMS)
TERM_NAMES, COEF_NAMES = term_names(TERMS)
REFERENCE_RULE = "delta"
COEF_LABEL = "c_S"
_AM = TERMS.index(("a", "m"))
_AO = TERMS.index(("a", "o"))


def decode_real(genomes: np.ndarray) -> np.ndarray:
    return decode_rows(genomes, N_COEF, "Bengio-rule")


def delta_rule(rate: float = 1.0) -> np.ndarray:
    return sparse_rule(N_COEF, {_AM: 1.0}, rate)


def hebb_rule(rate: float = 1.0) -> np.ndarray:
    return sparse_rule(N_COEF, {_AO: 1.0}, rate)


def no_learning(rate: float = 1.0) -> np.ndarray:
    return np.zeros(N_COEF)


KNOWN_RULES = {"delta": delta_rule, "hebb": hebb_rule, "none": no_learning}


def is_reference_rule(coef: np.ndarray, tol: float = 0.1) -> bool:
    """c*a*m with c > 0, every other coefficient under tol * c."""
    return is_positive_multiple(coef, delta_rule(), tol)


def formula(coef: np.ndarray, rel_tol: float = 1e-4) -> str:
    return format_terms(coef, TERM_NAMES, rel_tol)


KNOWN_LABELS = {"delta": "the delta rule", "hebb": "Hebb's rule", "none": "no learning"}
FAMILY = RuleFamily(
    "bengio", ParametricSettings,
    ParametricForm(coef_names=COEF_NAMES, term_names=TERM_NAMES, coef_label=COEF_LABEL,
                   decode_real=decode_real, effective=effective, formula=formula,
                   known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
                   reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule),
    summary="Bengio et al. (1991): 16 multilinear terms in a, o, w and a broadcast error m")
