"""Single-layer learners trained by symbolic (program) rules; see kernels/symbolic.py."""
from __future__ import annotations

import numpy as np

from ..tasks import TaskSet


def synapse_views(tasks: TaskSet) -> dict:
    """The layout the interpreter kernel runs on: tasks in lockstep, in blocks of LANES.

    A segment is one (task, output) pair. Segments are sorted by decreasing
    pattern count, then decreasing input count (stable), and cut into blocks
    of LANES segments (the last padded with empty ones). A block's synapses
    are stored input-major, (rows, LANES), rows being its largest input
    count, so a forward pass is one SIMD multiply-add per input: each
    segment's sum still runs over its inputs in order, and padded synapses
    (input 0, weight 0) add exact zeros. The blocks still learning at pattern
    p form a prefix; inside it, `mask` says which synapses really learn at p
    (padding and finished tasks do not). Every synapse array is (.., S) with
    S = sum(rows) * LANES.
    """
    from ..kernels.symbolic import LANES, SEG_PAD
    P = tasks.X.shape[1]
    order = np.lexsort((-tasks.n_inputs, -tasks.n_patterns))
    # The reward learner's noise is indexed by segment in pattern-count order
    # (stable), independent of this layout.
    by_patterns = np.argsort(-tasks.n_patterns, kind="stable")
    first_out = np.zeros(len(tasks), dtype=np.int64)
    first_out[by_patterns] = np.cumsum(tasks.n_outputs[by_patterns]) - tasks.n_outputs[by_patterns]
    seg_task = np.repeat(order, tasks.n_outputs[order])
    seg_j = np.concatenate([np.arange(tasks.n_outputs[t]) for t in order])
    G = len(seg_task)
    B = -(-G // LANES)
    pad = -(-G // SEG_PAD) * SEG_PAD - G
    n_in = np.concatenate([tasks.n_inputs[seg_task], np.zeros(pad, dtype=np.int64)])
    n_pat = np.concatenate([tasks.n_patterns[seg_task], np.zeros(pad, dtype=np.int64)])
    rows = n_in[:B * LANES].reshape(B, LANES).max(axis=1)
    block_start = np.concatenate([[0], np.cumsum(rows * LANES)]).astype(np.int64)
    S = int(block_start[-1])
    A = np.zeros((P, S))
    M = np.zeros((P, S), dtype=np.bool_)
    W0 = np.zeros(S)
    T_seg = np.zeros((P, G + pad))
    T_syn = np.zeros((P, S))
    for g in range(G):
        task, j = seg_task[g], seg_j[g]
        n_p, n_i = tasks.n_patterns[task], tasks.n_inputs[task]
        b, lane = divmod(g, LANES)
        cols = block_start[b] + np.arange(rows[b]) * LANES + lane
        A[:n_p, cols[:n_i]] = tasks.X[task, :n_p, :n_i]
        M[:n_p, cols[:n_i]] = True
        W0[cols[:n_i]] = tasks.W0[task, j, :n_i]
        T_seg[:n_p, g] = tasks.Y[task, :n_p, j]
        T_syn[:n_p, cols] = T_seg[:n_p, g:g + 1]
    n_blocks_active = np.array([-(-(n_pat > p).sum() // LANES) for p in range(P)],
                               dtype=np.int64)
    return {"W0": W0, "A": A, "PV": np.ascontiguousarray(np.stack([A, T_syn], axis=1)),
            "mask": M, "T_seg": T_seg, "live": np.arange(P)[:, None] < n_pat[None, :],
            "block_start": block_start, "rows": rows.astype(np.int64),
            "n_blocks_active": n_blocks_active, "seg_task": seg_task.astype(np.int64),
            "seg_noise": np.concatenate([first_out[seg_task] + seg_j,
                                         np.zeros(pad, dtype=np.int64)]).astype(np.int64),
            "scale": 1.0 / (tasks.n_patterns * tasks.n_outputs).astype(np.float64)}


def interpreter_curves(programs, tasks: TaskSet, n_epochs: int, clip: float, views: dict | None,
                       layout: tuple, eta: float = 1.0, noise_seed: int = 0) -> np.ndarray:
    """Learning curves (R, T, n_epochs + 1) of compiled programs on single-layer neurons.

    programs: (ops, args, lengths, depth); layout: (learner code of the
    interpreter kernel: 0 sigmoid supervised, 1 linear student, 2 stochastic
    sigmoid on reward; var_kind; var_row), the learner's variables' places in
    the kernel (see kernels/symbolic.train_programs). Each update is
    w += eta * rule(...), clipped to [-clip, clip].
    """
    ops, args, lengths, depth = programs
    if n_epochs < 0 or not clip > 0:
        raise ValueError("n_epochs must be >= 0 and clip > 0")
    code, kind, row = layout
    R, T = ops.shape[0], len(tasks)
    if R == 0 or T == 0:
        return np.zeros((R, T, n_epochs + 1))
    v = views if views is not None else synapse_views(tasks)
    perf = np.zeros((R, T, n_epochs + 1))
    from ..kernels.symbolic import train_programs
    train_programs(np.ascontiguousarray(ops, dtype=np.int32),
                   np.ascontiguousarray(args, dtype=np.float64),
                   np.ascontiguousarray(lengths, dtype=np.int64), int(depth),
                   v["W0"], v["A"], v["PV"], v["mask"], v["T_seg"], v["live"],
                   v["block_start"], v["rows"], v["n_blocks_active"], v["seg_task"],
                   v["seg_noise"], v["scale"], int(n_epochs), float(clip), int(code),
                   float(eta), np.array(kind, dtype=np.int64), np.array(row, dtype=np.int64),
                   int(noise_seed), perf)
    return perf


class InterpreterLearner:
    """Mixin of the learners whose symbolic rules run on the single-layer interpreter
    (kernels/symbolic.train_programs); register_layout names their kernel code."""

    register_layout: tuple = ()

    def program_views(self, tasks):
        return synapse_views(tasks)

    def program_curves(self, programs, tasks, settings, eta, views=None, noise_seed=0):
        return interpreter_curves(programs, tasks, settings.n_epochs, settings.clip, views,
                                  self.register_layout, eta, noise_seed)


def program_args(programs) -> tuple:
    """(ops int32, args float64, lengths int64, depth) as the kernels take them."""
    ops, args, lengths, depth = programs
    return (np.ascontiguousarray(ops, dtype=np.int32), np.ascontiguousarray(args, dtype=np.float64),
            np.ascontiguousarray(lengths, dtype=np.int64), int(depth))


# Register rows of the net learners' variables (kernels/symbolic_nets.py: 0 w, 1 a, 2 o, 3 m/f),
# in the order a, o, w, m (or f).
NET_LAYOUT = ((0, 0, 0, 0), (1, 2, 0, 3))
