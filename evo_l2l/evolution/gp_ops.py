"""DEAP genetic programming over rule trees: variants, bloat control, constant tuning.

Variants: 'generational' (elitism, then selection, one-point crossover and
subtree mutation, as DEAP's eaSimple) and 'mu_plus_lambda' (offspring from
crossover or mutation, then the best of parents and offspring, as eaMuPlusLambda).
Bloat control bounds tree size for real: every crossover and mutation is
checked against a static height limit and a static size limit (DEAP's
staticLimit keeps the parent when a child is too big); parsimony pressure
(double tournament) is an option.
"""
from __future__ import annotations

import operator
import random

import numpy as np
from deap import algorithms, base, creator, gp, tools

from ..config import RunConfig

if not hasattr(creator, "FitnessMax"):
    creator.create("FitnessMax", base.Fitness, weights=(1.0,))
if not hasattr(creator, "RuleTree"):
    creator.create("RuleTree", gp.PrimitiveTree, fitness=creator.FitnessMax)


def clone_tree(ind):
    new = creator.RuleTree(ind)
    if ind.fitness.valid:
        new.fitness.values = ind.fitness.values
    return new


class GPOperators:
    """The GP as the loop sees it: make, vary and (de)serialise a population of trees."""

    def __init__(self, config: RunConfig, problem):
        self.config = config
        self.problem = problem
        pset = problem.pset
        tb = base.Toolbox()
        tb.register("expr", gp.genHalfAndHalf, pset=pset, min_=1, max_=config.gp_init_depth)
        tb.register("individual", tools.initIterate, creator.RuleTree, tb.expr)
        tb.register("population", tools.initRepeat, list, tb.individual)
        if config.parsimony_size > 0:
            tb.register("select", tools.selDoubleTournament, fitness_size=config.tournament_size,
                        parsimony_size=config.parsimony_size, fitness_first=True)
        else:
            tb.register("select", tools.selTournament, tournsize=config.tournament_size)
        tb.register("mate", gp.cxOnePoint)
        tb.register("expr_mut", gp.genFull, min_=0, max_=2)
        tb.register("mutate", gp.mutUniform, expr=tb.expr_mut, pset=pset)
        for op in ("mate", "mutate"):
            tb.decorate(op, gp.staticLimit(key=operator.attrgetter("height"),
                                           max_value=config.gp_max_height))
            tb.decorate(op, gp.staticLimit(key=len, max_value=config.gp_max_size))
        tb.register("clone", clone_tree)
        self.tb = tb

    def population(self, n: int) -> list:
        # genHalfAndHalf can exceed the size limit at the initial depth; redraw those.
        pop = []
        while len(pop) < n:
            ind = self.tb.individual()
            if len(ind) <= self.config.gp_max_size:
                pop.append(ind)
        return pop

    def next_generation(self, pop: list, evaluate) -> list:
        c, tb = self.config, self.tb
        if c.gp_variant == "mu_plus_lambda":
            offspring = algorithms.varOr(pop, tb, len(pop), c.crossover_prob, c.gp_mutation_prob)
            evaluate(offspring)
            new = tb.select(pop + offspring, len(pop))
            new = [tb.clone(ind) for ind in new]
        else:
            elites = [tb.clone(ind) for ind in tools.selBest(pop, c.elitism)]
            chosen = [tb.clone(ind) for ind in tb.select(pop, len(pop) - c.elitism)]
            new = elites + algorithms.varAnd(chosen, tb, c.crossover_prob, c.gp_mutation_prob)
            evaluate(new)
        if c.gp_constant_steps > 0:
            self._tune_constants(new, evaluate)
        return new

    def _tune_constants(self, pop: list, evaluate) -> None:
        """(1+1) hill climbing on the best tree's constants, in place; stdlib random only."""
        best = max(range(len(pop)), key=lambda i: pop[i].fitness.values[0])
        ind = pop[best]
        consts = [i for i, node in enumerate(ind) if isinstance(type(node), gp.MetaEphemeral)]
        if not consts:
            return
        for _ in range(self.config.gp_constant_steps):
            trial = self.tb.clone(ind)
            for i in consts:
                cls = type(ind[i])
                node = cls.__new__(cls)       # no draw from random: the value is set below
                node.value = round(ind[i].value + random.gauss(0.0, 0.1 + 0.1 * abs(ind[i].value)), 4)
                trial[i] = node
            del trial.fitness.values
            evaluate([trial])
            if trial.fitness.values[0] > ind.fitness.values[0]:
                ind = trial
        pop[best] = ind

    def to_genomes(self, pop: list) -> np.ndarray:
        return self.problem.to_genome_array([str(ind) for ind in pop])

    def from_genomes(self, genomes, fitness) -> list:
        out = []
        for text, f in zip(genomes, fitness):
            ind = creator.RuleTree(self.problem.tree(str(text)))
            ind.fitness.values = (float(f),)
            out.append(ind)
        return out
