"""DEAP genetic programming over rule trees: variants, bloat control, constant tuning.

Variants: 'generational' (elitism, then selection, one-point crossover and
subtree mutation, as DEAP's eaSimple) and 'mu_plus_lambda' (offspring from
crossover or mutation, then the best of parents and offspring, as
eaMuPlusLambda). Bloat control bounds tree size for real: every crossover and
mutation is checked against a static height limit and a static size limit
(DEAP's staticLimit keeps the parent when a child is too big); parsimony
pressure (double tournament) is an option. Constant tuning: after each
generation, (1+1) hill climbing on the best tree's constants, one ask/tell
round per step.
"""
from __future__ import annotations

import operator
import random
from dataclasses import dataclass

import numpy as np
from deap import base, creator, gp, tools

from ..components import Settings, need, setting
from . import draws
from .base import Optimizer, Search, individuals_batch, set_fitness

if not hasattr(creator, "RuleTree"):
    creator.create("RuleTree", gp.PrimitiveTree, fitness=creator.FitnessMax)


@dataclass
class GPSettings(Settings):
    variant: str = setting("generational", "generational or mu_plus_lambda",
                           choices=("generational", "mu_plus_lambda"))
    init_depth: int = setting(3, "initial trees: half-and-half of depth 1..this", low=1)
    max_height: int = setting(8, "static height limit on every crossover and mutation",
                              low=1, high=17)
    max_size: int = setting(32, "static size limit (nodes) on every crossover and mutation", low=3)
    crossover_prob: float = setting(0.8, "probability of one-point crossover", low=0, high=1)
    mutation_prob: float = setting(0.2, "probability of subtree mutation", low=0, high=1)
    tournament_size: int = setting(3, "individuals per tournament", low=1)
    parsimony_size: float = setting(0.0, "0: off; in [1, 2]: double tournament with size-based "
                                         "parsimony", low=0, high=2)
    constant_steps: int = setting(0, "hill-climbing steps on the best tree's constants each "
                                     "generation", low=0)
    elitism: int = setting(1, "best trees copied unchanged (generational)", low=0)

    def check(self) -> None:
        need(self.init_depth <= self.max_height, "init_depth must be <= max_height")
        need(self.parsimony_size == 0 or self.parsimony_size >= 1,
             "parsimony_size must be 0 (off) or in [1, 2]")
        need(self.variant != "mu_plus_lambda" or self.crossover_prob + self.mutation_prob <= 1.0,
             "mu_plus_lambda needs crossover_prob + mutation_prob <= 1")


def clone_tree(ind):
    new = creator.RuleTree(ind)
    if ind.fitness.valid:
        new.fitness.values = ind.fitness.values
    return new


def make_toolbox(s: GPSettings, pset, rng: random.Random) -> base.Toolbox:
    """GP's operators (DEAP's, in the versions of optimizers/draws.py), each drawing from
    rng (the search's generator)."""
    tb = base.Toolbox()
    tb.register("expr", draws.gen_half_and_half, pset=pset, min_=1, max_=s.init_depth, rng=rng)
    tb.register("individual", tools.initIterate, creator.RuleTree, tb.expr)
    if s.parsimony_size > 0:
        tb.register("select", draws.sel_double_tournament, fitness_size=s.tournament_size,
                    parsimony_size=s.parsimony_size, fitness_first=True, rng=rng)
    else:
        tb.register("select", draws.sel_tournament, tournsize=s.tournament_size, rng=rng)
    tb.register("mate", draws.cx_one_point, rng=rng)
    tb.register("expr_mut", draws.gen_full, min_=0, max_=2, rng=rng)
    tb.register("mutate", draws.mut_uniform, expr=tb.expr_mut, pset=pset, rng=rng)
    for op in ("mate", "mutate"):
        tb.decorate(op, draws.static_limit(key=operator.attrgetter("height"),
                                           max_value=s.max_height, rng=rng))
        tb.decorate(op, draws.static_limit(key=len, max_value=s.max_size, rng=rng))
    tb.register("clone", clone_tree)
    return tb


class GPSearch(Search):
    def __init__(self, s: GPSettings, genome, population: int):
        super().__init__()
        self.s, self.genome, self.n = s, genome, population
        self.tb = make_toolbox(s, genome.pset, self.rng)
        self.pop: list | None = None
        self.pending: list = []
        self.tuning: dict | None = None     # constant tuning in progress

    def _texts(self, trees: list) -> np.ndarray:
        out = np.empty(len(trees), dtype=object)
        out[:] = [str(t) for t in trees]
        return out

    def _initial(self) -> list:
        # genHalfAndHalf can exceed the size limit at the initial depth; redraw those.
        pop = []
        while len(pop) < self.n:
            ind = self.tb.individual()
            if len(ind) <= self.s.max_size:
                pop.append(ind)
        return pop

    def ask(self):
        s, tb = self.s, self.tb
        if self.tuning is not None:
            ind = self.tuning["ind"]
            trial = tb.clone(ind)
            for i in self.tuning["consts"]:
                cls = type(ind[i])
                node = cls.__new__(cls)       # cls() would draw a value: it is set below
                node.value = round(ind[i].value
                                   + self.rng.gauss(0.0, 0.1 + 0.1 * abs(ind[i].value)), 4)
                trial[i] = node
            del trial.fitness.values
            self.pending = [trial]
        elif self.pop is None:
            self.pending = self._initial()
        elif s.variant == "mu_plus_lambda":
            self.pending = draws.var_or(self.pop, tb, len(self.pop), s.crossover_prob,
                                        s.mutation_prob, rng=self.rng)
        else:
            elites = [tb.clone(ind) for ind in tools.selBest(self.pop, s.elitism)]
            chosen = [tb.clone(ind) for ind in tb.select(self.pop, len(self.pop) - s.elitism)]
            self.pending = elites + draws.var_and(chosen, tb, s.crossover_prob, s.mutation_prob,
                                                  rng=self.rng)
        return individuals_batch(self.pending, self._texts(self.pending))

    def tell(self, fitness: np.ndarray) -> bool:
        set_fitness(self.pending, fitness)
        if self.tuning is not None:
            t = self.tuning
            trial = self.pending[0]
            if trial.fitness.values[0] > t["ind"].fitness.values[0]:
                t["ind"] = trial
            t["left"] -= 1
            if t["left"] > 0:
                return False
            self.pop[t["best"]] = t["ind"]
            self.tuning = None
            return True
        first = self.pop is None
        if first or self.s.variant != "mu_plus_lambda":
            self.pop = self.pending
        else:
            self.pop = [self.tb.clone(ind) for ind in self.tb.select(self.pop + self.pending,
                                                                     len(self.pop))]
        if first or self.s.constant_steps == 0:
            return True
        best = max(range(len(self.pop)), key=lambda i: self.pop[i].fitness.values[0])
        consts = [i for i, node in enumerate(self.pop[best])
                  if isinstance(type(node), gp.MetaEphemeral)]
        if not consts:
            return True
        self.tuning = {"best": best, "ind": self.pop[best], "consts": consts,
                       "left": self.s.constant_steps}
        return False

    def population(self):
        return self._texts(self.pop), np.array([ind.fitness.values[0] for ind in self.pop])

    def state(self) -> dict:
        return {}

    def restore(self, genomes, fitness, state: dict) -> None:
        need(not state, "optimizer 'gp' keeps no state")
        self.pop = []
        for text, f in zip(genomes, fitness):
            ind = creator.RuleTree(self.genome.parse(str(text)))
            ind.fitness.values = (float(f),)
            self.pop.append(ind)


class GP(Optimizer):
    name = "gp"
    summary = "genetic programming over expression trees (DEAP): symbolic rules"
    settings = GPSettings
    genomes = ("tree",)

    def check(self, s, genome, population: int) -> None:
        need(s.elitism < population, "optimizer.elitism must be in 0..population-1")

    def create(self, s, genome, population):
        return GPSearch(s, genome, population)


OPTIMIZER = GP()
