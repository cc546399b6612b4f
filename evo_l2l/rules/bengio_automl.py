"""The Bengio et al. (1991) rule evolved together with its learner.

Bengio, Bengio & Cloutier (1991) evolved the rule of rules/bengio.py for hand-set
two-layer nets; learning to learn is also used "to determine model architectures,
hyper-parameters and learning methods automatically". Here one mixed genome holds both:

    16 real genes    the rule's coefficients c_S (as rules/bengio.py)
    hidden           int, hidden units (the first `hidden` of the task's initial units)
    activation       cat, the hidden units' activation: sigmoid or tanh
    eta              logreal, the rate the rule is multiplied by
    n_epochs         int, epochs of online learning (cut to the compute budget by the learner)
    init_scale       logreal, the tasks' initial weights are multiplied by it
    clip             logreal, weights are clipped to [-clip, clip]
    on_<term> x 16   cat (off/on), which rule terms are switched on

A decoded row (N_COEF = 38 values) is the rule with its learner: the 16 coefficients, the
6 learner values and the 16 switches (0/1). `effective` gives the 16 coefficients the
kernel applies: c_S * on_S * eta. The learner two_layer_automl runs it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import GenomeSpec, need
from . import bengio
from .family import ParametricForm, ParametricSettings, RuleFamily
from .genes import Gene, decode_genes
from .terms import format_terms, is_positive_multiple

ACTIVATIONS = ("sigmoid", "tanh")
N_RULE = bengio.N_COEF
TERM_NAMES = bengio.TERM_NAMES             # the rule's terms (what export and plots show)
COEF_LABEL = bengio.COEF_LABEL
LEARNER_GENES = (
    Gene("hidden", "int", 1, 8, doc="hidden units"),
    Gene("activation", "cat", choices=ACTIVATIONS, doc="hidden activation"),
    Gene("eta", "logreal", -2.0, 1.0, doc="rate (log10 in the genome)"),
    Gene("n_epochs", "int", 1, 120, doc="epochs asked (cut to the budget)"),
    Gene("init_scale", "logreal", -1.0, 0.5, doc="initial weight scale (log10)"),
    Gene("clip", "logreal", 0.0, 1.7, doc="weight clip (log10)"),
)
LEARNER_NAMES = tuple(g.name for g in LEARNER_GENES)
SWITCH_GENES = tuple(Gene("on_" + n.replace("*", ""), "cat", choices=("off", "on"))
                     for n in bengio.TERM_NAMES)
GENES = tuple(Gene(n, "real", -1.0, 1.0, doc="rule coefficient") for n in bengio.COEF_NAMES) \
    + LEARNER_GENES + SWITCH_GENES
N_COEF = len(GENES)
COEF_NAMES = bengio.COEF_NAMES + LEARNER_NAMES + tuple(g.name for g in SWITCH_GENES)
# Column of each learner value in a decoded row.
COL = {n: N_RULE + i for i, n in enumerate(LEARNER_NAMES)}
SWITCHES = slice(N_RULE + len(LEARNER_GENES), N_COEF)
HAND_SET = {"hidden": 2, "activation": 0, "eta": 1.0, "n_epochs": 30, "init_scale": 1.0,
            "clip": 20.0}                  # bengio1991-boolean's learner
REFERENCE_RULE = "delta"


def decode_real(genomes: np.ndarray) -> np.ndarray:
    """(N, 38) genomes -> (N, 38) rows: coefficients, learner values, switches (0/1)."""
    return decode_genes(GENES, genomes)


def effective(rows: np.ndarray) -> np.ndarray:
    """(..., 38) rows -> (..., 16) coefficients applied: c_S * on_S * eta."""
    r = np.asarray(rows, dtype=np.float64)
    return r[..., :N_RULE] * r[..., SWITCHES] * r[..., COL["eta"], None]


def learner_values(row) -> dict:
    """A decoded row's learner as {name: value} (activation as its name)."""
    row = np.asarray(row, dtype=np.float64)
    out = {}
    for g in LEARNER_GENES:
        v = float(row[COL[g.name]])
        out[g.name] = g.choices[int(v)] if g.kind == "cat" else (int(v) if g.kind == "int" else v)
    return out


def learner_text(row) -> str:
    v = learner_values(row)
    return (f"{v['hidden']} {v['activation']} hidden, eta {v['eta']:.4g}, {v['n_epochs']} epochs asked, "
            f"init scale {v['init_scale']:.4g}, clip {v['clip']:.4g}")


def with_learner(coef16, rate: float = 1.0, **learner) -> np.ndarray:
    """A decoded row: the rule coef16 (times rate) with every term on and a learner
    (HAND_SET unless overridden; activation by name or index)."""
    row = np.zeros(N_COEF)
    row[:N_RULE] = np.asarray(coef16, dtype=np.float64) * rate
    values = {**HAND_SET, **learner}
    if isinstance(values["activation"], str):
        values["activation"] = ACTIVATIONS.index(values["activation"])
    for name in LEARNER_NAMES:
        row[COL[name]] = float(values[name])
    row[SWITCHES] = 1.0
    return row


def encode(row) -> np.ndarray:
    """A decoded row -> a genome that decodes to it (log10 of the logreal values)."""
    row = np.asarray(row, dtype=np.float64)
    return np.array([g.encode(v) for g, v in zip(GENES, row)])


def delta_rule(rate: float = 1.0) -> np.ndarray:
    return with_learner(bengio.delta_rule(), rate)


def hebb_rule(rate: float = 1.0) -> np.ndarray:
    return with_learner(bengio.hebb_rule(), rate)


def no_learning(rate: float = 1.0) -> np.ndarray:
    return with_learner(np.zeros(N_RULE))


KNOWN_RULES = {"delta": delta_rule, "hebb": hebb_rule, "none": no_learning}
KNOWN_LABELS = {"delta": "the delta rule (hand-set learner)",
                "hebb": "Hebb's rule (hand-set learner)", "none": "no learning"}


def is_reference_rule(row: np.ndarray, tol: float = 0.1) -> bool:
    """The applied rule is c*a*m with c > 0 (whatever the learner)."""
    return is_positive_multiple(effective(row), bengio.delta_rule(), tol)


def formula(row: np.ndarray, rel_tol: float = 1e-4) -> str:
    """The applied rule, then its learner: 'dw = 0.5*a*m  [2 sigmoid hidden, eta 1, ...]'."""
    return f"{format_terms(effective(row), TERM_NAMES, rel_tol)}  [learner: {learner_text(row)}]"


@dataclass
class Settings(ParametricSettings):
    def genome_kind(self) -> str:
        return "real"


@dataclass(frozen=True)
class MixedRuleFamily(RuleFamily):
    """A parametric family searched as a mixed genome: real genes carrying their types."""

    def check(self, s) -> None:
        need(s.terms is None, "terms is not used by this family (its genome switches terms on "
                              "and off itself)")

    def genome(self, s, learner=None) -> GenomeSpec:
        return GenomeSpec("real", N_COEF, genes=GENES)


FAMILY = MixedRuleFamily(
    "bengio_automl", Settings,
    ParametricForm(coef_names=COEF_NAMES, term_names=TERM_NAMES, coef_label=COEF_LABEL,
                   decode_real=decode_real, effective=effective, formula=formula,
                   known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
                   reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule),
    summary="the Bengio et al. (1991) rule and its two-layer learner in one mixed genome "
            "(hidden units, activation, eta, epochs, init scale, clip, term switches)")
