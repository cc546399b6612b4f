"""Meta-evolution: a rule is a set of GA operators (selection, crossover, mutation,
population), scored by the runs of the level below that it drives (Schmidhuber 1987)."""
from __future__ import annotations

import numpy as np

from ..config import RunConfig
from ..evolution import meta
from ..rules.kinds import RuleKind, kind_of


def operators_overrides(path: str, config: RunConfig) -> tuple[dict, str]:
    """The best operators of a meta archive as overrides of `config` (a run of the level
    below): the GA settings, the population and the generations that fit the meta run's
    budget. Returns (overrides, a note for the user); ConfigError if `path` is no meta run
    or its operators cannot drive `config`'s search."""
    from ..archive import open_run
    from ..errors import ConfigError
    from ..rules import operators as ops
    run = open_run(path, populations=False)
    if kind_of(run).name != MetaKind.name:
        raise ConfigError(f"{path} is not a meta-evolution archive (its rule family is "
                          f"{run.config.rule.name!r}); make one with evo-l2l run "
                          "schmidhuber1987-meta")
    if run.n_generations_done < 1:
        raise ConfigError(f"{path} holds no complete generation yet")
    kind = config.genome().kind
    if kind not in ("bits", "real"):
        raise ConfigError(f"operators set a GA, which cannot search {kind} genomes "
                          f"(rule family {config.rule.name!r})")
    s = run.config.learner.settings
    budget = s.budget or meta.default_budget(s.below)
    row = ops.decode(np.asarray(run.state["hof_genome"])[None], run.config.rule.settings)[0]
    overrides = meta.ga_overrides(row, kind, budget)
    note = (f"operators from {path} (generation {int(run.state['hof_generation'])}, evolved on "
            f"{s.level_below}): {ops.formula(row, kind)}; {overrides['run.n_generations']} "
            f"generations fit its budget of {budget} evaluations")
    if config.run.preset != s.level_below:
        note += f" (evolved for {s.level_below}, used on {config.run.preset})"
    return overrides, note


def write_runs_below(problem, row, split: str, folder: str) -> list[str]:
    """Re-creates the runs below of operator row `row` on a split as whole archives in
    `folder` (below-<split>-<k>.h5). The meta archive keeps each run below summarised;
    these are the same runs, exact (same seeds, same operators, same budget), except that
    they go on to the budget where the scored run stopped at the target: their
    generations up to that point are the scored run's."""
    import os
    from ..evolution.run import start_run
    os.makedirs(folder, exist_ok=True)
    paths = []
    for k, (run_seed, task_seed) in enumerate(problem.seeds[split]):
        config = meta.below_config(problem.below, row, int(run_seed), int(task_seed),
                                   problem.budget)
        path = os.path.join(folder, f"below-{split}-{k}.h5")
        start_run(config, path, force=True)
        paths.append(path)
    return paths


class MetaKind(RuleKind):
    name = "meta"
    summary = "the GA settings of the level below, scored by its runs (Schmidhuber 1987)"
    noun = "operator set"
    problem_class = meta.MetaProblem
    learning_curves = False         # scored on runs below, not on tasks
    rated_known_rules = False       # operators have no rate
    not_comparable = "a meta-evolution run (its rules are GA settings, scored on runs below)"

    def archive_attrs(self, problem) -> dict[str, list]:
        from ..rules.operators import OPERATOR_NAMES
        return {"operator_names": list(OPERATOR_NAMES)}

    def reference_target(self, problem) -> float | None:
        return None

    def warm(self, problem) -> None:
        """Its level below's kernels: those are what its runs below run; and those its runs
        below advanced together call (the GA's breeding, the pooled kernel calls)."""
        from ..evolution.meta_batch import warm_pooled
        from ..evolution.problem import build_tasks, make_problem
        below = RunConfig.from_dict(problem.below)
        kind_of(below).warm(make_problem(below, build_tasks(below)))
        warm_pooled(problem.below, problem.hand_set)

    def detail_lines(self, problem, rule: dict) -> list[str]:
        out = ["  ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                         for k, v in rule["operators"].items())]
        for split, runs in rule["runs_below"].items():
            out.append(f"{split} runs below ({rule['level_below']}, budget {rule['budget']}): "
                       f"{runs['reached']} of {runs['runs']} reached the target{runs['note']}; "
                       f"median evaluations to it {runs['median_evaluations_to_target']}")
        return out

    def export_refusal(self, problem) -> str | None:
        return ("a meta-evolution run's rules are GA settings, not learning rules: use "
                "--format text or json")

    def write_runs_below(self, problem, row, split: str, folder: str) -> list[str]:
        return write_runs_below(problem, row, split, folder)

    def evaluate(self, run, problem, specs: tuple, which: str, n_tasks) -> list[dict]:
        """The operators run on the meta archive's stored runs below."""
        from ..analysis.curves import rule_from_spec
        if which == "fresh":
            raise ValueError("a meta level runs its operators on its stored runs below: "
                             "--tasks train or heldout")
        if n_tasks is not None:
            raise ValueError("--n-tasks does not apply to a meta level (its runs below are few)")
        specs = tuple(problem.reference_rule if r == "reference" else r for r in specs)
        chosen = [rule_from_spec(run, problem, spec) for spec in specs]
        return [{"rule": spec, "label": label, "formula": problem.formula(rule), "tasks": which,
                 "fitness": float(problem.fitness_of([rule], which)[0]),
                 **meta.summarise_runs(problem.summaries([rule], which)[0], problem.budget)}
                for spec, (label, rule) in zip(specs, chosen)]

    def evaluate_lines(self, problem, records: list[dict], which: str) -> list[str]:
        out = [f"{len(problem.seeds[which])} {which} runs of "
               f"{problem.config.learner.settings.level_below} (budget {problem.budget} "
               f"evaluations); score = {problem.performance}"]
        for d in records:
            out += ["", f"{d['label']}: {d['formula']}",
                    f"  score {d['fitness']:.4f}; {d['reached']} of {d['runs']} reached the "
                    f"target{d['note']}; median evaluations to it "
                    f"{d['median_evaluations_to_target']}",
                    "  best fitness per run " + " ".join(f"{v:.4f}" for v in d["best_fitness"])]
        return out

    def rule_axes(self, ax, run) -> None:
        from ..analysis import plots
        plots.operators_axes(ax, run)

    def learning_curve_axes(self, ax, runs) -> None:
        from ..analysis import plots
        plots.runs_below_axes(ax, runs)


KIND = MetaKind()
