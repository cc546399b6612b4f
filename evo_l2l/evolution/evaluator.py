"""The evaluation seam: every fitness computation of a run goes through an Evaluator.

An evaluator maps a function over a batch of rules given as one array (rows:
coefficient vectors, or tree texts) and returns the (N,) fitness array, in
order. The in-process evaluator calls it once on the whole batch, so the
numba kernels see every rule at once and parallelise over rules x tasks.
Executors that spread batches over processes or machines (Dask) implement the
same `map` on chunks; results must not depend on how a batch is cut, which
holds because each rule's fitness depends on that rule alone.
"""
from __future__ import annotations

from typing import Callable, Protocol

import numpy as np


class Evaluator(Protocol):
    def map(self, fitness: Callable[[np.ndarray], np.ndarray], rules: np.ndarray,
            chunk: int | None = None) -> np.ndarray: ...


class InProcess:
    """Calls on the batch in this process (numba's threads parallelise each call), at most
    `chunk` rules a call: a stop request is answered between calls (a kernel call cannot
    be interrupted), so the problems size chunks to a fraction of a second of work."""

    def map(self, fitness, rules, chunk=None):
        n = len(rules)
        if chunk is None or n <= chunk:
            return np.asarray(fitness(rules), dtype=np.float64)
        return np.concatenate([np.asarray(fitness(rules[i:i + chunk]), dtype=np.float64)
                               for i in range(0, n, chunk)])
