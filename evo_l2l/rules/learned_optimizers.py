"""Learned optimizers: a per-parameter update that is a weighted sum of features of the
gradient's history, the weights evolved by an evolution strategy (a small relative of VeLO,
Metz et al. 2022, and of LES, Lange et al. 2023, whose updates are learned networks over
such features).

Per parameter, accumulators with bias correction (as Adam's): momenta m.5, m.9, m.99
(interp(m, g, b) / (1 - b^t)) and the second moment v (b = 0.999); rms = sqrt(v) + 1e-8.
The update is u = sum_i c_i f_i over the 12 features

    g  m.5  m.9  m.99  g/rms  m.5/rms  m.9/rms  m.99/rms  sign(g)  sign(m.9)  sign(m.99)  w

and w -= lr * u. Adam is c[m.9/rms] = 1, SGD c[g] = 1, heavy-ball momentum c[m.9] = 1,
signed momentum (Lion's shape, with one momentum) c[sign(m.9)] = 1, weight decay c[w].
A genome is lr (log10) and the 12 coefficients; the kernel is kernels/mlp_train.py, mode
FEATURES.
"""
from __future__ import annotations

import re

import numpy as np

from ..kernels.mlp_train import N_FEATURES
from .family import ParametricForm, TypedRuleFamily, TypedSettings
from .genes import Gene, decode_genes
from .terms import format_terms, is_positive_multiple

FEATURES = ("g", "m.5", "m.9", "m.99", "g/rms", "m.5/rms", "m.9/rms", "m.99/rms", "sign(g)",
            "sign(m.9)", "sign(m.99)", "w")
assert len(FEATURES) == N_FEATURES
GENES = (Gene("lr", "logreal", -5.0, 0.0, doc="learning rate (log10 in the genome)"),) + tuple(
    Gene(f"c[{f}]", "real", -1.0, 1.0, doc="feature weight") for f in FEATURES)
COEF_NAMES = tuple(g.name for g in GENES)
N_COEF = len(GENES)


def decode_real(genomes) -> np.ndarray:
    """(N, 13) genomes -> (N, 13) rows: lr, then the feature weights."""
    return decode_genes(GENES, genomes)


def weights(**w) -> np.ndarray:
    out = np.zeros(N_FEATURES)
    for name, v in w.items():
        out[FEATURES.index(name)] = v
    return out


KNOWN_WEIGHTS = {"sgd": weights(g=1.0), "momentum": weights(**{"m.9": 1.0}),
                 "adam": weights(**{"m.9/rms": 1.0}),
                 "signed_momentum": weights(**{"sign(m.9)": 1.0})}
KNOWN_LABELS = {"sgd": "SGD", "momentum": "heavy-ball momentum 0.9",
                "adam": "Adam (0.9, 0.999)", "signed_momentum": "signed momentum 0.9"}
DEFAULT_RATES = {"sgd": 0.1, "momentum": 0.1, "adam": 1e-3, "signed_momentum": 1e-4}


def known(name: str, rate: float | None = None) -> np.ndarray:
    return np.concatenate([[DEFAULT_RATES[name] if rate is None else rate],
                           KNOWN_WEIGHTS[name]])


KNOWN_RULES = {name: (lambda rate=None, name=name: known(name, rate)) for name in KNOWN_WEIGHTS}
REFERENCE_RULE = "adam"


def terms_text(row) -> str:
    """The update's weighted features: '2.7*g + 9.1*m.9/rms'."""
    return format_terms(np.asarray(row, dtype=np.float64)[1:], FEATURES,
                        1e-3).removeprefix("dw = ")


def formula(row) -> str:
    return f"w -= {float(row[0]):.4g} * ({terms_text(row)})"


def exact_text(row) -> str:
    """formula's form with every nonzero weight, numbers as repr: parse reads it back to the
    same row (`best` shows it under the formula)."""
    row = np.asarray(row, dtype=np.float64)
    parts = [("- " if c < 0 else "+ ") + f"{abs(float(c))!r}*{f}"
             for c, f in zip(row[1:], FEATURES) if c != 0]
    body = " ".join(parts)
    body = (body[2:] if body.startswith("+ ") else "-" + body[2:]) if parts else "0"
    return f"w -= {float(row[0])!r} * ({body})"


_UPDATE = re.compile(r"^w -= (\S+) \* \((.*)\)$")


def parse(text: str) -> np.ndarray:
    """'w -= LR * (c*g + c*m.9/rms - ...)' (formula or exact_text) -> the row; ValueError
    naming what it cannot read. Weights formula rounds (4 digits) or leaves out (under
    1e-3 of the largest) come back rounded or 0."""
    from .printed import parse_number, signed_terms
    m = _UPDATE.match(text.strip())
    if m is None:
        raise ValueError("expected 'w -= LR * (WEIGHT*FEATURE + ...)' over the features "
                         + ", ".join(FEATURES))
    row = np.zeros(1 + len(FEATURES))
    row[0] = parse_number(m.group(1), "the rate")
    if m.group(2).strip() == "0":
        return row
    index = {f: i for i, f in enumerate(FEATURES)}
    for c, name in signed_terms(m.group(2)):
        if name not in index:
            raise ValueError(f"unknown feature {name!r}; features: {', '.join(FEATURES)}")
        row[1 + index[name]] += c
    if not np.all(np.isfinite(row)):
        raise ValueError("the rate and weights must be finite")
    return row


def is_reference_rule(row, tol: float = 0.1) -> bool:
    return is_positive_multiple(np.asarray(row)[1:], KNOWN_WEIGHTS["adam"], tol)


def encode(row) -> np.ndarray:
    return np.array([g.encode(v) for g, v in zip(GENES, np.asarray(row, dtype=np.float64))])


def shares(row) -> dict:
    """Each feature's share of the update's weight, |c_i| / sum |c| (what it mostly is)."""
    c = np.abs(np.asarray(row, dtype=np.float64)[1:])
    total = c.sum()
    return {f: float(v / total) if total else 0.0 for f, v in zip(FEATURES, c)}


def details(row, settings=None) -> dict:
    s = shares(row)
    top = sorted(s, key=s.get, reverse=True)[:3]
    return {"lr": float(row[0]), "largest_features": {f: round(s[f], 3) for f in top}}


FORM = ParametricForm(
    coef_names=COEF_NAMES, term_names=("lr",) + FEATURES, coef_label="feature weight",
    decode_real=decode_real, effective=lambda rows: np.asarray(rows, dtype=np.float64),
    formula=formula, known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
    reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule, details_with=details)

FAMILY = TypedRuleFamily(
    "learned_optimizer", TypedSettings, FORM, kind="learned_optimizer",
    summary="a learned optimizer: the update a weighted sum of 12 features of the gradient's "
            "history (momenta, second moment, signs, w), weights and rate evolved",
    genes=GENES)
