"""Rules in forms to take away (`evo-l2l best --format`): Python source and LaTeX.

The text form is the problem's own formula (`problem.formula`). Python source is
exact: a parametric rule is the sum of its term coefficients (all of them, none
dropped for readability) times its terms; a symbolic rule is its tree written
out operation by operation in the tree's own order, with the kernel's protected
division (and capped exp) defined in the output, so that pasted as it stands it
computes what `rules.symbolic.python_function` computes.
"""
from __future__ import annotations

import re

import numpy as np

from ..rules import symbolic as sym

# Python operator precedence of the tree's binary operations (higher binds tighter).
_BINARY = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2)}
_ATOM, _UNARY = 4, 3

_HELPERS = {
    "pdiv": ("def pdiv(x, y):\n"
             f"    \"\"\"Protected division: x / y, but 1 where |y| <= {sym.PDIV_EPS!r}.\"\"\"\n"
             f"    return x / y if abs(y) > {sym.PDIV_EPS!r} else 1.0\n"),
    "pexp": ("def pexp(x):\n"
             f"    \"\"\"exp, its argument capped at {sym.EXP_MAX!r}.\"\"\"\n"
             f"    return math.exp(min(x, {sym.EXP_MAX!r}))\n"),
}


def rule_variables(problem) -> tuple[str, ...]:
    """The rule's local variables in the order the rule takes them: a symbolic rule's
    learner variables; a parametric family's VARIABLES, else its term names' variables
    in order of first appearance (w, a, o, t for Chalmers)."""
    if problem.kind == "symbolic":
        return tuple(problem.pset.arguments)
    fam = problem.fam
    if getattr(fam, "VARIABLES", None):
        return tuple(fam.VARIABLES)
    seen: list[str] = []
    for name in fam.TERM_NAMES:
        for v in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", name):
            if v not in seen:
                seen.append(v)
    return tuple(seen)


_PLAIN_TERM = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(\^\d+)?(\*[A-Za-z_][A-Za-z_0-9]*(\^\d+)?)*|1")


def check_exportable(problem) -> None:
    """ValueError (one line) if the run's rules are not one formula python/latex can write."""
    if problem.kind not in ("parametric", "symbolic"):
        raise ValueError("a meta-evolution run's rules are GA settings, not learning rules: "
                         "use --format text or json")
    if problem.kind == "parametric":
        odd = [t for t in problem.fam.TERM_NAMES if not _PLAIN_TERM.fullmatch(t)]
        if odd:
            # Layered rules ("out:a*o", "hid:a") and genomes with weights (W0[0,0]) are not
            # one expression in the rule's variables.
            raise ValueError(f"the {problem.config.rule.name} rule is not one formula in the "
                             f"synapse's variables (it has terms such as {odd[0]!r}): use "
                             "--format text or json")


def _terms(problem, rule) -> list[tuple[float, str]]:
    """A parametric rule's (term coefficient, term name) pairs, zeros left out."""
    eff = np.asarray(problem.fam.effective(np.asarray(rule, dtype=np.float64)), dtype=np.float64)
    return [(float(c) + 0.0, name) for c, name in zip(eff, problem.fam.TERM_NAMES) if c != 0]


def _update_rate(problem):
    """eta of `w += eta * rule` where the config has one (symbolic rules, the linear neuron)."""
    for section in (problem.config.rule.settings, problem.config.learner.settings):
        eta = getattr(section, "eta", None)
        if eta is not None:
            return float(eta)
    return None


def _tree_python(tree, pset) -> tuple[str, set]:
    """(Python expression of the tree, helper names it calls); evaluation order kept."""
    var_index = {name: i for i, name in enumerate(pset.arguments)}
    used: set = set()

    def build(i: int) -> tuple[str, int, int]:
        """(source, precedence, next index)."""
        node = tree[i]
        if node.arity == 0:
            kind, value = sym._leaf(node, var_index)
            if kind == "var":
                return pset.arguments[int(value)], _ATOM, i + 1
            text = repr(float(value))
            return text, (_UNARY if text.startswith("-") else _ATOM), i + 1
        args, j = [], i + 1
        for _ in range(node.arity):
            src, prec, j = build(j)
            args.append((src, prec))
        name = node.name
        if name in _BINARY:
            op, prec = _BINARY[name]
            (x, px), (y, py) = args
            # Python evaluates left to right: a right operand of equal precedence keeps
            # its parentheses, so a + (b + c) is not rounded as (a + b) + c.
            x = x if px >= prec else f"({x})"
            y = y if py > prec else f"({y})"
            return f"{x} {op} {y}", prec, j
        if name == "neg":
            (x, px), = args
            return (f"-{x}" if px == _ATOM else f"-({x})"), _UNARY, j
        if name == "square":
            (x, px), = args
            x = x if px == _ATOM else f"({x})"
            return f"{x} * {x}", 2, j
        used.add("math" if name == "tanh" else name)
        call = "math.tanh" if name == "tanh" else name
        return f"{call}({', '.join(a for a, _ in args)})", _ATOM, j

    src, _, _ = build(0)
    return src, used


def python_source(problem, rule, name: str = "rule", doc: str = "") -> str:
    """A runnable `def name(vars): return ...` with any helper it needs (pdiv, pexp)."""
    check_exportable(problem)
    variables = rule_variables(problem)
    helpers: set = set()
    if problem.kind == "symbolic":
        body, helpers = _tree_python(problem.tree(rule), problem.pset)
    else:
        parts = []
        for c, term in _terms(problem, rule):
            factors = "" if term == "1" else "*" + term.replace("^", "**")
            mag = repr(abs(c))
            if abs(c) == 1 and factors:
                mag, factors = "", factors[1:]
            parts.append(("- " if c < 0 else "+ ") + mag + factors)
        body = " ".join(parts) or "0.0"
        body = body[2:] if body.startswith("+ ") else "-" + body[2:]
    eta = _update_rate(problem)
    lines = []
    if "math" in helpers or "pexp" in helpers:
        lines.append("import math\n\n")
    for helper in ("pdiv", "pexp"):
        if helper in helpers:
            lines.append(_HELPERS[helper] + "\n\n")
    # The function returns the tree (or the rule) itself: its formula without eta.
    text = doc or (sym.formula(problem.tree(rule), problem.pset) if problem.kind == "symbolic"
                   else problem.formula(rule))
    if eta is not None:
        text += f"; the update is w += {eta!r} * {name}(...)"
    lines.append(f"def {name}({', '.join(variables)}):\n"
                 f"    \"\"\"{text}.\"\"\"\n"
                 f"    return {body}\n")
    return "".join(lines)


def sympy_expression(problem, rule):
    """The rule as a sympy expression for display (symbolic: simplified, protected
    division as pdiv; None if sympy ran out of time building it)."""
    import sympy
    check_exportable(problem)
    if problem.kind == "symbolic":
        return sym.simplified(problem.tree(rule), problem.pset)
    names = rule_variables(problem)
    symbols = {v: sympy.Symbol(v) for v in names}
    expr, exact = sympy.Integer(0), True
    for c, term in _terms(problem, rule):
        # Dyadic coefficients (Chalmers' bit genomes) read as fractions; others to 4 digits.
        if c * 256 == int(c * 256) and abs(c) < 1e6:
            k = sympy.Rational(int(c * 256), 256)
        else:
            k, exact = sympy.Float(float(f"{c:.4g}"), 4), False
        expr += k * sympy.sympify(term.replace("^", "**"), locals=symbols)
    return sympy.factor(expr) if exact else expr


def latex(problem, rule) -> str:
    r"""'\Delta w = 4 a \left(t - o\right)': sympy's LaTeX of the rule."""
    import sympy
    e = sympy_expression(problem, rule)
    if e is None:
        body = r"\mathtt{" + sym.tree_text(problem.tree(rule)).replace("_", r"\_") + "}"
    else:
        body = sympy.latex(e).replace(r"\left(- o + t\right)", r"\left(t - o\right)")
    eta = _update_rate(problem) if problem.kind == "symbolic" else None
    if eta is not None and eta != 1.0:      # w += eta * tree: the weight change is scaled
        body = rf"{eta:g} \left({body}\right)"
    return rf"\Delta w = {body}"
