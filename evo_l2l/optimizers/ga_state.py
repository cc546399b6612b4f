"""A GA search over bit genomes whose generations are bred in numba between two reads of
its generator (kernels/ga_bits.py).

Why: a meta level's runs below breed about a million small generations per level-2 run;
in Python each cost more than its share of the pooled kernel call that scores it. The
search's random.Random state is copied into an array once, the kernel draws from it
generation after generation, and `sync()` (or a generation the kernel does not breed:
the first, or one whose fitness holds NaN) writes it back: the same batches, populations
and generator state as the GASearch it wraps (tests/test_ga_state.py). A run that
archives its generator every generation gains nothing from this; runs below archive
nothing.
"""
from __future__ import annotations

import random

import numpy as np

from .base import Batch
from .ga import GASearch


def state_array(rng: random.Random) -> np.ndarray:
    """rng's Mersenne Twister state as (625,) int64: its 624 words and its index."""
    return np.array(rng.getstate()[1], dtype=np.int64)


def set_state(rng: random.Random, mt: np.ndarray) -> None:
    """Puts a state array made by state_array (and advanced since) back into rng."""
    version, _, gauss_next = rng.getstate()
    rng.setstate((version, tuple(int(x) for x in mt), gauss_next))


def breeds_in_arrays(search) -> bool:
    """Whether StateArrayGA can take over `search`'s generations."""
    return isinstance(search, GASearch) and search.arrays and search.genome.kind == "bits"


class StateArrayGA:
    """ask/tell/population of a GASearch in array mode over bit genomes (breeds_in_arrays),
    bred by kernels/ga_bits.bit_generation while its generator lives in `mt`."""

    def __init__(self, search: GASearch, buffer: np.ndarray | None = None):
        """buffer: a (625,) int64 array to hold the generator's state in (a row of the
        states bit_generations breeds many searches from), else one of its own."""
        if not breeds_in_arrays(search):
            raise ValueError("StateArrayGA takes a GA search over bit genomes in array mode")
        self.search = search
        self.buffer = np.empty(625, dtype=np.int64) if buffer is None else buffer
        self.mt: np.ndarray | None = None     # the generator's state (buffer); None: in search.rng
        self._pending: np.ndarray | None = None
        s = search.s
        self.args = (int(s.elitism), 0 if s.selection == "roulette" else int(s.tournament_size),
                      s.crossover == "uniform", float(s.crossover_prob), float(s.mutation_indpb))

    def load(self) -> np.ndarray:
        """The generator's state in `buffer` (read from search.rng if it is there)."""
        if self.mt is None:
            self.buffer[:] = state_array(self.search.rng)
            self.mt = self.buffer
        return self.mt

    def ready(self) -> bool:
        """Whether the next generation can be bred from arrays (a population is there;
        the kernel checks its fitness for NaN)."""
        return self.search.pop_arrays is not None

    def take(self, genomes: np.ndarray) -> None:
        """A batch bred outside (bit_generations from this search's state and population)
        as if ask() had made it."""
        self._pending = genomes

    def sync(self) -> None:
        """Hands the generator's state back to search.rng."""
        if self.mt is not None:
            set_state(self.search.rng, self.mt)
            self.mt = None

    def ask(self) -> Batch:
        arrays = self.search.pop_arrays
        if arrays is None or np.isnan(arrays[1]).any():
            self.sync()
            return self.search.ask()
        from ..kernels import ga_bits
        genomes, fitness = arrays
        out = np.empty_like(genomes)
        elites = ga_bits.bit_generation(genomes, fitness, *self.args, self.load(), out)
        e = len(elites)
        carried = np.concatenate([fitness[elites], np.full(len(out) - e, np.nan)])
        self._pending = out
        return Batch(out.copy(), carried, np.arange(len(out)) < e)

    def tell(self, fitness: np.ndarray) -> bool:
        if self._pending is None:
            return self.search.tell(fitness)
        self.search.pop_arrays = (self._pending, np.array(fitness, dtype=np.float64))
        self._pending = None
        return True

    def population(self) -> tuple[np.ndarray, np.ndarray]:
        return self.search.population()
