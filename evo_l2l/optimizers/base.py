"""The optimizer interface: ask/tell over genome batches, state as named arrays.

An optimizer component (registered in optimizers/__init__.py) has a name, a
settings section ([optimizer] in a config), the genome kinds it searches and
`create(settings, genome, population) -> Search`. A Search is one run's
search state:

    batch = search.ask()          # genomes to score; batch.known marks carried fitness
    done = search.tell(fitness)   # fitness (N,) of batch.genomes; True: generation complete
    genomes, fitness = search.population()
    arrays = search.state()       # dict of named numpy arrays (the archive stores them as is)
    search.restore(genomes, fitness, arrays)

A generation may take several ask/tell rounds (GP's constant tuning). A search
draws every random number from its own generator `search.rng`, a random.Random
(base class Search; DEAP's drawing operators in the versions of optimizers/draws.py,
which take it): the run seeds it from the run's seed tree before the first ask,
archives its state with every generation and restores it on resume, so a restored
search continues exactly, and runs never share a stream or touch the process's
global `random`. Genomes cross as arrays: (N, L) for bit and real genomes, (N,)
tree texts for trees.
"""
from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np
from deap import base, creator

from ..components import GenomeSpec, Settings, need

# Created once at import so individuals pickle into worker processes.
if not hasattr(creator, "FitnessMax"):
    creator.create("FitnessMax", base.Fitness, weights=(1.0,))
if not hasattr(creator, "Individual"):
    creator.create("Individual", list, fitness=creator.FitnessMax)


@dataclass
class Batch:
    genomes: np.ndarray
    fitness: np.ndarray      # (N,) carried fitness where known, else NaN
    known: np.ndarray        # (N,) bool: fitness carried over, no evaluation needed


class Optimizer:
    """Defaults of an optimizer component."""

    name: str = ""
    summary: str = ""
    settings: type = Settings
    genomes: tuple = ("real",)               # genome kinds it searches

    def check(self, settings, genome: GenomeSpec, population: int) -> None:
        """Checks that depend on the genome or the population size."""

    def create(self, settings, genome: GenomeSpec, population: int):
        raise ValueError(f"optimizer {self.name!r} cannot create a search")

    def notice(self, settings, genome: GenomeSpec, population: int) -> str | None:
        """One line for the user before a run starts (a setting that will be slow), or
        None."""
        return None

    def legacy_state(self, vector: np.ndarray, genome: GenomeSpec, population: int) -> dict:
        """Named state arrays from the one vector archive format 1.0 kept (empty: no state)."""
        if len(vector):
            raise ValueError(f"optimizer {self.name!r} keeps no state, got {len(vector)} numbers")
        return {}


# Every individual's fitness is a FitnessMax, whose one weight is 1.0: its values are its
# wvalues (values = wvalues / weights, wvalues = values * weights, both exact for 1.0), so
# the hot paths below read and write wvalues and skip DEAP's property calls.
assert creator.FitnessMax.weights == (1.0,)


def individuals_batch(individuals: list, genomes: np.ndarray) -> Batch:
    wvalues = [ind.fitness.wvalues for ind in individuals]
    known = np.array([len(w) != 0 for w in wvalues], dtype=bool)      # Fitness.valid
    fitness = np.array([w[0] if w else np.nan for w in wvalues], dtype=np.float64)
    return Batch(genomes, fitness, known)


def set_fitness(individuals: list, fitness: np.ndarray) -> None:
    for ind, f in zip(individuals, np.asarray(fitness, dtype=np.float64).tolist()):
        ind.fitness.wvalues = (f,)                  # ind.fitness.values = (f,)


def fitness_values(individuals: list) -> np.ndarray:
    """(N,) the individuals' fitness values (all valid)."""
    return np.array([ind.fitness.wvalues[0] for ind in individuals], dtype=np.float64)


class Search:
    """What every search has: `rng`, the random.Random it draws all its random numbers
    from (and nothing else: not the module-level `random`, not numpy's global generator).

    It starts seeded with 0, so a search made outside a run is reproducible; a run seeds
    it (rng.seed) or restores its state (rng.setstate) before the first ask and archives
    rng.getstate() with every generation. Keep the object: operators registered on a
    toolbox hold it (and its bound methods), so it is reseeded in place, never replaced.
    A search registered from outside that has no `rng` gets one from the run."""

    def __init__(self) -> None:
        self.rng = random.Random(0)


class ArraySearch(Search):
    """Shared by searches over fixed-length genomes: a population of DEAP list individuals."""

    def __init__(self, genome: GenomeSpec):
        super().__init__()
        self.genome = genome
        self.pop: list | None = None       # the last complete generation
        self.pending: list = []            # the batch last asked

    def to_array(self, individuals: list) -> np.ndarray:
        # The genes as one flat stream: what np.array(individuals) gives, in half its
        # time (np.array inspects every list individual as a possible array first).
        genes = itertools.chain.from_iterable(individuals)
        if self.genome.dtype == np.uint8:
            # bit genomes: bytes() packs small ints in C, faster again than fromiter
            flat = np.frombuffer(bytes(genes), dtype=np.uint8).copy()
        else:
            flat = np.fromiter(genes, self.genome.dtype)
        return flat.reshape(len(individuals), -1)

    def ask_individuals(self) -> list:
        raise ValueError("a search must say how it makes a batch")

    def ask(self) -> Batch:
        self.pending = self.ask_individuals()
        genomes = self.to_array(self.pending)
        self._asked = (self.pending, genomes)
        return individuals_batch(self.pending, genomes.copy())

    def tell(self, fitness: np.ndarray) -> bool:
        set_fitness(self.pending, fitness)
        self.pop = self.pending
        return True

    def population(self) -> tuple[np.ndarray, np.ndarray]:
        asked = getattr(self, "_asked", None)
        if asked is not None and asked[0] is self.pop:
            # The batch last asked became the population as it was (tell sets fitness
            # only): its genomes were turned into an array then.
            genomes = asked[1].copy()
        else:
            genomes = self.to_array(self.pop)
        return genomes, fitness_values(self.pop)

    def state(self) -> dict:
        return {}

    def restore(self, genomes: np.ndarray, fitness: np.ndarray, state: dict) -> None:
        self.pop = individuals(genomes, fitness)
        self.load(state)

    def load(self, state: dict) -> None:
        need(not state, "this optimizer keeps no state")


def individuals(genomes: np.ndarray, fitness: np.ndarray) -> list:
    out = []
    for g, f in zip(genomes, fitness):
        ind = creator.Individual(np.asarray(g).tolist())
        ind.fitness.values = (float(f),)
        out.append(ind)
    return out


def clone(ind):
    """A copy of a list individual: its genes and a fitness of its own with the same values.

    What creator.Individual(ind) plus copying the values gives (DEAP's default is a deep
    copy), without running DEAP's constructors: Fitness.__init__ checks its weights against
    an abstract base class every time, which was most of a GA generation's Python time.
    wvalues are copied as they are (values are wvalues / weights, so setting the values
    again would give back the same wvalues)."""
    new = list.__new__(type(ind))
    list.extend(new, ind)
    fitness = object.__new__(type(ind.fitness))
    if ind.fitness.wvalues:
        fitness.wvalues = ind.fitness.wvalues
    new.fitness = fitness
    return new


def take(state: dict, names_shapes: dict) -> dict:
    """state's arrays by name, each checked against its expected shape (ValueError if not)."""
    out = {}
    for name, shape in names_shapes.items():
        if name not in state:
            raise ValueError(f"optimizer state lacks {name!r}")
        arr = np.asarray(state[name], dtype=np.float64)
        if arr.shape != tuple(shape):
            raise ValueError(f"optimizer state {name!r} has shape {arr.shape}, expected {shape}")
        out[name] = arr.copy()
    return out
