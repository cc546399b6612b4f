"""evo_l2l.evolve: one call from a preset or a config to an archived run, for scripts and
notebooks. The command line's `evo-l2l run` does the same through evolution.run.start_run;
this adds the choice of input and a temporary archive, and leaves the process as it found it
(no signal handlers: a KeyboardInterrupt propagates, the archive closed as interrupted and
resumable)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from .errors import ConfigError


@dataclass
class Evolved:
    """What evolve returns."""

    run: Any                 # the archive read back: what evo_l2l.open_run returns
    best_rule: str | None    # the best rule found, as a formula (None: no complete generation)
    result: Any              # evolution.run.RunResult: status, timings, the problem, last record


def evolve(preset_or_config, path: str | None = None, *,
           callbacks: Iterable[Callable] | Callable = (), **overrides) -> Evolved:
    """Evolves a learning rule and archives the run at `path`; returns Evolved(run, best_rule,
    result), run being the archive read back (evo_l2l.open_run(path)).

    preset_or_config: a preset name (`evo-l2l experiments` lists them), a RunConfig, or a
    config dict of sections as in a config file ({"run": {...}, "optimizer": {...}}).
    overrides: settings as keyword arguments, as a preset's default_config takes them: a
    bare key of [run] or of exactly one chosen component (`population=6`, `n_generations=2`),
    a component choice (`optimizer="cmaes"`), or `section__key` for `section.key`
    (`learner__n_epochs=40`, `run__seed=3`).
    path: the archive to write (it must not exist yet); None: a file in a fresh temporary
    folder, which is left for the caller (result.path, run.path name it).
    callbacks: callables (or one callable), each called once per generation with the
    generation's evolution.loop.GenerationRecord (generation, fitness, best rule so far...),
    after the archive has taken it.

    Bad input raises ConfigError with one line; an existing path, ArchiveError. SIGINT and
    SIGTERM handlers are left alone: Ctrl-C raises KeyboardInterrupt here, after the archive
    is closed as interrupted; evolution.run.resume_run(path) (or `evo-l2l resume PATH`)
    continues it to the same result as an uninterrupted run.

        import evo_l2l
        out = evo_l2l.evolve("chalmers1990", n_generations=50, population=20,
                             callbacks=[lambda g: print(g.generation, g.hof_fitness)])
        out.best_rule, out.run.generations["fitness_max"]
    """
    import os
    import tempfile
    from .evolution.run import start_run, summarise
    config = _config(preset_or_config, {key.replace("__", "."): value
                                        for key, value in overrides.items()})
    hooks = [callbacks] if callable(callbacks) else _callables(callbacks)
    if path is None:
        folder = tempfile.mkdtemp(prefix="evo_l2l-")
        path = os.path.join(folder, f"{config.run.preset}-seed{config.run.seed}.h5")
    elif not isinstance(path, (str, os.PathLike)):
        raise ConfigError(f"evolve: path must be a file name or None, not {type(path).__name__}")
    result = start_run(config, os.fspath(path), hooks=hooks)
    from .archive import open_run
    return Evolved(open_run(result.path), summarise(result)["best_rule"], result)


def _config(what, overrides: dict):
    """The validated RunConfig of a preset name, RunConfig or config dict, with overrides."""
    from .config import RunConfig
    from .experiments import get_preset
    from .experiments.preset import fill_level_below
    if isinstance(what, str):
        config = get_preset(what).default_config(**overrides)
    elif isinstance(what, RunConfig):
        config = fill_level_below(what.with_overrides(overrides))
    elif isinstance(what, dict):
        config = fill_level_below(RunConfig.from_dict(what, validate=False)
                                  .with_overrides(overrides))
    else:
        raise ConfigError(f"evolve: expected a preset name, a RunConfig or a config dict, "
                          f"not {type(what).__name__}")
    return config.validate()


def _callables(callbacks) -> list:
    try:
        hooks = list(callbacks)
    except TypeError:
        raise ConfigError(f"evolve: callbacks must be callables, not "
                          f"{type(callbacks).__name__}") from None
    for hook in hooks:
        if not callable(hook):
            raise ConfigError(f"evolve: each callback must be callable; got "
                              f"{type(hook).__name__}")
    return hooks
