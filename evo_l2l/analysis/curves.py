"""Re-run inner learning with archived (or known) rules: learning curves on any tasks."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..evolution.problem import ParametricRuleProblem, build_tasks
from ..tasks import TaskSet

RULE_SPECS = "best, gen:G, top:K, delta, delta:RATE, hebb, hebb:RATE, none"


def problem_for(run) -> ParametricRuleProblem:
    return ParametricRuleProblem(run.config, run.tasks)


def rule_from_spec(run, problem: ParametricRuleProblem, spec: str) -> tuple[str, np.ndarray]:
    """A rule named on the command line -> (label, (K,) coefficients). ValueError if unknown."""
    fam = problem.family
    g = run.generations
    name, _, arg = spec.partition(":")
    if name == "best" and not arg:
        gen = int(run.state["generation"])
        return f"best (generation {int(g['best_so_far_generation'][gen])})", g["best_so_far_coef"][gen]
    if name == "gen":
        try:
            gen = int(arg)
        except ValueError:
            raise ValueError(f"gen:G needs an integer generation, got {arg!r}") from None
        if not 0 <= gen < run.n_generations_done:
            raise ValueError(f"generation must be in 0..{run.n_generations_done - 1}")
        i = int(g["best_index"][gen])
        return f"best of generation {gen}", g["population_coef"][gen, i]
    if name == "top":
        from .rules import top_rules
        try:
            k = int(arg)
        except ValueError:
            raise ValueError(f"top:K needs an integer rank, got {arg!r}") from None
        rules = top_rules(run, problem, k)
        if k < 1 or len(rules) < k:
            raise ValueError(f"the run has {len(rules)} distinct rules; top:{k} does not exist")
        r = rules[-1]
        return f"#{k} (generation {r['generation']})", np.array(list(r["coefficients"].values()))
    if name in fam.KNOWN_RULES:
        if name == "delta" and not arg:
            from .rules import best_delta_rule
            rate = best_delta_rule(problem)["rate"]
            return f"delta rule (rate {rate:g})", fam.delta_rule(rate)
        if arg:
            if name == "none":
                raise ValueError("none takes no rate")
            try:
                rate = float(arg)
            except ValueError:
                raise ValueError(f"{name}:RATE needs a number, got {arg!r}") from None
            return f"{name} rule (rate {rate:g})", fam.KNOWN_RULES[name](rate)
        return ("no learning" if name == "none" else f"{name} rule"), fam.KNOWN_RULES[name]()
    raise ValueError(f"unknown rule {spec!r}; expected one of: {RULE_SPECS}")


def tasks_from_spec(run, which: str, n_tasks: int | None = None, seed: int = 0) -> TaskSet:
    """'train' or 'heldout' (stored tasks) or 'fresh' (new tasks of the run's family)."""
    if which in ("train", "heldout", "all"):
        tasks = run.tasks.select(which)
    elif which == "fresh":
        config = dataclasses.replace(run.config, task_seed=seed, n_heldout=0)
        tasks = build_tasks(config)
        order = np.random.default_rng(seed).permutation(len(tasks))
        tasks = tasks.select(order)
    else:
        raise ValueError(f"unknown task set {which!r}; expected train, heldout or fresh")
    if n_tasks is not None:
        if not 1 <= n_tasks <= len(tasks):
            raise ValueError(f"--n-tasks must be in 1..{len(tasks)} for {which} tasks")
        tasks = tasks.select(np.arange(n_tasks))
    return tasks


def learning_curve(problem: ParametricRuleProblem, coef: np.ndarray, tasks: TaskSet) -> dict:
    """Mean, min and max over tasks of the performance before training and after each epoch."""
    curves = problem.curves(np.asarray(coef, dtype=np.float64)[None, :], tasks)[0]   # (T, E+1)
    return {"epoch": list(range(curves.shape[1])),
            "mean": curves.mean(axis=0).tolist(), "min": curves.min(axis=0).tolist(),
            "max": curves.max(axis=0).tolist(),
            "fitness_mean": float(curves.mean()), "fitness_final": float(curves[:, -1].mean()),
            "n_tasks": int(curves.shape[0])}
