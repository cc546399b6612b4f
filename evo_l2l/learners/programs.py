"""The AutoML-Zero interpreter as a learner: a program is the whole learning algorithm.

No network of its own: Setup / Predict / Learn (rules/programs/) run on each task's
examples (tasks/program_tasks.py) in the numba interpreter (kernels/programs.py), many
programs x many tasks per call.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import Settings, setting
from ..kernels import programs as kp
from ..tasks import TaskSet
from ..tasks.taskset import HELDOUT
from .base import Learner


@dataclass
class InterpreterSettings(Settings):
    """How a program's run on a task is scored (memory and ops: the rule family's [rule])."""

    regression_score: str = setting(
        "squash", "squash: 1 - (2/pi) atan(RMS), the paper's code (FlipAndSquash); "
        "one_minus_rms: 1 - RMS clipped to [0, 1]", choices=("squash", "one_minus_rms"))
    max_abs_error: float = setting(100.0, "a training prediction further than this from its "
                                   "label stops the task with score 0 (early stop)",
                                   low=0, low_open=True)


@dataclass(frozen=True)
class ProgramTasks:
    """A task set in the interpreter's layout."""

    X: np.ndarray           # (T, n_train + n_valid, F)
    Y: np.ndarray           # (T, n_train + n_valid)
    seeds: np.ndarray       # (T,) uint64: the tasks' RNG seeds
    n_train: int
    n_valid: int
    classify: bool
    squash: bool = True
    max_abs_error: float = 100.0


def task_seeds(X: np.ndarray) -> np.ndarray:
    """A task's RNG seed: the bits of its first feature (fixed by the task's data, so a
    program's score depends on the program and the task alone)."""
    return np.ascontiguousarray(X[:, 0, 0]).view(np.uint64).copy()


def train_examples(tasks: TaskSet) -> int:
    """Training examples per task: params n_train, or for held-out tasks (selection and
    unseen) n_train_unseen when the family sets it (program_linear). One view holds tasks
    of one length: a mix is refused (ValueError)."""
    nt = int(tasks.params["n_train"])
    unseen = int(tasks.params.get("n_train_unseen", nt))
    held = tasks.split == HELDOUT
    if unseen != nt and held.any() and not held.all():
        raise ValueError("these tasks mix search tasks and held-out tasks of different "
                         "lengths; run them apart")
    return unseen if len(held) and held.all() else nt


def program_tasks(tasks: TaskSet, n_train: int | None = None, n_valid: int | None = None,
                  settings: InterpreterSettings | None = None) -> ProgramTasks:
    """The interpreter's view of a task set; n_train/n_valid: use only the first examples
    of each part (the fingerprint's 10 + 10)."""
    nt, nv = train_examples(tasks), int(tasks.params["n_valid"])
    a = nt if n_train is None else min(n_train, nt)
    b = nv if n_valid is None else min(n_valid, nv)
    rows = np.r_[0:a, nt:nt + b]
    X = np.ascontiguousarray(tasks.X[:, rows, :])
    Y = np.ascontiguousarray(tasks.Y[:, rows, 0])
    s = settings or InterpreterSettings()
    return ProgramTasks(X, Y, task_seeds(tasks.X), a, b, bool(tasks.params["classify"]),
                        s.regression_score == "squash", float(s.max_abs_error))


def live(packed, sizes: tuple) -> tuple:
    """Packed programs (rules.programs.pack) with their dead rows removed
    (kernels.programs.live_pack: the same scores and predictions bit for bit). A subset of
    the programs is (code, imm, bounds[rows]): no packing again."""
    return kp.live_pack(*packed, max(sizes))


def live_rows(rows: np.ndarray, sizes: tuple) -> tuple:
    """live(pack_rows(rows)) for programs as fixed-size rows (rules.programs.encode_fixed),
    in one compiled call."""
    return kp.live_pack_rows(np.ascontiguousarray(rows, dtype=np.float64), max(sizes))


def scores(packed, view: ProgramTasks, sizes: tuple) -> np.ndarray:
    """(P, T) scores of packed programs (rules.programs.pack) on a task view; the
    interpreter runs their live rows only (kernels.programs.live_pack: the same scores)."""
    return live_scores(live(packed, sizes), view, sizes)


def live_scores(packed, view: ProgramTasks, sizes: tuple) -> np.ndarray:
    """scores of programs already through live()."""
    code, imm, bounds = packed
    out = np.zeros((len(bounds), len(view.X)))
    if len(bounds):
        kp.program_scores(code, imm, bounds, view.X, view.Y, view.n_train, view.n_valid,
                          view.seeds, *sizes, view.classify, view.squash, view.max_abs_error,
                          out)
    return out


def predictions(packed, view: ProgramTasks, sizes: tuple) -> tuple[np.ndarray, np.ndarray]:
    """((P, T, n_train + n_valid) predictions, (P, T) scores)."""
    return live_predictions(live(packed, sizes), view, sizes)


def live_predictions(packed, view: ProgramTasks, sizes: tuple) -> tuple[np.ndarray, np.ndarray]:
    """predictions of programs already through live()."""
    code, imm, bounds = packed
    P, T = len(bounds), len(view.X)
    preds = np.zeros((P, T, view.n_train + view.n_valid))
    out = np.zeros((P, T))
    if P:
        kp.program_predictions(code, imm, bounds, view.X, view.Y, view.n_train, view.n_valid,
                               view.seeds, *sizes, view.classify, view.squash,
                               view.max_abs_error, preds, out)
    return preds, out


def sgd_predictions(X: np.ndarray, Y: np.ndarray, n_train: int, rate: float,
                    classify: bool) -> np.ndarray:
    """Reference SGD on a linear model from w = 0: the predictions before each training
    example's update, then on the validation examples (squared error; classification:
    logistic regression, the prediction a sigmoid)."""
    w = np.zeros(X.shape[1])
    out = np.empty(len(X))
    for e in range(len(X)):
        z = 0.0
        for j in range(X.shape[1]):
            z += w[j] * X[e, j]
        p = 1.0 / (1.0 + np.exp(-z)) if classify else z
        out[e] = p
        if e < n_train:
            w = w + (rate * (Y[e] - p)) * X[e]
    return out


def recognise_sgd(program, view: ProgramTasks, sizes: tuple, n_tasks: int = 3,
                  n_train: int = 20, n_valid: int = 10) -> dict | None:
    """{'name': 'sgd', 'rate', 'label'} when the program's predictions on the first n_tasks
    tasks of the view (their first n_train training and n_valid validation examples) equal
    reference SGD's (sgd_predictions) at one learning rate within 1e-9 (relative) and
    1e-12; the rate is read from the second prediction. Else None."""
    from ..rules.programs import pack
    T = min(n_tasks, len(view.X))
    a, b = min(n_train, view.n_train), min(n_valid, view.n_valid)
    rows = np.r_[0:a, view.n_train:view.n_train + b]
    sub = ProgramTasks(np.ascontiguousarray(view.X[:T][:, rows]),
                       np.ascontiguousarray(view.Y[:T][:, rows]), view.seeds[:T], a, b,
                       view.classify, view.squash, 1e300)
    preds, _ = predictions(pack([program]), sub, sizes)
    X, Y = sub.X[0], sub.Y[0]
    if a < 2 or not np.all(np.isfinite(preds)):
        return None
    p0, p1 = preds[0, 0, 0], preds[0, 0, 1]
    if view.classify:
        if not 0.0 < p1 < 1.0:
            return None
        z1 = np.log(p1 / (1.0 - p1))
    else:
        z1 = p1
    denom = (Y[0] - p0) * float(X[0] @ X[1])
    if denom == 0.0:
        return None
    rate = float(z1 / denom)
    if not (np.isfinite(rate) and rate > 0.0):
        return None
    for t in range(T):
        ref = sgd_predictions(sub.X[t], sub.Y[t], a, rate, view.classify)
        if not np.allclose(preds[0, t], ref, rtol=1e-9, atol=1e-12):
            return None
    label = "logistic regression by SGD" if view.classify else "linear regression by SGD"
    return {"name": "sgd", "rate": rate, "label": f"{label} (w = 0 at the start), "
                                                 f"learning rate {rate:.6g}"}


class Interpreter(Learner):
    name = "program_interpreter"
    summary = ("runs AutoML-Zero programs (Setup/Predict/Learn) on examples: the program "
               "is the learning algorithm")
    settings = InterpreterSettings
    requires = frozenset({"program_examples"})
    coefficient_families = ("automl_zero",)
    performance = ("regression: 1 - (2/pi) atan(RMS error) on the validation examples "
                   "(learner.regression_score); classification: validation accuracy")
    reference_rule = "sgd"

    def performance_on(self, tasks) -> str:
        """Worded for the task set's own problem: regression or classification."""
        if "classify" not in tasks.params:
            return self.performance
        if tasks.params["classify"]:
            return "classification: accuracy on the validation examples"
        return ("regression: 1 - (2/pi) atan(RMS error) on the validation examples "
                "(learner.regression_score)")


LEARNER = Interpreter()
