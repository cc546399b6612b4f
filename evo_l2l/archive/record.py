"""One generation as the loop hands it to the archive, and the stdlib random state
as the archive stores it (a vector of words and the cached Gaussian)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


def _py_state_arrays(state: tuple) -> tuple[np.ndarray, float]:
    version, words, gauss = state
    if version != 3 or len(words) != 625:
        raise ValueError("unexpected stdlib random state")
    return np.array(words, dtype=np.int64), (np.nan if gauss is None else float(gauss))


def _py_state_tuple(words: np.ndarray, gauss: float) -> tuple:
    return (3, tuple(int(w) for w in words), None if np.isnan(gauss) else float(gauss))


@dataclass
class GenerationRecord:
    """One generation as the loop hands it to its hooks: everything needed to continue exactly."""

    generation: int
    genomes: np.ndarray          # (N, L) arrays, or (N,) tree texts
    extra: dict                  # per-individual arrays to archive, e.g. {"coef": (N, K)}
    fitness: np.ndarray          # (N,) training fitness
    n_evaluations: int           # individuals whose fitness was (re)computed
    best_index: int              # index of the generation's best in the population
    best_heldout: float          # held-out fitness of the generation's best
    hof_genome: np.ndarray       # best genome so far ((L,) array or a 0-d text array)
    hof_extra: dict              # its archived arrays, e.g. {"coef": (K,)}
    hof_fitness: float
    hof_heldout: float
    hof_generation: int
    elapsed: float               # seconds of evolution so far, over all sessions
    py_random_state: tuple       # random.getstate() at the end of this generation
    optimizer_state: dict = field(default_factory=dict)   # name -> array (CMA-ES mean, ...)
    trace: dict = field(default_factory=dict)   # name -> array: the optimizer's own per-generation
                                                # summary (self-adaptive strengths), archived as
                                                # generations/trace_<name>; not needed to resume
