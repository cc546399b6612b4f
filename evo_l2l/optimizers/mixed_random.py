"""Random search over mixed genomes: the baseline that joint evolution must beat.

Every generation is a fresh batch of genomes drawn uniformly from each gene's range
(optimizers/mixed_genes.py's initialisation: real genes from their initial range,
int and cat genes uniformly, logreal genes uniformly in log10), so it samples the same
joint space (rule, learner) the mixed GA searches, with the same number of evaluations
per generation. The best so far is the run's hall of fame. No state but the search's `rng`.
"""
from __future__ import annotations

from dataclasses import dataclass

from deap import creator

from ..components import Settings
from .base import ArraySearch, Optimizer
from .mixed_genes import init_genome
from .mixed_ga import needs_genes


@dataclass
class MixedRandomSettings(Settings):
    pass


class MixedRandomSearch(ArraySearch):
    def __init__(self, s, genome, population: int):
        super().__init__(genome)
        self.n = population

    def ask_individuals(self) -> list:
        return [creator.Individual(init_genome(self.genome.genes, self.rng)) for _ in range(self.n)]


class MixedRandom(Optimizer):
    name = "mixed_random"
    summary = "random search over mixed genomes: each gene drawn uniformly from its range"
    settings = MixedRandomSettings
    genomes = ("real",)

    def check(self, s, genome, population: int) -> None:
        needs_genes(self.name, genome)

    def create(self, s, genome, population):
        return MixedRandomSearch(s, genome, population)


OPTIMIZER = MixedRandom()
