"""Optimizers side by side on the same nets, data, initialisations and minibatches: an
evolved optimizer beside the baselines SGD, momentum, Nesterov, Adam, AdamW and Lion, each
baseline's learning rate tuned on the meta-training tasks and used unchanged on the others,
and Adam tuned on each evaluated task itself (an oracle no practitioner has).

The measure is a task's final test loss. Rates are chosen by the mean over tasks of the
final test loss divided by the task's initial test loss (scale-free across tasks); a run
that diverged counts as infinitely bad. Paired differences (optimizer - tuned Adam) per
task give a mean with a 95% t interval.
"""
from __future__ import annotations

import math

import numpy as np

from ..learners import mlp_trainer
from ..rules import update_programs as up

# Learning rates tried: 10^-5 .. 10^0 in quarter decades.
LR_GRID = 10.0 ** np.arange(-5.0, 0.01, 0.25)
BASELINES = ("sgd", "momentum", "nesterov", "adam", "adamw", "lion")


def with_rate(row, lr: float) -> np.ndarray:
    """The row with its learning rate (column 0 of both families' rows) set to lr."""
    out = np.array(row, dtype=np.float64)
    out[0] = lr
    return out


def final_losses(family: str, rows, tasks) -> np.ndarray:
    """(R, T) final test losses (inf where diverged)."""
    return final_and_initial(family, rows, tasks)[0]


def final_and_initial(family: str, rows, tasks) -> tuple[np.ndarray, np.ndarray]:
    """((R, T) final test losses, (T,) initial test losses, the same for every row)."""
    test, _ = mlp_trainer.losses(family, rows, tasks, 1)
    return test[:, :, -1], test[0, :, 0]


def tune_rate(family: str, row, tasks, grid=LR_GRID) -> tuple[float, np.ndarray]:
    """(the rate of `grid` with the lowest mean over tasks of final / initial test loss,
    that mean at each rate)."""
    rows = np.array([with_rate(row, lr) for lr in grid])
    final, initial = final_and_initial(family, rows, tasks)
    score = np.nan_to_num((final / initial).mean(axis=1), nan=np.inf)
    return float(grid[int(np.argmin(score))]), score


def oracle_adam(tasks, grid=LR_GRID) -> np.ndarray:
    """(T,) final test loss of Adam with its rate chosen on each task's own test loss."""
    rows = np.array([up.known("adam", lr) for lr in grid])
    final = np.nan_to_num(final_losses("update_program", rows, tasks), nan=np.inf)
    return final.min(axis=0)


def paired(diff: np.ndarray) -> dict:
    """Mean of the finite paired differences with a 95% t interval, and how many were not
    finite (a run that diverged: callers must not count those as wins)."""
    d = np.asarray(diff, dtype=np.float64)
    nonfinite = int(np.count_nonzero(~np.isfinite(d)))
    d = d[np.isfinite(d)]
    n = len(d)
    if n < 2:
        return {"mean": float(d.mean()) if n else math.nan, "ci95": math.nan, "n": n,
                "nonfinite": nonfinite}
    from scipy.stats import t
    q = float(t.ppf(0.975, n - 1))
    return {"mean": float(d.mean()), "ci95": float(q * d.std(ddof=1) / math.sqrt(n)), "n": n,
            "nonfinite": nonfinite}


def compare(family: str, rows: dict, tune_tasks, eval_tasks, oracle: bool = True,
            finals: dict | None = None) -> dict:
    """Rows (label -> row of `family`) and every baseline, each baseline's rate tuned on
    `tune_tasks`, all on `eval_tasks`: per label the final losses (T,), the mean, and the
    paired difference from tuned Adam. Baselines run as update programs (all six have one).
    finals: label -> the row's final losses on `eval_tasks` where the caller has them
    already (from its loss curves: the last checkpoint), so the row is not trained again."""
    out: dict = {"labels": [], "final": {}, "rates": {}}
    for name in BASELINES:
        lr, _ = tune_rate("update_program", up.known(name), tune_tasks)
        final = final_losses("update_program", [up.known(name, lr)], eval_tasks)[0]
        label = f"{up.KNOWN_LABELS[name]}, lr {lr:.3g} tuned"
        out["labels"].append(label)
        out["final"][label] = final
        out["rates"][label] = lr
        if name == "adam":
            adam = label
    for label, row in rows.items():
        out["labels"].append(label)
        out["final"][label] = (np.asarray(finals[label], dtype=np.float64)
                               if finals and label in finals
                               else final_losses(family, [row], eval_tasks)[0])
    if oracle:
        label = "Adam, lr tuned per task (oracle)"
        out["labels"].append(label)
        out["final"][label] = oracle_adam(eval_tasks)
    out["reference"] = adam
    ref = out["final"][adam]
    out["vs_adam"] = {k: paired(v - ref) for k, v in out["final"].items()}
    out["wins"] = {k: int(np.sum(v < ref)) for k, v in out["final"].items()}
    return out


def table(result: dict) -> list[str]:
    """The comparison as text lines."""
    lines = [f"{'optimizer':58s} {'final test loss':>16s} {'- tuned Adam (95% CI)':>24s} "
             f"{'wins':>6s}"]
    n = len(next(iter(result["final"].values())))
    for label in result["labels"]:
        f = result["final"][label]
        v = result["vs_adam"][label]
        finite = f[np.isfinite(f)]
        mean = f"{finite.mean():.4g}" if len(finite) == len(f) else \
            f"{finite.mean() if len(finite) else math.nan:.4g} ({len(f) - len(finite)} div.)"
        diff = "" if label == result["reference"] else f"{v['mean']:+.4g} +- {v['ci95']:.3g}"
        wins = "" if label == result["reference"] else f"{result['wins'][label]}/{n}"
        lines.append(f"{label[:58]:58s} {mean:>16s} {diff:>24s} {wins:>6s}")
    return lines
