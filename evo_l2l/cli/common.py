"""What several commands share: --set parsing, the executor options, archive names and
whether the kernels are compiled yet."""
from __future__ import annotations

import json
import os

import click

from ..components import MAX_NESTING, check_nesting
from ..errors import ConfigError


def parse_sets(pairs: tuple[str, ...]) -> dict:
    """--set KEY=VALUE pairs -> {key: value}: JSON values, else the text as it is."""
    out = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects SECTION.KEY=VALUE (or KEY=VALUE), got {pair!r}")
        try:
            value = json.loads(text)
        except ValueError:
            value = text
        except RecursionError:      # the JSON decoder recurses once per level
            raise ConfigError(f"--set {key.strip()} is nested too deeply (more than "
                              f"{MAX_NESTING} levels of lists or tables)") from None
        check_nesting(value, f"--set {key.strip()}")
        out[key.strip()] = value
    return out


MAX_LOCAL_PROCESSES = 1024


def executor_options(f):
    """--workers / --dask-local / --scheduler: where fitness (or whole runs) is evaluated."""
    f = click.option("--scheduler", metavar="tcp://HOST:PORT",
                     help="Evaluate on an existing Dask cluster (`dask scheduler` and "
                          "`dask worker` started elsewhere; docs/howto/cluster.md); HOST:PORT "
                          "alone means tcp://. Gives up if the scheduler has not answered "
                          "within 15 s. Needs the 'distributed' extra.")(f)
    # Local processes: a bound far above any machine's cores, which refuses in one line a
    # count that would fork without end or overflow the pool's C int.
    f = click.option("--dask-local", type=click.IntRange(min=1, max=MAX_LOCAL_PROCESSES),
                     metavar="N",
                     help="Start a Dask LocalCluster of N single-threaded workers on 127.0.0.1 "
                          "(its dashboard link is printed). Needs the 'distributed' extra.")(f)
    f = click.option("--workers", type=click.IntRange(min=1, max=MAX_LOCAL_PROCESSES),
                     metavar="N",
                     help="Evaluate in a pool of N local processes (numba single-threaded "
                          "in each). Default: in this process, on numba's threads.")(f)
    return f


def open_executor(workers, dask_local, scheduler, quiet: bool = False):
    """The executor the options ask for (a context manager); says where a dashboard is."""
    from ..evolution.executors import make_executor
    cores = usable_cores()
    if workers and workers > cores and not quiet:
        click.echo(f"note: --workers {workers} on {cores} usable core{'s' if cores != 1 else ''}:"
                   f" the processes take turns on them, so more than {cores} run no faster "
                   "and each holds its own copy of the tasks", err=True)
    executor = make_executor(workers, dask_local, scheduler)
    if getattr(executor, "dashboard_link", None) and not quiet:
        import importlib.util
        hint = ("" if importlib.util.find_spec("bokeh") else
                " (it needs bokeh: pip install 'evo_l2l[distributed]')")
        click.echo(f"dask: {executor.n_workers} worker threads, dashboard "
                   f"{executor.dashboard_link}{hint}", err=True)
    return executor


def usable_cores() -> int:
    """Cores this process may run on (its affinity where the OS says, else all)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:              # macOS, Windows
        return os.cpu_count() or 1


def default_archive(config, seed: int) -> str:
    """runs/PRESET-seedS.h5, or runs/PRESET-toy-seedS.h5 for a toy run."""
    toy = "-toy" if config.run.toy else ""
    return os.path.join("runs", f"{config.run.preset}{toy}-seed{seed}.h5")


def _compile_started(name: str, expected: float | None) -> None:
    import sys
    from ..kernels.compile_report import MEASURED_ON
    about = (f"about {expected:.0f} s on {MEASURED_ON}" if expected is not None
             else "not timed yet")
    # Over a progress bar on a terminal: a line of its own (the bar is drawn again after).
    clear = "\r\x1b[K" if sys.stderr.isatty() else ""
    click.echo(f"{clear}compiling numba kernel {name} ({about}; once, then it loads from "
               "numba's cache; `evo-l2l warmup` compiles every kernel ahead) ...", err=True)


def _compile_ended(name: str, seconds: float) -> None:
    click.echo(f"  {name} compiled in {seconds:.1f} s", err=True)


def compile_lines(quiet: bool = False):
    """A context manager: inside it, a line on stderr when numba starts compiling one of
    the kernels (not when it loads it from its cache), with the time it took where it was
    measured, and one when it is done; nothing if quiet."""
    import contextlib
    if quiet:
        return contextlib.nullcontext()
    from ..kernels.compile_report import reporting_compiles
    return reporting_compiles(_compile_started, _compile_ended)
