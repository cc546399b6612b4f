"""The conditioning rule family: Bengio et al.'s (1991) local variables for the
Aplysia-like circuit (kernels/conditioning.py): presynaptic activity a (the
synapse's CS), postsynaptic activity o (the motor neuron), the weight w and
the activity f of the facilitatory neuron (driven by the US):

    dw = sum over subsets S of {a, o, w, f} of c_S * prod(S)       (16 terms)

Known rules: Rescorla-Wagner a*(f - o) (the delta rule with the US as
teacher; it predicts blocking and extinction), activity-dependent
facilitation a*f (Hawkins & Kandel; no extinction, no blocking), Hebb a*o.
"""
from __future__ import annotations

import numpy as np

from .family import ParametricForm, ParametricSettings, RuleFamily

from .terms import (decode_rows, effective, format_terms, is_positive_multiple,  # noqa: F401
                    multilinear_terms, sparse_rule, term_names)

TERMS = multilinear_terms(("a", "o", "w", "f"))
N_COEF = len(TERMS)
TERM_NAMES, COEF_NAMES = term_names(TERMS)
REFERENCE_RULE = "rescorla_wagner"
COEF_LABEL = "c_S"
_AF, _AO = TERMS.index(("a", "f")), TERMS.index(("a", "o"))


def decode_real(genomes: np.ndarray) -> np.ndarray:
    return decode_rows(genomes, N_COEF, "conditioning-rule")


def rescorla_wagner(rate: float = 1.0) -> np.ndarray:
    return sparse_rule(N_COEF, {_AF: 1.0, _AO: -1.0}, rate)


def facilitation(rate: float = 1.0) -> np.ndarray:
    return sparse_rule(N_COEF, {_AF: 1.0}, rate)


def hebb_rule(rate: float = 1.0) -> np.ndarray:
    return sparse_rule(N_COEF, {_AO: 1.0}, rate)


def no_learning(rate: float = 1.0) -> np.ndarray:
    return np.zeros(N_COEF)


KNOWN_RULES = {"rescorla_wagner": rescorla_wagner, "facilitation": facilitation,
               "hebb": hebb_rule, "none": no_learning}


def is_reference_rule(coef: np.ndarray, tol: float = 0.1) -> bool:
    """Rescorla-Wagner up to a positive rate: c_af = -c_ao > 0, others under tol * c_af."""
    return is_positive_multiple(coef, rescorla_wagner(), tol)


def formula(coef: np.ndarray, rel_tol: float = 1e-4) -> str:
    return format_terms(coef, TERM_NAMES, rel_tol)


KNOWN_LABELS = {"rescorla_wagner": "the Rescorla-Wagner rule", "facilitation": "activity-dependent facilitation", "hebb": "Hebb's rule", "none": "no learning"}


FAMILY = RuleFamily(
    "conditioning", ParametricSettings,
    ParametricForm(coef_names=COEF_NAMES, term_names=TERM_NAMES, coef_label=COEF_LABEL,
                   decode_real=decode_real, effective=effective, formula=formula,
                   known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
                   reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule),
    summary="Bengio et al. (1991): 16 multilinear terms in a, o, w and a facilitatory signal f")
