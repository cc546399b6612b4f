"""A genetic algorithm over mixed genomes: each gene type with its own operators.

For genomes whose genes carry types (GenomeSpec.genes; rules/genes.py): rule
coefficients (real), hidden units and epochs (int), rates, initial weight scale and clip
(reals on a log scale), activation and term switches (categorical). Initialisation,
mutation and crossover are those of optimizers/mixed_genes.py, valid by construction.
Each generation: the elites unchanged, the rest chosen by tournament, crossed over in
pairs and mutated. Settings are ours (no paper prescribes them).
"""
from __future__ import annotations

from dataclasses import dataclass

from deap import base, creator, tools

from ..components import Settings, need, setting
from . import draws
from .base import ArraySearch, Optimizer, clone
from .mixed_genes import cx_mixed, init_genome, mut_mixed


@dataclass
class MixedGASettings(Settings):
    tournament_size: int = setting(3, "individuals per tournament", low=1)
    crossover_prob: float = setting(0.7, "probability that a pair is crossed over", low=0, high=1)
    mutation_indpb: float = setting(0.15, "per-gene mutation probability", low=0, high=1)
    mutation_sigma: float = setting(0.1, "mutation step as a fraction of each gene's range "
                                         "(real genes: of their initial range)",
                                    low=0, low_open=True)
    blend_alpha: float = setting(0.3, "BLX-alpha of the real genes' crossover", low=0)
    elitism: int = setting(2, "best individuals copied unchanged into the next generation", low=0)


def needs_genes(name: str, genome) -> None:
    need(bool(genome.genes), f"optimizer {name!r} needs a mixed genome (typed genes), as the "
                             "rule family bengio_automl gives")


class MixedGASearch(ArraySearch):
    def __init__(self, s: MixedGASettings, genome, population: int):
        super().__init__(genome)
        self.s, self.n, genes, rng = s, population, genome.genes, self.rng
        tb = base.Toolbox()
        tb.register("individual", lambda: creator.Individual(init_genome(genes, rng)))
        tb.register("mutate", mut_mixed, genes=genes, indpb=s.mutation_indpb,
                    sigma=s.mutation_sigma, rng=rng)
        tb.register("mate", cx_mixed, genes=genes, alpha=s.blend_alpha, rng=rng)
        tb.register("select", draws.sel_tournament, tournsize=s.tournament_size, rng=rng)
        tb.register("clone", clone)
        self.tb = tb

    def ask_individuals(self) -> list:
        if self.pop is None:
            return [self.tb.individual() for _ in range(self.n)]
        s, tb = self.s, self.tb
        elites = [tb.clone(ind) for ind in tools.selBest(self.pop, s.elitism)]
        offspring = [tb.clone(ind) for ind in tb.select(self.pop, len(self.pop) - s.elitism)]
        for i in range(1, len(offspring), 2):
            if self.rng.random() < s.crossover_prob:
                tb.mate(offspring[i - 1], offspring[i])
        for ind in offspring:
            tb.mutate(ind)
            del ind.fitness.values
        return elites + offspring


class MixedGA(Optimizer):
    name = "mixed_ga"
    summary = "genetic algorithm over mixed genomes: typed mutation and crossover per gene"
    settings = MixedGASettings
    genomes = ("real",)

    def check(self, s: MixedGASettings, genome, population: int) -> None:
        needs_genes(self.name, genome)
        need(s.elitism < population, "optimizer.elitism must be in 0..population-1")

    def create(self, s, genome, population):
        return MixedGASearch(s, genome, population)


OPTIMIZER = MixedGA()
