"""`evo-l2l evaluate`, `evo-l2l plot` and `evo-l2l report`."""
from __future__ import annotations

import json

import numpy as np

import click

from . import main


@main.command()
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--rule", "rules", multiple=True, default=("best", "reference"), show_default=True,
              help="Rule to evaluate, repeatable: best, gen:G, top:K, reference (the family's "
                   "known rule at its best rate: delta, oja or rescorla_wagner; continual "
                   "runs always show the run's net with the delta rule instead, and each "
                   "rule's paired difference from it), a known rule "
                   "such as delta, delta:RATE, oja, hebb, none, or a rule as the run summary "
                   "or `best` prints it (a GP tree such as 'mul(a, sub(t, o))', a formula "
                   "'dw = ...', a program...), also `best`'s whole output, or @FILE (or the "
                   "path of a file) holding either.")
@click.option("--tasks", "which", type=click.Choice(["train", "heldout", "fresh"]),
              default="heldout", show_default=True,
              help="Stored tasks of a split, or freshly sampled tasks of the same family.")
@click.option("--n-tasks", type=click.IntRange(min=1),
              help="Use only the first N tasks. Runs on episodes (few-shot, continual): "
                   "draw N held-out episodes (default 1000 few-shot, 20 continual).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the fresh tasks.")
@click.option("--baselines/--no-baselines", default=True, show_default=True,
              help="Runs on episodes: also score the baselines (1-NN, nearest centroid, SGD, "
                   "online backprop with its rate chosen on the training episodes; most of "
                   "the time on the wide continual GP nets).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.option("--quiet", "-q", is_flag=True,
              help="Nothing on stderr but errors: no line per kernel numba compiles, no "
                   "progress lines (runs on episodes: one per rule and baseline); --json "
                   "implies it.")
def evaluate(archive, rules, which, n_tasks, seed, baselines, as_json, quiet):
    """Re-run inner learning with archived or known rules; print learning curves."""
    from .common import compile_lines
    quiet = quiet or as_json
    with compile_lines(quiet):
        _evaluate(archive, rules, which, n_tasks, seed, baselines, as_json, quiet)


def _evaluate(archive, rules, which, n_tasks, seed, baselines, as_json, quiet):
    from ..analysis.curves import (learning_curve, problem_for, rule_from_spec, spaced,
                                   tasks_from_spec)
    from ..archive import open_run
    from ..errors import ArchiveError, ConfigError
    from ..rules.kinds import kind_of
    run = open_run(archive)
    if run.n_generations_done < 1:
        raise ArchiveError(f"{archive}: holds no complete generation yet")
    problem = problem_for(run)
    kind = kind_of(problem)
    try:
        own = kind.evaluate(run, problem, rules, which, n_tasks)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if own is not None:
        click.echo(json.dumps(own, indent=2) if as_json
                   else "\n".join(kind.evaluate_lines(problem, own, which)))
        return
    from ..analysis.episode_eval import is_episodic
    if is_episodic(run):
        return _evaluate_episodes(run, problem, rules, which, n_tasks, seed, as_json,
                                  baselines, quiet)
    try:
        tasks = tasks_from_spec(run, which, n_tasks, seed)
        rules = tuple(problem.reference_rule if r == "reference" else r for r in rules)
        chosen = [rule_from_spec(run, problem, spec) for spec in rules]
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    out = []
    for spec, (label, rule) in zip(rules, chosen):
        try:
            d = {"rule": spec, "label": label, "formula": problem.formula(rule),
                 "tasks": which, **learning_curve(problem, rule, tasks)}
        except ValueError as exc:
            raise ConfigError(f"cannot evaluate rule {spec!r}: {exc}") from None
        out.append(d)
    if as_json:
        click.echo(json.dumps(out, indent=2))
        return
    click.echo(f"{out[0]['n_tasks']} {which} tasks; performance = {problem.performance}, "
               "mean over tasks")
    n_select = getattr(run.config.tasks.settings, "n_select", 0)
    if which == "heldout" and n_select and not n_tasks:
        # AutoML-Zero's held-out split: the selection tasks come first, then the unseen.
        click.echo(f"(the first {n_select} are the selection tasks the run's best program was "
                   f"chosen on, the other {out[0]['n_tasks'] - n_select} unseen tasks; the "
                   "run's unseen fitness is over those only)")
    for d in out:
        click.echo(f"\n{d['label']}: {d['formula']}")
        click.echo(f"  fitness (mean over measurements) {d['fitness_mean']:.4f}   "
                   f"final {d['fitness_final']:.4f}")
        if len(d["epoch"]) == 1:
            # Measured once, after learning (AutoML-Zero programs): a line, not a table.
            click.echo(f"  after learning: mean {d['mean'][0]:.3f}   min {d['min'][0]:.3f}   "
                       f"max {d['max'][0]:.3f} over the tasks")
            continue
        shown = spaced(len(d["epoch"]))
        click.echo("  epoch  " + " ".join(f"{d['epoch'][i]:>6d}" for i in shown))
        click.echo("  mean   " + " ".join(f"{d['mean'][i]:6.3f}" for i in shown))
        click.echo("  min    " + " ".join(f"{d['min'][i]:6.3f}" for i in shown))
        if "epochs_trained" in d:
            click.echo(f"  (it trains at most {d['epochs_trained']} epochs on these tasks: "
                       "the epochs it asks for, cut to the compute budget; its curve is held "
                       "flat after, and fitness counts that held curve to epoch "
                       f"{run.config.learner.settings.n_epochs})")
    longest = max(len(d["epoch"]) for d in out)
    if len(spaced(longest)) < longest:
        click.echo(f"\n(at most 13 of {longest} measurements shown, evenly spaced; "
                   "--json or plot give them all)")



class _StepLines:
    """evaluate_episodes' progress: a line on stderr per step, with the time so far."""

    def __init__(self):
        import time
        self.t0 = time.perf_counter()

    def __call__(self, k: int, n: int, label: str) -> None:
        import time
        click.echo(f"[{k}/{n}] {label} ({time.perf_counter() - self.t0:.0f} s so far)",
                   err=True)


def _evaluate_episodes(run, problem, rules, which, n_tasks, seed, as_json, baselines=True,
                       quiet=False):
    """Few-shot or continual metrics of the rules beside the baselines, on the same episodes."""
    from ..analysis.curves import rule_from_spec
    from ..analysis.episode_eval import evaluate_episodes, format_table, protocol
    from ..errors import ConfigError
    _check_episode_memory(run, n_tasks)
    if protocol(run.tasks) == "continual":
        # The ablation row (the run's own net with the delta rule, its rate chosen on the
        # training sequences) stands for the reference rule, with paired differences.
        rules = tuple(r for r in rules if r != "reference")
    try:
        specs = tuple(problem.reference_rule if r == "reference" else r for r in rules)
        chosen = [(spec, *rule_from_spec(run, problem, spec)) for spec in specs]
        result = evaluate_episodes(run, problem, chosen, which, n_tasks, seed, baselines,
                                   progress=None if quiet else _StepLines())
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    click.echo(json.dumps(result, indent=2) if as_json else format_table(result))


def _check_episode_memory(run, n_tasks) -> None:
    """Refuse --n-tasks N that cannot fit: N episodes drawn like the stored ones, each
    about as large as a stored episode (inputs, labels, initial weights), held about
    three times over (the episodes, the baselines' copies, the accuracies)."""
    from ..errors import ConfigError
    from ..evolution.run import memory_available
    tasks = run.tasks
    if not n_tasks or not len(tasks):
        return
    stored = sum(a.nbytes for a in (tasks.X, tasks.Y, tasks.W0, tasks.W0_hidden)
                 if isinstance(a, np.ndarray))
    need, have = 3 * stored / len(tasks) * n_tasks, memory_available()
    if have is not None and need > have:
        raise ConfigError(f"--n-tasks {n_tasks} needs about {need / 2 ** 30:.1f} GB "
                          f"({have / 2 ** 30:.1f} GB available): draw fewer episodes")


@main.command()
@click.argument("archives", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="PNG (or PDF/SVG) file to write.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def plot(archives, output, force):
    """Fitness curves, coefficient trajectories (a panel per run) and learning curves of one
    or more runs; warns when runs with fitness on different scales are drawn together."""
    import os
    from ..analysis.plots import plot_runs, supported_formats
    from ..errors import ConfigError
    if os.path.exists(output) and not force:
        raise ConfigError(f"{output} exists; pass --force to overwrite it")
    suffix = os.path.splitext(output)[1].lstrip(".").lower()
    formats = supported_formats()
    if suffix not in formats:
        raise ConfigError(f"cannot write {output}: the name must end in one of "
                          f"{', '.join('.' + f for f in formats)}")
    _output_folder(output)
    runs = _runs_with_a_generation(archives)
    _warn_scales(runs)
    click.echo(f"drawing {output}: the learning curves (episode runs: accuracy against shots "
               "or R matrices) score the rules again, which can take a while", err=True)
    plot_runs(runs, output)
    click.echo(f"wrote {output}")


def _runs_with_a_generation(archives) -> list:
    """The archives, read; one that holds no complete generation yet is a one-line error."""
    from ..archive import open_run
    from ..errors import ArchiveError
    runs = [open_run(a) for a in archives]
    for run in runs:
        if run.n_generations_done < 1:
            raise ArchiveError(f"{run.path}: holds no complete generation yet")
    return runs


def _warn_scales(runs) -> None:
    """One line on stderr when runs with fitness on different scales share a figure."""
    from ..analysis.plots import scale_warning
    warning = scale_warning(runs)
    if warning:
        click.echo(f"warning: {warning}", err=True)


def _output_folder(path: str) -> None:
    """The folder a file is to be written to must exist and be writable (one-line errors)."""
    import os
    from ..errors import ConfigError
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise ConfigError(f"output folder {folder} does not exist")
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"output folder {folder} is not writable")


@main.command()
@click.argument("archives", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for report.md, report.html and the figures (made if missing).")
@click.option("--force", is_flag=True, help="Overwrite a report already in the folder.")
@click.option("--baselines", type=click.Path(dir_okay=False), default=None,
              help="automl_learner.json written by scripts/automl_learner.py: adds the table "
                   "of joint evolution vs its baselines.")
def report(archives, out_dir, force, baselines):
    """A Markdown and a self-contained HTML report of one or more runs."""
    import os
    from ..analysis.report import write_report
    from ..errors import ConfigError
    if os.path.exists(os.path.join(out_dir, "report.md")) and not force:
        raise ConfigError(f"{out_dir} holds a report; pass --force to overwrite it")
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise ConfigError(f"{out_dir} is a file, not a folder")
    table = None
    if baselines is not None:
        from ..analysis.automl import read_baselines
        table = read_baselines(baselines)
    runs = _runs_with_a_generation(archives)
    _warn_scales(runs)
    paths = write_report(runs, out_dir, baselines=table)
    for p in paths:
        click.echo(f"wrote {p}")


@main.command()
@click.argument("archives", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (every run too).")
def compare(archives, as_json):
    """Runs side by side: per preset or config, mean +- sd over the runs (seeds) of the
    best rule's training and held-out fitness, beside the reference rule (delta, Oja,
    Rescorla-Wagner) at its best rate on the same runs' tasks, and how many runs' best
    rule is the reference rule or another known form.

    \b
    Runs are grouped by preset and config apart from the seed:
      evo-l2l compare runs/chalmers1990-seed*.h5 runs/tournament.h5
    """
    import os
    from ..analysis.compare import compare_runs, format_table
    from ..errors import ArchiveError
    seen = {}
    for a in archives:
        real = os.path.realpath(a)
        if real in seen:
            raise ArchiveError(f"{a}: given twice (as {seen[real]} too); each run counts once")
        seen[real] = a
    runs = _runs_with_a_generation(archives)
    from ..rules.kinds import kind_of
    for run in runs:
        why = kind_of(run).not_comparable
        if why:
            raise ArchiveError(f"{run.path}: {why}; compare takes runs that evolve learning "
                               "rules")
    result = compare_runs(runs)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    click.echo(format_table(result))
