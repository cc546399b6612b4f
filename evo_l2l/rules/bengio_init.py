"""The layered Bengio et al. (1991) rule evolved together with the net's initial state.

Bengio, Bengio & Cloutier (1991) evolve the learning rule; MAML (Finn et al. 2017) and
ANIL (Raghu et al. 2020) meta-learn the initial weights instead, and a shared feature
extractor learned on the meta-training classes is what lets prototypical-style learners
(Snell et al. 2017) beat pixel nearest-neighbour on classes they never saw. Here one genome
holds both: the local rule that learns within an episode, and where every episode starts.

Genome (N_COEF = 2113 genes, a fixed layout so that one genome length serves every run):

    32 genes          the rule of rules/bengio_layers.py (output layer's 16, hidden layer's 16)
    1 gene            the output-init gain: the episode's random initial output weights are
                      multiplied by it
    H_INIT x I_INIT   the initial hidden weights W0 (32 hidden units x 65 inputs, the bias
                      column last)

each as an offset from a start, times a scale: rule = start_rule * start_rate +
rule_scale * genes, gain = start_gain + rule_scale * gene, W0 = start W0 + w0_scale *
genes. The start W0 is a fixed random draw N(0, 1 / 65) (the tasks' own initialisation,
seed INIT_SEED; a random-feature net, as srwm.py starts from a random matrix) or, with
start_weights pca, the meta-training images' principal directions. Genome 0 is the start,
and every gene is 0 at the start of `es`. The scales give the rule's and the weights'
genes steps of their own sizes under an optimizer with one step size (es). A decoded row
is [32 coefficients, output gain, W0 flattened (H_INIT * I_INIT)]. With plastic_hidden
false (the default) the hidden layer's 16 coefficients are 0 whatever their genes: the
evolved W0 is a frozen feature extractor shared by every episode, and the rule learns the
output layer within the episode (ANIL's split); true lets the rule change the hidden
weights too.

Tasks: episodes with n_hidden = 32 and at most 65 inputs (rot_digits: 65; MNIST-1D's 41
use the first 41 columns, the last of which is their bias). Learner: episode_net.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from . import bengio_layers
from .family import ParametricForm, ParametricSettings, RuleFamily
from .terms import decode_rows, is_positive_multiple

N_RULE = bengio_layers.N_COEF          # 32
H_INIT = 32                            # hidden units
I_INIT = 65                            # inputs, bias column included (8x8 digits + 1)
GAIN = N_RULE                          # column of the output gain in a decoded row
W0_START = N_RULE + 1                  # first column of W0 in a decoded row
N_COEF = W0_START + H_INIT * I_INIT
INIT_SEED = 1991
INIT_STD = 1.0 / np.sqrt(I_INIT)
TERM_NAMES = (bengio_layers.TERM_NAMES + ("out_gain",)
              + tuple(f"W0[{j},{i}]" for j in range(H_INIT) for i in range(I_INIT)))
COEF_NAMES = (bengio_layers.COEF_NAMES + ("out_gain",)
              + tuple(f"W0_{j}_{i}" for j in range(H_INIT) for i in range(I_INIT)))
COEF_LABEL = "layered rule + initial weights"
REFERENCE_RULE = "delta_output"
START_RULES = ("delta_output", "hebb_output", "delta", "none")


def base_weights() -> np.ndarray:
    """(H_INIT, I_INIT) the fixed random initial hidden weights that genome 0 stands for."""
    return np.random.default_rng(INIT_SEED).normal(0.0, INIT_STD, (H_INIT, I_INIT))


_BASE = base_weights()
PCA_GAIN = 0.1


@functools.lru_cache(maxsize=1)
def pca_weights() -> np.ndarray:
    """(H_INIT, I_INIT) PCA_GAIN x the first H_INIT principal directions of the rot_digits
    meta-training images (digits 0-6, every rotation; never the held-out digits), the bias
    column centring them: hidden unit j starts as tanh(PCA_GAIN * (x - mean) . v_j), the
    data's own coordinates, nearly linear (nearest centroid on these 32 coordinates: 0.781
    on 500 held-out 5-way 1-shot episodes, the pixels 0.777; scripts/fewshot_init_probes.py)."""
    from ..tasks import rot_digits
    pools, digit_of = rot_digits.class_images()
    X = np.vstack([p for p, d in zip(pools, digit_of) if d in rot_digits.TRAIN_DIGITS])
    mean = X.mean(axis=0)
    V = np.linalg.svd(X - mean, full_matrices=False)[2][:H_INIT]
    V = V * np.where(V.sum(axis=1, keepdims=True) < 0, -1.0, 1.0)    # a fixed sign
    W = np.zeros((H_INIT, I_INIT))
    W[:, :-1] = PCA_GAIN * V
    W[:, -1] = -PCA_GAIN * V @ mean
    return W


@dataclass
class BengioInitSettings(ParametricSettings):
    start_rule: str = setting("delta_output", "the rule that genome 0 stands for (a "
                                              "bengio_layers known rule)", choices=START_RULES)
    start_rate: float = setting(1.0, "its rate", low=0)
    start_weights: str = setting("random", "the initial hidden weights that genome 0 stands "
                                           "for: random (a fixed draw N(0, 1/65)) or pca (the "
                                           "meta-training images' principal directions)",
                                 choices=("random", "pca"))
    w0_scale: float = setting(1.0, "W0 = start + w0_scale * its genes: the initial weights' "
                                   "step relative to the rule's (the optimizer's step is one "
                                   "size for every gene)", low=0, low_open=True)
    rule_scale: float = setting(1.0, "rule = start rule + rule_scale * its genes (the "
                                     "output gain's too)", low=0, low_open=True)
    start_gain: float = setting(1.0, "the output-init gain that genome 0 stands for (0: "
                                     "output weights start at 0)", low=0)
    w0_form: str = setting("full", "full: every W0 gene is free; conv: W0 = the start W0 after "
                                   "a learned 3x3 convolution of the 8x8 image (the first 9 "
                                   "W0 genes: kernel = identity + w0_scale * genes; the "
                                   "others unused)", choices=("full", "conv"))
    plastic_hidden: bool = setting(False, "the rule also changes the hidden weights within "
                                          "an episode (false: frozen evolved features)")

    def check(self) -> None:
        need(self.terms is None, "the bengio_init family has no term subsets (terms must be "
                                 "null)")


IDENTITY_KERNEL = np.eye(1, 9, 4)[0]       # 3x3, row-major: 1 at the centre


@functools.lru_cache(maxsize=1)
def _shifts() -> np.ndarray:
    """(9, 64, 64): S[k] @ image = the 8x8 image's neighbour at offset k (3x3, row-major;
    zero outside the image)."""
    S = np.zeros((9, 64, 64))
    for k in range(9):
        dy, dx = k // 3 - 1, k % 3 - 1
        for y in range(8):
            for x in range(8):
                if 0 <= y + dy < 8 and 0 <= x + dx < 8:
                    S[k, y * 8 + x, (y + dy) * 8 + x + dx] = 1.0
    return S


def convolved(W0: np.ndarray, kernels: np.ndarray) -> np.ndarray:
    """(H, 65) weights on 8x8 images (+ bias) and (N, 9) 3x3 kernels -> (N, H, 65): the
    weights applied to the images convolved with each kernel (the bias column as it was)."""
    K = np.einsum("nk,kpq->npq", kernels, _shifts())          # (N, 64, 64)
    out = np.empty((len(kernels),) + W0.shape)
    out[:, :, :64] = np.einsum("hp,npq->nhq", W0[:, :64], K)
    out[:, :, 64:] = W0[:, 64:]
    return out


def decoder(s: BengioInitSettings):
    """The genome -> row map of these settings (start rule, plastic or frozen features)."""
    start = np.zeros(N_COEF)
    start[:N_RULE] = bengio_layers.KNOWN_RULES[s.start_rule](s.start_rate)
    start[GAIN] = s.start_gain
    start[W0_START:] = (_BASE if s.start_weights == "random" else pca_weights()).ravel()
    frozen = not s.plastic_hidden
    scale = np.full(N_COEF, s.rule_scale)
    scale[W0_START:] = s.w0_scale

    conv = s.w0_form == "conv"

    def decode(genomes):
        rows = decode_rows(genomes, N_COEF, "bengio_init") * scale + start
        if conv:
            rows[:, W0_START:] = convolved(start[W0_START:].reshape(H_INIT, I_INIT),
                                           rows[:, W0_START:W0_START + 9]
                                           - start[W0_START:W0_START + 9]
                                           + IDENTITY_KERNEL).reshape(len(rows), -1)
        if frozen:
            rows[:, bengio_layers.bengio.N_COEF:N_RULE] = 0.0
        return rows
    return decode


decode_real = decoder(BengioInitSettings())


def parts(coef: np.ndarray) -> dict:
    """(R, N_COEF) rows -> rule (R, 32), out_gain (R,), W0 (R, H_INIT, I_INIT)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    return {"rule": coef[:, :N_RULE], "out_gain": coef[:, GAIN],
            "W0": coef[:, W0_START:].reshape(-1, H_INIT, I_INIT)}


def with_rule(rule: np.ndarray, W0: np.ndarray | None = None, gain: float = 1.0) -> np.ndarray:
    """A row from a 32-coefficient rule, initial hidden weights (default: the base draw)."""
    out = np.empty(N_COEF)
    out[:N_RULE] = rule
    out[GAIN] = gain
    out[W0_START:] = (_BASE if W0 is None else np.asarray(W0, dtype=np.float64)).ravel()
    return out


def effective(coef: np.ndarray) -> np.ndarray:
    return np.asarray(coef, dtype=np.float64)


def _known(name):
    def make(rate: float = 1.0) -> np.ndarray:
        return with_rule(bengio_layers.KNOWN_RULES[name](rate))
    return make


KNOWN_RULES = {name: _known(name) for name in START_RULES}
KNOWN_LABELS = {name: bengio_layers.KNOWN_LABELS[name] + " on the base random features"
                for name in START_RULES}


def is_reference_rule(coef: np.ndarray, tol: float = 0.1) -> bool:
    rule = np.asarray(coef, dtype=np.float64)[:N_RULE]
    return is_positive_multiple(rule, bengio_layers.delta_output_rule(), tol)


def formula(coef: np.ndarray, rel_tol: float = 1e-4, kernel: np.ndarray | None = None,
            start: str = "random") -> str:
    """The rule, then W0: in full form its norms and distances to the starts; in conv
    form (kernel: the evolved 3x3 filter, row-major) the filter itself."""
    p = parts(coef)
    W0 = p["W0"][0]
    hidden = "plastic" if np.any(p["rule"][0, 16:] != 0) else "frozen"
    rows = np.linalg.norm(W0, axis=1)
    rule = bengio_layers.formula(p["rule"], rel_tol)
    if kernel is not None:
        k = np.asarray(kernel, dtype=np.float64).reshape(3, 3) + 0.0
        text = " ".join("[" + " ".join(f"{v:.4g}" for v in row) + "]" for row in k)
        return (f"{rule} || hidden weights W0 ({H_INIT} x {I_INIT}, {hidden} in the episode) = "
                f"the {start} start W0 applied to the 8x8 image after an evolved 3x3 filter "
                f"[{text}] (the start is the identity filter, 1 at the centre): |W0| "
                f"{np.linalg.norm(W0):.4g}; output init gain {p['out_gain'][0]:.4g}")
    return (f"{rule} || evolved initial hidden weights "
            f"W0 ({H_INIT} x {I_INIT}, {hidden} in the episode): |W0| {np.linalg.norm(W0):.4g}, "
            f"row norms {rows.min():.3g}..{rows.max():.3g}; distance to the random start "
            f"{np.linalg.norm(W0 - _BASE):.4g}, to the pca start "
            f"{np.linalg.norm(W0 - pca_weights()):.4g} (|pca start| "
            f"{np.linalg.norm(pca_weights()):.4g}); output init gain {p['out_gain'][0]:.4g}")


@functools.lru_cache(maxsize=2)
def _filter_basis(start: str) -> np.ndarray:
    """(H_INIT * 64, 9): column k is the start W0's image weights after filter k alone
    (1 at offset k): W0 in conv form is this times the filter, which is linear in it."""
    W = (_BASE if start == "random" else pca_weights())[:, :64]
    return np.stack([(W @ S).ravel() for S in _shifts()], axis=1)


def conv_filter(coef: np.ndarray, start: str = "random") -> np.ndarray:
    """(9,) the 3x3 filter (row-major) of a row decoded in conv form, recovered from its
    W0 by least squares (exact up to rounding: the start's 2048 image weights fix 9
    values)."""
    W0 = parts(coef)["W0"][0][:, :64].ravel()
    return np.linalg.lstsq(_filter_basis(start), W0, rcond=None)[0]


def formula_with(coef: np.ndarray, s: BengioInitSettings) -> str:
    """formula, told the settings: conv form shows the evolved filter."""
    if s.w0_form != "conv":
        return formula(coef)
    return formula(coef, kernel=conv_filter(coef, s.start_weights), start=s.start_weights)


def details_with(coef: np.ndarray, s: BengioInitSettings) -> dict:
    """Details beyond the coefficients: conv form's 3x3 filter (rows of 3)."""
    if s.w0_form != "conv":
        return {}
    return {"filter_3x3": conv_filter(coef, s.start_weights).reshape(3, 3).tolist()}


FAMILY = RuleFamily(
    "bengio_init", BengioInitSettings,
    ParametricForm(coef_names=COEF_NAMES, term_names=TERM_NAMES, coef_label=COEF_LABEL,
                   decode_real=decode_real, effective=effective, formula=formula,
                   known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
                   reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule,
                   decoder=decoder, formula_with=formula_with, details_with=details_with),
    summary="the layered Bengio rule plus the net's evolved initial hidden weights (a shared "
            "feature extractor) and output-init gain")
