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

from .terms import decode_rows, format_terms, multilinear_terms, term_names

TERMS = multilinear_terms(("a", "o", "w", "f"))
N_COEF = len(TERMS)
TERM_NAMES, COEF_NAMES = term_names(TERMS)
REFERENCE_RULE = "rescorla_wagner"
PERFORMANCE = "1 - mean|desired - o| at probe trials"
COEF_LABEL = "c_S"
_AF, _AO = TERMS.index(("a", "f")), TERMS.index(("a", "o"))


def decode_real(genomes: np.ndarray) -> np.ndarray:
    return decode_rows(genomes, N_COEF, "conditioning-rule")


def effective(coef: np.ndarray) -> np.ndarray:
    return np.asarray(coef, dtype=np.float64)


def rescorla_wagner(rate: float = 1.0) -> np.ndarray:
    c = np.zeros(N_COEF)
    c[_AF], c[_AO] = rate, -rate
    return c


def facilitation(rate: float = 1.0) -> np.ndarray:
    c = np.zeros(N_COEF)
    c[_AF] = rate
    return c


def hebb_rule(rate: float = 1.0) -> np.ndarray:
    c = np.zeros(N_COEF)
    c[_AO] = rate
    return c


def no_learning(rate: float = 1.0) -> np.ndarray:
    return np.zeros(N_COEF)


KNOWN_RULES = {"rescorla_wagner": rescorla_wagner, "facilitation": facilitation,
               "hebb": hebb_rule, "none": no_learning}


def is_delta_rule(coef: np.ndarray, tol: float = 0.1) -> bool:
    """Rescorla-Wagner up to a positive rate: c_af = -c_ao > 0, others under tol * c_af."""
    coef = np.asarray(coef, dtype=np.float64)
    c = coef[_AF]
    return bool(c > 0 and abs(coef[_AO] + c) < tol * c
                and np.all(np.abs(np.delete(coef, [_AF, _AO])) < tol * c))


def formula(coef: np.ndarray, rel_tol: float = 1e-4) -> str:
    return format_terms(coef, TERM_NAMES, rel_tol)


def curves(coef, tasks, config):
    from ..learners.conditioning import conditioning_curves
    return conditioning_curves(coef, tasks, config.n_epochs, config.clip)
