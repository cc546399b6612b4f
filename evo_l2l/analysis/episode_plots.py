"""Figures of runs on episodes: accuracy against shots (few-shot), R matrices (continual)."""
from __future__ import annotations

import dataclasses

import numpy as np

from ..evolution.problem import build_tasks
from . import baselines as bl
from .curves import problem_for, rule_from_spec
from .episode_eval import episodes_for, protocol, rule_accuracy

SHOTS = (1, 2, 5, 10)


def accuracy_vs_shots_axes(ax, run, shots=SHOTS, n_episodes: int = 200) -> None:
    """Held-out query accuracy of the best rule, the delta rule and 1-NN against K shots."""
    problem = problem_for(run)
    settings = run.config.learner.settings
    chosen = [rule_from_spec(run, problem, spec) for spec in ("best", problem.reference_rule)]
    s = run.config.tasks.settings
    curves = {label: [] for label, _ in chosen}
    curves["1-nearest neighbour"] = []
    for k in shots:
        tasks = build_tasks(run.config, dataclasses.replace(
            s, k_shot=k, n_heldout=n_episodes, n_train_episodes=1)).select("heldout")
        for label, rule in chosen:
            acc = rule_accuracy(problem, rule, tasks, settings)
            curves[label].append(float(acc[:, -1].mean()))
        curves["1-nearest neighbour"].append(float(bl.memory_baseline(tasks, "1nn")[:, -1].mean()))
    for label, ys in curves.items():
        ax.plot(shots, ys, marker="o", label=label)
    ax.set_xscale("log")
    ax.set_xticks(shots, [str(k) for k in shots])
    ax.set_xlabel("shots (support images per class)")
    ax.set_ylabel(f"query accuracy, {n_episodes} held-out episodes")
    ax.set_title(f"{s.n_way}-way accuracy against shots")
    from .plot_style import legend
    legend(ax)                              # below the panel, clear of the 10-shot points
    ax.grid(alpha=0.3)


def r_matrix_axes(ax, R: np.ndarray, title: str) -> None:
    """R[i, j] (accuracy on task j after task i) as a heat map with its values."""
    R = np.asarray(R)
    im = ax.imshow(R, vmin=0, vmax=1, cmap="viridis")
    for (i, j), v in np.ndenumerate(R):
        ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                color="white" if v < 0.5 else "black")
    ax.set_xlabel("task j (tested)")
    ax.set_ylabel("after learning task i")
    ax.set_title(title, fontsize=9)
    ax.figure.colorbar(im, ax=ax, fraction=0.046)


def continual_r_matrices(run, n_sequences: int = 5) -> list[tuple[str, np.ndarray]]:
    """(label, mean R) of the best rule and of SGD (best rate) on held-out sequences."""
    problem = problem_for(run)
    tasks = episodes_for(run, "heldout", n_sequences)
    label, rule = rule_from_spec(run, problem, "best")
    acc = rule_accuracy(problem, rule, tasks, run.config.learner.settings)
    rate = bl.best_rate(bl.sgd_logistic, run.tasks.select("train"))
    sgd = bl.sgd_logistic(tasks, rate)
    return [(f"evolved rule, {label}", acc[:, 1:].mean(axis=0)),
            (f"logistic regression, SGD (rate {rate:g})", sgd[:, 1:].mean(axis=0))]


def episode_panels(run) -> int:
    """Panels episode_axes draws: 1 (few-shot) or 2 (continual)."""
    return 1 if protocol(run.tasks) == "fewshot" else 2


def episode_axes(axes, run) -> None:
    if protocol(run.tasks) == "fewshot":
        accuracy_vs_shots_axes(axes[0], run)
        return
    for ax, (label, R) in zip(axes, continual_r_matrices(run)):
        r_matrix_axes(ax, R, f"R[i, j], held-out sequences\n{label}")
