"""Single-layer sigmoid learners trained online by a Chalmers-family rule.

The Python side validates and allocates; the arithmetic is in
evo_l2l.kernels.single_layer. Every task's net starts from the task's stored
initial weights, so a rule's fitness is a pure function of its coefficients.
"""
from __future__ import annotations

import numpy as np

from ..rules.symbolic import scaled
from ..tasks import TaskSet
from .base import (SIGMOID_SPECIAL, Learner, LearnerSettings, fitness_from_curves,  # noqa: F401
                   task_order)
from .symbolic import InterpreterLearner

# Rules per parallel job: large enough to fill SIMD lanes, small enough that
# tasks x blocks gives both cores work.
DEFAULT_BLOCK = 64
# A pooled call making fewer synaptic updates than this runs on the calling thread: waking
# numba's threads gains nothing on it (the tail of a meta level's runs below, a few runs of
# 8 rules left; scripts/bench_meta.py --kernel times both ways).
SERIAL_UPDATES = 2_000_000


def learning_curves(coef: np.ndarray, tasks: TaskSet, n_epochs: int = 10,
                    clip: float = 20.0, block: int | None = None,
                    serial: bool = False) -> np.ndarray:
    """Performance of every rule on every task before training and after each epoch.

    Parameters
    ----------
    coef : (R, 11) float64, one Chalmers coefficient row per rule.
    tasks : the tasks to learn.
    n_epochs : epochs of online learning (one update per pattern).
    clip : weights are clipped to [-clip, clip] after every update (inf: no clip).

    Returns
    -------
    (R, T, n_epochs + 1) float64 in [0, 1]: 1 - mean |t - o|; 0 once a net's
    weights became NaN.
    """
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim == 1:
        coef = coef[None, :]
    if coef.ndim != 2 or coef.shape[1] != 11:
        raise ValueError(f"coef must have shape (R, 11), got {coef.shape}")
    if n_epochs < 0:
        raise ValueError("n_epochs must be >= 0")
    if not clip > 0:
        raise ValueError("clip must be > 0")
    R, T = coef.shape[0], len(tasks)
    perf = np.zeros((R, T, n_epochs + 1))     # filled in place by the kernel
    if R == 0 or T == 0:
        return perf
    coefT = np.ascontiguousarray(coef.T)
    args = (coefT, tasks.X, tasks.Y, tasks.W0, tasks.n_patterns, tasks.n_inputs,
            tasks.n_outputs, int(n_epochs), float(clip))
    from ..kernels import single_layer as k
    if serial:
        k.train_chalmers_serial(*args, perf)
    else:
        if block is None:
            n_blocks = -(-R // DEFAULT_BLOCK)
            block = -(-R // n_blocks)
        k.train_chalmers_population(*args, int(block), perf, task_order(tasks))
    return perf


def pool_tasks(task_sets: list) -> tuple:
    """Several task sets as one set of kernel arrays, padded to their largest shapes:
    (X, Y, W0, n_patterns, n_inputs, n_outputs), and (len(task_sets) + 1,) int64 row starts,
    task set g being rows starts[g] .. starts[g + 1] - 1. Padding is never read."""
    T = sum(len(t) for t in task_sets)
    P = max(t.X.shape[1] for t in task_sets)
    I = max(t.X.shape[2] for t in task_sets)
    O = max(t.Y.shape[2] for t in task_sets)
    X, Y, W0 = np.zeros((T, P, I)), np.zeros((T, P, O)), np.zeros((T, O, I))
    starts = np.zeros(len(task_sets) + 1, dtype=np.int64)
    for g, t in enumerate(task_sets):
        a, (n, p, i), o = int(starts[g]), t.X.shape, t.Y.shape[2]
        X[a:a + n, :p, :i], Y[a:a + n, :p, :o], W0[a:a + n, :o, :i] = t.X, t.Y, t.W0
        starts[g + 1] = a + n
    sizes = [np.concatenate([getattr(t, name) for t in task_sets]).astype(np.int64)
             for name in ("n_patterns", "n_inputs", "n_outputs")]
    return (X, Y, W0, *sizes), starts


def pooled_learning_curves(groups: list, pool: tuple, n_epochs: int = 10,
                           clip: float = 20.0, serial: bool | None = None) -> list:
    """learning_curves of several groups of rules, each on its own tasks, in one kernel call.

    groups: [(coef (R_g, 11) float64, rows (T_g,) int64)], rows naming the group's tasks in
    `pool` (pool_tasks' arrays). Returns [(R_g, T_g, n_epochs + 1) float64], each group's
    curves bitwise what learning_curves(coef, its tasks) gives: a rule's curve on a task
    depends on that rule and task alone (kernels/single_layer_groups.py). Groups on the
    same rows share jobs (runs below with one task environment), so small groups still
    fill the kernel's rule lanes. serial: on the calling thread (None: when the call makes
    fewer than SERIAL_UPDATES synaptic updates)."""
    if n_epochs < 0:
        raise ValueError("n_epochs must be >= 0")
    if not clip > 0:
        raise ValueError("clip must be > 0")
    X, Y, W0, n_patterns, n_inputs, n_outputs = pool
    coefs = [np.asarray(c, dtype=np.float64).reshape(-1, 11) for c, _ in groups]
    rows = [np.asarray(r, dtype=np.int64) for _, r in groups]
    by_rows: dict = {}
    for g, r in enumerate(rows):
        by_rows.setdefault(r.tobytes(), []).append(g)
    column = np.zeros(len(groups), dtype=np.int64)      # each group's first rule in coef
    order, jobs, n_cols = [], [], 0
    for members in by_rows.values():
        first = n_cols
        for g in members:
            column[g] = n_cols
            n_cols += coefs[g].shape[0]
            order.append(g)
        R = n_cols - first
        if R == 0:
            continue
        # learning_curves' blocks: as few as DEFAULT_BLOCK allows, of equal size
        n_blocks = -(-R // DEFAULT_BLOCK)
        block = -(-R // n_blocks)
        r0 = np.arange(first, n_cols, block)
        nr = np.minimum(block, n_cols - r0)
        task = rows[members[0]]
        jobs.append(np.stack([np.repeat(task, len(r0)), np.repeat(np.arange(len(task)), len(r0)),
                              np.tile(r0, len(task)), np.tile(nr, len(task))], axis=1))
    slots = max((len(r) for r in rows), default=0)
    perf = np.zeros((n_cols, slots, n_epochs + 1))
    if jobs:
        job = np.concatenate(jobs)
        # the jobs balanced over the threads' contiguous stretches (balanced_task_order)
        t = job[:, 0]
        work = n_patterns[t] * n_inputs[t] * n_outputs[t] * ((job[:, 3] + 3) // 4)
        from ..kernels._jobs import balanced_task_order
        job = job[balanced_task_order(work)]
        coef = np.ascontiguousarray(np.concatenate([coefs[g] for g in order]).T)
        from ..kernels import single_layer_groups as k
        if serial is None:
            updates = n_patterns[t] * n_inputs[t] * n_outputs[t] * job[:, 3]
            serial = int(updates.sum()) * max(1, n_epochs) < SERIAL_UPDATES
        kernel = k.train_chalmers_jobs_serial if serial else k.train_chalmers_jobs
        kernel(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, int(n_epochs), float(clip),
               *(np.ascontiguousarray(job[:, c]) for c in range(4)), perf)
    return [np.ascontiguousarray(perf[c:c + len(coef), :len(r)])
            for c, coef, r in zip(column.tolist(), coefs, rows)]


class SingleLayer(InterpreterLearner, Learner):
    """Sigmoid units o = sigmoid(w . a), supervised: a rule sees w, a, o and the target t."""

    name = "single_layer"
    summary = "single-layer sigmoid nets, supervised (Chalmers 1990): w, a, o, t"
    requires = frozenset({"single_layer_weights", "binary_targets"})
    coefficient_families = ("chalmers",)
    variables = ("w", "a", "o", "t")
    known_trees = {"delta": lambda rate=None: scaled(rate, "mul(a, sub(t, o))"),
                   "hebb": lambda rate=None: scaled(rate, "mul(a, o)"),
                   "none": lambda rate=None: "0.0"}
    known_labels = {"delta": "the delta rule", "hebb": "Hebb's rule", "none": "no learning"}
    forms = (("delta", lambda v: v["a"] * (v["t"] - v["o"])),)
    probe_special = {"w": (0.0,), "a": (-1.0, 0.0, 1.0), "o": SIGMOID_SPECIAL, "t": (0.0, 1.0)}
    register_layout = (0, (0, 1, 0, 1), (0, 0, 1, 1))     # interpreter code; kinds, rows of w, a, o, t

    def coefficient_curves(self, family, coef, tasks, settings):
        return learning_curves(coef, tasks, settings.n_epochs, settings.clip)

    serial_updates = SERIAL_UPDATES     # pooled calls smaller than this: one thread

    def pool_tasks(self, task_sets: list) -> tuple:
        """Task sets as one pool for pooled_curves (pool_tasks)."""
        return pool_tasks(task_sets)

    def pooled_curves(self, family, groups, pool, settings, serial=None) -> list:
        """coefficient_curves of several groups of rules, each on its own tasks of the
        pool, in one kernel call (pooled_learning_curves)."""
        return pooled_learning_curves(groups, pool, settings.n_epochs, settings.clip, serial)


LEARNER = SingleLayer()
