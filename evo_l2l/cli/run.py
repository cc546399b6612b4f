"""`evo-l2l run`, `evo-l2l resume` and `evo-l2l experiments`."""
from __future__ import annotations

import json
import os
import sys

import click

from ..errors import ConfigError
from . import main
from .common import (compile_lines, default_archive, executor_options, open_executor,
                     parse_sets, usable_cores)
from .seeds import parse_seeds


class _Progress:
    """Progress on stderr (a loop hook): a bar on a terminal; elsewhere (a cluster job's
    log, a pipe) a plain line every LOG_SECONDS and at the last generation."""

    LOG_SECONDS = 30.0

    def __init__(self, total: int, done: int, quiet: bool, log: bool | None = None):
        import time
        self.bar, self.total, self.quiet = None, total, quiet
        self.log = (not sys.stderr.isatty()) if log is None else log
        self.t0 = self.last = time.monotonic()
        if not quiet and not self.log:
            self.bar = click.progressbar(length=total, label="generations", file=sys.stderr,
                                         show_pos=True, show_eta=True,
                                         item_show_func=lambda r: r)
            self.bar.__enter__()
            self.bar.update(done)

    def __call__(self, record) -> None:
        import time
        if self.bar is not None:
            self.bar.update(1, f"best {record.hof_fitness:.4f}")
        elif self.log and not self.quiet:
            now = time.monotonic()
            if now - self.last >= self.LOG_SECONDS or record.generation + 1 >= self.total:
                self.last = now
                click.echo(f"generation {record.generation + 1}/{self.total}: best "
                           f"{record.hof_fitness:.4f} (held-out {record.hof_heldout:.4f}), "
                           f"{record.elapsed:.1f} s", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _wall_text(result, resumed: bool) -> str:
    """The run's wall time: this process's, and for a resumed run the archive's over the
    first process and every resume (a complete run resumed with nothing to do spent no
    time of its own)."""
    if not resumed or result.last is None:
        return f"{result.wall_seconds:.1f} s"
    return (f"{result.last.elapsed:.1f} s of evolution in all sessions, "
            f"{result.wall_seconds:.1f} s in this one")


def _print_summary(result, as_json: bool, resumed: bool = False) -> None:
    from ..analysis.rules import best_reference_rule, describe_rule, form_tag
    problem, last = result.problem, result.last
    best = describe_rule(problem, problem.rule_of_genome(last.hof_genome),
                         generation=last.hof_generation)
    delta = best_reference_rule(problem)
    n_train, n_held = len(problem.splits["train"]), len(problem.splits["heldout"])
    from ..analysis.domain_summary import domain_lines, domain_metrics
    # Runs on episodes: the field's metrics (few-shot accuracy, continual ACC/BWT/forgetting)
    # beside the baselines that say whether the rule is worth having.
    domain = domain_metrics(problem, problem.rule_of_genome(last.hof_genome), delta)
    if as_json:
        click.echo(json.dumps({"archive": result.path, "status": result.status,
                               "generations": last.generation + 1,
                               "wall_seconds": result.wall_seconds,
                               "evolution_seconds_all_sessions": float(last.elapsed),
                               "best": best,
                               "reference_rule": {"name": problem.reference_rule, **delta},
                               **({"heldout_metrics": domain} if domain else {})},
                              indent=2, default=float))
        return
    tag = form_tag(problem, best)
    label = problem.known_label(problem.reference_rule)
    if delta.get("rate") is not None:
        label += f" (rate {delta['rate']:g})"
    from ..rules.kinds import kind_of
    noun = kind_of(problem).noun        # what is evolved: a rule, an operator set, a program
    w = max(28, len(label) + 2)         # long labels (Rescorla-Wagner) keep the columns aligned
    click.echo(f"best {noun} (generation {best['generation']}): {best['formula']}{tag}")
    exact = kind_of(problem).exact_line(problem, problem.rule_of_genome(last.hof_genome))
    if exact:                           # the rule as `evaluate --rule` reads it back exactly
        click.echo(f"  {exact}")
    click.echo(f"{'':{w}s}{'train (' + _count(n_train, 'task') + ')':>20s}"
               f"{'held-out (' + _count(n_held, 'task') + ')':>24s}")
    click.echo(f"{'evolved ' + noun:{w}s}{best['fitness']:20.4f}{best['heldout_fitness']:24.4f}")
    click.echo(f"{label:{w}s}{delta['fitness']:20.4f}{delta['heldout_fitness']:24.4f}")
    click.echo(verdict(problem, noun, best, delta, label))
    for line in domain_lines(domain) if domain else ():
        click.echo(line)
    n = last.generation + 1
    click.echo(f"archive: {result.path} ({n} generation{'s' if n != 1 else ''}, {result.status}, "
               f"{_wall_text(result, resumed)})")


def _print_stopped_summary(result, as_json: bool, resumed: bool) -> None:
    """The best rule of a stopped run with its archived fitness, nothing evaluated again."""
    from ..rules.kinds import kind_of
    problem, last = result.problem, result.last
    formula = problem.formula(problem.rule_of_genome(last.hof_genome))
    n = last.generation + 1
    if as_json:
        click.echo(json.dumps({"archive": result.path, "status": result.status,
                               "generations": n, "wall_seconds": result.wall_seconds,
                               "evolution_seconds_all_sessions": float(last.elapsed),
                               "best": {"formula": formula, "generation": int(last.hof_generation),
                                        "fitness": float(last.hof_fitness),
                                        "heldout_fitness": float(last.hof_heldout)}},
                              indent=2, default=float))
        return
    click.echo(f"best {kind_of(problem).noun} (generation {last.hof_generation}): {formula}")
    click.echo(f"  fitness {last.hof_fitness:.4f} train, {last.hof_heldout:.4f} held-out; the "
               f"summary beside {problem.known_label(problem.reference_rule)}: "
               f"evo-l2l best {result.path}")
    click.echo(f"archive: {result.path} ({n} generation{'s' if n != 1 else ''}, {result.status}, "
               f"{_wall_text(result, resumed)})")


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}"


# Held-out fitness within this of the reference rule's counts as matching it (the summary
# prints 4 decimals; fitness is a mean accuracy or similar on the same tasks).
MATCH_TOLERANCE = 0.001


def verdict(problem, noun: str, best: dict, reference: dict, label: str) -> str:
    """One plain line: does the evolved rule match, beat or fall short of the reference rule
    on the held-out tasks, with both numbers (and, when short, where the preset's modern
    search is)."""
    mine, ref = best["heldout_fitness"], reference["heldout_fitness"]
    if best.get("is_reference_rule"):
        return f"the evolved {noun} is {label.split(' (rate')[0]} itself"
    if abs(mine - ref) <= MATCH_TOLERANCE:
        how = "matches"
    else:
        how = "beats" if mine > ref else "falls short of"
    line = f"on the held-out tasks the evolved {noun} {how} {label}: {mine:.4f} vs {ref:.4f}"
    if how == "falls short of":
        from ..experiments import PRESETS
        preset = problem.config.run.preset
        modern = f"{preset}-modern"
        if modern in PRESETS and not problem.config.run.toy:
            line += (f" (this seed's search missed it; `evo-l2l run {modern}` searches the "
                     "same tasks with a method that finds it reliably)")
    return line


@main.command()
@click.argument("experiment")
@click.option("--seed", type=click.IntRange(min=0), help="Seed of the run (default 0).")
@click.option("--generations", "n_generations", type=click.IntRange(min=1),
              help="Number of generations (the preset's default otherwise).")
@click.option("--population", type=click.IntRange(min=2), help="Population size.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False),
              help="TOML or JSON file with [run], [optimizer], [rule], [learner] and [tasks] "
                   "sections; `evo-l2l experiments EXPERIMENT > FILE` writes one to edit, "
                   "`evo-l2l components` lists every setting.")
@click.option("--set", "sets", multiple=True, metavar="SECTION.KEY=VALUE",
              help="Override one setting, e.g. learner.n_epochs=5, or choose a component, e.g. "
                   "optimizer=cmaes; a bare KEY=VALUE works when one section has KEY, or when run "
                   "does (seed=3 is run.seed). "
                   "Repeatable; VALUE is JSON or text. `evo-l2l components` lists them all.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Archive path (default runs/EXPERIMENT-seedS.h5).")
@click.option("--force", is_flag=True,
              help="Overwrite an existing archive (never one a live run is writing).")
@click.option("--flush-interval", type=click.FloatRange(min=0, min_open=True, max=3600),
              help="Seconds between archive flushes: the most work a crash can lose (default 1).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--dry-run", is_flag=True,
              help="Check the config and print it with what the run would do; run nothing.")
@click.option("--toy", is_flag=True,
              help="Run at toy size, to try a preset out in seconds: apply the preset's toy "
                   "overrides (a smaller task set, as the test suite runs it; `--toy "
                   "--dry-run` shows them), then --config, --set and the options above. The "
                   "archive's config records them and run.toy = true; default archive "
                   "runs/EXPERIMENT-toy-seedS.h5. Combine with --generations for a short run.")
@click.option("--operators-from", "operators_from", type=click.Path(dir_okay=False),
              metavar="META.h5",
              help="Search with the best GA settings a meta-evolution run found (its "
                   "population and its budget's generations too); --set and the options "
                   "above still win.")
@click.option("--seeds", metavar="LIST",
              help="Run several seeds, e.g. 0-9 or 0,3,5-7: whole runs spread over the "
                   "executor, one archive each (-o must then contain {seed}), then a "
                   "summary table (or --json).")
@executor_options
def run(experiment, seed, n_generations, population, config_file, sets, output, force,
        flush_interval, quiet, as_json, dry_run, toy, operators_from, seeds, workers, dask_local,
        scheduler):
    """Evolve learning rules with a preset EXPERIMENT (see `evo-l2l experiments`).

    \b
    Try a preset at toy size first (seconds, once its kernels are compiled):
      evo-l2l run continual-digits-gp --toy --generations 2
    """
    from ..config import load_config_file
    from ..experiments import get_preset
    preset = get_preset(experiment)
    overrides = toy_overrides(preset, quiet or as_json) if toy else {}
    overrides.update(load_config_file(config_file) if config_file else {})
    named = overrides.get("run.preset", experiment)
    if named != experiment:
        raise ConfigError(f"{config_file} is the config of preset {named!r}; run it as "
                          f"evo-l2l run {named} --config {config_file}")
    overrides.update(parse_sets(sets))
    for key, value in (("seed", seed), ("n_generations", n_generations),
                       ("population", population), ("flush_interval", flush_interval)):
        if value is not None:
            overrides[f"run.{key}"] = value
    config = preset.default_config(**overrides)
    if operators_from:
        from ..kinds.meta import operators_overrides
        evolved, note = operators_overrides(operators_from, config)
        # --set and the options still win over the evolved settings.
        overrides = {**evolved, **overrides}
        config = preset.default_config(**overrides)
        if not as_json:
            click.echo(note, err=True)
    if output is not None and not output.strip():
        # An unset shell variable (-o "$OUT"): never fall back to the default archive.
        raise ConfigError("--output is empty")
    if seeds is not None:
        if seed is not None:
            raise ConfigError("give --seed or --seeds, not both")
        from .seeds import run_seeds
        run_seeds(preset, overrides, parse_seeds(seeds), output, force, quiet, as_json,
                  dry_run, (workers, dask_local, scheduler))
        return
    path = output or default_archive(config, config.run.seed)
    if dry_run:
        _dry_run(config, path, as_json)
        return
    if output is None:
        os.makedirs("runs", exist_ok=True)
    from ..evolution.run import start_run
    with open_executor(workers, dask_local, scheduler, quiet or as_json) as executor, \
            compile_lines(quiet or as_json):
        progress = _Progress(config.run.n_generations, 0, quiet or as_json)
        try:
            result = start_run(config, path, force=force, hooks=[progress], executor=executor,
                               handle_signals=True, notify=lambda line: click.echo(line, err=True))
        finally:
            progress.close()
        # The summary may evaluate (a meta run's runs below): the executor is still open.
        _finish(result, as_json, quiet=quiet)


def toy_overrides(preset, quiet: bool = False) -> dict:
    """run --toy: the preset's toy overrides and the label run.toy = true."""
    if not preset.toy and not quiet:
        click.echo(f"{preset.NAME} is small already: --toy changes no setting (the archive "
                   "is labelled run.toy = true)", err=True)
    return {**preset.toy, "run.toy": True}


def _dry_run(config, path: str, as_json: bool) -> None:
    """The config, and what a run of it would do: tasks, evaluations, memory, disk."""
    from ..evolution.problem import build_tasks, make_problem
    from ..evolution.run import (check_disk, check_memory, disk_notice, memory_available,
                                 memory_needed, task_set_size)
    check_memory(config)                   # refused here as the run would refuse it
    size = task_set_size(config)
    tasks = build_tasks(config)
    check_memory(config, len(tasks))
    disk = check_disk(config, make_problem(config, tasks), path)
    notice = disk_notice(disk, config)
    if notice:
        click.echo(notice, err=True)           # as the run would warn
    n_train, n_held = int((tasks.split == 0).sum()), int((tasks.split == 1).sum())
    r = config.run
    task_bytes = size[1] if size else sum(a.nbytes for a in tasks.arrays().values())
    plan = {"archive": path, "exists": os.path.exists(path), "tasks_train": n_train,
            "tasks_heldout": n_held, "evaluations_at_most": r.population * r.n_generations,
            "memory_needed_bytes": memory_needed(config, len(tasks), task_bytes),
            "memory_available_bytes": memory_available(),
            "archive_bytes_per_generation": disk["bytes_per_generation"],
            "archive_bytes_total": disk["bytes_total"], "disk_free_bytes": disk["free_bytes"],
            "config": config.to_dict()}
    if as_json:
        click.echo(json.dumps(plan, indent=2))
        return
    from ..config import to_toml
    click.echo(to_toml(plan["config"]))
    have = plan["memory_available_bytes"]
    click.echo(f"# would write {path}{' (exists: needs --force)' if plan['exists'] else ''}")
    click.echo(f"# {n_train} training and {n_held} held-out tasks; at most "
               f"{plan['evaluations_at_most']} rule evaluations ({r.population} x "
               f"{r.n_generations}; the cache skips repeats)")
    click.echo(f"# memory: about {plan['memory_needed_bytes'] / 1e9:.2f} GB"
               + (f" of {have / 1e9:.1f} GB available" if have else ""))
    free = disk["free_bytes"]
    click.echo(f"# disk: the archive grows by about {disk['bytes_per_generation'] / 1e6:.3g} MB "
               f"a generation, {disk['bytes_total'] / 1e9:.3g} GB over {disk['generations']} generations"
               + (f" ({free / 1e9:.1f} GB free)" if free is not None else ""))


def _finish(result, as_json: bool, resumed: bool = False, quiet: bool = False) -> None:
    """Summary, then exit 128 + signal number if a signal stopped the run early."""
    if result.last is None:
        why = f" ({result.executor_lost})" if result.executor_lost else ""
        click.echo(f"stopped before the first generation was complete{why}; start it again "
                   f"with: evo-l2l resume {result.path}", err=True)
        sys.exit(128 + result.stop_signal if result.stop_signal else 1)
    if result.status != "complete":
        why = f" ({result.executor_lost})" if result.executor_lost else ""
        n = result.last.generation + 1
        click.echo(f"stopped after {n} generation{'s' if n != 1 else ''}{why}; "
                   f"continue with: evo-l2l resume {result.path}", err=True)
    if result.stop_signal is not None:
        # Asked to stop: the archived fitness only, since the full summary scores rules
        # again (seconds to minutes on large task sets) and a stop must take a second.
        _print_stopped_summary(result, as_json, resumed)
        sys.exit(128 + result.stop_signal)
    if not (quiet or as_json):
        # The summary scores rules again (the reference rule at every rate): on large task
        # sets (the continual GP presets) that takes a while of its own.
        label = result.problem.known_label(result.problem.reference_rule)
        click.echo(f"summary: scoring the best rule and {label} on the training and "
                   "held-out tasks", err=True)
    _print_summary(result, as_json, resumed)
    if result.executor_lost:
        sys.exit(1)


@main.command()
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--generations", "n_generations", type=click.IntRange(min=1),
              help="New total number of generations (default: the run's own).")
@click.option("--force", is_flag=True,
              help="Resume even if the archive looks live (its writer was on another host, or "
                   "its pid was reused); a writer holding the archive's lock is never overridden.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@executor_options
def resume(archive, n_generations, force, quiet, as_json, workers, dask_local, scheduler):
    """Continue an interrupted (or finished) run exactly where its ARCHIVE ends."""
    from ..archive import writer_lock
    # Held from the first look at the archive to the end, as resume_run holds it: what
    # is read here is what is resumed, and a second writer is refused at once.
    with writer_lock(archive):
        _resume(archive, n_generations, force, quiet, as_json, workers, dask_local, scheduler)


def _resume(archive, n_generations, force, quiet, as_json, workers, dask_local, scheduler):
    from ..archive import ArchiveError, open_run
    from ..evolution.run import resume_run
    run = open_run(archive, populations=False)
    target = n_generations or int(run.state["n_generations_target"])
    if target < run.n_generations_done:
        raise ArchiveError(f"{archive}: already has {run.n_generations_done} generations "
                           f"(asked for {target})")
    if run.status == "complete" and target == run.n_generations_done:
        # Nothing to evolve: say so, and summarise the archive as it is (not rewritten).
        from ..evolution.run import result_from_archive
        click.echo(f"nothing to resume: {archive} is complete ({target} generations); "
                   "--generations N (more) continues it", err=True)
        _finish(result_from_archive(archive), as_json, resumed=True, quiet=quiet)
        return
    with open_executor(workers, dask_local, scheduler, quiet or as_json) as executor, \
            compile_lines(quiet or as_json):
        progress = _Progress(target, run.n_generations_done, quiet or as_json)
        try:
            result = resume_run(archive, n_generations, hooks=[progress], force=force,
                                executor=executor, handle_signals=True,
                                notify=lambda line: click.echo(line, err=True))
        finally:
            progress.close()
        _finish(result, as_json, resumed=True, quiet=quiet)


@main.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def experiments(name, as_json):
    """List the preset experiments with their papers, or print one preset's whole config.

    `evo-l2l experiments NAME > my.toml` writes a config file that `run NAME --config my.toml`
    reads back; edit it to change any setting.
    """
    from ..experiments import PRESETS, get_preset
    if name:
        from ..config import to_toml
        config = get_preset(name).default_config().to_dict()
        click.echo(json.dumps(config, indent=2) if as_json else to_toml(config))
        return
    if as_json:
        click.echo(json.dumps({n: {"paper": m.PAPER, "summary": m.SUMMARY}
                               for n, m in PRESETS.items()}, indent=2))
        return
    for pname, mod in PRESETS.items():
        click.echo(f"{pname:20s} {mod.PAPER}")
        click.echo(f"{'':20s} {mod.SUMMARY}")
    from ..experiments.fewshot_presets import FEWSHOT_PRESETS
    click.echo(f"\nfew-shot meta-training on glyphs (evo-l2l fewshot run NAME): "
               f"{', '.join(FEWSHOT_PRESETS)}")


@main.command()
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="processes compiling at once (default: the cores this process may use); "
                   "presets that share a learner compile in the same process")
def warmup(jobs):
    """Compile every preset's numba kernels into the on-disk cache now (cluster set-up, images),
    and evo_l2l's Python bytecode (an editable install or PYTHONDONTWRITEBYTECODE=1 leaves it
    uncompiled: 0.1 s more on every command)."""
    import compileall
    import time
    from pathlib import Path
    package = Path(__file__).resolve().parents[1]
    if compileall.compile_dir(str(package), quiet=2):
        click.echo(f"bytecode of {package} compiled")
    else:
        click.echo(f"could not write the bytecode of {package} (read-only?); commands still run")
    groups = warmup_groups()
    jobs = min(jobs or usable_cores(), len(groups))
    t0 = time.perf_counter()
    if jobs <= 1:
        for group in groups:
            for line in warm_presets(group):
                click.echo(line)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        click.echo(f"compiling in {jobs} processes")
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            for f in as_completed([pool.submit(warm_presets, g) for g in groups]):
                for line in f.result():
                    click.echo(line)
    click.echo(f"kernels ready in {time.perf_counter() - t0:.1f} s "
               "(compiled, or loaded from numba's cache)")


def warmup_groups() -> list[list[str]]:
    """The presets by learner (presets with the same learner share their kernels, so one
    process compiles them), the groups with the most presets first."""
    from ..experiments import PRESETS
    by: dict = {}
    for name, preset in PRESETS.items():
        by.setdefault(preset.default_config().learner.name, []).append(name)
    return sorted(by.values(), key=len, reverse=True)


def warm_presets(names: list[str]) -> list[str]:
    """Compiles (or loads) the kernels of the presets `names`, one after another; a line
    each with the time it took. Compile lines go to stderr as they happen."""
    import time
    from ..evolution.problem import build_tasks, make_problem
    from ..experiments import PRESETS
    from ..analysis.baselines import warm as warm_baselines
    from ..rules.kinds import kind_of
    lines = []
    with compile_lines():
        for name in names:
            t1 = time.perf_counter()
            config = PRESETS[name].default_config()
            problem = make_problem(config, build_tasks(config))
            kind_of(config).warm(problem)
            warm_baselines(getattr(problem, "tasks", None))
            lines.append(f"  {name:28s} {time.perf_counter() - t1:5.1f} s")
    return lines
