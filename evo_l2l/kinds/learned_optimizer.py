"""Learned optimizers (rule family learned_optimizer): the update a weighted sum of
features of the gradient's history, the weights and the rate evolved by an evolution
strategy (VeLO-lite, after Metz et al. 2022 and Lange et al. 2023)."""
from __future__ import annotations

import numpy as np

from ..rules import learned_optimizers as lo
from ._optimizers import OptimizerKind, OptimizerProblem

_SOURCE = {"g": "g", "m.5": "m5", "m.9": "m9", "m.99": "m99", "g/rms": "g / rms",
           "m.5/rms": "m5 / rms", "m.9/rms": "m9 / rms", "m.99/rms": "m99 / rms",
           "sign(g)": "np.sign(g)", "sign(m.9)": "np.sign(m9)", "sign(m.99)": "np.sign(m99)",
           "w": "w"}


class FeatureProblem(OptimizerProblem):
    kind = "learned_optimizer"


class LearnedOptimizerKind(OptimizerKind):
    name = "learned_optimizer"
    summary = ("a learned optimizer: a weighted sum of 12 features of the gradient's history, "
               "its weights evolved (VeLO-lite)")
    noun = "learned optimizer"
    problem_class = FeatureProblem

    rule_text_hint = ("an update such as 'w -= 0.01 * (0.9*m.9/rms + 0.1*sign(g))' (as `best` "
                      "or the run summary prints it)")

    def update_lines(self, problem, row) -> list[str]:
        return [lo.formula(row)]

    def exact_line(self, problem, rule) -> str | None:
        row = np.asarray(rule, dtype=np.float64)
        try:
            if np.array_equal(lo.parse(lo.formula(row)), row):
                return None
        except ValueError:          # a formula of non-finite weights: no update to read
            pass
        return f"exact: {lo.exact_text(row)}"

    def parse_rule(self, problem, text: str) -> tuple[str, np.ndarray]:
        """An update 'w -= LR * (...)'; the run summary's line or `best`'s output: the most
        precise update in it (`best`'s exact line, where the formula rounds)."""
        from ..rules.printed import first_block, strip_line
        found = [line for line in (strip_line(raw).removeprefix("exact: ").strip()
                                   for raw in first_block(text)) if line.startswith("w -= ")]
        if found:
            text = max(found, key=len)
        return f"optimizer {text}", lo.parse(text)

    def latex_fallback(self, problem, rule) -> str:
        row = np.asarray(rule, dtype=np.float64)
        return rf"-{row[0]:.4g}\,\left(\text{{{lo.terms_text(row)}}}\right)"

    def python_source(self, problem, rule, name: str, doc: str) -> str:
        row = np.asarray(rule, dtype=np.float64)
        terms = [f"{float(c)!r} * {_SOURCE[f]}" for c, f in zip(row[1:], lo.FEATURES) if c]
        text = doc or lo.formula(row)
        return (
            "import numpy as np\n\n\n"
            f"def {name}_init(params):\n"
            "    \"\"\"The optimizer's state: three momenta, the second moment, the step.\"\"\"\n"
            "    zeros = np.zeros_like(params)\n"
            "    return {'m5': zeros.copy(), 'm9': zeros.copy(), 'm99': zeros.copy(), "
            "'v': zeros.copy(), 't': 0}\n\n\n"
            f"def {name}_update(g, w, state, lr={float(row[0])!r}):\n"
            f"    \"\"\"{text}.\n\n"
            "    One step for arrays g (gradient) and w (weights): returns (new w, new state),\n"
            "    as an optax-style pure function.\"\"\"\n"
            "    t = state['t'] + 1\n"
            "    s = {'m5': 0.5 * state['m5'] + 0.5 * g, 'm9': 0.9 * state['m9'] + 0.1 * g,\n"
            "         'm99': 0.99 * state['m99'] + 0.01 * g,\n"
            "         'v': 0.999 * state['v'] + 0.001 * (g * g), 't': t}\n"
            "    m5, m9 = s['m5'] / (1 - 0.5 ** t), s['m9'] / (1 - 0.9 ** t)\n"
            "    m99 = s['m99'] / (1 - 0.99 ** t)\n"
            "    rms = np.sqrt(s['v'] / (1 - 0.999 ** t)) + 1e-8\n"
            f"    u = {' + '.join(terms) if terms else 'np.zeros_like(g)'}\n"
            "    return w - lr * u, s\n")


KIND = LearnedOptimizerKind()
