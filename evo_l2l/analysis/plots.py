"""Figures of runs, drawn with matplotlib (Agg: no display needed)."""
from __future__ import annotations

import os
import textwrap

import numpy as np

from ..rules.kinds import kind_of
from .curves import learning_curve, problem_for, rule_from_spec
from .plot_style import distinct_colours
from .plot_style import generation_axis as _generation_axis
from .plot_style import legend as _legend


def _titled(text: str, note: str, width: int = 70) -> str:
    """A panel title with a long description under it, wrapped (not a y-label that
    runs off the figure or stretches it)."""
    return text + "\n" + textwrap.fill(note, width)


def scale_key(run) -> tuple:
    """What a run's fitness is measured on: its performance label, learner, task family
    and fitness measure. Runs with different keys have fitness on different scales."""
    problem = problem_for(run)
    c = run.config
    return (problem.performance, c.learner.name, c.tasks.name,
            getattr(c.learner.settings, "fitness_measure", None))


def scale_warning(runs) -> str | None:
    """A one-line warning when runs whose fitness is on different scales are drawn together."""
    groups: dict = {}
    for run in runs:
        groups.setdefault(scale_key(run), []).append(run)
    if len(groups) < 2:
        return None
    parts = [f"{', '.join(os.path.basename(r.path) for r in members)}: {key[0]} "
             f"({key[1]} on {key[2]} tasks{', fitness_measure ' + key[3] if key[3] else ''})"
             for key, members in groups.items()]
    return ("these runs' fitness is on different scales, so their curves share an axis "
            "but do not compare: " + "; ".join(parts))


def _label(run) -> str:
    return f"{os.path.basename(run.path)} ({run.attrs.get('preset')}, seed {run.attrs.get('seed')})"


def fitness_axes(ax, runs) -> None:
    """Training fitness (max, mean, min over the population) and the held-out fitness of
    each generation's best; one colour a line for one run, one colour a run for several."""
    single = len(runs) == 1
    for k, run in enumerate(runs):
        g = run.generations
        x = g["generation"]
        prefix = "" if single else f"{_label(run)}: "
        colours = ("C0", "C1", "C2", "C3") if single else (f"C{k}",) * 4
        ax.plot(x, g["fitness_max"], color=colours[0], lw=1.5, label=f"{prefix}training, max")
        ax.plot(x, g["fitness_mean"], color=colours[1], lw=1, ls="--",
                label=f"{prefix}training, mean")
        ax.plot(x, g["fitness_min"], color=colours[2], lw=0.7, ls=":", alpha=0.7,
                label=f"{prefix}training, min")
        ax.plot(x, g["best_heldout_fitness"], color=colours[3], lw=1, ls="-.", alpha=0.8,
                label=f"{prefix}held-out, of the generation's best rule")
        if len(x) == 1:                   # one generation: markers, not invisible lines
            for line in ax.get_lines()[-4:]:
                line.set_marker("o")
    _generation_axis(ax)
    ax.set_ylabel("fitness")
    mixed = len({scale_key(r) for r in runs}) > 1
    unit = "episodes" if runs[0].tasks.segment_end is not None else "tasks"
    note = ("the runs' fitness is on different scales" if mixed else
            f"fitness: mean over {unit} of {problem_for(runs[0]).performance}")
    ax.set_title(_titled("fitness per generation", note), fontsize=9)
    _legend(ax)
    ax.grid(alpha=0.3)


def size_axes(ax, run) -> None:
    """Genome size per generation (tree nodes of symbolic rules, instructions of
    AutoML-Zero programs): bloat control made visible. The kind names the unit."""
    g = run.generations
    kind = kind_of(run.config)
    x, size = g["generation"], g["population_size"]
    ax.fill_between(x, size.min(axis=1), size.max(axis=1), alpha=0.25, label="min-max")
    ax.plot(x, size.mean(axis=1), lw=1.2, label="mean", marker="o" if len(x) == 1 else None)
    ax.plot(x, g["best_so_far_size"], lw=1.2, ls="--", label=f"best-so-far {kind.noun}",
            marker="s" if len(x) == 1 else None)
    _generation_axis(ax)
    ax.set_ylabel(f"{kind.size_name} ({kind.size_unit})")
    ax.set_title(f"{kind.size_name} per generation\n{os.path.basename(run.path)}", fontsize=9)
    _legend(ax)
    ax.grid(alpha=0.3)


def operators_axes(ax, run) -> None:
    """A meta level: the best-so-far operator genome's settings per generation."""
    from ..rules.operators import OPERATOR_NAMES
    g = run.generations
    x, ops = g["generation"], g["best_so_far_operators"]
    for j, name in enumerate(OPERATOR_NAMES):
        if name == "crossover":
            continue
        # a single generation is one point: a marker, or the line is invisible
        ax.plot(x, ops[:, j], lw=1.3, label=name, drawstyle="steps-post",
                marker="o" if len(x) == 1 else None)
    ax.set_yscale("log")
    _generation_axis(ax)
    ax.set_ylabel("setting of the level below's GA (log)")
    ax.set_title(f"best-so-far operators\n{os.path.basename(run.path)}", fontsize=9)
    _legend(ax, ncol=2)
    ax.grid(alpha=0.3)


def runs_below_axes(ax, runs) -> None:
    """A meta level: how the best-so-far operators' training runs below did, per generation."""
    for k, run in enumerate(runs):
        g = run.generations
        x = g["generation"]
        reached = g["best_so_far_below_reached"].mean(axis=1)
        budget = problem_for(run).budget
        evals = np.where(g["best_so_far_below_reached"] > 0,
                         g["best_so_far_below_evaluations_to_target"], np.inf)
        med = np.minimum(np.median(evals, axis=1) / budget, 1.0)
        prefix = f"{os.path.basename(run.path)}: " if len(runs) > 1 else ""
        marker = "o" if len(x) == 1 else None     # one generation: one point to see
        ax.plot(x, reached, color=f"C{k}", lw=1.5, drawstyle="steps-post", marker=marker,
                label=f"{prefix}share of runs reaching the target")
        ax.plot(x, med, color=f"C{k}", lw=1, ls="--", drawstyle="steps-post", marker=marker,
                mfc="none", label=f"{prefix}median evaluations to it / budget (1: not reached)")
    ax.set_ylim(-0.05, 1.05)
    _generation_axis(ax)
    ax.set_title("training runs of the level below (best-so-far operators)")
    _legend(ax)
    ax.grid(alpha=0.3)


def trace_axes(ax, runs) -> None:
    """Self-adaptive searches: the population's median mutation strengths per generation
    (one line a gene) and, for fitness-monotonic self-modification, the meta strength tau."""
    for k, run in enumerate(runs):
        g = run.generations
        if "trace_median_strength" not in g:
            continue
        x, st = g["generation"], g["trace_median_strength"]
        prefix = f"{os.path.basename(run.path)}: " if len(runs) > 1 else ""
        for j in range(st.shape[1]):
            ax.plot(x, st[:, j], color=f"C{k}", lw=0.6, alpha=0.5,
                    label=f"{prefix}strength per gene" if j == 0 else None)
        ax.plot(x, np.median(st, axis=1), color=f"C{k}", lw=1.8,
                label=f"{prefix}median over genes")
        if "trace_median_tau" in g:
            ax.plot(x, g["trace_median_tau"][:, 0], color=f"C{k}", lw=1.5, ls="--",
                    label=f"{prefix}meta strength tau")
    ax.set_yscale("log")
    _generation_axis(ax)
    ax.set_ylabel("median over the population (log)")
    ax.set_title("self-adapted mutation strengths")
    _legend(ax)
    ax.grid(alpha=0.3)


def rule_axes(ax, run) -> None:
    """The panel of the evolved rule over generations: the rule kind's own."""
    kind_of(run.config).rule_axes(ax, run)


def coefficient_axes(ax, run) -> None:
    """A parametric rule: its term coefficients (or, for a matrix genome, block norms)."""
    form = problem_for(run).form
    x = run.generations["generation"]
    if form.block_norms is not None:
        return _block_norm_axes(ax, run, form, x)
    eff = form.effective(run.generations["best_so_far_coef"])          # (G, terms)
    final = np.abs(eff[-1])
    # Many terms: name only those that matter at the end; the rest are thin grey.
    big = final >= 0.05 * final.max() if len(form.term_names) > 12 and final.max() > 0 else final >= 0
    named = [j for j in range(len(form.term_names)) if big[j] and np.any(eff[:, j] != 0)]
    # One colour a named line, none shared (the default cycle repeats after 10).
    colour = dict(zip(named, distinct_colours(len(named))))
    for j, name in enumerate(form.term_names):
        if not np.any(eff[:, j] != 0):
            continue
        if big[j]:
            ax.plot(x, eff[:, j], lw=1.4, label=name, drawstyle="steps-post", color=colour[j])
        else:
            ax.plot(x, eff[:, j], lw=0.6, color="0.6", alpha=0.6, drawstyle="steps-post")
    ax.set_yscale("symlog", linthresh=0.01)
    _generation_axis(ax)
    ax.set_ylabel(f"{form.coef_label} (symlog)")
    ax.set_title(f"best-so-far rule's coefficients\n{os.path.basename(run.path)}", fontsize=9)
    _legend(ax, ncol=3)
    ax.grid(alpha=0.3)


def _block_norm_axes(ax, run, form, x) -> None:
    """A matrix genome (an SRWM's initial W): the norm of each block of each head."""
    norms = np.array([form.block_norms(c) for c in run.generations["best_so_far_coef"]])
    for h in range(norms.shape[1]):
        for b, name in enumerate(form.blocks):
            ax.plot(x, norms[:, h, b], lw=1.2, ls="-" if h == 0 else "--",
                    color=f"C{b}", label=f"head {h}: |W_{name}|", drawstyle="steps-post")
    _generation_axis(ax)
    ax.set_ylabel(f"{form.coef_label}: block norms")
    ax.set_title(f"best-so-far initial W\n{os.path.basename(run.path)}", fontsize=9)
    ax.legend(fontsize=7, ncol=2, loc="best")
    ax.grid(alpha=0.3)


def learning_panels(runs) -> list:
    """One drawing function a panel, so that every run's learning is shown: the learning
    curves of the runs whose kinds have them, then, for each kind without them (a meta
    level's), that kind's panel of its runs."""
    panels = []
    curved = [r for r in runs if kind_of(r.config).learning_curves]
    if curved:
        panels.append(lambda ax: learning_curve_axes(ax, curved))
    kinds: list = []
    for run in runs:
        kind = kind_of(run.config)
        if not kind.learning_curves and kind not in kinds:
            kinds.append(kind)
    for kind in kinds:
        own = [r for r in runs if kind_of(r.config) is kind]
        panels.append(lambda ax, kind=kind, own=own: kind.learning_curve_axes(ax, own))
    return panels


def learning_curve_axes(ax, runs) -> None:
    """Learning curves of each run's best and reference rules on held-out tasks; runs
    whose rules have none (a meta level's) are left to learning_panels, or, when no run
    has them, drawn by the first run's kind."""
    curved = [r for r in runs if kind_of(r.config).learning_curves]
    if not curved:
        kind = kind_of(runs[0].config)
        kind.learning_curve_axes(ax, [r for r in runs if kind_of(r.config) is kind])
        return
    runs = curved
    epochs: set = set()
    for k, run in enumerate(runs):
        problem = problem_for(run)
        tasks = run.tasks.select("heldout")
        if len(tasks) == 0:
            tasks = run.tasks.select("train")
        for j, (spec, ls, marker) in enumerate((("best", "-", "o"),
                                                (problem.reference_rule, "--", "s"))):
            label, rule = rule_from_spec(run, problem, spec)
            curve = learning_curve(problem, rule, tasks)
            prefix = f"{os.path.basename(run.path)}: " if len(runs) > 1 else ""
            one = len(curve["epoch"]) == 1          # a single point: a marker worth seeing
            # A colour a line: the best rule and the reference differ in colour too.
            ax.plot(curve["epoch"], curve["mean"], color=f"C{2 * k + j}", ls=ls, marker=marker,
                    ms=7 if one else 3, label=f"{prefix}{label}")
            epochs.update(int(e) for e in curve["epoch"])
    from matplotlib.ticker import MaxNLocator
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if len(epochs) == 1:
        e = next(iter(epochs))
        ax.set_xlim(e - 1, e + 1)
        ax.set_xticks([e])
    ax.set_xlabel("epoch")
    ax.set_ylabel("performance, mean over held-out tasks")
    ax.set_title("learning curves on held-out tasks")
    _legend(ax)
    ax.grid(alpha=0.3)


def supported_formats() -> list[str]:
    """File name suffixes matplotlib can write (png, pdf, svg, ...)."""
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.backend_bases import FigureCanvasBase
    return sorted(FigureCanvasBase.get_supported_filetypes())


def plot_runs(runs: list, path: str) -> None:
    """One figure: fitness curves, then each run's coefficient (tree size, operator)
    trajectories, learning curves and, for self-adaptive searches, mutation strengths;
    three (four) panels a row, each legend below its panel. Runs on episodes: accuracy
    against shots, or the R matrices of the best rule and SGD, in one row."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .episode_eval import is_episodic
    if is_episodic(runs[0]):
        # Episodes: accuracy against shots (few-shot) or R matrices (continual) instead of
        # learning curves, which a final-accuracy fitness measures at one point only.
        from .episode_plots import episode_axes, episode_panels
        n = episode_panels(runs[0])
        fig, axes = plt.subplots(1, 2 + n, figsize=(6 * (2 + n), 5.5), layout="constrained")
        fitness_axes(axes[0], runs)
        rule_axes(axes[1], runs[0])
        episode_axes(axes[2:], runs[0])
        fig.savefig(path, dpi=110, bbox_inches="tight")
        plt.close(fig)
        return
    traced = any("trace_median_strength" in r.generations for r in runs)
    panels = ([lambda ax: fitness_axes(ax, runs)]
              + [lambda ax, run=run: rule_axes(ax, run) for run in runs]
              + learning_panels(runs)
              + ([lambda ax: trace_axes(ax, runs)] if traced else []))
    ncols = min(4 if traced else 3, len(panels))
    nrows = -(-len(panels) // ncols)
    fig = plt.figure(figsize=(5.7 * ncols, 6.2 * nrows), layout="constrained")
    grid = fig.add_gridspec(nrows, ncols)
    for i, draw in enumerate(panels):
        r, c = divmod(i, ncols)
        # The last panel takes what is left of its row: no empty slot in the figure.
        end = ncols if i == len(panels) - 1 else c + 1
        draw(fig.add_subplot(grid[r, c:end]))
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
