"""The search of AutoML-Zero (Real, Liang, So & Le 2020) over program genomes: regularised
(aging) evolution, or random search at the same budget (`strategy`).

evolution: the population is a queue, oldest first; each child's parent wins a tournament
of `tournament_size` members drawn at random (with replacement), the child is the parent
mutated with probability `mutation_prob` (else a copy) by one of the paper's mutations
(optimizers/program_mutations.py: insert or remove an instruction, randomise a component function,
modify an argument); when its fitness is in it joins the queue and the oldest dies. The
first `population` children are random programs. random: every child is a random program
(the queue only keeps the last `population` for the archive). The steady-state driver,
breeding, batches in flight and archived generations are those of optimizer `aging`
(optimizers/aging.py, evolution/steady.py), so a run is the same on every executor and a
resume is exact: the batches bred and not yet integrated are kept in the state as fixed
size number arrays (rules.programs.encode_fixed).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ..components import Settings, need, setting
from ..rules import programs as pg
from .aging import AgingSearch
from .base import Optimizer, Search, take
from .program_mutations import mutate


@dataclass
class ProgramSearchSettings(Settings):
    strategy: str = setting("evolution", "evolution: regularised evolution; random: every "
                            "child a random program (the baseline at equal budget)",
                            choices=("evolution", "random"))
    tournament_size: int = setting(10, "members drawn (with replacement) to pick a parent; "
                                   "AutoML-Zero's T", low=1)
    mutation_prob: float = setting(0.9, "probability that a child is mutated (else a copy); "
                                   "AutoML-Zero's U", low=0, high=1)
    children_per_call: int = setting(50, "children bred at once and evaluated in one call",
                                     low=1)
    in_flight: int = setting(1, "batches out at once: batch k + in_flight is bred after "
                             "batch k's fitness is in (part of the search)", low=1)
    generation_size: int = setting(0, "children between two archived generations; 0: the "
                                   "population size", low=0)


class ProgramSearch(AgingSearch):
    """AgingSearch with programs for genomes (see the module docstring). During the search
    a program is a rules.programs.Program (tuples of numbers): batches hold them, the
    problem packs them for the kernels without parsing; text is made only for the archive
    (population) and the state keeps fixed-size number arrays."""

    def __init__(self, s: ProgramSearchSettings, genome, population: int):
        Search.__init__(self)
        self.s, self.genome, self.n = s, genome, population
        self.rule: pg.ProgramSettings = genome.pset
        self.space = pg.Space(self.rule)
        self.sizes = (self.rule.n_scalar, self.rule.n_vector, self.rule.n_matrix)
        self.in_flight = s.in_flight
        self.every = s.generation_size or population
        self.pop: deque = deque()          # [program, fitness, text or None], oldest first
        self.births = 0
        self.integrated = 0
        self.pending: deque = deque()      # (n,) object arrays of Programs
        self.E = self.rule.experiment_size  # children per experiment (0: one experiment)
        self.pop_experiment = 0            # the experiment of the queue's newest members
        self.n_current = 0                 # members of it (at the queue's end)

    def experiment(self, birth: int) -> int:
        """The experiment (restart) a child belongs to, by its birth index."""
        return birth // self.E if self.E else 0

    def _program(self, text: str) -> pg.Program:
        return pg.program_of(text, self.sizes)

    def breed(self) -> np.ndarray:
        k = min(self.s.children_per_call, self._boundary_after(self.births) - self.births)
        e = self.experiment(self.births)
        if self.E:                  # a batch never crosses an experiment's end either
            k = min(k, (e + 1) * self.E - self.births)
        first = e * self.E          # the experiment's first birth
        # Random: the experiment's first `population` children, and while the queue holds
        # no member of this experiment yet.
        stale = not self.pop or self.pop_experiment != e or self.n_current == 0
        rows = [self._random() if (self.births + i - first < self.n or stale
                                   or self.s.strategy == "random") else self._child()
                for i in range(k)]
        batch = _batch(rows, e)
        self.births += k
        self.pending.append(batch)
        return batch

    def _random(self) -> pg.Program:
        return pg.random_program(self.rng, self.space)

    def _child(self) -> pg.Program:
        members = self.pop
        # Contenders: the current experiment's members (after a restart the older ones
        # stay in the queue until they age out; without restarts, every member).
        m, skip = self.n_current, len(members) - self.n_current
        draw = pg.below(self.rng)
        best = members[skip + draw(m)]
        for _ in range(self.s.tournament_size - 1):
            c = members[skip + draw(m)]
            if c[1] > best[1]:
                best = c
        program = best[0]
        if self.rng.random() < self.s.mutation_prob:
            program = mutate(self.rng, program, self.space)
        return program

    def integrate(self, fitness: np.ndarray) -> bool:
        batch = self.pending.popleft()
        e = self.experiment(self.integrated)
        if e != self.pop_experiment:        # a restart: the new experiment's members count
            self.pop_experiment, self.n_current = e, 0
        for program, f in zip(batch.tolist(), np.asarray(fitness, dtype=np.float64).tolist()):
            self.pop.append([program, f, None])
        while len(self.pop) > self.n:
            self.pop.popleft()
        self.n_current = min(len(self.pop), self.n_current + len(batch))
        before, self.integrated = self.integrated, self.integrated + len(batch)
        return self._boundary_after(before) == self.integrated

    def population(self) -> tuple[np.ndarray, np.ndarray]:
        for m in self.pop:
            if m[2] is None:
                # text_of remembers the program, so the problem reading the archived
                # population (its sizes) looks it up instead of parsing it again.
                m[2] = pg.text_of(m[0], self.sizes)
        genomes = np.empty(len(self.pop), dtype=object)
        genomes[:] = [m[2] for m in self.pop]
        return genomes, np.array([m[1] for m in self.pop], dtype=np.float64)

    def trace(self) -> dict:
        """Per archived generation (with restarts only): the experiment its population is
        from (generations/trace_experiment)."""
        return {"experiment": np.float64(self.pop_experiment)} if self.E else {}

    def _width(self) -> int:
        return pg.fixed_width(self.rule)

    def state(self) -> dict:
        slots = self.in_flight * self.s.children_per_call
        flat = np.zeros((slots, self._width()))
        sizes = np.zeros(self.in_flight)
        row = 0
        for i, batch in enumerate(self.pending):
            for program in batch:
                flat[row] = pg.encode_fixed(program, self.rule)
                row += 1
            sizes[i] = len(batch)
        return {"counts": np.array([self.births, self.integrated], dtype=np.float64),
                "pending": flat, "pending_sizes": sizes}

    def restore(self, genomes: np.ndarray, fitness: np.ndarray, state: dict) -> None:
        slots = self.in_flight * self.s.children_per_call
        st = take(state, {"counts": (2,), "pending": (slots, self._width()),
                          "pending_sizes": (self.in_flight,)})
        self.pop = deque([self._program(str(g)), float(f), str(g)]
                         for g, f in zip(genomes, fitness))
        self.births, self.integrated = (int(v) for v in st["counts"])
        self.pop_experiment = self.experiment(max(0, self.integrated - 1))
        self.n_current = min(len(self.pop), self.integrated - self.pop_experiment * self.E)
        self.pending = deque()
        row, start = 0, self.integrated
        for size in st["pending_sizes"].astype(int):
            if size:
                self.pending.append(_batch([pg.decode_fixed(st["pending"][row + i], self.rule)
                                            for i in range(size)], self.experiment(start)))
                row += size
                start += size
        if sum(len(b) for b in self.pending) != self.births - self.integrated:
            raise ValueError("optimizer state: the batches in flight do not match the counts")


class ProgramBatch(np.ndarray):
    """An (n,) object array of programs bred in one experiment (`experiment`: its index;
    the problem scores them on that experiment's search tasks)."""

    experiment = 0


def _batch(rows: list, experiment: int) -> np.ndarray:
    batch = np.empty(len(rows), dtype=object)
    batch[:] = rows
    if not experiment:
        return batch
    batch = batch.view(ProgramBatch)
    batch.experiment = experiment
    return batch


class ProgramSearchOptimizer(Optimizer):
    name = "program_search"
    summary = ("AutoML-Zero's search over programs: regularised evolution with the paper's "
               "mutations, or random search (strategy); steady-state on any executor")
    settings = ProgramSearchSettings
    genomes = ("program",)

    def check(self, s: ProgramSearchSettings, genome, population: int) -> None:
        need(s.tournament_size <= population,
             "optimizer.tournament_size must be at most the population")
        e = genome.pset.experiment_size
        need(e == 0 or e > population, f"rule.experiment_size ({e}) must be 0 (one "
             f"experiment) or more than the population ({population})")

    def create(self, s, genome, population):
        return ProgramSearch(s, genome, population)


OPTIMIZER = ProgramSearchOptimizer()
