"""Regularised (aging) evolution, steady-state and asynchronous (Real et al. 2019; the
search of AutoML-Zero, Real et al. 2020), for bit and real genomes.

The population is a queue, oldest first. Each child: a tournament of `tournament_size`
members drawn at random picks the parent, the child is a copy mutated with probability
`mutation_prob`, and when its fitness comes back it joins the queue and the oldest member
dies. There is no generation barrier: children are bred in batches of `children_per_call`
(one executor call each) while `in_flight` batches are out, and batch k + in_flight is bred
only after batch k's fitness is in (`evolution/steady.py`), so the run is the same on every
executor and worker count. A "generation" is what the archive stores: the queue after the
first `population` children (random), then after every `generation_size` more.

Typed genomes (GenomeSpec.genes) draw and mutate each gene by its type
(optimizers/mixed_genes.py): a categorical gene jumps to another choice.

State for an exact resume: births and integrations so far, and the genomes bred but not
yet integrated when a generation ended (sent again on resume: fitness is deterministic).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
from deap import creator

from ..components import Settings, need, setting
from .base import Optimizer, Search, individuals, set_fitness, take
from .mixed_genes import init_genome, mutate_gene


@dataclass
class AgingSettings(Settings):
    tournament_size: int = setting(10, "members drawn (with replacement) to pick a parent; "
                                   "AutoML-Zero's T", low=1)
    mutation_prob: float = setting(0.9, "probability that a child is mutated (else a copy); "
                                   "AutoML-Zero's U", low=0, high=1)
    mutation_indpb: float = setting(0.0, "per-gene mutation probability; 0: 1/genes. A "
                                    "mutated child always differs in at least one gene",
                                    low=0, high=1)
    mutation_sigma: float = setting(0.3, "standard deviation of Gaussian mutation (real "
                                    "genomes); typed genomes (genes): each gene's own "
                                    "mutation (optimizers/mixed_genes.py) with this step as "
                                    "a fraction of its range", low=0, low_open=True)
    children_per_call: int = setting(16, "children bred at once and evaluated in one "
                                     "executor call (size calls to tens of ms of work)", low=1)
    in_flight: int = setting(4, "calls out at once: batch k + in_flight is bred after batch "
                             "k's fitness is in. Part of the search (it changes which "
                             "parents a child sees), not of the executor", low=1)
    generation_size: int = setting(0, "children between two archived generations; 0: the "
                                   "population size", low=0)
    insert_prob: float = setting(0.0, "probability that a mutated child's mutation is its "
                                 "program's insertion (a new instruction in the path of a "
                                 "live read: update programs) instead of per-gene mutation; "
                                 "0: per-gene only", low=0, high=1)


class AgingSearch(Search):
    """The queue, the births and the batches in flight (see the module docstring)."""

    steady = True

    def __init__(self, s: AgingSettings, genome, population: int):
        super().__init__()
        self.s, self.genome, self.n = s, genome, population
        self.in_flight = s.in_flight
        self.every = s.generation_size or population
        self.indpb = s.mutation_indpb or 1.0 / genome.length
        self.pop: deque = deque()
        self.births = 0           # children bred (initial population included)
        self.integrated = 0       # children whose fitness is in
        self.pending: deque = deque()   # (n, L) batches bred and not yet integrated

    # -- breeding ---------------------------------------------------------------------
    def _boundary_after(self, count: int) -> int:
        """The first generation boundary (in children) after `count` children."""
        if count < self.n:
            return self.n
        return self.n + (((count - self.n) // self.every) + 1) * self.every

    def breed(self) -> np.ndarray:
        """The next batch: random genomes for the first `population` births (and while the
        queue is still empty), else tournament children. Never crosses a boundary, so
        generations end on whole batches."""
        k = min(self.s.children_per_call, self._boundary_after(self.births) - self.births)
        rows = [self._random() if self.births + i < self.n or not self.pop else self._child()
                for i in range(k)]
        self.births += k
        batch = np.array(rows, dtype=self.genome.dtype).reshape(k, self.genome.length)
        self.pending.append(batch)
        return batch

    def batches(self):
        """Batches to evaluate, in order: those restored in flight, then new ones."""
        yield from list(self.pending)
        while True:
            yield self.breed()

    def _random(self) -> list:
        if self.genome.genes:
            return init_genome(self.genome.genes, self.rng)
        if self.genome.kind == "bits":
            return [self.rng.randint(0, 1) for _ in range(self.genome.length)]
        return [self.rng.uniform(-1.0, 1.0) for _ in range(self.genome.length)]

    def _child(self) -> list:
        members = list(self.pop)
        contenders = [self.rng.choice(members) for _ in range(self.s.tournament_size)]
        parent = max(contenders, key=lambda ind: ind.fitness.values[0])
        child = list(parent)
        if self.rng.random() < self.s.mutation_prob:
            self._mutate(child)
        return child

    def _mutate(self, child: list) -> None:
        # drawn only when asked for, so searches without insertion keep their streams
        if self.s.insert_prob > 0 and self.rng.random() < self.s.insert_prob:
            self.genome.insert(child, self.rng)
            return
        genes = [i for i in range(len(child)) if self.rng.random() < self.indpb]
        if not genes:
            genes = [self.rng.randrange(len(child))]
        for i in genes:
            if self.genome.genes:
                child[i] = mutate_gene(self.genome.genes[i], child[i], self.s.mutation_sigma,
                                       self.rng)
            elif self.genome.kind == "bits":
                child[i] = 1 - child[i]
            else:
                child[i] += self.rng.gauss(0.0, self.s.mutation_sigma)

    # -- results ----------------------------------------------------------------------
    def integrate(self, fitness: np.ndarray) -> bool:
        """The oldest pending batch's fitness: its children join, the oldest die. True when
        a generation is complete."""
        batch = self.pending.popleft()
        children = [creator.Individual(row) for row in batch.tolist()]
        set_fitness(children, fitness)
        self.pop.extend(children)
        while len(self.pop) > self.n:
            self.pop.popleft()
        before, self.integrated = self.integrated, self.integrated + len(batch)
        return self._boundary_after(before) == self.integrated

    def population(self) -> tuple[np.ndarray, np.ndarray]:
        genomes = np.array(list(self.pop), dtype=self.genome.dtype).reshape(len(self.pop), -1)
        return genomes, np.array([ind.fitness.values[0] for ind in self.pop])

    def state(self) -> dict:
        slots = self.in_flight * self.s.children_per_call
        flat = np.zeros((slots, self.genome.length))
        sizes = np.zeros(self.in_flight)
        row = 0
        for i, batch in enumerate(self.pending):
            flat[row:row + len(batch)] = batch
            sizes[i] = len(batch)
            row += len(batch)
        return {"counts": np.array([self.births, self.integrated], dtype=np.float64),
                "pending": flat, "pending_sizes": sizes}

    def restore(self, genomes: np.ndarray, fitness: np.ndarray, state: dict) -> None:
        slots = self.in_flight * self.s.children_per_call
        st = take(state, {"counts": (2,), "pending": (slots, self.genome.length),
                          "pending_sizes": (self.in_flight,)})
        self.pop = deque(individuals(genomes, fitness))
        self.births, self.integrated = (int(v) for v in st["counts"])
        self.pending = deque()
        row = 0
        for size in st["pending_sizes"].astype(int):
            if size:
                self.pending.append(st["pending"][row:row + size].astype(self.genome.dtype))
                row += size
        if sum(len(b) for b in self.pending) != self.births - self.integrated:
            raise ValueError("optimizer state: the batches in flight do not match the counts")


class Aging(Optimizer):
    name = "aging"
    summary = ("regularised (aging) evolution: steady-state, tournament parent, oldest dies; "
               "asynchronous on any executor, same result")
    settings = AgingSettings
    genomes = ("bits", "real")

    def check(self, s: AgingSettings, genome, population: int) -> None:
        need(s.tournament_size <= population,
             "optimizer.tournament_size must be at most the population")
        need(s.insert_prob == 0 or genome.insert is not None,
             "optimizer.insert_prob needs a program genome (rule update_program)")

    def create(self, s, genome, population):
        return AgingSearch(s, genome, population)


OPTIMIZER = Aging()
