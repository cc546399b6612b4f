"""What the two kinds of evolved optimizer share (kinds/optimizer_program.py,
kinds/learned_optimizer.py): rows of numbers scored by the MLP trainer, a learning rate in
each row, the reference (Adam) tuned over learning rates, `evaluate` as final losses beside
the baselines, and Python source as an (init, update) pair of pure functions over arrays,
optax's shape."""
from __future__ import annotations

import numpy as np

from ..analysis import optimizer_eval as oe
from ..evolution.problem import ParametricRuleProblem
from .parametric import ParametricKind


class OptimizerKind(ParametricKind):
    noun = "optimizer"
    size_name = "genes"
    rule_text_hint = ""

    def reference_rules(self, problem) -> list[tuple[float | None, object]]:
        return [(float(lr), problem.known_rule(problem.reference_rule, float(lr)))
                for lr in oe.LR_GRID]

    def export_refusal(self, problem) -> str | None:
        return None

    def exact_line(self, problem, rule) -> str | None:
        return None                     # each kind of optimizer says where its formula rounds

    def sympy_expression(self, problem, rule):
        return None

    def detail_lines(self, problem, rule: dict) -> list[str]:
        return [f"   {line}" for line in self.update_lines(problem, rule["coefficients_row"])] \
            if "coefficients_row" in rule else []

    def update_lines(self, problem, row) -> list[str]:
        """The update as `best` shows it under the rule's line."""
        return [problem.formula(row)]

    # -- evaluate: final losses beside the tuned baselines ---------------------------------
    def evaluate(self, run, problem, specs: tuple, which: str, n_tasks) -> list[dict]:
        from ..analysis.curves import rule_from_spec, tasks_from_spec
        tasks = tasks_from_spec(run, which, n_tasks)
        chosen = {}
        for spec in specs:
            if spec == "reference":
                continue          # Adam, tuned on the meta-training tasks, is always shown
            label, rule = rule_from_spec(run, problem, spec)
            chosen[f"{label}: {problem.formula(rule)}"] = rule
        family = run.config.rule.name
        curves, finals = {}, {}
        for label, rule in chosen.items():
            test, _ = oe.mlp_trainer.losses(family, [rule], tasks,
                                            run.config.learner.settings.n_epochs)
            curves[label] = np.nan_to_num(test[0].mean(axis=0), posinf=np.inf).tolist()
            finals[label] = test[0, :, -1]
        result = oe.compare(family, chosen, problem.splits["train"], tasks, finals=finals)
        return [{"tasks": which, "n_tasks": len(tasks), "labels": result["labels"],
                 "final_loss": {k: v.tolist() for k, v in result["final"].items()},
                 "rates": result["rates"], "vs_tuned_adam": result["vs_adam"],
                 "wins": result["wins"], "reference": result["reference"],
                 "test_loss_curves": curves}]

    def evaluate_lines(self, problem, records: list[dict], which: str) -> list[str]:
        r = records[0]
        result = {"labels": r["labels"], "reference": r["reference"],
                  "final": {k: np.array(v, dtype=np.float64)
                            for k, v in r["final_loss"].items()},
                  "vs_adam": r["vs_tuned_adam"], "wins": r["wins"]}
        lines = [f"{r['n_tasks']} {which} tasks; final test loss, mean over tasks; baselines' "
                 "learning rates tuned on the meta-training tasks (10^-5..1, quarter decades); "
                 "wins: tasks where the optimizer ends below tuned Adam", ""]
        lines += oe.table(result)
        for label, curve in r["test_loss_curves"].items():
            lines += ["", f"{label}", "  test loss at checkpoints: "
                      + " ".join(f"{v:.4f}" for v in curve)]
        return lines


class OptimizerProblem(ParametricRuleProblem):
    """The parametric problem, named after its kind (the archive records it)."""

    def rule_details(self, rule) -> dict:
        out = super().rule_details(rule)
        # Distances between coefficient rows say nothing of how two optimizers differ.
        out.pop("distance_to_known_rules", None)
        out["coefficients_row"] = [float(v) for v in np.asarray(rule, dtype=np.float64)]
        return out
