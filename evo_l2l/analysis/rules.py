"""Pure functions that describe rules: formulas, fitness, distance to known rules."""
from __future__ import annotations

import numpy as np

from ..evolution.problem import ParametricRuleProblem


def known_rule_distance(family, coef: np.ndarray) -> dict[str, float]:
    """Cosine distance (0 = same rule up to a positive rate) to each known rule."""
    e = family.effective(coef)
    out = {}
    for name, make in family.KNOWN_RULES.items():
        k = family.effective(make())
        ne, nk = np.linalg.norm(e), np.linalg.norm(k)
        if ne == 0 or nk == 0:
            out[name] = 0.0 if ne == nk else 1.0
        else:
            out[name] = float(1.0 - np.dot(e, k) / (ne * nk))
    return out


def describe_rule(problem: ParametricRuleProblem, coef: np.ndarray, **extra) -> dict:
    """One rule as a JSON-ready dict: coefficients by name, formula, fitness, distances."""
    fam = problem.family
    coef = np.asarray(coef, dtype=np.float64)
    fit = problem.fitness_of_coef(coef[None, :], "train")[0]
    held = problem.fitness_of_coef(coef[None, :], "heldout")[0]
    d = dict(extra)
    d.update({
        "formula": fam.formula(coef),
        "is_delta_rule": bool(fam.is_delta_rule(coef)),
        "coefficients": {n: float(c) for n, c in zip(fam.COEF_NAMES, coef)},
        "fitness": float(fit), "heldout_fitness": float(held),
        "distance_to_known_rules": known_rule_distance(fam, coef),
    })
    return d


def best_delta_rule(problem: ParametricRuleProblem) -> dict:
    """The delta rule at the rate (a power of two in 2^-8..2^8) best on the training tasks."""
    fam = problem.family
    rates = 2.0 ** np.arange(-8, 9)
    coef = np.array([fam.delta_rule(r) for r in rates])
    fit = problem.fitness_of_coef(coef, "train")
    best = int(np.argmax(fit))
    return describe_rule(problem, coef[best], rate=float(rates[best]))


def top_rules(run, problem: ParametricRuleProblem, k: int = 1,
              generation: int | None = None) -> list[dict]:
    """The k best distinct rules of the whole run (or of one generation) by training fitness."""
    g = run.generations
    if generation is None:
        genomes = g["population_genome"].reshape(-1, g["population_genome"].shape[-1])
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
    seen, out = set(), []
    for i in order:
        # Distinct rules, not genomes: a zero coefficient has two sign bits.
        coef = problem.decode(genomes[i][None])[0] + 0.0
        key = coef.tobytes()
        if key in seen:
            continue
        seen.add(key)
        out.append(describe_rule(problem, coef, rank=len(out) + 1, generation=int(gens[i])))
        if len(out) == k:
            break
    return out
