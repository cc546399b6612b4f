"""The search of AutoML-Zero (Real, Liang, So & Le 2020) over program genomes: regularised
(aging) evolution, or random search at the same budget (`strategy`).

evolution: the population is a queue, oldest first; each child's parent wins a tournament
of `tournament_size` members drawn at random (with replacement), the child is the parent
mutated with probability `mutation_prob` (else a copy) by one of the paper's mutations
(optimizers/program_mutations.py: insert or remove an instruction, randomise a component function,
modify an argument; bred in compiled code, kernels/program_breeding.py); when its fitness is in it joins the queue and the oldest dies. The
first `population` children are random programs. random: every child is a random program
(the queue only keeps the last `population` for the archive). The steady-state driver,
breeding, batches in flight and archived generations are those of optimizer `aging`
(optimizers/aging.py, evolution/steady.py), so a run is the same on every executor and a
resume is exact: the batches bred and not yet integrated are kept in the state as fixed
size number arrays (rules.programs.encode_fixed), the form programs have throughout the
search.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from ..components import Settings, need, setting
from ..kernels import mt19937, program_breeding
from ..rules import programs as pg
from ..rules.programs.settings import MUTATION_KINDS
from .aging import AgingSearch
from .base import Optimizer, Search, take


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
    a program is a fixed-width row of numbers (rules.programs.encode_fixed): the queue is a
    ring of rows, a batch is a (k, W) array of rows bred in compiled code
    (kernels/program_breeding.py: the same draws and programs as the Python breeding in
    rules/programs/space.py and optimizers/program_mutations.py), the problem packs rows
    for the kernels without parsing, and text is made only for the archive (population)."""

    def __init__(self, s: ProgramSearchSettings, genome, population: int):
        Search.__init__(self)
        self.s, self.genome, self.n = s, genome, population
        self.rule: pg.ProgramSettings = genome.pset
        self.space = pg.Space(self.rule)
        self.sizes = (self.rule.n_scalar, self.rule.n_vector, self.rule.n_matrix)
        self.in_flight = s.in_flight
        self.every = s.generation_size or population
        self.width = pg.fixed_width(self.rule)
        # The queue, oldest first: member i is row (head + i) % n.
        self.rows = np.zeros((population, self.width))
        self.fit = np.zeros(population)
        self.texts: list = [None] * population
        self.head = self.count = 0
        self.births = 0
        self.integrated = 0
        self.pending: deque = deque()      # ProgramRows batches bred, not yet integrated
        self.E = self.rule.experiment_size  # children per experiment (0: one experiment)
        self.pop_experiment = 0            # the experiment of the queue's newest members
        self.n_current = 0                 # members of it (at the queue's end)
        self._arrays = breeding_arrays(self.space, s)

    def experiment(self, birth: int) -> int:
        """The experiment (restart) a child belongs to, by its birth index."""
        return birth // self.E if self.E else 0

    def breed(self) -> np.ndarray:
        k = min(self.s.children_per_call, self._boundary_after(self.births) - self.births)
        e = self.experiment(self.births)
        if self.E:                  # a batch never crosses an experiment's end either
            k = min(k, (e + 1) * self.E - self.births)
        first = e * self.E          # the experiment's first birth
        # Random: the experiment's first `population` children, and while the queue holds
        # no member of this experiment yet.
        stale = not self.count or self.pop_experiment != e or self.n_current == 0
        if stale or self.s.strategy == "random":
            kinds = np.zeros(k, dtype=np.int64)
        else:
            kinds = (self.births + np.arange(k) - first >= self.n).astype(np.int64)
        out = np.empty((k, self.width))
        st, g = mt19937.load(self.rng)
        program_breeding.breed(st, g, self.rows, self.fit, self.head,
                               self.count - self.n_current, max(self.n_current, 1), kinds,
                               *self._arrays, out)
        mt19937.store(self.rng, st, g)
        batch = ProgramRows.of(out, e)
        self.births += k
        self.pending.append(batch)
        return batch

    def integrate(self, fitness: np.ndarray) -> bool:
        batch = self.pending.popleft()
        e = self.experiment(self.integrated)
        if e != self.pop_experiment:        # a restart: the new experiment's members count
            self.pop_experiment, self.n_current = e, 0
        fitness = np.asarray(fitness, dtype=np.float64)
        rows, k = np.asarray(batch), len(batch)
        if k > self.n:                      # only the batch's last n stay
            rows, fitness = rows[k - self.n:], fitness[k - self.n:]
        # The i-th newcomer takes a free slot while there is one, else the oldest's: both
        # are row (head + count + i) % n.
        at = (self.head + self.count + np.arange(len(rows))) % self.n
        self.rows[at] = rows
        self.fit[at] = fitness
        for i in at.tolist():
            self.texts[i] = None
        grow = min(len(rows), self.n - self.count)
        self.head = (self.head + len(rows) - grow) % self.n
        self.count += grow
        self.n_current = min(self.count, self.n_current + len(batch))
        before, self.integrated = self.integrated, self.integrated + len(batch)
        return self._boundary_after(before) == self.integrated

    def _order(self) -> list[int]:
        return [(self.head + i) % self.n for i in range(self.count)]

    def population(self) -> tuple[np.ndarray, np.ndarray]:
        order = self._order()
        for at in order:
            if self.texts[at] is None:
                # text_of remembers the program, so the problem reading the archived
                # population (its sizes) looks it up instead of parsing it again.
                self.texts[at] = pg.text_of(pg.decode_fixed(self.rows[at], self.rule),
                                            self.sizes)
        genomes = np.empty(len(order), dtype=object)
        genomes[:] = [self.texts[at] for at in order]
        return genomes, self.fit[order].copy()

    def trace(self) -> dict:
        """Per archived generation (with restarts only): the experiment its population is
        from (generations/trace_experiment)."""
        return {"experiment": np.float64(self.pop_experiment)} if self.E else {}

    def state(self) -> dict:
        slots = self.in_flight * self.s.children_per_call
        flat = np.zeros((slots, self.width))
        sizes = np.zeros(self.in_flight)
        row = 0
        for i, batch in enumerate(self.pending):
            flat[row:row + len(batch)] = batch
            row += len(batch)
            sizes[i] = len(batch)
        return {"counts": np.array([self.births, self.integrated], dtype=np.float64),
                "pending": flat, "pending_sizes": sizes}

    def restore(self, genomes: np.ndarray, fitness: np.ndarray, state: dict) -> None:
        slots = self.in_flight * self.s.children_per_call
        st = take(state, {"counts": (2,), "pending": (slots, self.width),
                          "pending_sizes": (self.in_flight,)})
        if len(genomes) > self.n:
            raise ValueError("optimizer state: the archived population is larger than the "
                             "population")
        self.head, self.count = 0, len(genomes)
        self.rows[:] = 0.0
        self.fit[:] = 0.0
        self.texts = [None] * self.n
        for i, (g, f) in enumerate(zip(genomes, fitness)):
            self.rows[i] = pg.encode_fixed(pg.program_of(str(g), self.sizes), self.rule)
            self.fit[i] = float(f)
            self.texts[i] = str(g)
        self.births, self.integrated = (int(v) for v in st["counts"])
        self.pop_experiment = self.experiment(max(0, self.integrated - 1))
        self.n_current = min(self.count, self.integrated - self.pop_experiment * self.E)
        self.pending = deque()
        row, start = 0, self.integrated
        for size in st["pending_sizes"].astype(int):
            if size:
                self.pending.append(ProgramRows.of(st["pending"][row:row + size].copy(),
                                                   self.experiment(start)))
                row += size
                start += size
        if sum(len(b) for b in self.pending) != self.births - self.integrated:
            raise ValueError("optimizer state: the batches in flight do not match the counts")


class ProgramRows(np.ndarray):
    """A (k, W) array of program rows (rules.programs.encode_fixed) bred in one experiment
    (`experiment`: its index; the problem scores them on that experiment's search tasks)."""

    experiment = 0

    @classmethod
    def of(cls, rows: np.ndarray, experiment: int) -> "ProgramRows":
        batch = rows.view(cls)
        batch.experiment = experiment
        return batch

    def __array_finalize__(self, obj) -> None:
        self.experiment = getattr(obj, "experiment", 0)


def breeding_arrays(sp: pg.Space, s: ProgramSearchSettings) -> tuple:
    """The search space and knobs as kernels/program_breeding.py takes them."""
    kinds = {"s": 0, "v": 1, "m": 2}
    n_ops = len(sp.op)
    width = max(len(c) for c in sp.codes)
    codes = np.zeros((3, width), dtype=np.int64)
    for c, cs in enumerate(sp.codes):
        codes[c, :len(cs)] = cs
    n_codes = np.array([len(cs) for cs in sp.codes], dtype=np.int64)
    op_out = np.array([kinds[out] for _, out, _, _ in sp.op], dtype=np.int64)
    op_nin = np.array([len(ins) for _, _, ins, _ in sp.op], dtype=np.int64)
    op_nf = np.array([nf for _, _, _, nf in sp.op], dtype=np.int64)
    op_flag = np.array([program_breeding.UNIFORM if name == "uniform" else
                        program_breeding.GAUSSIAN if name == "gaussian" else 0
                        for name, _, _, _ in sp.op], dtype=np.int64)
    op_insz = np.zeros((n_ops, 2), dtype=np.int64)
    for i, (_, _, ins, _) in enumerate(sp.op):
        op_insz[i, :len(ins)] = ins
    n_addr = np.array([sp.n[k] for k in "svm"], dtype=np.int64)
    first_out = np.array([sp.first_out[k] for k in "svm"], dtype=np.int64)
    mutations = np.array([MUTATION_KINDS.index(m) for m in sp.mutations], dtype=np.int64)
    sizes = np.array([sp.max_sizes, sp.min_sizes, sp.init_sizes], dtype=np.int64)
    fixed = (pg.encode_fixed(sp.fixed, sp.s) if sp.fixed is not None
             else np.zeros(pg.fixed_width(sp.s)))
    knobs = np.array([sp.const_scale, sp.const_step, float(sp.uniform_const),
                      float(sp.flip_or_log), float(s.tournament_size), s.mutation_prob])
    return ((op_out, op_nin, op_nf, op_flag, n_addr, first_out), (codes, n_codes, op_insz),
            np.array(sp.searched, dtype=np.int64), mutations, sizes, fixed, knobs)


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
