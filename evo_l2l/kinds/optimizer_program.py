"""Optimizer programs (rule family update_program): a per-parameter update program over g,
w and three state slots, searched from random programs (after the program search that
found Lion, Chen et al. 2023)."""
from __future__ import annotations

import numpy as np

from ..rules import update_programs as up
from ._optimizers import OptimizerKind, OptimizerProblem

# An op as NumPy source over arrays (a, b registers; c the constant).
_NUMPY = {"add": "{a} + {b}", "sub": "{a} - {b}", "mul": "{a} * {b}",
          "div": "np.divide({a}, {b}, out=np.zeros_like({a}), where={b} != 0)",
          "sign": "np.sign({a})", "sqrt": "np.sqrt(np.abs({a}))", "abs": "np.abs({a})",
          "square": "{a} * {a}", "interp": "{c} * {a} + (1 - {c}) * {b}",
          "scale": "{c} * {a}", "shift": "{a} + {c}", "clip": "np.clip({a}, -{c}, {c})",
          "debias": "{a} / (1 - {c} ** t)", "const": "np.full_like(g, {c})"}


class ProgramProblem(OptimizerProblem):
    kind = "optimizer_program"


class OptimizerProgramKind(OptimizerKind):
    name = "optimizer_program"
    summary = ("an optimizer program: a per-parameter update of up to 10 instructions over the "
               "gradient, the weight and three state slots (Chen et al. 2023)")
    noun = "optimizer program"
    problem_class = ProgramProblem
    rule_text_hint = ("a program text such as 'lr = 1e-3; m1 = interp(m1, g, 0.9); u = sign(m1)' "
                      "(as `best` or the run summary prints it)")

    def parse_rule(self, problem, text: str) -> tuple[str, np.ndarray]:
        """A program text; the run summary's line or `best`'s output: their one-line
        program (its lr exact, where the lines under it round it)."""
        from ..rules.printed import first_block, has_header, strip_line
        block = first_block(text)
        if block and has_header(block[0]):
            text = strip_line(block[0])
        return f"program {text}", up.parse(text)

    def update_lines(self, problem, row) -> list[str]:
        return up.lines(row) + [f"# {up.describe(row)}"]

    def latex_fallback(self, problem, rule) -> str:
        row = np.asarray(rule, dtype=np.float64)
        body = r"; \ ".join(up.instruction_text(*up._fields(row, s)).replace("_", r"\_")
                             for s in up.live_slots(row))
        return rf"-\eta\, u,\quad \eta = {row[0]:.4g},\quad \text{{{body}}}"

    def rule_axes(self, ax, run) -> None:
        """The run's best program, as text (its numbers are op codes and registers)."""
        from ..analysis.curves import problem_for, rule_from_spec
        problem = problem_for(run)
        label, row = rule_from_spec(run, problem, "best")
        ax.set_axis_off()
        ax.set_title(f"{label}", fontsize=9)
        ax.text(0.02, 0.95, "\n".join(self.update_lines(problem, row)), va="top", ha="left",
                family="monospace", fontsize=8, transform=ax.transAxes)

    def display_formula(self, problem, rule) -> str:
        return up.text_of(rule)

    def python_source(self, problem, rule, name: str, doc: str) -> str:
        row = up.canonical(rule)            # constants in the ranges the kernel uses
        state = [up.REGISTERS[k] for k in up.STATE]
        body = []
        for s in up.live_slots(row):
            op, dst, a, b, c = up._fields(row, s)
            expr = _NUMPY[op].format(a=up.REGISTERS[a], b=up.REGISTERS[b], c=repr(float(c)))
            body.append(f"    {up.REGISTERS[dst]} = {expr}")
        text = doc or up.text_of(row)
        return (
            "import numpy as np\n\n\n"
            f"def {name}_init(params):\n"
            f"    \"\"\"The optimizer's state for an array of parameters: {', '.join(state)} "
            "and the step count.\"\"\"\n"
            "    zeros = np.zeros_like(params)\n"
            f"    return {{{', '.join(f'{s!r}: zeros.copy()' for s in state)}, 't': 0}}\n\n\n"
            f"def {name}_update(g, w, state, lr={float(row[0])!r}):\n"
            f"    \"\"\"{text}.\n\n"
            "    One step for arrays g (gradient) and w (weights): returns (new w, new state),\n"
            "    as an optax-style pure function.\"\"\"\n"
            "    t = state['t'] + 1\n"
            f"    {', '.join(state)} = {', '.join(f'state[{s!r}]' for s in state)}\n"
            "    r1 = r2 = u = np.zeros_like(g)\n"
            + "\n".join(body) + ("\n" if body else "")
            + f"    return w - lr * u, {{{', '.join(f'{s!r}: {s}' for s in state)}, 't': t}}\n")


KIND = OptimizerProgramKind()
