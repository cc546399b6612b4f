"""evo_l2l: evolve synaptic learning rules ("learning to learn") with DEAP and numba.

Importing the package, or calling into it, changes nothing process-wide: no environment
variables, signal handlers, sys.modules entries or numba patches. The command line installs
what a command-line run needs with configure_process(), which a script may call too.
"""
from ._process import configure_process
from ._version import __version__


def open_run(path: str, populations: bool = True):
    """Reads a run archive into numpy arrays and dicts (see docs/reference/schema.md)."""
    from .archive import open_run as _open_run
    return _open_run(path, populations)


def __getattr__(name: str):
    # evolve loads evo_l2l.api (and through it the library) on first use only, so
    # `import evo_l2l` stays cheap.
    if name == "evolve":
        from .api import evolve
        globals()["evolve"] = evolve
        return evolve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["__version__", "configure_process", "evolve", "open_run"]
