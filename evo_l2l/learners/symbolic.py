"""Single-layer learners trained by symbolic (program) rules; see kernels/symbolic.py."""
from __future__ import annotations

import numpy as np

from ..tasks import TaskSet


def synapse_views(tasks: TaskSet) -> dict:
    """The packed layout the interpreter kernel runs on (no padding, tasks in lockstep).

    Tasks are sorted by decreasing pattern count (stable) and their synapses
    packed task after task, output after output; a segment is one (task,
    output) pair. At pattern p the tasks that still have a pattern p form a
    prefix, so the kernel works on a prefix of every array.
    """
    order = np.argsort(-tasks.n_patterns, kind="stable").astype(np.int64)
    P = tasks.X.shape[1]
    seg_len, seg_task, rows_a, rows_t, w0 = [], [], [], [], []
    for k, task in enumerate(order):
        n_p, n_i, n_o = tasks.n_patterns[task], tasks.n_inputs[task], tasks.n_outputs[task]
        for j in range(n_o):
            seg_len.append(n_i)
            seg_task.append(k)
            a = np.zeros((P, n_i)); a[:n_p] = tasks.X[task, :n_p, :n_i]
            t = np.zeros((P, 1)); t[:n_p, 0] = tasks.Y[task, :n_p, j]
            rows_a.append(a)
            rows_t.append(t)
            w0.append(tasks.W0[task, j, :n_i])
    seg_start = np.concatenate([[0], np.cumsum(seg_len)]).astype(np.int64)
    seg_of = np.repeat(np.arange(len(seg_len)), seg_len).astype(np.int64)
    A = np.ascontiguousarray(np.hstack(rows_a))
    T_seg = np.ascontiguousarray(np.hstack(rows_t))
    T_pat = np.ascontiguousarray(T_seg[:, seg_of])
    n_p_seg = tasks.n_patterns[order][np.array(seg_task)]
    n_seg_active = np.array([(n_p_seg > p).sum() for p in range(P)], dtype=np.int64)
    ordered = tasks.n_patterns[order] * tasks.n_outputs[order]
    PV = np.ascontiguousarray(np.stack([A, T_pat], axis=1))
    return {"order": order, "W0_packed": np.concatenate(w0), "A_pat": A, "PV": PV,
            "T_seg": T_seg, "seg_start": seg_start, "seg_of": seg_of,
            "seg_task": np.array(seg_task, dtype=np.int64), "n_seg_active": n_seg_active,
            "scale": 1.0 / ordered.astype(np.float64)}


# learner name -> (kernel code, var_kind, var_row) for its variables, in the
# order rules/symbolic.VARIABLES lists them (see kernels/symbolic.train_programs).
LEARNER_LAYOUT = {
    "single_layer": (0, (0, 1, 0, 1), (0, 0, 1, 1)),   # w, a, o, t
    "student": (1, (1, 0, 1), (1, 1, 0)),              # u_target, u, psp
    "reward": (2, (0, 0), (2, 3)),                     # R, E
}


def program_curves(programs, tasks: TaskSet, n_epochs: int = 10, clip: float = 20.0,
                   views: dict | None = None, learner: str = "single_layer", eta: float = 1.0,
                   noise_seed: int = 0) -> np.ndarray:
    """Learning curves (R, T, n_epochs + 1) of compiled programs (ops, args, lengths, depth).

    learner: single_layer (sigmoid, supervised), student (linear neuron
    matching a teacher) or reward (stochastic sigmoid neuron, reward only).
    Each update is w += eta * rule(...), clipped to [-clip, clip].
    """
    ops, args, lengths, depth = programs
    if n_epochs < 0 or not clip > 0:
        raise ValueError("n_epochs must be >= 0 and clip > 0")
    if learner not in LEARNER_LAYOUT:
        raise ValueError(f"unknown learner {learner!r}; known: {', '.join(LEARNER_LAYOUT)}")
    code, kind, row = LEARNER_LAYOUT[learner]
    R, T = ops.shape[0], len(tasks)
    if R == 0 or T == 0:
        return np.zeros((R, T, n_epochs + 1))
    v = views if views is not None else synapse_views(tasks)
    packed = np.zeros((R, T, n_epochs + 1))
    from ..kernels.symbolic import train_programs
    train_programs(np.ascontiguousarray(ops, dtype=np.int32),
                   np.ascontiguousarray(args, dtype=np.float64),
                   np.ascontiguousarray(lengths, dtype=np.int64), int(depth),
                   v["W0_packed"], v["A_pat"], v["PV"], v["T_seg"], v["seg_start"],
                   v["seg_of"], v["seg_task"], v["n_seg_active"], v["scale"],
                   int(n_epochs), float(clip), int(code), float(eta),
                   np.array(kind, dtype=np.int64), np.array(row, dtype=np.int64),
                   int(noise_seed), packed)
    perf = np.empty_like(packed)
    perf[:, v["order"]] = packed
    return perf
