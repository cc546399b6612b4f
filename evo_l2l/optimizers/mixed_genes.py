"""DEAP-compatible operators over mixed genomes (typed genes, rules/genes.py).

Each gene type has its own initialisation, mutation and crossover, valid by construction:

- real:    init U[low, high]; mutation + N(0, sigma * (high - low)); blend crossover
- logreal: init U[low, high] in log10; mutation + N(0, sigma * (high - low)), clipped;
           crossover a convex combination (stays in range)
- int:     init uniform on the integers; mutation a step of +-1..+-max(1, sigma * range),
           reflected at a bound (then clipped); crossover swaps the gene (uniform)
- cat:     init uniform; mutation another choice, uniformly; crossover swaps the gene

They draw only from the generator `rng` they are given (a random.Random: the search's
own), so searches using them resume exactly. Signatures follow DEAP's, with `rng` added:
mutate(ind, ..., rng=) -> (ind,), mate(ind1, ind2, ..., rng=) -> (ind1, ind2), in place.
"""
from __future__ import annotations

import random

from ..rules.genes import Gene


def init_gene(gene: Gene, rng: random.Random) -> float:
    if gene.kind in ("int", "cat"):
        return float(rng.randint(int(gene.low), int(gene.high)))
    return rng.uniform(gene.low, gene.high)


def init_genome(genes: tuple, rng: random.Random) -> list:
    return [init_gene(g, rng) for g in genes]


def mutate_gene(gene: Gene, value: float, sigma: float, rng: random.Random) -> float:
    span = gene.high - gene.low
    if gene.kind == "real":
        return value + rng.gauss(0.0, sigma * span)
    if gene.kind == "logreal":
        return min(gene.high, max(gene.low, value + rng.gauss(0.0, sigma * span)))
    if gene.kind == "int":
        if span == 0:
            return value
        reach = min(int(span), max(1, int(round(sigma * span))))
        step = rng.randint(1, reach) * rng.choice((-1, 1))
        lo, hi, v = int(gene.low), int(gene.high), int(value)
        if not lo <= v + step <= hi:
            step = -step                  # reflected at a bound, so the gene still moves
        return float(min(hi, max(lo, v + step)))
    others = [k for k in range(len(gene.choices)) if k != int(value)]
    return float(rng.choice(others))


def mut_mixed(individual, genes: tuple, indpb: float, sigma: float, *, rng: random.Random):
    """Each gene mutated with probability indpb by its type's mutation (DEAP signature)."""
    for j, gene in enumerate(genes):
        if rng.random() < indpb:
            individual[j] = mutate_gene(gene, individual[j], sigma, rng)
    return (individual,)


def cx_mixed(ind1, ind2, genes: tuple, alpha: float = 0.5, *, rng: random.Random):
    """Per gene: real genes blended (BLX-alpha), logreal genes a convex combination,
    int and cat genes swapped with probability 1/2 (DEAP signature)."""
    for j, gene in enumerate(genes):
        a, b = ind1[j], ind2[j]
        if gene.kind == "real":
            g = (1.0 + 2.0 * alpha) * rng.random() - alpha
            ind1[j], ind2[j] = (1.0 - g) * a + g * b, g * a + (1.0 - g) * b
        elif gene.kind == "logreal":
            g = rng.random()
            ind1[j] = min(gene.high, max(gene.low, (1.0 - g) * a + g * b))
            ind2[j] = min(gene.high, max(gene.low, g * a + (1.0 - g) * b))
        elif rng.random() < 0.5:
            ind1[j], ind2[j] = b, a
    return ind1, ind2
