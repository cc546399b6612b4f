"""Helpers shared by rule families that are plain linear combinations of named terms."""
from __future__ import annotations

import itertools

import numpy as np

from .family import ParametricForm


def multilinear_terms(variables: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """Every subset of the variables, by size then in order: (), (a,), ..., (a, o, w, m).

    The kernels (two_layer.py, conditioning.py) hard-code this order for four variables.
    """
    return tuple(c for r in range(len(variables) + 1) for c in itertools.combinations(variables, r))


def term_names(terms) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(TERM_NAMES like 'a*o', COEF_NAMES like 'c_ao') of multilinear terms."""
    return (tuple("*".join(t) or "1" for t in terms),
            tuple("c_" + ("".join(t) or "1") for t in terms))


def decode_rows(genomes: np.ndarray, n_coef: int, family: str) -> np.ndarray:
    """Real genomes are the coefficients themselves: (N, n_coef) float64, copied."""
    g = np.atleast_2d(np.asarray(genomes, dtype=np.float64))
    if g.shape[1] != n_coef:
        raise ValueError(f"a {family} genome has {n_coef} genes, got {g.shape[1]}")
    return g.copy()


def format_terms(coef: np.ndarray, names, rel_tol: float = 1e-4) -> str:
    """'dw = 0.5*x*y - 0.5*y^2*w'; terms under rel_tol * max|c| are left out for
    readability (the coefficients themselves are archived exactly)."""
    coef = np.asarray(coef, dtype=np.float64)
    if not np.all(np.isfinite(coef)):
        return "dw = (non-finite coefficients)"
    tol = rel_tol * np.max(np.abs(coef)) if coef.size else 0.0
    parts = []
    for c, name in zip(coef, names):
        if abs(c) <= tol:
            continue
        mag = abs(c)
        body = f"{mag:.4g}" if name == "1" else (name if mag == 1 else f"{mag:.4g}*{name}")
        parts.append(("- " if c < 0 else "+ ") + body)
    if not parts:
        return "dw = 0"
    text = " ".join(parts)
    return "dw = " + (text[2:] if text.startswith("+ ") else "-" + text[2:])


def effective(coef: np.ndarray) -> np.ndarray:
    """For plain linear families the applied term coefficients are the coefficients."""
    return np.asarray(coef, dtype=np.float64)


def sparse_rule(n_coef: int, weights: dict, rate: float = 1.0) -> np.ndarray:
    """A coefficient row that is rate * weights[i] at each index i, 0 elsewhere."""
    coef = np.zeros(n_coef)
    for i, w in weights.items():
        coef[i] = rate * w
    return coef


def is_positive_multiple(coef: np.ndarray, pattern: np.ndarray, tol: float = 0.1) -> bool:
    """coef = c * pattern with c > 0, every coefficient within tol * c of that.

    c is read at the pattern's largest positive entry (the pattern needs one).
    """
    coef = np.asarray(coef, dtype=np.float64)
    pivot = int(np.argmax(pattern))
    c = coef[pivot] / pattern[pivot]
    return bool(c > 0 and np.all(np.abs(coef - c * pattern) < tol * c))


def known_rule_distance(form: ParametricForm, coef: np.ndarray) -> dict[str, float]:
    """Cosine distance (0 = same rule up to a positive rate) between a row's term
    coefficients and those of each known rule of a family (its ParametricForm)."""
    e = form.effective(coef)
    out = {}
    for name, make in form.known_rules.items():
        k = form.effective(make())
        ne, nk = np.linalg.norm(e), np.linalg.norm(k)
        if ne == 0 or nk == 0:
            out[name] = 0.0 if ne == nk else 1.0
        else:
            out[name] = float(1.0 - np.dot(e, k) / (ne * nk))
    return out
