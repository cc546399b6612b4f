"""The Bengio et al. (1991) multilinear rule, one per layer: 2 x 16 coefficients.

Bengio, Bengio & Cloutier share one rule among every synapse (rules/bengio.py). A shared
rule cannot treat the output layer (whose modulator is the unit's own error) and the
hidden layer (whose modulator is a fed-back error) differently: target-driven Hebb at the
outputs, a*(m + o) = a*t, is then Hebbian drift at the hidden units. This family gives
each layer its own 16 terms over (a, o, w, m), in the order of rules/bengio.py: the
output layer's first, then the hidden layer's. Learners that run it: episode_net.
"""
from __future__ import annotations

import numpy as np

from . import bengio
from .family import ParametricForm, ParametricSettings, RuleFamily
from .terms import decode_rows, is_positive_multiple

N_COEF = 2 * bengio.N_COEF
TERM_NAMES = (tuple(f"out:{t}" for t in bengio.TERM_NAMES)
              + tuple(f"hid:{t}" for t in bengio.TERM_NAMES))
COEF_NAMES = (tuple(f"out_{c}" for c in bengio.COEF_NAMES)
              + tuple(f"hid_{c}" for c in bengio.COEF_NAMES))
COEF_LABEL = "c_S per layer"
REFERENCE_RULE = "delta"


def decode_real(genomes: np.ndarray) -> np.ndarray:
    return decode_rows(genomes, N_COEF, "layered Bengio-rule")


def layers(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R, 32) -> ((R, 16) output layer's rule, (R, 16) hidden layer's rule)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    return coef[:, :bengio.N_COEF], coef[:, bengio.N_COEF:]


def effective(coef: np.ndarray) -> np.ndarray:
    return np.asarray(coef, dtype=np.float64)


def delta_rule(rate: float = 1.0) -> np.ndarray:
    """a*m at both layers: the delta rule at the outputs, feedback alignment at the hidden units."""
    return np.concatenate([bengio.delta_rule(rate), bengio.delta_rule(rate)])


def delta_output_rule(rate: float = 1.0) -> np.ndarray:
    """a*m at the outputs only; the hidden layer stays as it started (random features)."""
    return np.concatenate([bengio.delta_rule(rate), bengio.no_learning()])


def hebb_output_rule(rate: float = 1.0) -> np.ndarray:
    """Target-driven Hebb a*t = a*m + a*o at the outputs only: class prototypes."""
    out = np.zeros(bengio.N_COEF)
    out[bengio.TERMS.index(("a", "m"))] = rate
    out[bengio.TERMS.index(("a", "o"))] = rate
    return np.concatenate([out, bengio.no_learning()])


def no_learning(rate: float = 1.0) -> np.ndarray:
    return np.zeros(N_COEF)


KNOWN_RULES = {"delta": delta_rule, "delta_output": delta_output_rule,
               "hebb_output": hebb_output_rule, "none": no_learning}
KNOWN_LABELS = {"delta": "the delta rule (both layers)",
                "delta_output": "the delta rule (output layer only)",
                "hebb_output": "target-driven Hebb (output layer only)", "none": "no learning"}


def is_reference_rule(coef: np.ndarray, tol: float = 0.1) -> bool:
    return is_positive_multiple(coef, delta_rule(), tol)


def formula(coef: np.ndarray, rel_tol: float = 1e-4) -> str:
    out, hid = layers(coef)
    return (f"output: {bengio.formula(out[0], rel_tol)}; "
            f"hidden: {bengio.formula(hid[0], rel_tol)}")


FAMILY = RuleFamily(
    "bengio_layers", ParametricSettings,
    ParametricForm(coef_names=COEF_NAMES, term_names=TERM_NAMES, coef_label=COEF_LABEL,
                   decode_real=decode_real, effective=effective, formula=formula,
                   known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
                   reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule),
    summary="the Bengio et al. (1991) 16-term rule, one per layer (output, hidden)")
