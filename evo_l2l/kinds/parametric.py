"""Parametric rules: a coefficient vector over a fixed basis of terms (Chalmers 1990).

Python source of a rule is exact: the sum of its term coefficients (all of them, none
dropped for readability) times its terms.
"""
from __future__ import annotations

import re

import numpy as np

from ..evolution.problem import ParametricRuleProblem
from ..rules.kinds import RuleKind

_PLAIN_TERM = re.compile(r"[A-Za-z_][A-Za-z_0-9]*(\^\d+)?(\*[A-Za-z_][A-Za-z_0-9]*(\^\d+)?)*|1")


def _terms(problem, rule) -> list[tuple[float, str]]:
    """A parametric rule's (term coefficient, term name) pairs, zeros left out."""
    form = problem.form
    eff = np.asarray(form.effective(np.asarray(rule, dtype=np.float64)), dtype=np.float64)
    return [(float(c) + 0.0, name) for c, name in zip(eff, form.term_names) if c != 0]


class ParametricKind(RuleKind):
    name = "parametric"
    summary = "a coefficient vector over a fixed basis of terms (Chalmers 1990)"
    problem_class = ParametricRuleProblem
    # Whether LaTeX shows the rule scaled by the config's eta (w += eta * rule).
    latex_scaled_by_eta = False

    def archive_attrs(self, problem) -> dict[str, list]:
        return {"coef_names": list(problem.form.coef_names),
                "term_names": list(problem.form.term_names)}

    # Coefficients `best` lists by name; beyond these, see --json.
    max_shown_coefficients = 100

    def detail_lines(self, problem, rule: dict) -> list[str]:
        coef = rule["coefficients"]
        if len(coef) > self.max_shown_coefficients:
            return [f"({len(coef)} coefficients: see --json)"]
        return ["  ".join(f"{k}={v}" for k, v in self.coefficient_texts(problem, coef).items())]

    def coefficient_texts(self, problem, coef: dict) -> dict[str, str]:
        """Coefficients by name as text: a categorical gene (a mixed genome's activation) by
        its choice's name, numbers in %g with no negative zero."""
        genes = {g.name: g for g in (getattr(problem.config.genome(), "genes", None) or ())}
        out = {}
        for k, v in coef.items():
            g = genes.get(k)
            if g is not None and g.kind == "cat" and 0 <= int(v) < len(g.choices):
                out[k] = str(g.choices[int(v)])
            else:
                out[k] = f"{v + 0.0:g}"
        return out

    # -- rule texts (evaluate --rule) ------------------------------------------
    rule_text_hint = ("a formula such as 'dw = 0.5*a*t - w' over the family's terms, or its "
                      "coefficients 'k0=1  k1=0.5 ...' (as `best` or the run summary prints them)")

    def parse_rule(self, problem, text: str) -> tuple[str, np.ndarray]:
        """The rule's coefficients by name ('exact: k0=...' first, then `best`'s rounded
        line) or its formula 'dw = ...', from a line of the summary or `best`'s output;
        never eval."""
        from ..rules.printed import first_block, named_numbers, strip_line
        names = problem.form.coef_names
        choices = {n: g.choices for n, g in self._categorical(problem).items()}
        lines = [strip_line(raw) for raw in first_block(text)]
        exact = [line.removeprefix("exact: ") for line in lines if line.startswith("exact: ")]
        for line in exact + lines:
            try:
                row = named_numbers(line, names, choices)
            except ValueError:          # a line of names and values, not of this rule's
                row = None
            if row is not None:
                return "given rule", row
        for line in lines:
            if line.startswith("dw = "):
                return "given rule", self.rule_of_formula(problem, line)
        raise ValueError(f"expected a formula 'dw = ...' over the terms "
                         f"{', '.join(problem.form.term_names[:12])}"
                         f"{', ...' if len(problem.form.term_names) > 12 else ''} or the "
                         f"coefficients {' '.join(n + '=...' for n in names[:3])} ...")

    def rule_of_formula(self, problem, line: str) -> np.ndarray:
        """'dw = c*term + ...' (the family's term names) -> a coefficient row whose term
        coefficients are those; ValueError where the family's rows do not follow from them."""
        from ..rules.printed import signed_terms
        form = problem.form
        index = {name: i for i, name in enumerate(form.term_names)}
        e = np.zeros(len(form.term_names))
        body = line.removeprefix("dw = ").strip()
        for c, name in ([] if body == "0" else signed_terms(body)):
            if name == "a*(t - o)" and {"a*t", "a*o"} <= set(index):   # the delta rule's form
                e[index["a*t"]] += c
                e[index["a*o"]] -= c
            elif name in index:
                e[index[name]] += c
            else:
                raise ValueError(f"unknown term {name!r} (terms: "
                                 f"{', '.join(form.term_names[:12])}"
                                 f"{', ...' if len(form.term_names) > 12 else ''})")
        # A row of the term coefficients themselves, or a common scale 1 before them.
        for row in (e, np.concatenate([[1.0], e])):
            if len(row) == form.n_coef and np.array_equal(form.effective(row[None])[0], e):
                return row
        raise ValueError(f"the {problem.config.rule.name} family's coefficients do not "
                         "follow from its formula: give them by name (`best` prints them)")

    def exact_line(self, problem, rule) -> str | None:
        row = np.asarray(rule, dtype=np.float64)
        if row.size > self.max_shown_coefficients:
            return None
        effective = problem.form.effective
        try:
            back = self.rule_of_formula(problem, problem.formula(row))
            if np.array_equal(effective(back[None])[0], effective(row[None])[0]):
                return None
        except ValueError:
            pass
        cat = self._categorical(problem)
        return "exact: " + "  ".join(
            f"{n}={cat[n].choices[int(v)]}" if n in cat and 0 <= int(v) < len(cat[n].choices)
            else f"{n}={float(v)!r}" for n, v in zip(problem.form.coef_names, row))

    @staticmethod
    def _categorical(problem) -> dict:
        """The genome's categorical genes by name (a mixed genome's activation)."""
        genes = getattr(problem.config.genome(), "genes", None) or ()
        return {g.name: g for g in genes if g.kind == "cat"}

    # -- export ---------------------------------------------------------------
    def export_refusal(self, problem) -> str | None:
        odd = [t for t in problem.form.term_names if not _PLAIN_TERM.fullmatch(t)]
        if odd:
            # Layered rules ("out:a*o", "hid:a") and genomes with weights (W0[0,0]) are not
            # one expression in the rule's variables.
            return (f"the {problem.config.rule.name} rule is not one formula in the "
                    f"synapse's variables (it has terms such as {odd[0]!r}): use "
                    "--format text or json")
        return None

    def variables(self, problem) -> tuple[str, ...]:
        """The family's variables, else its term names' variables in order of first
        appearance (w, a, o, t for Chalmers)."""
        form = problem.form
        if form.variables:
            return tuple(form.variables)
        seen: list[str] = []
        for name in form.term_names:
            for v in re.findall(r"[A-Za-z_][A-Za-z_0-9]*", name):
                if v not in seen:
                    seen.append(v)
        return tuple(seen)

    def python_body(self, problem, rule) -> tuple[str, set]:
        """(Python expression of the rule, helper functions it calls)."""
        parts = []
        for c, term in _terms(problem, rule):
            factors = "" if term == "1" else "*" + term.replace("^", "**")
            mag = repr(abs(c))
            if abs(c) == 1 and factors:
                mag, factors = "", factors[1:]
            parts.append(("- " if c < 0 else "+ ") + mag + factors)
        body = " ".join(parts) or "0.0"
        return (body[2:] if body.startswith("+ ") else "-" + body[2:]), set()

    def display_formula(self, problem, rule) -> str:
        return problem.formula(rule)

    def sympy_expression(self, problem, rule):
        import sympy
        symbols = {v: sympy.Symbol(v) for v in self.variables(problem)}
        expr, exact = sympy.Integer(0), True
        for c, term in _terms(problem, rule):
            # Dyadic coefficients (Chalmers' bit genomes) read as fractions; others to 4 digits.
            if c * 256 == int(c * 256) and abs(c) < 1e6:
                k = sympy.Rational(int(c * 256), 256)
            else:
                k, exact = sympy.Float(float(f"{c:.4g}"), 4), False
            expr += k * sympy.sympify(term.replace("^", "**"), locals=symbols)
        return sympy.factor(expr) if exact else expr

    def latex_fallback(self, problem, rule) -> str:
        return problem.formula(rule)

    # -- plots ----------------------------------------------------------------
    def rule_axes(self, ax, run) -> None:
        from ..analysis import plots
        plots.coefficient_axes(ax, run)


KIND = ParametricKind()
