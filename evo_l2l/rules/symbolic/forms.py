"""Known forms: whether a rule is c times a known rule (delta, Hebb, ...), found with
sympy and confirmed numerically."""
from __future__ import annotations

import math

from deap import gp

from . import timelimit
from .compiler import python_function
from .display import to_sympy
from .timelimit import SympyTimeout, _small_expr, _small_tree, _time_limit

# Values at which a symbolic match is confirmed numerically, zeros included
# (where protected division bites); a learner's variables must appear here.
CHECK_VALUES = {"w": (-1.5, 0.0, 0.7), "a": (-1.0, 0.0, 1.0), "o": (0.0, 0.3, 0.9),
                "t": (0.0, 1.0), "u_target": (-1.0, 0.0, 0.8), "u": (-0.5, 0.0, 1.2),
                "psp": (0.0, 0.4, 1.0), "R": (0.0, 1.0), "E": (-0.6, 0.0, 0.5),
                "m": (-0.7, 0.0, 0.4), "f": (0.0, 1.0)}


def _agrees_numerically(tree, pset, reference) -> bool:
    """Checks a symbolic match on points where protected division bites (zeros included).

    sympy treats pdiv as plain division, so pdiv(a*x, a) 'simplifies' to x
    although the kernel returns 1 where a = 0.
    """
    f = python_function(tree, pset)
    import itertools
    for point in itertools.product(*(CHECK_VALUES.get(n, (-1.0, 0.0, 0.5)) for n in pset.arguments)):
        got, want = f(*point), reference(dict(zip(pset.arguments, point)))
        if not (abs(got - want) <= 1e-9 * max(1.0, abs(want))):
            return False
    return True


def known_form(tree, pset: gp.PrimitiveSet, forms, special=None,
               exact: bool = True) -> tuple[str, float] | None:
    """(name, c) if the rule is c times a known form with c > 0, else None.

    forms: [(name, template)], template(symbols) -> sympy expression (the
    learner's known forms); special(tree, pset, expr, symbols, exact) -> (name,
    c) or None, a learner's own recogniser tried first. Found symbolically
    (sympy), then (exact=True) confirmed numerically, protected division
    included. exact=False keeps sympy's verdict alone: the rule equals the
    form wherever no protected division divides by zero, as a paper that
    simplifies its trees with sympy would count it.
    """
    try:
        with _time_limit(timelimit.SIMPLIFY_SECONDS) as timed:
            if not timed and not _small_tree(tree):
                return None
            expr = to_sympy(tree, pset)
            if not timed and not _small_expr(expr):
                return None
            return _match_forms(tree, pset, expr, forms, special, exact)
    except SympyTimeout:
        return None


def _match_forms(tree, pset: gp.PrimitiveSet, expr, forms, special,
                 exact: bool) -> tuple[str, float] | None:
    import sympy
    symbols = {n: sympy.Symbol(n) for n in pset.arguments}
    if special is not None:
        hit = special(tree, pset, expr, symbols, exact)
        if hit is not None:
            return hit
    for name, template in forms:
        try:
            ratio = sympy.simplify(expr / template(symbols))
        except Exception:
            continue
        if ratio.free_symbols or not ratio.is_number:
            continue
        value = complex(ratio)
        if value.imag == 0 and value.real > 0 and math.isfinite(value.real):
            c = float(value.real)
            if not exact or _agrees_numerically(tree, pset, lambda v: c * template(v)):
                return name, c
            return None
    return None
