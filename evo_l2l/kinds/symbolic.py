"""Symbolic rules: expression trees over the synapse's variables, evolved by genetic
programming (Bengio et al. 1991; Jordan et al. 2021).

Python source of a rule is its tree written out operation by operation in the tree's
own order, with the kernel's protected division (and capped exp) defined in the output,
so that pasted as it stands it computes what `rules.symbolic.python_function` computes.
"""
from __future__ import annotations

import re

from ..evolution.symbolic_problem import SymbolicRuleProblem
from ..rules import symbolic as sym
from ..rules.kinds import RuleKind, RuleTextError

# Python operator precedence of the tree's binary operations (higher binds tighter).
_BINARY = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2)}
_ATOM, _UNARY = 4, 3


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


class SymbolicKind(RuleKind):
    name = "symbolic"
    summary = "an expression tree over the synapse's variables, evolved by GP (Bengio 1991)"
    size_name = "tree size"
    size_unit = "nodes"
    problem_class = SymbolicRuleProblem
    latex_scaled_by_eta = True

    def bytes_per_individual(self, config) -> int:
        return 600 + 150 * getattr(config.optimizer.settings, "max_size", 32)

    def batch_of(self, problem, rules):
        return list(rules)

    def archive_attrs(self, problem) -> dict[str, list]:
        return {"variables": list(problem.pset.arguments)}

    rule_text_hint = "a tree text (as `best` or the run summary prints it)"

    def parse_rule(self, problem, text: str) -> tuple[str, str]:
        """A tree text, parsed with the whitelist of primitives (never eval); from the run
        summary or `best`'s output, the tree it prints ('exact: TREE', 'tree (N nodes):
        TREE'), else their formula 'dw = ...' (simplified: read as a tree that computes it)."""
        from ..rules.printed import first_block, strip_line
        lines = [strip_line(raw) for raw in first_block(text)]
        trees = [line.partition(": ")[2] for line in lines
                 if line.startswith("exact: ") or re.match(r"tree \(\d+ nodes\): ", line)]
        label = f"rule {text}"
        if trees:
            text = label = trees[0]
        elif lines and lines[0].startswith("dw = "):
            text = self.tree_of_formula(problem, lines[0])
            label = f"{lines[0]} (read as {text})"
        try:
            problem.user_tree(text)
        except sym.TreeTextError as exc:   # too deep or large for the run, a non-finite constant
            raise RuleTextError(str(exc)) from None
        return label, text

    def tree_of_formula(self, problem, line: str) -> str:
        """The summary's formula 'dw = ...' (eta * the tree, simplified) -> a tree computing
        it: the rule up to the simplification's rounding (the 'exact:' line is the rule)."""
        from ..rules.printed import tree_of_formula
        body = line.removeprefix("dw = ").strip()
        eta = float(problem.rule_settings.eta)
        scale = f"{eta:g} * "
        if eta != 1.0 and body.startswith(scale):
            body = body[len(scale):]
        return tree_of_formula(body, problem.pset.arguments, set(problem.pset.mapping))

    def exact_line(self, problem, rule) -> str | None:
        return f"exact: {rule}"         # the formula shown is simplified: the tree itself

    def detail_lines(self, problem, rule: dict) -> list[str]:
        return [f"tree ({rule['size']} nodes): {rule['rule']}"]

    def export_refusal(self, problem) -> str | None:
        return None

    def variables(self, problem) -> tuple[str, ...]:
        return tuple(problem.pset.arguments)

    def python_body(self, problem, rule) -> tuple[str, set]:
        return _tree_python(problem.tree(rule), problem.pset)

    def display_formula(self, problem, rule) -> str:
        return sym.formula(problem.tree(rule), problem.pset)

    def sympy_expression(self, problem, rule):
        """Simplified, protected division as pdiv; None if sympy ran out of time."""
        return sym.simplified(problem.tree(rule), problem.pset)

    def latex_fallback(self, problem, rule) -> str:
        return r"\mathtt{" + sym.tree_text(problem.tree(rule)).replace("_", r"\_") + "}"

    def episode_accuracy(self, problem, rules, tasks, settings, measure_all=True):
        programs = sym.compile_programs([problem.tree(r) for r in rules], problem.pset)
        return problem.learner.program_accuracy(programs, tasks, settings,
                                                problem.rule_settings.eta,
                                                measure_all=measure_all)

    def rule_axes(self, ax, run) -> None:
        from ..analysis import plots
        plots.size_axes(ax, run)


KIND = SymbolicKind()
