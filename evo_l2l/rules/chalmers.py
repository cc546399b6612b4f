"""The Chalmers (1990) rule family: a scaled linear combination of 10 local terms.

    dw = k0 * (k1 w + k2 a + k3 o + k4 t + k5 w a + k6 w o + k7 w t
               + k8 a o + k9 a t + k10 o t)

w: the weight, a: the input (pre-synaptic activity), o: the output
(post-synaptic activity), t: the target. The delta rule is k9 = -k8 != 0 with
every other k zero: dw = k0 k9 a (t - o). Term order after a secondary source
[S]; the 35-bit genome layout is from Mitchell (1996), p. 63 [V]:
k0 has 5 bits (bit 0 the sign, bits 1-4 an integer n; |k0| = 2^(n-9), 0 if
n = 0); k1..k10 have 3 bits each (sign, then n in 0..3; |k| = 2^(n-1), 0 if
n = 0). Bits are most significant first; a set sign bit means negative.

Coefficient rows have 11 entries: k0, k1..k10. Kernels take them transposed,
(11, R), so the rule index is innermost.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import setting
from .family import ParametricForm, ParametricSettings, RuleFamily

TERM_NAMES = ("w", "a", "o", "t", "w*a", "w*o", "w*t", "a*o", "a*t", "o*t")
COEF_NAMES = ("k0",) + tuple(f"k{i}" for i in range(1, 11))
N_COEF = 11
N_BITS = 35
_BITS_K0 = 5
_BITS_K = 3


def _magnitude_tables() -> tuple[np.ndarray, np.ndarray]:
    n0 = np.arange(16)
    k0 = np.where(n0 > 0, np.ldexp(1.0, n0 - 9), 0.0)
    k0 = np.concatenate([k0, -k0])               # code = sign * 16 + n
    n = np.arange(4)
    k = np.where(n > 0, np.ldexp(1.0, n - 1), 0.0)
    return k0, np.concatenate([k, -k])          # code = sign * 4 + n


_K0_TABLE, _K_TABLE = _magnitude_tables()
_K0_WEIGHTS = np.array([16, 8, 4, 2, 1])
_K_WEIGHTS = np.array([4, 2, 1])


def decode_bits(genomes: np.ndarray) -> np.ndarray:
    """(N, 35) {0,1} -> (N, 11) float64 coefficients k0..k10 (by table lookup)."""
    g = np.asarray(genomes)
    if g.ndim == 1:
        g = g[None, :]
    if g.ndim != 2 or g.shape[1] != N_BITS:
        raise ValueError(f"a Chalmers bit genome has {N_BITS} bits, got shape {g.shape}")
    g = g.astype(np.int64)
    out = np.empty((g.shape[0], N_COEF))
    out[:, 0] = _K0_TABLE[g[:, :_BITS_K0] @ _K0_WEIGHTS]
    out[:, 1:] = _K_TABLE[g[:, _BITS_K0:].reshape(-1, 10, _BITS_K) @ _K_WEIGHTS]
    return out


def encode_bits(coef: np.ndarray) -> np.ndarray:
    """(11,) coefficients on the genome's grid -> (35,) uint8 bits (inverse of decode_bits)."""
    coef = np.asarray(coef, dtype=np.float64)
    bits = []
    for value, n_bits, offset in [(coef[0], _BITS_K0, 9)] + [(c, _BITS_K, 1) for c in coef[1:]]:
        if value == 0:
            n = 0
        else:
            n = int(np.log2(abs(value))) + offset
            if not (1 <= n < 2 ** (n_bits - 1)) or np.ldexp(1.0, n - offset) != abs(value):
                raise ValueError(f"{value} is not representable in the bit genome")
        bits.append(int(value < 0))
        bits.extend(int(b) for b in format(n, f"0{n_bits - 1}b"))
    return np.array(bits, dtype=np.uint8)


def decode_real(genomes: np.ndarray) -> np.ndarray:
    """(N, 11) real genome -> (N, 11) coefficients (the identity, copied)."""
    g = np.asarray(genomes, dtype=np.float64)
    if g.ndim == 1:
        g = g[None, :]
    if g.shape[1] != N_COEF:
        raise ValueError(f"a Chalmers real genome has {N_COEF} genes, got {g.shape[1]}")
    return g.copy()


def effective(coef: np.ndarray) -> np.ndarray:
    """(..., 11) -> (..., 10) term coefficients k0 * k_i actually applied."""
    coef = np.asarray(coef, dtype=np.float64)
    return coef[..., :1] * coef[..., 1:]


def is_delta_rule(coef: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """True where the rule is c a (t - o) with c > 0: k9 = -k8, k0 k9 > 0, rest 0."""
    e = np.atleast_2d(effective(coef))
    others = np.delete(e, [7, 8], axis=1)
    scale = np.maximum(np.abs(e[:, 8]), 1e-300)
    out = ((e[:, 8] > 0) & (np.abs(e[:, 7] + e[:, 8]) <= tol * scale)
           & np.all(np.abs(others) <= tol * scale[:, None], axis=1))
    return out if np.ndim(coef) > 1 else bool(out[0])


def _num(x: float) -> str:
    return f"{x:.6g}"


def formula(coef: np.ndarray) -> str:
    """Readable update, zero terms dropped: 'dw = 4*a*(t - o)' or 'dw = 0.5*a*t - w'."""
    e = effective(coef)
    if not np.all(np.isfinite(e)):
        return "dw = (non-finite coefficients)"
    if is_delta_rule(coef):
        return f"dw = {_num(e[8])}*a*(t - o)"
    parts = []
    for c, name in zip(e, TERM_NAMES):
        if c == 0:
            continue
        mag = abs(c)
        body = name if mag == 1 else f"{_num(mag)}*{name}"
        parts.append(("- " if c < 0 else "+ ") + body)
    if not parts:
        return "dw = 0"
    text = " ".join(parts)
    return "dw = " + (text[2:] if text.startswith("+ ") else "-" + text[2:])


def delta_rule(rate: float = 1.0) -> np.ndarray:
    """The delta rule dw = rate * a * (t - o) as an 11-coefficient row."""
    coef = np.zeros(N_COEF)
    coef[0], coef[8], coef[9] = rate, -1.0, 1.0
    return coef


def hebb_rule(rate: float = 1.0) -> np.ndarray:
    """Plain Hebb dw = rate * a * o."""
    coef = np.zeros(N_COEF)
    coef[0], coef[8] = rate, 1.0
    return coef


def no_learning(rate: float = 1.0) -> np.ndarray:
    return np.zeros(N_COEF)


KNOWN_RULES = {"delta": delta_rule, "hebb": hebb_rule, "none": no_learning}
KNOWN_LABELS = {"delta": "the delta rule", "hebb": "Hebb's rule", "none": "no learning"}
REFERENCE_RULE = "delta"
COEF_LABEL = "k0 * k_i"
is_reference_rule = is_delta_rule


@dataclass
class Settings(ParametricSettings):
    genome: str = setting("bits", "bits: Chalmers' 35-bit code; real: k0..k10 as floats",
                          choices=("bits", "real"))

    def genome_kind(self) -> str:
        return self.genome


def is_reference_like(coef) -> bool:
    """A delta-like rule: dw = (t - o) * (c0 + c1 w + c2 a) with c2 > 0, i.e. an error
    (t - o) times a factor that grows with the input, and no other terms. The delta rule
    (c0 = c1 = 0), seed 8's (a - w)(t - o) and seed 5's (t - o)(4a - 2) of
    docs/results/chalmers1990.md are delta-like; Hebb, or a rule missing the -a*o term, are not."""
    e = effective(coef)
    w, a, o, t, wa, wo, wt, ao, at, ot = e
    return bool(at > 0 and ao == -at and t == -o and wt == -wo
                and w == 0 and a == 0 and wa == 0 and ot == 0)


FAMILY = RuleFamily(
    "chalmers", Settings,
    ParametricForm(coef_names=COEF_NAMES, term_names=TERM_NAMES, coef_label=COEF_LABEL,
                   decode_real=decode_real, effective=effective, formula=formula,
                   known_rules=KNOWN_RULES, known_labels=KNOWN_LABELS,
                   reference_rule=REFERENCE_RULE, is_reference_rule=is_reference_rule,
                   decode_bits=decode_bits, n_bits=N_BITS,
                   is_reference_like=is_reference_like),
    summary="Chalmers (1990): a scaled combination of 10 terms in w, a, o, t")
