"""Pure functions that describe rules: formulas, fitness, distance to known rules."""
from __future__ import annotations

import numpy as np

from ..rules.kinds import kind_of


def describe_rule(problem, rule, **extra) -> dict:
    """One rule as a JSON-ready dict: formula, fitness on train and held-out tasks, details.

    `rule` is what the problem's rules are: a coefficient row (parametric
    families: details are the coefficients by name and distances to known
    rules) or a tree text (symbolic rules: details are the text and its size).
    """
    fit = problem.fitness_of([rule], "train")[0]
    held = problem.fitness_of([rule], "heldout")[0]
    d = dict(extra)
    d.update({"formula": problem.formula(rule),
              "is_reference_rule": problem.is_reference_rule(rule),
              "fitness": float(fit), "heldout_fitness": float(held)})
    d.update(problem.rule_details(rule))
    return d


def form_tag(problem, details: dict) -> str:
    """'  [the delta rule]'-style tag of a describe_rule dict: the known form the rule
    equals, else the one it equals except where a protected division divides by 0."""
    form = details.get("known_form")
    if form:
        return f"  [{problem.known_label(form)}]"
    ae = details.get("known_form_ae")
    if ae:
        return f"  [{problem.known_label(ae)}, except where a protected division divides by 0]"
    return ""




def best_reference_rule(problem) -> dict:
    """The problem's reference rule (delta, Oja, Rescorla-Wagner...) at the power-of-two rate
    in 2^-8..2^8 that does best on the training tasks."""
    rate, rule = best_reference_rate(problem)
    return describe_rule(problem, rule, rate=rate)


def best_reference_rate(problem) -> tuple[float, object]:
    """(rate, rule) of best_reference_rule, without describing the rule (its fitness on
    both splits again, its formula: seconds of sympy for a symbolic rule)."""
    rated = kind_of(problem).reference_rules(problem)
    if len(rated) == 1:
        return rated[0]
    rated, fit = list(rated), list(problem.fitness_of([rule for _, rule in rated], "train"))
    best = int(np.argmax(fit))
    # A best rate at the grid's edge is no tuned rate (the hand-built SRWM's gain keeps
    # improving past 2^8): go on outwards by factors of 4 while training fitness improves.
    for _ in range(EDGE_STEPS):
        if best not in (0, len(rated) - 1):
            break
        factor = 4.0 if best == len(rated) - 1 else 0.25
        rate = rated[best][0] * factor
        rule = problem.known_rule(problem.reference_rule, rate)
        f = float(problem.fitness_of([rule], "train")[0])
        if not f > fit[best]:
            break
        if factor > 1:
            rated.append((rate, rule)), fit.append(f)
        else:
            rated.insert(0, (rate, rule)), fit.insert(0, f)
        best = int(np.argmax(fit))
    return rated[best]


EDGE_STEPS = 8


def ranked_rules(run, problem, k: int = 1, generation: int | None = None) -> list[tuple]:
    """The k best distinct rules by training fitness: [(generation, rule), ...].

    Over the whole run, or one generation's population. Distinct means a
    different rule (parametric: coefficients; symbolic: function on the probe
    points), not a different genome. A run with a selection stage (AutoML-Zero:
    problem.selecting) ranks its selected rule (the archive's best so far) first over
    the whole run, then the others by training fitness.
    """
    g = run.generations
    first = []
    if generation is None and getattr(problem, "selecting", False) and k >= 1:
        last = int(run.state["generation"])
        first = [(int(g["best_so_far_generation"][last]),
                  problem.rule_of_genome(g["best_so_far_genome"][last]))]
        if k == 1:
            return first
    if generation is None:
        genomes = g["population_genome"].reshape((-1,) + g["population_genome"].shape[2:])
        fitness = g["population_fitness"].reshape(-1)
        gens = np.repeat(g["generation"], g["population_fitness"].shape[1])
    else:
        if not 0 <= generation < run.n_generations_done:
            raise ValueError(f"generation must be in 0..{run.n_generations_done - 1}")
        genomes = g["population_genome"][generation]
        fitness = g["population_fitness"][generation]
        gens = np.full(len(fitness), generation)
    # Stable sort, so ties go to the earliest generation.
    order = np.argsort(-fitness, kind="stable")
    seen, out = {problem.rule_key(r) for _, r in first}, list(first)
    for i in order:
        rule = problem.rule_of_genome(genomes[i])
        key = problem.rule_key(rule)
        if key in seen:
            continue
        seen.add(key)
        out.append((int(gens[i]), rule))
        if len(out) == k:
            break
    return out


def top_rules(run, problem, k: int = 1, generation: int | None = None) -> list[dict]:
    """ranked_rules, described."""
    return [describe_rule(problem, rule, rank=n + 1, generation=gen)
            for n, (gen, rule) in enumerate(ranked_rules(run, problem, k, generation))]
