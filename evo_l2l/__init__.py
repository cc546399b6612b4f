"""evo_l2l: evolve synaptic learning rules ("learning to learn") with DEAP and numba."""
import os as _os

__version__ = "0.1.0"

# numba's parallel kernels run on OpenMP threads, which by default spin while they wait for
# work. Beside another busy process on a small machine the spinning threads steal the core
# the working thread needs: a whole chalmers1990 run took twice as long as with one thread.
# Passive waiting keeps the quiet speed and is never slower than one thread under load
# (`python scripts/bench_inner.py --contention`). Set before numba starts its thread pool;
# a value in the environment wins.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from ._lazy import defer_unused as _defer_unused  # noqa: E402

_defer_unused()


def open_run(path: str, populations: bool = True):
    """Reads a run archive into numpy arrays and dicts (see docs/schema.md)."""
    from .archive import open_run as _open_run
    return _open_run(path, populations)


__all__ = ["__version__", "open_run"]
