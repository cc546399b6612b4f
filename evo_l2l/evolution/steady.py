"""The steady-state driver: a search with no generation barrier (optimizer `aging`).

The search breeds batches of children; the problem evaluates them as a stream with at
most `search.in_flight` executor calls out (`problem.evaluate_stream`, over
`executor.ordered`); each batch's fitness is handed back to the search in the order the
batches were bred, and batch k + in_flight is bred only after batch k's fitness is in.
So workers stay busy while the driver breeds and archives, and the run (children,
fitness, archive) is the same on every executor and worker count. The stream outlives a
generation: the batches still out when a generation ends keep running while the archive
is written; the search keeps their genomes in its state, so a resumed run sends them
again and continues exactly.
"""
from __future__ import annotations

from .evaluator import ordered_window


class _Now:
    def __init__(self, fn, item):
        self.fn, self.item = fn, item

    def result(self):
        return self.fn(self.item)

    def cancel(self) -> None:
        pass


class SteadyStream:
    """One run's stream of evaluated batches (created once, used for every generation)."""

    def __init__(self, search, problem):
        self.search = search
        batches = search.batches()
        stream = getattr(problem, "evaluate_stream", None)
        if stream is not None:
            self._results = stream(batches, search.in_flight)
        else:
            # A problem with no stream of its own: the same order, evaluated one batch
            # at a time in the driver (the same results, no overlap).
            self._results = ordered_window(lambda g: _Now(problem.evaluate, g), batches,
                                           search.in_flight)

    def generation(self) -> int:
        """Integrates batches until the search completes a generation; children evaluated."""
        n = 0
        while True:
            fitness, _ = next(self._results)
            n += len(fitness)
            if self.search.integrate(fitness):
                return n

    def close(self) -> None:
        self._results.close()
