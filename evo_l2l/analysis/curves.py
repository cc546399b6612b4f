"""Re-run inner learning with archived (or known) rules: learning curves on any tasks."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..evolution.problem import build_tasks, make_problem
from ..rules.kinds import RuleTextError, kind_of
from ..rules.printed import read_rule_text
from ..tasks import TaskSet

RULE_SPECS = ("best, gen:G, top:K, a known rule of the family (delta, oja, hebb, none...) with an "
              "optional :RATE, or for symbolic runs a tree text such as 'mul(a, sub(t, o))'")


def problem_for(run):
    return make_problem(run.config, run.tasks)


def rule_from_spec(run, problem, spec: str) -> tuple[str, object]:
    """A rule named on the command line -> (label, rule). ValueError if unknown."""
    g = run.generations
    name, _, arg = spec.partition(":")
    known = problem.known_rule_names()
    if name == "best" and not arg:
        gen = int(run.state["generation"])
        return (f"best (generation {int(g['best_so_far_generation'][gen])})",
                problem.rule_of_genome(g["best_so_far_genome"][gen]))
    if name == "gen":
        try:
            gen = int(arg)
        except ValueError:
            raise ValueError(f"gen:G needs an integer generation, got {arg!r}") from None
        if not 0 <= gen < run.n_generations_done:
            raise ValueError(f"generation must be in 0..{run.n_generations_done - 1}")
        i = int(g["best_index"][gen])
        return f"best of generation {gen}", problem.rule_of_genome(g["population_genome"][gen, i])
    if name == "top":
        from .rules import ranked_rules
        try:
            k = int(arg)
        except ValueError:
            raise ValueError(f"top:K needs an integer rank, got {arg!r}") from None
        rules = ranked_rules(run, problem, k)
        if k < 1 or len(rules) < k:
            raise ValueError(f"the run has {len(rules)} distinct rules; top:{k} does not exist")
        gen, rule = rules[-1]
        return f"#{k} (generation {gen})", rule
    if name in known:
        if not kind_of(run.config).rated_known_rules:
            if arg:
                raise ValueError(f"{name} takes no rate")
            return problem.known_label(name), problem.known_rule(name)
        if name == problem.reference_rule and not arg:
            from .rules import best_reference_rate
            rate, _ = best_reference_rate(problem)
            return f"{name} rule (rate {rate:g})", problem.known_rule(name, rate)
        if arg:
            if name == "none":
                raise ValueError("none takes no rate")
            try:
                rate = float(arg)
            except ValueError:
                raise ValueError(f"{name}:RATE needs a number, got {arg!r}") from None
            if not np.isfinite(rate):
                raise ValueError(f"{name}:RATE needs a finite number, got {arg!r}")
            return f"{name} rule (rate {rate:g})", problem.known_rule(name, rate)
        return ("no learning" if name == "none" else f"{name} rule"), problem.known_rule(name)
    expected = (f"expected best, gen:G, top:K or one of {', '.join(known)} (optionally with "
                f":RATE)")
    kind = kind_of(run.config)
    if kind.rule_text_hint:
        text, source = read_rule_text(spec)
        try:                      # parsed with the kind's whitelist (never eval)
            label, rule = kind.parse_rule(problem, text)
            return (label if source is None else f"{kind.noun} from {source}"), rule
        except RuleTextError:
            raise
        except ValueError as exc:
            shown = spec if len(spec) <= 60 else spec[:60] + "..."
            raise ValueError(f"unknown rule {shown!r}; {expected}, or {kind.rule_text_hint} "
                             f"({exc})") from None
    raise ValueError(f"unknown rule {spec!r}; {expected}")


def tasks_from_spec(run, which: str, n_tasks: int | None = None, seed: int = 0) -> TaskSet:
    """'train' or 'heldout' (stored tasks) or 'fresh' (new tasks of the run's family)."""
    if which in ("train", "heldout", "all"):
        tasks = run.tasks.select(which)
    elif which == "fresh":
        # The run's task settings with another seed and nothing held out (no validation:
        # n_heldout = 0 is fine here, all tasks are fresh).
        settings = dataclasses.replace(run.config.tasks.settings, seed=seed, n_heldout=0)
        tasks = build_tasks(run.config, settings)
        order = np.random.default_rng(seed).permutation(len(tasks))
        tasks = tasks.select(order)
    else:
        raise ValueError(f"unknown task set {which!r}; expected train, heldout or fresh")
    if n_tasks is not None:
        if not 1 <= n_tasks <= len(tasks):
            raise ValueError(f"--n-tasks must be in 1..{len(tasks)} for {which} tasks")
        tasks = tasks.select(np.arange(n_tasks))
    return tasks


def learning_curve(problem, rule, tasks: TaskSet) -> dict:
    """Mean, min and max over tasks of the performance before training and after each epoch."""
    curves = problem.curves([rule], tasks)[0]   # (T, E+1)
    out = {"fitness_mean": float(curves.mean()), "fitness_final": float(curves[:, -1].mean()),
           "n_tasks": int(curves.shape[0])}
    trained = _epochs_trained(problem, rule, tasks)
    if trained is not None and trained + 1 < curves.shape[1]:
        # A rule that sets its own epochs (AutoML's mixed genome) is held flat after its
        # last: the curve ends there, its fitness is still the full curve's, as evolved.
        curves = curves[:, :trained + 1]
        out["epochs_trained"] = trained
    return {"epoch": list(range(curves.shape[1])),
            "mean": curves.mean(axis=0).tolist(), "min": curves.min(axis=0).tolist(),
            "max": curves.max(axis=0).tolist(), **out}


def _epochs_trained(problem, rule, tasks: TaskSet) -> int | None:
    """The most epochs `rule` trains on any of `tasks`, where its learner says (else None)."""
    learner = getattr(problem, "learner", None)
    if learner is None or not hasattr(learner, "epochs_trained"):
        return None
    settings = problem.config.learner.settings
    epochs = learner.epochs_trained([rule], tasks, settings)
    return None if epochs is None else int(np.max(epochs))


def spaced(n: int, most: int = 13) -> list:
    """Indices of at most `most` of n measurements, evenly spaced, first and last included:
    the columns a table of a long learning curve shows."""
    if n <= most:
        return list(range(n))
    return sorted({round(i * (n - 1) / (most - 1)) for i in range(most)})
