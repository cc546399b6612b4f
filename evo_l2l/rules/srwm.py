"""The initial self-referential weight matrix (Irie, Schlag, Csordas & Schmidhuber, ICML 2022,
"A modern self-referential weight matrix that learns to modify itself"; after Schmidhuber
1993, "A self-referential weight matrix").

Here the genome is not a rule over synaptic variables but the whole initial W of an SRWM
learner (learners/srwm.py): the matrix that computes the output and, from the same input,
the keys, queries and learning rates with which it rewrites itself, all rows included.
Evolution sets where each lifetime starts; the lifetime's learning is W's own doing.

Layout (fixed, so one compiled kernel and one genome length serve every run): N_HEADS
heads, each a (M, E) matrix, M = 3E + 4, E = N_FEATURES + N_LABELS inputs: N_FEATURES
fixed features of the image (learners/srwm.py) and N_LABELS label slots (the label
one-hot on support positions, zeros on queries). Rows: y (E), q (E), k (E), beta (4).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from .family import ParametricForm, ParametricSettings, RuleFamily
from .terms import decode_rows

N_HEADS = 2
N_FEATURES = 8
N_LABELS = 5
E = N_FEATURES + N_LABELS          # inputs per head
M = 3 * E + 4                      # rows per head: y, q, k, beta
N_COEF = N_HEADS * M * E
LABEL_SLOT = N_FEATURES            # first label input (and output) index
BLOCKS = ("y", "q", "k", "beta")
_IN = tuple(f"x{i}" for i in range(N_FEATURES)) + tuple(f"l{c}" for c in range(N_LABELS))
_ROWS = (tuple(f"y{i}" for i in range(E)) + tuple(f"q{i}" for i in range(E))
         + tuple(f"k{i}" for i in range(E)) + tuple(f"b_{b}" for b in BLOCKS))
TERM_NAMES = tuple(f"h{h}:{r}<-{c}" for h in range(N_HEADS) for r in _ROWS for c in _IN)
COEF_NAMES = tuple(f"W{h}_{r}_{c}" for h in range(N_HEADS) for r in _ROWS for c in _IN)
COEF_LABEL = "initial W"
REFERENCE_RULE = "handwired"


# The genome is W's offset from a fixed random matrix: Irie et al. initialise W ~ N(0,
# 1 / d_head) (the beta rows too, mean 0: "tried -1 for beta but 0 seems to be better").
# From W = 0 everything is symmetric (q and k uniform, v = v_bar) and an ES gradient sees
# no learning at first order: measured, 60 generations gained nothing (0.47 held-out).
INIT_SEED = 1993
INIT_STD = 1.0 / np.sqrt(E)


def base_matrix() -> np.ndarray:
    """(N_COEF,) the fixed random W that genome 0 stands for."""
    return np.random.default_rng(INIT_SEED).normal(0.0, INIT_STD, N_COEF)


_BASE = base_matrix()


def decode_real(genomes: np.ndarray) -> np.ndarray:
    """(N, N_COEF) genomes -> initial matrices W = base_matrix() + genome."""
    return decode_rows(genomes, N_COEF, "SRWM") + _BASE


@dataclass
class SRWMSettings(ParametricSettings):
    start: str = setting(
        "random", "the W that genome 0 stands for: random (Irie et al.'s initialisation, a "
                  "fixed draw) or handwired (the hand-built association memory, so that "
                  "evolution refines a designed learner)", choices=("random", "handwired"))

    def check(self) -> None:
        need(self.terms is None, "the srwm family has no term subsets (terms must be null)")


def decoder(s: SRWMSettings):
    """The genome -> W map of these settings: W = start matrix + genome."""
    start = handwired() if s.start == "handwired" else _BASE

    def decode(genomes):
        return decode_rows(genomes, N_COEF, "SRWM") + start
    return decode


def heads(coef: np.ndarray) -> np.ndarray:
    """(N_COEF,) or (R, N_COEF) -> (..., N_HEADS, M, E)."""
    coef = np.asarray(coef, dtype=np.float64)
    return coef.reshape(coef.shape[:-1] + (N_HEADS, M, E))


def block_rows(block: str) -> slice:
    i = BLOCKS.index(block)
    return slice(i * E, (i + 1) * E) if i < 3 else slice(3 * E, M)


def effective(coef: np.ndarray) -> np.ndarray:
    return np.asarray(coef, dtype=np.float64)


def handwired(rate: float = 1.0, key_gain: float = 40.0, query_gain: float = 100.0) -> np.ndarray:
    """A hand-built W that learns 1-shot associations by self-modification (head 0 only).

    The query q (softmax) picks the fed label's slot, the key k is a sharpened copy of the
    input's features; only the y rows learn (beta_y ~ 1, the other rates ~ 0), by a delta
    rule: W_y += (W_y q - W_y k) outer k, with W_y's label columns the identity times
    `rate`, so W_y q is the label and W_y k the current prediction. A query's label logits
    are then W_y phi(x): the support keys' overlap with the query's phi.
    """
    W = np.zeros((N_HEADS, M, E))
    w = W[0]
    for c in range(N_LABELS):
        s = LABEL_SLOT + c
        w[s, s] = rate                                  # y: label in, label out
        w[E + s, s] = query_gain                        # q: the label slot
        w[2 * E + s, :] = -query_gain                   # k: never a label slot
    for i in range(N_FEATURES):
        w[2 * E + i, i] = key_gain                      # k: sharpened features
    w[3 * E + 0, :] = 10.0                              # beta_y: sigmoid ~ 1
    w[3 * E + 1:, :] = -30.0                            # beta_q, beta_k, beta_beta ~ 0
    return W.ravel()


def no_learning(rate: float = 1.0) -> np.ndarray:
    return np.zeros(N_COEF)


KNOWN_RULES = {"handwired": handwired, "zero": no_learning}
KNOWN_LABELS = {"handwired": "a hand-built W (delta-rule association memory in head 0)",
                "zero": "W = 0"}


def is_reference_rule(coef: np.ndarray, tol: float = 0.1) -> bool:
    a, b = np.asarray(coef, dtype=np.float64).ravel(), handwired()
    na = np.linalg.norm(a)
    return bool(na > 0 and 1.0 - a @ b / (na * np.linalg.norm(b)) < tol)


def block_norms(coef: np.ndarray) -> np.ndarray:
    """(N_COEF,) -> (N_HEADS, 4) Frobenius norms of the y, q, k and beta blocks."""
    W = heads(coef)
    return np.array([[np.linalg.norm(W[h, block_rows(b)]) for b in BLOCKS]
                     for h in range(N_HEADS)])


def formula(coef: np.ndarray, rel_tol: float = 1e-4) -> str:
    """A summary (the matrix has N_COEF entries): block norms per head and the learning
    rates sigmoid(beta) at a uniform phi(x)."""
    W = heads(coef)
    norms = block_norms(coef)
    parts = []
    for h in range(N_HEADS):
        rates = 1.0 / (1.0 + np.exp(-W[h, 3 * E:].mean(axis=1)))
        parts.append(f"head {h}: |W_y| {norms[h, 0]:.3g} |W_q| {norms[h, 1]:.3g} "
                     f"|W_k| {norms[h, 2]:.3g} |w_b| {norms[h, 3]:.3g}, rates at uniform "
                     "input " + "/".join(f"{r:.2f}" for r in rates))
    return "SRWM initial W (" + N_HEADS.__str__() + " heads): " + "; ".join(parts)


FAMILY = RuleFamily(
    "srwm", SRWMSettings,
    ParametricForm(coef_names=COEF_NAMES, term_names=TERM_NAMES, coef_label=COEF_LABEL,
                   decode_real=decode_real, effective=effective, formula=formula,
                   known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
                   reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule,
                   decoder=decoder, block_norms=block_norms, blocks=BLOCKS),
    summary="the initial W of a self-referential weight matrix (Irie et al. 2022): the "
            "learner rewrites it during each episode",
    self_modifying=True)
