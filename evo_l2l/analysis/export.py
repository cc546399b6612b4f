"""Rules in forms to take away (`evo-l2l best --format`): Python source and LaTeX.

The text form is the problem's own formula (`problem.formula`). Python source and the
sympy expression behind LaTeX come from the run's rule kind (kinds/parametric.py: the
sum of the term coefficients times the terms; kinds/symbolic.py: the tree written out
operation by operation), with the kernel's protected division (and capped exp) defined
in the output where the rule calls them, so that pasted as it stands it computes what
the kernels compute.
"""
from __future__ import annotations

from ..rules import symbolic as sym
from ..rules.kinds import kind_of

_HELPERS = {
    "pdiv": ("def pdiv(x, y):\n"
             f"    \"\"\"Protected division: x / y, but 1 where |y| <= {sym.PDIV_EPS!r}.\"\"\"\n"
             f"    return x / y if abs(y) > {sym.PDIV_EPS!r} else 1.0\n"),
    "pexp": ("def pexp(x):\n"
             f"    \"\"\"exp, its argument capped at {sym.EXP_MAX!r}.\"\"\"\n"
             f"    return math.exp(min(x, {sym.EXP_MAX!r}))\n"),
}


def rule_variables(problem) -> tuple[str, ...]:
    """The rule's local variables in the order the rule takes them."""
    return kind_of(problem).variables(problem)


def check_exportable(problem) -> None:
    """ValueError (one line) if the run's rules are not one formula python/latex can write."""
    refusal = kind_of(problem).export_refusal(problem)
    if refusal:
        raise ValueError(refusal)


def _update_rate(problem):
    """eta of `w += eta * rule` where the config has one (symbolic rules, the linear neuron)."""
    for section in (problem.config.rule.settings, problem.config.learner.settings):
        eta = getattr(section, "eta", None)
        if eta is not None:
            return float(eta)
    return None


def python_source(problem, rule, name: str = "rule", doc: str = "") -> str:
    """A runnable `def name(vars): return ...` with any helper it needs (pdiv, pexp)."""
    check_exportable(problem)
    kind = kind_of(problem)
    own = kind.python_source(problem, rule, name, doc)
    if own is not None:
        return own
    variables = kind.variables(problem)
    body, helpers = kind.python_body(problem, rule)
    eta = _update_rate(problem)
    lines = []
    if "math" in helpers or "pexp" in helpers:
        lines.append("import math\n\n")
    for helper in ("pdiv", "pexp"):
        if helper in helpers:
            lines.append(_HELPERS[helper] + "\n\n")
    # The function returns the tree (or the rule) itself: its formula without eta.
    text = doc or kind.display_formula(problem, rule)
    if eta is not None:
        text += f"; the update is w += {eta!r} * {name}(...)"
    lines.append(f"def {name}({', '.join(variables)}):\n"
                 f"    \"\"\"{text}.\"\"\"\n"
                 f"    return {body}\n")
    return "".join(lines)


def sympy_expression(problem, rule):
    """The rule as a sympy expression for display (symbolic: simplified, protected
    division as pdiv; None if sympy ran out of time building it)."""
    check_exportable(problem)
    return kind_of(problem).sympy_expression(problem, rule)


def latex(problem, rule) -> str:
    r"""'\Delta w = 4 a \left(t - o\right)': sympy's LaTeX of the rule."""
    import sympy
    e = sympy_expression(problem, rule)
    kind = kind_of(problem)
    if e is None:
        body = kind.latex_fallback(problem, rule)
    else:
        body = sympy.latex(e).replace(r"\left(- o + t\right)", r"\left(t - o\right)")
    eta = _update_rate(problem) if kind.latex_scaled_by_eta else None
    if eta is not None and eta != 1.0:      # w += eta * tree: the weight change is scaled
        body = rf"{eta:g} \left({body}\right)"
    return rf"\Delta w = {body}"
