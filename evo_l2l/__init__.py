"""evo_l2l: evolve synaptic learning rules ("learning to learn") with DEAP and numba."""
__version__ = "0.1.0"


def open_run(path: str, populations: bool = True):
    """Reads a run archive into numpy arrays and dicts (see docs/schema.md)."""
    from .archive import open_run as _open_run
    return _open_run(path, populations)


__all__ = ["__version__", "open_run"]
