"""Symbolic rules for reading: a sympy expression of the tree, simplified within a time
limit, and the formula text 'dw = ...'."""
from __future__ import annotations

import functools
import re

from deap import gp

from . import timelimit
from .parse import tree_text
from .primitives import BINARY, EXP_MAX, PDIV_EPS, UNARY, _leaf
from .timelimit import SympyTimeout, _small_expr, _small_tree, _time_limit


@functools.lru_cache(maxsize=None)
def sympy_pdiv():
    """pdiv as an opaque sympy function, for display: str prints pdiv(x, y), LaTeX x ⊘ y."""
    import sympy

    class pdiv(sympy.Function):     # noqa: N801 (printed by its class name)
        nargs = 2

        def _latex(self, printer, exp=None):
            from sympy.printing.precedence import PRECEDENCE
            x, y = (printer.parenthesize(arg, PRECEDENCE["Mul"]) for arg in self.args)
            body = rf"\left({x} \oslash {y}\right)"
            return body if exp is None else rf"{body}^{{{exp}}}"

    return pdiv


def to_sympy(tree, pset: gp.PrimitiveSet, protected: bool = False):
    """The tree as a sympy expression.

    pdiv is plain division and pexp uncapped, except where a subtree is
    constant: its float value, computed as the kernel computes it, decides
    (a divisor within 1e-12 of 0 gives 1, an exponent over EXP_MAX is capped);
    a divisor that sympy itself reduces to a number (o - o) counts as constant.
    Floats decide, not sympy relations, which can take forever on towers
    such as exp(exp(exp(exp(exp(1))))). protected=True (display) keeps a
    division by an expression of the variables as the function pdiv(x, y),
    which sympy does not cancel: a*x/a is not x where a = 0. Known forms are
    matched on the plain expression and confirmed numerically.
    """
    import sympy
    symbols = {name: sympy.Symbol(name) for name in pset.arguments}
    var_index = {name: i for i, name in enumerate(pset.arguments)}
    ops = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
           "pdiv": lambda x, y: x / y, "neg": lambda x: -x, "square": lambda x: x ** 2,
           "tanh": sympy.tanh, "pexp": sympy.exp}
    if protected:
        ops["pdiv"] = lambda x, y: x / y if not y.free_symbols else sympy_pdiv()(x, y)
    floats = {name: f for name, (f, _) in {**BINARY, **UNARY}.items()}

    def build(i: int):
        """(expression, float value or None if the subtree has a variable, next index)."""
        node = tree[i]
        if node.arity == 0:
            kind, value = _leaf(node, var_index)
            if kind == "var":
                return symbols[pset.arguments[int(value)]], None, i + 1
            # Exact fractions read well for everyday constants (0.5 -> 1/2); a huge or tiny
            # one stays a float (1e308 as a rational is a 309-digit integer).
            nice = value == 0 or 1e-6 <= abs(value) <= 1e6
            return (sympy.nsimplify(value, rational=True) if nice else sympy.Float(value),
                    value, i + 1)
        exprs, values, j = [], [], i + 1
        for _ in range(node.arity):
            e, v, j = build(j)
            exprs.append(e)
            values.append(v)
        value = None if None in values else floats[node.name](*values)
        if node.name == "pdiv":
            divisor = values[1]
            if divisor is None and exprs[1].is_Number:     # e.g. o - o, which sympy makes 0
                divisor = float(exprs[1])
            if divisor is not None and not abs(divisor) > PDIV_EPS:
                return sympy.Integer(1), value, j
        if node.name == "pexp" and values[0] is not None and values[0] > EXP_MAX:
            return sympy.exp(sympy.nsimplify(EXP_MAX)), value, j
        return ops[node.name](*exprs), value, j

    return build(0)[0]


def simplified(tree, pset: gp.PrimitiveSet, protected: bool = True):
    """The rule as a simplified sympy expression (protected divisions kept as pdiv(x, y):
    see to_sympy): unsimplified if sympy fails or runs out of time simplifying it, None
    if it runs out of time building it."""
    import sympy
    e = None
    try:
        with _time_limit(timelimit.SIMPLIFY_SECONDS) as timed:
            if not timed and not _small_tree(tree):
                return None
            e = to_sympy(tree, pset, protected)
            if not timed and not _small_expr(e):
                return e
            try:
                out = sympy.factor(sympy.simplify(e))
                if protected:   # sympy leaves a function's arguments as they were
                    pdiv = sympy_pdiv()
                    out = out.replace(lambda n: isinstance(n, pdiv),
                                      lambda n: pdiv(*(sympy.factor(x) for x in n.args)))
                return out
            except Exception:   # sympy can fail on odd expressions; show them unsimplified
                return e
    except SympyTimeout:
        return e


def formula(tree, pset: gp.PrimitiveSet) -> str:
    """'dw = 2*a*(t - o)' style: simplified with sympy, t before o where sympy allows,
    powers as x^2 (as every family's formula), a division by an expression of the
    variables as pdiv(x, y) (protected: 1 where |y| <= 1e-12); the tree's own text if
    sympy cannot build the expression in time."""
    e = simplified(tree, pset)
    text = tree_text(tree) if e is None else str(e).replace("**", "^")
    # "-o + t" -> "t - o" only where t stands alone: not "-o + t^2" or "-o + t*w" (which
    # became "t - o^2", "t - o*w": another rule).
    text = re.sub(r"(?<![\w^*/.])-o \+ t(?![\w^*/(.])", "t - o", text)
    return f"dw = {text}"


def with_eta(text: str, eta: float) -> str:
    """A formula 'dw = BODY' of a tree applied as w += eta * tree: 'dw = 0.1 * (BODY)'
    (eta 1: the text as it is), so that the printed rule is the weight change."""
    if eta == 1.0:
        return text
    body = text[len("dw = "):] if text.startswith("dw = ") else text
    body = body if re.fullmatch(r"-?[\w.]+", body) else f"({body})"
    return f"dw = {eta:g} * {body}"


